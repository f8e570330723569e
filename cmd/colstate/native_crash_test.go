package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/native"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestNativeReplaceCrash kills a restore --mode=replace that Weaviate's own
// backup carries out (backup, delete, native restore) with SIGKILL: once
// it has announced the delete, once Weaviate's restore has started. Each
// time the same command, run again after force-unlock (and, when Weaviate
// still restores what the killed run started, after that restore ends, as
// the refusal says), completes: the collection holds exactly the
// snapshot's objects.
func TestNativeReplaceCrash(t *testing.T) {
	t.Parallel()
	srv := weaviatetest.Server(t)
	direct := directClient(t, srv.URL, srv.GRPCAddr, "")
	nc, err := native.New(srv.URL, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	const name = "NativeCrash"
	t.Cleanup(func() { _ = direct.Delete(context.Background(), name) })
	want := seed(t, direct, name, 3000)
	r := newRig(t, srv.URL, srv.GRPCAddr)
	r.mustRun("backup", "-auto-approve", "--engine=both", "--id", "nc", name)
	args := []string{"restore", "-auto-approve", "--mode=replace", "--collection", name, "nc"}
	points := []struct {
		name string
		when func(p *proc) bool
	}{
		{"delete announced", func(p *proc) bool { return strings.Contains(p.stdoutString(), "Deleting "+name) }},
		{"Weaviate restoring", func(p *proc) bool { return strings.Contains(p.stdoutString(), "Restoring "+name+" from Weaviate's") }},
	}
	for _, pt := range points {
		stateBefore := r.stateSum()
		p := r.start(args...)
		killWhen(t, p, pt.name, pt.when)
		t.Logf("killed (%s): %s holds %d objects", pt.name, name, liveCount(direct, name))
		r.recoverFromKill(stateBefore, args...)
		again, code := r.run(args...)
		if code != 0 {
			// Weaviate goes on with the restore the killed run started:
			// refused, before anything is written, until it ends.
			if !strings.Contains(again.stderrString(), "Weaviate is still restoring backup colstate-nc") || !strings.Contains(again.stderrString(), "nothing was written") {
				t.Fatalf("re-run after a kill (%s): exit %d\n%s", pt.name, code, again.output())
			}
			t.Logf("re-run after a kill (%s) refused while Weaviate restored", pt.name)
			waitRestoreEnds(t, nc, "colstate-nc")
			again = r.mustRun(args...)
		}
		if !strings.Contains(again.stdoutString(), "via Weaviate's backup") || !strings.Contains(again.stdoutString(), "verified: object count and content digest match") {
			t.Fatalf("re-run after a kill (%s) did not restore natively and verify:\n%s", pt.name, again.output())
		}
		if got := liveDigest(t, direct, name); got != want {
			t.Fatalf("after a kill (%s) and a re-run %s has %d objects, digest %s; want %d, %s", pt.name, name, got.Count, got.String(), want.Count, want.String())
		}
	}
}

// waitRestoreEnds polls Weaviate until its restore of backup id is no
// longer running.
func waitRestoreEnds(t *testing.T, nc *native.Client, id string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		st, err := nc.RestoreStatus(context.Background(), "filesystem", id, native.Location{})
		if err != nil {
			t.Fatal(err)
		}
		if st != "STARTED" && st != "TRANSFERRING" && st != "TRANSFERRED" && st != "FINALIZING" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("Weaviate's restore of %s did not end within 2 minutes", id)
}

// TestNativeReplaceSchemaChangedAtPrompt: the schema of a collection a
// native replace would delete changes while colstate waits for "yes": the
// delete is refused (Weaviate's restore would bring back the snapshot's
// schema), and the collection keeps its objects and its new schema.
func TestNativeReplaceSchemaChangedAtPrompt(t *testing.T) {
	t.Parallel()
	srv := weaviatetest.Server(t)
	direct := directClient(t, srv.URL, srv.GRPCAddr, "")
	const name = "NativePrompt"
	t.Cleanup(func() { _ = direct.Delete(context.Background(), name) })
	want := seed(t, direct, name, 500)
	r := newRig(t, srv.URL, srv.GRPCAddr)
	r.mustRun("backup", "-auto-approve", "--engine=both", "--id", "np", name)
	in, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); w.Close() })
	p := r.startCmd(in, "restore", "--mode=replace", "--collection", name, "np")
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(p.stdoutString(), "Enter a value:") {
		if !p.running() || time.Now().After(deadline) {
			t.Fatalf("restore never asked for confirmation:\n%s", p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(p.stdoutString(), "via Weaviate's backup (native: same schema") {
		t.Fatalf("the plan does not take Weaviate's backup:\n%s", p.output())
	}
	ctx := context.Background()
	cl, err := direct.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	cl["description"] = "changed at the prompt"
	if err := direct.PutRaw(ctx, cl); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString("yes\n"); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, time.Minute); code != 1 || !strings.Contains(p.stderrString(), "the schema of "+name+" changed since the plan (description)") || !strings.Contains(p.stderrString(), "nothing was deleted") {
		t.Fatalf("restore after a schema change at the prompt: exit %d\n%s", code, p.output())
	}
	if strings.Contains(p.stdoutString(), "written:") {
		t.Fatalf("the refused restore wrote a snapshot first:\n%s", p.output())
	}
	if got := liveDigest(t, direct, name); got != want {
		t.Fatalf("%s holds %d objects, digest %s; want %d, %s", name, got.Count, got.String(), want.Count, want.String())
	}
	if cl, err := direct.Class(ctx, name); err != nil || cl["description"] != "changed at the prompt" {
		t.Fatalf("%s's schema after the refusal: %v, %v", name, cl["description"], err)
	}
}
