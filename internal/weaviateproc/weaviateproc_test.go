package weaviateproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeBinary writes an executable shell script named weaviate-server.
func fakeBinary(t *testing.T, dir, script string) string {
	t.Helper()
	p := filepath.Join(dir, "weaviate-server")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindBinary(t *testing.T) {
	gobin, home := t.TempDir(), t.TempDir()
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOBIN", "")
	t.Setenv("GOPATH", filepath.Join(t.TempDir(), "gopath"))
	t.Setenv("HOME", home)

	_, err := FindBinary()
	if !errors.Is(err, ErrNoBinary) || !strings.Contains(err.Error(), "go install github.com/weaviate/weaviate/cmd/weaviate-server@"+Version) {
		t.Fatalf("nothing installed: %v; want ErrNoBinary with the install hint", err)
	}

	// $HOME/go/bin, then GOBIN, then PATH: each found before the next one down.
	if err := os.MkdirAll(filepath.Join(home, "go", "bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	inHome := fakeBinary(t, filepath.Join(home, "go", "bin"), "exit 0")
	if p, err := FindBinary(); err != nil || p != inHome {
		t.Fatalf("found %q, %v; want %s", p, err, inHome)
	}
	inGOBIN := fakeBinary(t, gobin, "exit 0")
	t.Setenv("GOBIN", gobin)
	if p, err := FindBinary(); err != nil || p != inGOBIN {
		t.Fatalf("found %q, %v; want %s", p, err, inGOBIN)
	}
	pathDir := t.TempDir()
	onPath := fakeBinary(t, pathDir, "exit 0")
	t.Setenv("PATH", pathDir)
	if p, err := FindBinary(); err != nil || p != onPath {
		t.Fatalf("found %q, %v; want %s", p, err, onPath)
	}
}

// TestStartFailsClearly: a server that dies or never becomes ready is an
// error saying which, without waiting longer than asked.
func TestStartFailsClearly(t *testing.T) {
	ctx := context.Background()
	if _, err := Start(ctx, Options{Binary: "/bin/true"}); err == nil || !strings.Contains(err.Error(), "DataDir is required") {
		t.Errorf("no data dir: %v", err)
	}
	dir := t.TempDir()
	var log bytes.Buffer
	_, err := Start(ctx, Options{Binary: fakeBinary(t, dir, "echo cannot bind >&2; exit 3"), DataDir: filepath.Join(dir, "data"), Log: &log})
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready: exit status 3") {
		t.Errorf("dying server: %v", err)
	}
	if !strings.Contains(log.String(), "cannot bind") {
		t.Errorf("server output %q not passed to Log", log.String())
	}
	start := time.Now()
	_, err = Start(ctx, Options{Binary: fakeBinary(t, dir, "exec sleep 60"), DataDir: filepath.Join(dir, "data"), StartTimeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "not ready after 300ms") {
		t.Errorf("server never ready: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("gave up after %s, want about the 300ms asked (the process killed, not waited for)", d)
	}
	// NoWait (a cluster's first node) returns at once; WaitReady then
	// waits as Start would have.
	start = time.Now()
	s, err := Start(ctx, Options{Binary: fakeBinary(t, dir, "exec sleep 60"), DataDir: filepath.Join(dir, "data"), NoWait: true})
	if err != nil {
		t.Fatalf("NoWait: %v", err)
	}
	if err := s.WaitReady(ctx, 300*time.Millisecond); err == nil || !strings.Contains(err.Error(), "not ready after 300ms") {
		t.Errorf("WaitReady of a server never ready: %v", err)
	}
	s.Kill()
	select {
	case <-s.Exited():
	default:
		t.Error("Exited not closed after Kill")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("NoWait start, wait and kill took %s", d)
	}
	if _, err := Start(ctx, Options{Binary: filepath.Join(dir, "missing"), DataDir: filepath.Join(dir, "data")}); err == nil || !strings.Contains(err.Error(), "start weaviate-server") {
		t.Errorf("missing binary: %v", err)
	}
}

// TestStartStopRestart runs the real weaviate-server: ready when Start
// returns, gone after Stop, and back with its data when restarted on the
// same ports (what the restart tests and the embedded mode rely on).
func TestStartStopRestart(t *testing.T) {
	bin, err := FindBinary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("SKIPPED: %v", err)
	}
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	s, err := Start(ctx, Options{Binary: bin, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Kill()
	var meta struct{ Version string }
	getJSON(t, s.URL+"/v1/meta", &meta)
	if "v"+meta.Version != Version {
		t.Errorf("server version %s, want %s", meta.Version, Version)
	}
	if c, err := net.Dial("tcp", s.GRPCAddr); err != nil {
		t.Errorf("gRPC port: %v", err)
	} else {
		c.Close()
	}
	body := `{"class": "Kept", "vectorizer": "none"}`
	resp, err := http.Post(s.URL+"/v1/schema", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("create collection: %v %v", err, resp)
	}
	resp.Body.Close()

	if err := s.Stop(time.Minute); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	default:
		t.Fatal("Stop returned before the process exited")
	}
	if _, err := http.Get(s.URL + "/v1/meta"); err == nil {
		t.Fatal("server still answers after Stop")
	}

	again, err := Start(ctx, Options{Binary: bin, DataDir: data, HTTPPort: s.HTTPPort, GRPCPort: s.GRPCPort})
	if err != nil {
		t.Fatal(err)
	}
	if again.URL != s.URL || again.GRPCAddr != s.GRPCAddr {
		t.Errorf("restarted at %s %s, want %s %s", again.URL, again.GRPCAddr, s.URL, s.GRPCAddr)
	}
	var class struct{ Class string }
	getJSON(t, again.URL+"/v1/schema/Kept", &class)
	if class.Class != "Kept" {
		t.Errorf("collection lost across the restart: %+v", class)
	}
	again.Kill()
	select {
	case <-again.done:
	default:
		t.Fatal("Kill returned before the process exited")
	}
	var nilServer *Server
	if err := nilServer.Stop(time.Second); err != nil {
		t.Errorf("Stop of no server: %v", err)
	}
	nilServer.Kill()
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(fmt.Errorf("GET %s: %w", url, err))
	}
}

// TestFreePortPairs: each port P comes with P+1 free too, clear of the
// ports to avoid, and no two pairs overlap (a node's gossip and data ports,
// its Raft and Raft RPC ports).
func TestFreePortPairs(t *testing.T) {
	avoid, err := FreePorts(6)
	if err != nil {
		t.Fatal(err)
	}
	ports, err := FreePortPairs(6, avoid)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, a := range avoid {
		seen[a] = true
	}
	for _, p := range ports {
		for _, q := range []int{p, p + 1} {
			if seen[q] {
				t.Fatalf("port %d of %v given twice or among %v", q, ports, avoid)
			}
			seen[q] = true
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", q))
			if err != nil {
				t.Fatalf("port %d of %v is not free: %v", q, ports, err)
			}
			l.Close()
		}
	}
}
