package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/snapshot"
)

// TestNetworkFaults backs up and restores 20K objects through toxiproxy
// proxies on both the REST and the gRPC port: once under latency plus a
// bandwidth limit, once with every connection reset six times mid-stream. Every run must
// end with the restored collection's content digest equal to the source's.
func TestNetworkFaults(t *testing.T) {
	t.Parallel() // with the other fault tests: much of their time is throttled streams and server restarts
	srv, source, want := faultSource(t)
	direct := directClient(t, srv.URL, srv.GRPCAddr, "")
	cases := []struct {
		name string
		// toxics are added before the runs; disrupt, when set, runs
		// alongside each command and returns how many faults it injected.
		toxics  func(t *testing.T, px *proxies)
		disrupt func(t *testing.T, px *proxies, p *proc, streaming func() bool) int
	}{
		{name: "slow", toxics: func(t *testing.T, px *proxies) {
			// 25±15ms each way and about 1.5 MB/s each way, on both ports.
			for _, p := range px.all() {
				addToxic(t, p, `{"name":"lat_down","type":"latency","stream":"downstream","attributes":{"latency":25,"jitter":15}}`)
				addToxic(t, p, `{"name":"lat_up","type":"latency","stream":"upstream","attributes":{"latency":25,"jitter":15}}`)
				addToxic(t, p, `{"name":"bw_down","type":"bandwidth","stream":"downstream","attributes":{"rate":1500}}`)
				addToxic(t, p, `{"name":"bw_up","type":"bandwidth","stream":"upstream","attributes":{"rate":1500}}`)
			}
		}},
		{name: "resets", toxics: func(t *testing.T, px *proxies) {
			// Slow enough that the resets land mid-stream.
			addToxic(t, px.grpc, `{"name":"bw_down","type":"bandwidth","stream":"downstream","attributes":{"rate":1000}}`)
			addToxic(t, px.grpc, `{"name":"bw_up","type":"bandwidth","stream":"upstream","attributes":{"rate":1000}}`)
		}, disrupt: resetRepeatedly},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			px := newProxies(t, srv)
			r := newRig(t, px.restURL(), px.grpcAddr())
			r.extraEnv = []string{retryEnv + "=8/50ms/1s"}
			tc.toxics(t, px)
			target := "FaultNet" + strings.ToUpper(tc.name[:1]) + tc.name[1:]
			t.Cleanup(func() { _ = direct.Delete(context.Background(), target) })

			for _, args := range [][]string{
				{"backup", "-auto-approve", "--id", tc.name, source},
				{"restore", "-auto-approve", "--as", target, tc.name},
			} {
				p := r.start(args...)
				streaming := func() bool { return r.tmpSnapshotFile(t, "chunks") > 0 }
				if args[0] == "restore" {
					streaming = func() bool { return liveCount(direct, target) > 0 }
				}
				faults := 0
				if tc.disrupt != nil {
					faults = tc.disrupt(t, px, p, streaming)
				}
				if code := p.wait(t, 4*time.Minute); code != 0 {
					t.Fatalf("colstate %v under %s: exit %d\n%s", args, tc.name, code, p.output())
				}
				t.Logf("colstate %s under %s: %s, %d fault(s) injected mid-run", args[0], tc.name, p.elapsed.Round(time.Millisecond), faults)
				if tc.disrupt != nil && faults < 3 {
					t.Fatalf("only %d resets landed while colstate %s ran (%s): the run is too fast to test resets", faults, args[0], p.elapsed)
				}
			}
			m := manifest(t, r.store(), tc.name)
			if c := m.Collection(source); c == nil || c.Digest != want.String() || c.Objects != faultObjects {
				t.Fatalf("snapshot %s: %+v, want %d objects with digest %s", tc.name, c, faultObjects, want.String())
			}
			if got := liveDigest(t, direct, target); got != want {
				t.Fatalf("restored %s: %d objects, digest %s; want %d, %s", target, got.Count, got.String(), want.Count, want.String())
			}
		})
	}
}

// resetRepeatedly resets every connection through the proxies six times,
// 700ms apart, once objects stream (not while a restore creates its
// collection, a write colstate does not repeat) and while p runs, alternating between a reset_peer toxic (TCP RST on the
// next data) held for 100ms and closing every proxied connection. It
// returns how many resets it injected while p was still running.
func resetRepeatedly(t *testing.T, px *proxies, p *proc, streaming func() bool) int {
	var n atomic.Int32
	for p.running() && !streaming() {
		time.Sleep(20 * time.Millisecond)
	}
	for i := 0; i < 6 && p.running(); i++ {
		if i%2 == 0 {
			for _, pr := range px.all() {
				addToxic(t, pr, `{"name":"reset","type":"reset_peer","stream":"downstream","attributes":{"timeout":0}}`)
			}
			time.Sleep(100 * time.Millisecond)
			for _, pr := range px.all() {
				removeToxic(t, pr, "reset")
			}
		} else {
			for _, pr := range px.all() {
				bounce(t, pr)
			}
		}
		if p.running() {
			n.Add(1)
		}
		time.Sleep(700 * time.Millisecond)
	}
	return int(n.Load())
}

func manifest(t *testing.T, store, id string) *snapshot.Manifest {
	t.Helper()
	r, err := (&snapshot.Store{Dir: store}).Open(id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Manifest()
}

// TestServerUnreachable: when Weaviate goes away mid-stream and stays away
// past the retry budget, backup and restore fail with a clear error and a
// non-zero exit; the backup leaves no snapshot, and the restore, run again
// once the server is back, completes with identical content.
func TestServerUnreachable(t *testing.T) {
	t.Parallel() // with the other fault tests: much of their time is throttled streams and server restarts
	srv, source, want := faultSource(t)
	direct := directClient(t, srv.URL, srv.GRPCAddr, "")
	px := newProxies(t, srv)
	r := newRig(t, px.restURL(), px.grpcAddr())
	r.extraEnv = []string{retryEnv + "=5/50ms/400ms"} // about a second in all
	for _, p := range px.all() {
		addToxic(t, p, `{"name":"bw_down","type":"bandwidth","stream":"downstream","attributes":{"rate":1000}}`)
		addToxic(t, p, `{"name":"bw_up","type":"bandwidth","stream":"upstream","attributes":{"rate":1000}}`)
	}
	cut := func(p *proc, ready func()) {
		ready()
		if !p.running() {
			t.Fatalf("colstate finished before the server went away:\n%s", p.output())
		}
		for _, pr := range px.all() {
			pr.Stop()
		}
	}

	// Backup: nothing committed, nothing listed, no temporary directory.
	p := r.start("backup", "-auto-approve", "--id", "cut", source)
	cut(p, func() { time.Sleep(time.Second) }) // anywhere in a backup: every read is retried
	if code := p.wait(t, time.Minute); code != 1 {
		t.Fatalf("backup with the server gone: exit %d, want 1\n%s", code, p.output())
	}
	assertClearUnreachable(t, p)
	entries, _ := os.ReadDir(r.store())
	if len(entries) != 0 {
		t.Fatalf("the failed backup left %v in the store", names(entries))
	}
	for _, pr := range px.all() {
		if err := pr.Start(); err != nil {
			t.Fatal(err)
		}
	}
	if out := r.snapshotsListed(); !strings.Contains(out, "No snapshots") {
		t.Fatalf("snapshot list after the failed backup:\n%s", out)
	}

	// A backup that succeeds, then a restore that loses the server.
	r.mustRun("backup", "-auto-approve", "--id", "good", source)
	target := "FaultNetCut"
	t.Cleanup(func() { _ = direct.Delete(context.Background(), target) })
	p = r.start("restore", "-auto-approve", "--as", target, "good")
	// Cut while objects are written (retried batches), not during the
	// one-off schema create, whose lost answer is not retried.
	cut(p, func() { waitForOutput(t, p, "Created collection "+target) })
	if code := p.wait(t, time.Minute); code != 1 {
		t.Fatalf("restore with the server gone: exit %d, want 1\n%s", code, p.output())
	}
	assertClearUnreachable(t, p)
	for _, pr := range px.all() {
		if err := pr.Start(); err != nil {
			t.Fatal(err)
		}
	}
	n := liveCount(direct, target)
	t.Logf("the cut restore left %d of %d objects", n, faultObjects)
	p = r.mustRun("restore", "-auto-approve", "--as", target, "good")
	if !strings.Contains(p.stdoutString(), "verified") {
		t.Fatalf("re-run restore did not verify:\n%s", p.output())
	}
	if got := liveDigest(t, direct, target); got != want {
		t.Fatalf("after the re-run %s has %d objects, digest %s; want %d, %s", target, got.Count, got.String(), want.Count, want.String())
	}
}

// assertClearUnreachable checks that a failure says what was tried and that
// Weaviate could not be reached, in one "Error:" line, with no panic.
func assertClearUnreachable(t *testing.T, p *proc) {
	t.Helper()
	errOut := p.stderrString()
	if !strings.Contains(errOut, "Error: ") || !strings.Contains(errOut, "giving up after") || strings.Contains(errOut, "panic") {
		t.Fatalf("unclear failure:\n%s", p.output())
	}
	t.Logf("colstate %s failed as it should: %s", p.cmd.Args[1], strings.TrimSpace(errOut[strings.LastIndex(errOut, "Error: "):]))
	if !strings.Contains(errOut, "connection refused") && !strings.Contains(errOut, "Unavailable") && !strings.Contains(errOut, "unavailable") {
		t.Fatalf("the error does not say that Weaviate could not be reached:\n%s", errOut)
	}
}

func names(es []os.DirEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, filepath.Join(e.Name()))
	}
	return out
}

// waitForOutput waits until p has printed want (stdout or stderr) while it
// is still running.
func waitForOutput(t *testing.T, p *proc, want string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if strings.Contains(p.output(), want) {
			return
		}
		if !p.running() {
			t.Fatalf("colstate finished before printing %q:\n%s", want, p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("colstate never printed %q:\n%s", want, p.output())
}
