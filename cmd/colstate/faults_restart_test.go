package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/weaviateproc"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// restartable is a private weaviate-server that can be stopped and started
// again on the same data directory and the same ports (REST, gRPC, gossip,
// data, raft): a restart, not a new server.
type restartable struct {
	t    *testing.T
	dir  string // data and server.log
	opts weaviateproc.Options
	srv  *weaviateproc.Server
}

func newRestartable(t *testing.T, env map[string]string) *restartable {
	t.Helper()
	if ok, err := weaviatetest.Available(); !ok {
		weaviatetest.Server(t) // fails under CI=true, skips elsewhere
		t.Fatal(err)
	}
	dir := t.TempDir()
	ports := freeTCPPorts(t, 6)
	all := map[string]string{
		"CLUSTER_GOSSIP_BIND_PORT": strconv.Itoa(ports[2]),
		"CLUSTER_DATA_BIND_PORT":   strconv.Itoa(ports[3]),
		"RAFT_PORT":                strconv.Itoa(ports[4]),
		"RAFT_INTERNAL_RPC_PORT":   strconv.Itoa(ports[5]),
	}
	for k, v := range env {
		all[k] = v
	}
	logf, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	r := &restartable{t: t, dir: dir, opts: weaviateproc.Options{
		DataDir: filepath.Join(dir, "data"), Env: all, Log: logf,
		HTTPPort: ports[0], GRPCPort: ports[1],
	}}
	r.start()
	t.Cleanup(func() {
		if r.srv != nil {
			_ = r.srv.Stop(30 * time.Second)
		}
	})
	return r
}

func (r *restartable) start() {
	r.t.Helper()
	srv, err := weaviateproc.Start(context.Background(), r.opts)
	if err != nil {
		r.t.Fatalf("start weaviate-server on %s: %v", r.opts.DataDir, err)
	}
	r.srv = srv
}

// stop stops the server with SIGTERM (graceful) or SIGKILL.
func (r *restartable) stop(kill bool) {
	r.t.Helper()
	if kill {
		r.srv.Kill()
	} else if err := r.srv.Stop(60 * time.Second); err != nil {
		r.t.Fatal(err)
	}
	r.srv = nil
}

func freeTCPPorts(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out
}

// TestServerRestartDuringRestore stops weaviate-server in the middle of a
// restore of 20K objects, with SIGTERM and then with SIGKILL, and starts it
// again on the same data directory and ports. The interrupted restore fails
// with a clear error once its retry budget is spent; run again, it
// completes the collection, and the content digest equals the source's.
func TestServerRestartDuringRestore(t *testing.T) {
	t.Parallel() // with the other fault tests: much of their time is throttled streams and server restarts
	ws := newRestartable(t, nil)
	srv := ws.srv
	direct := directClient(t, srv.URL, srv.GRPCAddr, "")
	want := seed(t, direct, "RestartSource", faultObjects)
	r := newRig(t, srv.URL, srv.GRPCAddr)
	r.extraEnv = []string{retryEnv + "=4/50ms/200ms"}
	r.mustRun("backup", "-auto-approve", "--id", "full", "RestartSource")

	for _, kill := range []bool{false, true} {
		signal := map[bool]string{false: "SIGTERM", true: "SIGKILL"}[kill]
		target := "Restart" + strings.ToUpper(signal[3:4]) + strings.ToLower(signal[4:])
		p := r.start("restore", "-auto-approve", "--as", target, "full")
		at := waitForCount(t, direct, target, p, 4000)
		ws.stop(kill)
		code := p.wait(t, 2*time.Minute)
		ws.start()
		left := liveCount(direct, target)
		t.Logf("%s at %d objects written: restore exit %d; after the restart %s holds %d objects", signal, at, code, target, left)
		if code != 1 {
			t.Fatalf("restore with the server stopped (%s): exit %d, want 1\n%s", signal, code, p.output())
		}
		if e := p.stderrString(); !strings.Contains(e, "Error: ") || !strings.Contains(e, "giving up after") {
			t.Fatalf("unclear failure after %s:\n%s", signal, p.output())
		}
		again := r.mustRun("restore", "-auto-approve", "--as", target, "full")
		out := again.stdoutString()
		if left > 0 && !strings.Contains(out, "completing an interrupted restore") {
			t.Fatalf("the re-run did not say it completes the interrupted restore:\n%s", again.output())
		}
		if !strings.Contains(out, "verified: object count and content digest match") {
			t.Fatalf("the re-run did not verify:\n%s", again.output())
		}
		if got := liveDigest(t, direct, target); got != want {
			t.Fatalf("after %s and a re-run %s has %d objects, digest %s; want %d, %s", signal, target, got.Count, got.String(), want.Count, want.String())
		}
	}
}

// waitForCount waits until collection name holds at least n objects while
// p is still running, and returns the count seen.
func waitForCount(t *testing.T, c interface {
	Count(context.Context, string, string) (int64, error)
}, name string, p *proc, n int64) int64 {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if !p.running() {
			t.Fatalf("colstate finished before %s held %d objects:\n%s", name, n, p.output())
		}
		if got, err := c.Count(context.Background(), name, ""); err == nil && got >= n {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never held %d objects:\n%s", name, n, p.output())
	return 0
}
