package main

// Helpers for the fault-injection tests (faults_*_test.go): a colstate
// working directory, the real colstate binary run as a subprocess, a
// 20K-object source collection, content digests read straight from the
// server, and toxiproxy proxies in front of a server's REST and gRPC ports.

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviateproc"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// retryEnv shortens the retry budget of a colstate child process:
// "ATTEMPTS/INITIAL/MAX", e.g. "6/20ms/200ms". The test binary is also the
// colstate command (testscript.Main), so this runs in the child.
const retryEnv = "COLSTATE_TEST_RETRY"

func init() {
	// toxiproxy's toxics log through zerolog's global logger.
	zerolog.SetGlobalLevel(zerolog.Disabled)
	v := os.Getenv(retryEnv)
	if v == "" {
		return
	}
	parts := strings.Split(v, "/")
	if len(parts) != 3 {
		return
	}
	n, err1 := strconv.Atoi(parts[0])
	ini, err2 := time.ParseDuration(parts[1])
	mx, err3 := time.ParseDuration(parts[2])
	if err1 == nil && err2 == nil && err3 == nil {
		live.DefaultBackoff = live.Backoff{Attempts: n, Initial: ini, Max: mx}
	}
}

// faultObjects is the size of the fault tests' source collection: 20K small
// objects (16-dimensional vectors) keep each backup and restore to seconds.
const (
	faultObjects = 20_000
	faultDims    = 16
)

// rig is one colstate working directory talking to one Weaviate (directly
// or through proxies).
type rig struct {
	t        *testing.T
	dir      string
	url      string // what colstate is configured with
	grpcAddr string
	apiKey   string
	extraEnv []string
	procs    []*proc // every colstate run, for tests that scan all output
}

const rigHCL = `weaviate {
  url      = env("WEAVIATE_URL", "")
  grpc_url = env("WEAVIATE_GRPC_URL", "")
  api_key  = env("WEAVIATE_API_KEY", "")
}
`

func newRig(t *testing.T, url, grpcAddr string) *rig {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(rigHCL), 0o600); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, dir: dir, url: url, grpcAddr: grpcAddr}
}

func (r *rig) env() []string {
	env := append(os.Environ(),
		"WEAVIATE_URL="+r.url, "WEAVIATE_GRPC_URL="+r.grpcAddr, "NO_COLOR=1",
		"WEAVIATE_API_KEY="+r.apiKey)
	return append(env, r.extraEnv...)
}

// proc is a colstate subprocess with its output captured.
type proc struct {
	cmd            *exec.Cmd
	mu             sync.Mutex
	stdout, stderr bytes.Buffer
	done           chan struct{}
	err            error
	started        time.Time
	elapsed        time.Duration
}

type lockedBuf struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// start runs colstate ARGS in the background, with no standard input.
func (r *rig) start(args ...string) *proc {
	r.t.Helper()
	return r.startCmd(nil, args...)
}

func (r *rig) startCmd(stdin *os.File, args ...string) *proc {
	r.t.Helper()
	p := &proc{done: make(chan struct{})}
	p.cmd = exec.Command("colstate", args...)
	if stdin != nil {
		p.cmd.Stdin = stdin
	}
	p.cmd.Dir = r.dir
	p.cmd.Env = r.env()
	p.cmd.Stdout = lockedBuf{&p.mu, &p.stdout}
	p.cmd.Stderr = lockedBuf{&p.mu, &p.stderr}
	p.started = time.Now()
	r.procs = append(r.procs, p)
	if err := p.cmd.Start(); err != nil {
		r.t.Fatalf("start colstate: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		p.elapsed = time.Since(p.started)
		close(p.done)
	}()
	r.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the process and returns its exit code.
func (p *proc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("colstate %v did not finish within %s:\n%s", p.cmd.Args[1:], timeout, p.output())
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to die.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "stdout:\n" + p.stdout.String() + "stderr:\n" + p.stderr.String()
}

func (p *proc) stdoutString() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

func (p *proc) stderrString() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// run runs colstate ARGS to the end and returns the process.
func (r *rig) run(args ...string) (*proc, int) {
	r.t.Helper()
	p := r.start(args...)
	code := p.wait(r.t, 4*time.Minute)
	return p, code
}

// mustRun runs colstate ARGS and fails the test unless it exits 0.
func (r *rig) mustRun(args ...string) *proc {
	r.t.Helper()
	p, code := r.run(args...)
	if code != 0 {
		r.t.Fatalf("colstate %v: exit %d\n%s", args, code, p.output())
	}
	return p
}

// store is the rig's default snapshot store.
func (r *rig) store() string { return filepath.Join(r.dir, ".colstate", "snapshots") }

// faultClass is the fault tests' collection: a few scalar and array
// properties and one 16-dimensional vector.
func faultClass(name string) live.Class {
	prop := func(n, t string) map[string]any { return map[string]any{"name": n, "dataType": []any{t}} }
	return live.Class{
		"class":      name,
		"vectorizer": "none",
		// A flat index: the tests are about the transport, and HNSW
		// indexing would make every restore several times slower.
		"vectorIndexType": "flat",
		"properties":      []any{prop("title", "text"), prop("n", "int"), prop("price", "number"), prop("tags", "text[]"), prop("ok", "boolean")},
	}
}

// faultObject i of the source collection, generated from i alone.
func faultObject(i int) *object.Object {
	r := rand.New(rand.NewPCG(uint64(i), 6))
	v := make([]float32, faultDims)
	for j := range v {
		v[j] = r.Float32()*2 - 1
	}
	return &object.Object{
		ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", 6, i),
		Properties: map[string]any{
			"title": fmt.Sprintf("object %d: %x", i, r.Uint64()),
			"n":     int64(i) * 1_000_003,
			"price": float64(r.IntN(1_000_000)) / 100,
			"tags":  []any{"t" + strconv.Itoa(i%7), "t" + strconv.Itoa(i%11)},
			"ok":    i%3 == 0,
		},
		Vectors: map[string][]float32{"": v},
	}
}

// seed creates collection name on c with n fault objects and returns their
// digest, as computed from the objects themselves.
func seed(t *testing.T, c *live.Client, name string, n int) object.Digest {
	t.Helper()
	ctx := context.Background()
	if err := c.CreateRaw(ctx, faultClass(name)); err != nil {
		t.Fatal(err)
	}
	cl, err := c.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	w := c.NewBatchWriter(ctx, live.SchemaOf(cl), name, 500, 2)
	var d object.Digest
	for i := range n {
		o := faultObject(i)
		d.Add(o.Hash())
		if err := w.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return d
}

// liveDigest reads a collection back from the server and digests it.
func liveDigest(t *testing.T, c *live.Client, name string) object.Digest {
	t.Helper()
	ctx := context.Background()
	cl, err := c.Class(ctx, name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	var d object.Digest
	err = c.ReadObjects(ctx, live.SchemaOf(cl), live.ReadOptions{PageSize: 1000}, func(o *object.Object) error {
		d.Add(o.Hash())
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return d
}

func liveCount(c *live.Client, name string) int64 {
	n, err := c.Count(context.Background(), name, "")
	if err != nil {
		return -1
	}
	return n
}

// directClient talks to a server without proxies, with a short retry budget.
func directClient(t *testing.T, url, grpcAddr, apiKey string) *live.Client {
	t.Helper()
	c, err := live.New(live.Options{URL: url, GRPCURL: grpcAddr, APIKey: apiKey})
	if err != nil {
		t.Fatal(err)
	}
	c.Retry = live.Backoff{Attempts: 3, Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	t.Cleanup(func() { c.Close() })
	return c
}

var (
	sourceOnce   sync.Once
	sourceDigest object.Digest
)

// faultSource is a 20K-object collection on the package's shared server,
// seeded once for every fault test that only reads it.
func faultSource(t *testing.T) (*weaviateproc.Server, string, object.Digest) {
	t.Helper()
	srv := weaviatetest.Server(t)
	const name = "FaultSource"
	sourceOnce.Do(func() {
		start := time.Now()
		c := directClient(t, srv.URL, srv.GRPCAddr, "")
		sourceDigest = seed(t, c, name, faultObjects)
		t.Logf("seeded %s with %d objects in %s", name, faultObjects, time.Since(start).Round(time.Millisecond))
	})
	if sourceDigest.Count != faultObjects {
		t.Fatal("the fault source collection could not be seeded")
	}
	return srv, name, sourceDigest
}

// proxies are toxiproxy proxies in front of one server's REST and gRPC
// ports, in this process, on loopback.
type proxies struct {
	rest, grpc *toxiproxy.Proxy
}

func newProxies(t *testing.T, srv *weaviateproc.Server) *proxies {
	t.Helper()
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	mk := func(name, upstream string) *toxiproxy.Proxy {
		p := toxiproxy.NewProxy(api, name, "127.0.0.1:0", upstream)
		if err := p.Start(); err != nil {
			t.Fatalf("start proxy %s: %v", name, err)
		}
		t.Cleanup(p.Stop)
		return p
	}
	return &proxies{
		rest: mk("rest", strings.TrimPrefix(srv.URL, "http://")),
		grpc: mk("grpc", srv.GRPCAddr),
	}
}

func (px *proxies) restURL() string  { return "http://" + px.rest.Listen }
func (px *proxies) grpcAddr() string { return px.grpc.Listen }

func (px *proxies) all() []*toxiproxy.Proxy { return []*toxiproxy.Proxy{px.rest, px.grpc} }

// addToxic adds a toxic (toxiproxy's JSON form) to p.
func addToxic(t *testing.T, p *toxiproxy.Proxy, js string) {
	t.Helper()
	if _, err := p.Toxics.AddToxicJson(strings.NewReader(js)); err != nil {
		t.Fatalf("add toxic %s to %s: %v", js, p.Name, err)
	}
}

func removeToxic(t *testing.T, p *toxiproxy.Proxy, name string) {
	t.Helper()
	if err := p.Toxics.RemoveToxic(context.Background(), name); err != nil {
		t.Fatalf("remove toxic %s from %s: %v", name, p.Name, err)
	}
}

// bounce closes every connection through p: the proxy stops listening and
// starts again on the same address.
func bounce(t *testing.T, p *toxiproxy.Proxy) {
	t.Helper()
	p.Stop()
	if err := p.Start(); err != nil {
		t.Fatalf("restart proxy %s: %v", p.Name, err)
	}
}

// snapshotsListed is what colstate snapshot list prints (a run that failed
// part-way must leave no snapshot behind).
func (r *rig) snapshotsListed() string {
	p := r.mustRun("snapshot", "list")
	return p.stdoutString()
}
