package main

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestClientCrash kills colstate with SIGKILL at several points of a
// backup, a restore and an apply. Afterwards no partial snapshot is
// listed, the state file is unchanged, the lock the killed process held
// is called stale with the force-unlock command that clears it, and a
// re-run completes with content identical to the source.
func TestClientCrash(t *testing.T) {
	t.Parallel() // with the other fault tests: much of their time is throttled streams and server restarts
	srv, source, want := faultSource(t)
	direct := directClient(t, srv.URL, srv.GRPCAddr, "")

	t.Run("backup", func(t *testing.T) {
		// Through a proxy limited to about 1 MB/s, so the 20K objects take
		// seconds to stream and the kills land where they are meant to.
		px := newProxies(t, srv)
		addToxic(t, px.grpc, `{"name":"bw_down","type":"bandwidth","stream":"downstream","attributes":{"rate":1000}}`)
		r := newRig(t, px.restURL(), px.grpcAddr())
		stateBefore := r.stateSum()
		points := []struct {
			name string
			when func(p *proc) bool
		}{
			{"schema written, no objects yet", func(*proc) bool { return r.tmpSnapshotFile(t, "schema") > 0 }},
			{"mid-stream, chunk half written", func(*proc) bool { return r.tmpSnapshotFile(t, "chunks") > 400<<10 }},
		}
		for _, pt := range points {
			p := r.start("backup", "-auto-approve", "--id", "crash", source)
			killWhen(t, p, pt.name, pt.when)
			if out := r.snapshotsListed(); !strings.Contains(out, "No snapshots") {
				t.Fatalf("after a kill (%s) snapshot list shows:\n%s", pt.name, out)
			}
			if _, err := os.Stat(filepath.Join(r.store(), "crash")); !os.IsNotExist(err) {
				t.Fatalf("after a kill (%s) the snapshot directory exists: %v", pt.name, err)
			}
			r.recoverFromKill(stateBefore, "backup", "-auto-approve", "--id", "crash", source)
		}
		// The same id again: the partial directories left behind are no
		// obstacle.
		p := r.mustRun("backup", "-auto-approve", "--id", "crash", source)
		if !strings.Contains(p.stdoutString(), "Snapshot crash written: 1 collection(s), 20000 objects") {
			t.Fatalf("re-run backup:\n%s", p.output())
		}
		r.mustRun("snapshot", "verify", "crash")
		if m := manifest(t, r.store(), "crash"); m.Collection(source).Digest != want.String() {
			t.Fatalf("re-run backup digest %s, want %s", m.Collection(source).Digest, want.String())
		}
	})

	t.Run("restore", func(t *testing.T) {
		r := newRig(t, srv.URL, srv.GRPCAddr)
		r.mustRun("backup", "-auto-approve", "--id", "full", source)
		stateBefore := r.stateSum()
		target := "CrashRestored"
		t.Cleanup(func() { _ = direct.Delete(context.Background(), target) })
		points := []struct {
			name string
			when func(p *proc) bool
		}{
			{"collection just created", func(p *proc) bool { return strings.Contains(p.stdoutString(), "Created collection") }},
			{"mid-write", func(p *proc) bool { return liveCount(direct, target) >= 9000 }},
			{"verifying", func(p *proc) bool { return strings.Contains(p.stderrString(), "verify "+target) }},
		}
		// Killed three times in a row, each run picking up the last one's
		// leftovers.
		for _, pt := range points {
			p := r.start("restore", "-auto-approve", "--as", target, "full")
			killWhen(t, p, pt.name, pt.when)
			t.Logf("killed restore (%s): %s holds %d objects", pt.name, target, liveCount(direct, target))
			r.recoverFromKill(stateBefore, "restore", "-auto-approve", "--as", target, "full")
			out := r.mustRun("snapshot", "verify", "full").stdoutString()
			if !strings.Contains(out, "full "+source+": ok (20000 objects") {
				t.Fatalf("the snapshot does not verify after a killed restore:\n%s", out)
			}
		}
		p := r.mustRun("restore", "-auto-approve", "--as", target, "full")
		if !strings.Contains(p.stdoutString(), "completing an interrupted restore") || !strings.Contains(p.stdoutString(), "verified: object count and content digest match") {
			t.Fatalf("re-run restore:\n%s", p.output())
		}
		if got := liveDigest(t, direct, target); got != want {
			t.Fatalf("after three kills and a re-run %s has %d objects, digest %s; want %d, %s", target, got.Count, got.String(), want.Count, want.String())
		}
	})

	t.Run("apply", func(t *testing.T) {
		r := newRig(t, srv.URL, srv.GRPCAddr)
		hcl := "collection \"CrashApplied\" {\n  vectorizer = \"none\"\n  property \"title\" { data_type = \"text\" }\n}\n"
		if err := os.WriteFile(filepath.Join(r.dir, "crash.hcl"), []byte(hcl), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = direct.Delete(context.Background(), "CrashApplied") })
		// apply holds the state lock while it waits for "yes": kill it there.
		p := r.startWithStdin("apply")
		killWhen(t, p, "waiting for confirmation", func(p *proc) bool { return strings.Contains(p.stdoutString(), "Enter a value:") })
		if _, err := direct.Class(context.Background(), "CrashApplied"); err == nil {
			t.Fatal("the killed apply created the collection before it was confirmed")
		}
		again, code := r.run("apply", "-auto-approve")
		if code != 1 {
			t.Fatalf("apply with a stale lock: exit %d\n%s", code, again.output())
		}
		m := staleLock.FindStringSubmatch(again.stderrString())
		if m == nil {
			t.Fatalf("the stale lock is not explained:\n%s", again.output())
		}
		r.mustRun("force-unlock", m[1])
		r.mustRun("apply", "-auto-approve")
		if _, err := os.Stat(filepath.Join(r.dir, ".colstate", "state.json.lock")); !os.IsNotExist(err) {
			t.Fatalf("apply left its lock behind: %v", err)
		}
		p = r.mustRun("plan")
		if !strings.Contains(p.stdoutString(), "No changes") {
			t.Fatalf("plan after the re-run apply:\n%s", p.output())
		}
	})
}

// killWhen polls cond while p runs and sends SIGKILL as soon as it holds.
func killWhen(t *testing.T, p *proc, what string, cond func(*proc) bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if !p.running() {
			t.Fatalf("colstate %v finished before the kill point (%s):\n%s", p.cmd.Args[1:], what, p.output())
		}
		if cond(p) {
			p.kill()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("colstate %v never reached the kill point (%s):\n%s", p.cmd.Args[1:], what, p.output())
}

// tmpSnapshotFile returns the size of the largest file under sub of a
// snapshot being written (".tmp-*" in the store), 0 when there is none.
func (r *rig) tmpSnapshotFile(t *testing.T, sub string) int64 {
	var biggest int64
	dirs, _ := filepath.Glob(filepath.Join(r.store(), ".tmp-*", sub))
	for _, d := range dirs {
		_ = filepath.Walk(d, func(_ string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() && fi.Size() > biggest {
				biggest = fi.Size()
			}
			return nil
		})
	}
	return biggest
}

// stateSum is the SHA-256 of the state file ("" when there is none).
func (r *rig) stateSum() string {
	data, err := os.ReadFile(filepath.Join(r.dir, ".colstate", "state.json"))
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return string(sum[:])
}

var staleLock = regexp.MustCompile("The lock is stale: process [0-9]+ no longer exists on this host \\([^)]*\\); remove the lock with `colstate force-unlock ([^`]+)`")

// recoverFromKill: a killed backup or restore leaves its state lock. The
// same command run again is refused with an explanation that the lock is
// stale and how to clear it; the state itself is unchanged; force-unlock
// with the ID given clears it.
func (r *rig) recoverFromKill(stateBefore string, args ...string) {
	r.t.Helper()
	p, code := r.run(args...)
	m := staleLock.FindStringSubmatch(p.stderrString())
	if code != 1 || m == nil {
		r.t.Fatalf("after a kill, colstate %v: exit %d, and the stale lock is not explained:\n%s", args, code, p.output())
	}
	if r.stateSum() != stateBefore {
		r.t.Fatal("the killed run changed the state file")
	}
	r.mustRun("force-unlock", m[1])
	if _, err := os.Stat(filepath.Join(r.dir, ".colstate", "state.json.lock")); !os.IsNotExist(err) {
		r.t.Fatalf("force-unlock left the lock: %v", err)
	}
}

// startWithStdin starts colstate with a standard input that stays open, so
// it waits at its confirmation prompt.
func (r *rig) startWithStdin(args ...string) *proc {
	r.t.Helper()
	in, w, err := os.Pipe()
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { in.Close(); w.Close() })
	return r.startCmd(in, args...)
}
