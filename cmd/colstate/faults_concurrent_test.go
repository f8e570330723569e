package main

import (
	"strings"
	"testing"
	"time"
)

// TestConcurrentBackupSameID: two backups under the same snapshot id at
// once, from two working directories (two state files, so no common state
// lock) into one shared snapshot store. Exactly one commits; the other fails saying the snapshot exists,
// and the committed snapshot is whole (it verifies and has the source's
// digest): neither run overwrote or mixed into the other.
func TestConcurrentBackupSameID(t *testing.T) {
	t.Parallel() // with the other fault tests: much of their time is throttled streams and server restarts
	srv, source, want := faultSource(t)
	r, r2 := newRig(t, srv.URL, srv.GRPCAddr), newRig(t, srv.URL, srv.GRPCAddr)
	shared := t.TempDir()
	a := r.start("backup", "-auto-approve", "--store", shared, "--id", "same", source)
	b := r2.start("backup", "-auto-approve", "--store", shared, "--id", "same", source)
	codes := []int{a.wait(t, 2*time.Minute), b.wait(t, 2*time.Minute)}
	ok, failed := a, b
	if codes[0] != 0 {
		ok, failed = b, a
	}
	if codes[0]+codes[1] != 1 {
		t.Fatalf("exit codes %v, want one 0 and one 1:\n%s\n%s", codes, a.output(), b.output())
	}
	if !strings.Contains(failed.stderrString(), "snapshot same already exists") {
		t.Fatalf("the losing backup does not say why:\n%s", failed.output())
	}
	if !strings.Contains(ok.stdoutString(), "Snapshot same written") {
		t.Fatalf("the winning backup:\n%s", ok.output())
	}
	r.mustRun("snapshot", "verify", "--store", shared, "same")
	if m := manifest(t, shared, "same"); m.Collection(source).Digest != want.String() {
		t.Fatalf("digest %s, want %s", m.Collection(source).Digest, want.String())
	}
}
