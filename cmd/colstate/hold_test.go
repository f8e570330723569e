package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// heldApply is a real `colstate apply` process waiting at its confirmation
// prompt, holding the state lock, so a script can run a second colstate
// against the same state at the same time.
type heldApply struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	out   bytes.Buffer
	done  chan error
}

var held = map[*testscript.TestScript]*heldApply{}
var heldMu sync.Mutex

// holdCmd implements:
//
//	hold apply [ARGS...]   start colstate apply and wait until it asks for confirmation
//	hold answer TEXT       answer the held apply and wait for it to exit (its output goes to stdout)
func holdCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: hold apply [ARGS...] | hold answer TEXT")
	}
	heldMu.Lock()
	defer heldMu.Unlock()
	switch args[0] {
	case "apply":
		// testscript puts its commands on the script's PATH, not ours.
		path := lookPathIn("colstate", ts.Getenv("PATH"))
		if path == "" {
			ts.Fatalf("colstate is not on the script's PATH")
		}
		var err error
		h := &heldApply{done: make(chan error, 1)}
		h.cmd = exec.Command(path, append([]string{"apply"}, args[1:]...)...)
		h.cmd.Dir = ts.Getenv("WORK")
		h.cmd.Env = scriptEnv(ts)
		h.stdin, err = h.cmd.StdinPipe()
		ts.Check(err)
		stdout, err := h.cmd.StdoutPipe()
		ts.Check(err)
		h.cmd.Stderr = &lockedWriter{h}
		ts.Check(h.cmd.Start())
		prompt := make(chan struct{})
		go func() {
			r := bufio.NewReader(stdout)
			var once sync.Once
			buf := make([]byte, 4096)
			for {
				n, err := r.Read(buf)
				h.mu.Lock()
				h.out.Write(buf[:n])
				asked := strings.Contains(h.out.String(), "Enter a value:")
				h.mu.Unlock()
				if asked {
					once.Do(func() { close(prompt) })
				}
				if err != nil {
					break
				}
			}
			h.done <- h.cmd.Wait()
		}()
		select {
		case <-prompt:
		case err := <-h.done:
			ts.Fatalf("colstate apply exited before asking: %v\n%s", err, h.output())
		case <-time.After(60 * time.Second):
			_ = h.cmd.Process.Kill()
			ts.Fatalf("colstate apply did not ask for confirmation within 60s:\n%s", h.output())
		}
		held[ts] = h
	case "answer":
		h := held[ts]
		if h == nil {
			ts.Fatalf("no held apply")
		}
		delete(held, ts)
		_, err := io.WriteString(h.stdin, strings.Join(args[1:], " ")+"\n")
		ts.Check(err)
		h.stdin.Close()
		err = <-h.done
		ts.Stdout().Write([]byte(h.output()))
		if (err != nil) != neg {
			ts.Fatalf("held apply: %v", err)
		}
	default:
		ts.Fatalf("hold: unknown subcommand %q", args[0])
	}
}

type lockedWriter struct{ h *heldApply }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	return w.h.out.Write(p)
}

func (h *heldApply) output() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String()
}

func scriptEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "WEAVIATE_URL", "WEAVIATE_GRPC_URL", "NO_COLOR", "WORK",
		// a state in a bucket: its URL and the credentials (ci_recipe)
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_EC2_METADATA_DISABLED",
		"COLSTATE_STATE_URL", "COLSTATE_SNAPSHOT_URL"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return env
}

func lookPathIn(name, pathList string) string {
	for _, dir := range strings.Split(pathList, ":") {
		p := dir + "/" + name
		if fi, err := statFile(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

var statFile = os.Stat
