// Package weaviateproc starts and stops a local weaviate-server process on
// free loopback ports. colstate's embedded mode and the test helpers in
// internal/weaviatetest both use it.
package weaviateproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// Version is the weaviate-server release colstate is built and tested against.
const Version = "v1.35.2"

// InstallHint tells a user how to get the server binary.
const InstallHint = "install it with: go install github.com/weaviate/weaviate/cmd/weaviate-server@" + Version +
	" (or run `make weaviate`), and make sure $(go env GOPATH)/bin is on PATH"

// ErrNoBinary is returned when weaviate-server cannot be found.
var ErrNoBinary = errors.New("weaviate-server not found on PATH or in GOBIN")

// FindBinary looks for weaviate-server on PATH, then in GOBIN and GOPATH/bin.
func FindBinary() (string, error) {
	if p, err := exec.LookPath("weaviate-server"); err == nil {
		return p, nil
	}
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	if gopath := os.Getenv("GOPATH"); gopath != "" {
		dirs = append(dirs, filepath.Join(filepath.SplitList(gopath)[0], "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "weaviate-server")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNoBinary, InstallHint)
}

// Options configure a server.
type Options struct {
	Binary  string            // path to weaviate-server; found with FindBinary when empty
	DataDir string            // PERSISTENCE_DATA_PATH; required
	Env     map[string]string // extra environment, e.g. AUTHENTICATION_APIKEY_ENABLED
	Log     io.Writer         // server stdout/stderr; discarded when nil
	// StartTimeout bounds the wait for /v1/.well-known/ready.
	StartTimeout time.Duration
	// Ports to use; zero picks free ones. Tests that restart a server on the
	// same data need the same ports again.
	HTTPPort, GRPCPort int
	// NoWait returns as soon as the process runs, without waiting for
	// /v1/.well-known/ready: a cluster's first node is not ready before the
	// others have joined it. The caller waits (WaitReady, or its own check).
	NoWait bool
}

// Server is a running weaviate-server.
type Server struct {
	URL      string // http://127.0.0.1:PORT
	GRPCAddr string // 127.0.0.1:PORT
	HTTPPort int
	GRPCPort int
	DataDir  string // Options.DataDir: tests look at what the server keeps on disk
	cmd      *exec.Cmd
	done     chan struct{}
	waitErr  error
}

// Start launches weaviate-server and waits until it is ready.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.DataDir == "" {
		return nil, errors.New("weaviateproc: DataDir is required")
	}
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = FindBinary(); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, err
	}
	ports, err := FreePorts(6)
	if err != nil {
		return nil, err
	}
	// weaviate-server v1.27.0 refuses to start unless the data port is the
	// gossip port + 1 ("CLUSTER_DATA_BIND_PORT must be one port number
	// greater than CLUSTER_GOSSIP_BIND_PORT"); newer ones accept that too.
	pair, err := FreePortPairs(1, ports)
	if err != nil {
		return nil, err
	}
	ports[2] = pair[0]
	ports[3] = ports[2] + 1
	if opts.HTTPPort != 0 {
		ports[0] = opts.HTTPPort
	}
	if opts.GRPCPort != 0 {
		ports[1] = opts.GRPCPort
	}
	httpPort, grpcPort := ports[0], ports[1]
	env := map[string]string{
		"PERSISTENCE_DATA_PATH":                   opts.DataDir,
		"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "true",
		"DEFAULT_VECTORIZER_MODULE":               "none",
		"CLUSTER_HOSTNAME":                        "node1",
		"CLUSTER_ADVERTISE_ADDR":                  "127.0.0.1",
		"CLUSTER_GOSSIP_BIND_PORT":                strconv.Itoa(ports[2]),
		"CLUSTER_DATA_BIND_PORT":                  strconv.Itoa(ports[3]),
		"RAFT_PORT":                               strconv.Itoa(ports[4]),
		"RAFT_INTERNAL_RPC_PORT":                  strconv.Itoa(ports[5]),
		"RAFT_BOOTSTRAP_EXPECT":                   "1",
		"GRPC_PORT":                               strconv.Itoa(grpcPort),
		"GO_PROFILING_DISABLE":                    "true",
		"DISABLE_TELEMETRY":                       "true",
		"LOG_LEVEL":                               "warning",
		"PROMETHEUS_MONITORING_ENABLED":           "false",
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--port", strconv.Itoa(httpPort), "--scheme", "http")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := opts.Log
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: a Ctrl-C meant for colstate must not kill the
	// server before colstate has stopped it cleanly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start weaviate-server: %w", err)
	}
	s := &Server{
		URL:      fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		GRPCAddr: fmt.Sprintf("127.0.0.1:%d", grpcPort),
		HTTPPort: httpPort,
		GRPCPort: grpcPort,
		DataDir:  opts.DataDir,
		cmd:      cmd,
		done:     make(chan struct{}),
	}
	go func() { s.waitErr = cmd.Wait(); close(s.done) }()

	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	if opts.NoWait {
		return s, nil
	}
	if err := s.WaitReady(ctx, timeout); err != nil {
		s.Kill()
		return nil, err
	}
	return s, nil
}

// Pid is the server process's id (the bench counts its open files).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Exited is closed once the server process has exited.
func (s *Server) Exited() <-chan struct{} { return s.done }

// ExitErr is how the process ended; call it after Exited is closed.
func (s *Server) ExitErr() error { return s.waitErr }

// WaitReady polls /v1/.well-known/ready until it answers 200, the process
// exits, timeout passes or ctx ends.
func (s *Server) WaitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(s.URL + "/v1/.well-known/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("weaviate-server exited before it was ready: %v", s.waitErr)
		case <-deadline.C:
			return fmt.Errorf("weaviate-server not ready after %s at %s", timeout, s.URL)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Stop asks the server to shut down (SIGTERM) and waits for it; after
// timeout it is killed.
func (s *Server) Stop(timeout time.Duration) error {
	if s == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return nil
	case <-time.After(timeout):
		s.Kill()
		return fmt.Errorf("weaviate-server did not stop within %s; killed", timeout)
	}
}

// Kill stops the server at once (SIGKILL) and waits for it to exit.
func (s *Server) Kill() {
	if s == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// FreePorts asks the kernel for n distinct free loopback ports.
func FreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// FreePortPairs finds n free loopback ports P whose P+1 is free too, none
// of them (P or P+1) among avoid and no two pairs overlapping. Weaviate
// needs such pairs: before 1.28 its data port must be its gossip port + 1,
// and on one host (CLUSTER_IN_LOCALHOST) it finds a node's data and Raft
// RPC ports at gossip + 1 and Raft + 1.
func FreePortPairs(n int, avoid []int) ([]int, error) {
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	var out []int
	for len(out) < n {
		if len(held) > 200 {
			return nil, errors.New("find two adjacent free loopback ports: none after 200 tries")
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		held = append(held, l)
		p := l.Addr().(*net.TCPAddr).Port
		if slices.Contains(avoid, p) || slices.Contains(avoid, p+1) {
			continue
		}
		next, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+1))
		if err != nil {
			continue
		}
		held = append(held, next)
		out = append(out, p)
	}
	return out, nil
}
