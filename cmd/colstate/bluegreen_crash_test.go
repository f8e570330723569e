package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestBlueGreenCrash kills colstate apply with SIGKILL at each step of a
// blue/green replace — the first one (cutover: the name becomes an alias)
// and a later one (retarget) — each run resuming what the last left; the
// final apply reaches the same end state as an uninterrupted one: the alias
// points at the new collection holding every object (count and digest),
// the old collection is gone, and plan says No changes.
func TestBlueGreenCrash(t *testing.T) {
	srv := weaviatetest.Server(t)
	c := directClient(t, srv.URL, srv.GRPCAddr, "")
	ctx := context.Background()
	const name, objects = "BgCrash", 5_000
	want := seed(t, c, name, objects)
	t.Cleanup(func() {
		for _, n := range []string{name, name + "_v2", name + "_v3", name + "_v4"} {
			_ = c.Delete(ctx, n)
		}
	})
	r := newRig(t, srv.URL, srv.GRPCAddr)
	r.mustRun("import", name)
	imported, err := os.ReadFile(filepath.Join(r.dir, "imported.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(r.dir, "imported.hcl")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tok, backing, gone string
		steps              []string
	}{
		{"field", name + "_v2", "", []string{"backup", "create", "copy", "catchup", "cutover"}},
		{"whitespace", name + "_v3", name + "_v2", []string{"backup", "create", "copy", "catchup", "retarget", "settle", "drop"}},
	} {
		if err := os.WriteFile(filepath.Join(r.dir, "crash.hcl"), []byte(blueGreenHCL(t, string(imported), name, tc.tok, 0)), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, step := range tc.steps {
			p := r.start("apply", "-auto-approve")
			line := "  " + name + " " + step + "\n"
			killed := false
			for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline) && p.running(); time.Sleep(5 * time.Millisecond) {
				if strings.Contains(p.stdoutString(), line) {
					p.kill()
					killed = true
					break
				}
			}
			if !killed {
				code := p.wait(t, time.Minute)
				t.Logf("apply finished (exit %d) before the kill at step %s:\n%s", code, step, p.output())
				continue
			}
			t.Logf("killed apply at step %s; alias target now %q", step, aliasTarget(t, r, name))
			unlockAfterKill(t, r)
		}
		p := r.mustRun("apply", "-auto-approve")
		t.Logf("final apply:\n%s", p.stdoutString())
		if got := aliasTarget(t, r, name); got != tc.backing {
			t.Fatalf("after the kills and a final apply the alias %s points at %q, want %s", name, got, tc.backing)
		}
		if got := liveDigest(t, c, tc.backing); got != want {
			t.Fatalf("%s holds %d objects, digest %s; want %d, %s", tc.backing, got.Count, got.String(), want.Count, want.String())
		}
		if tc.gone != "" {
			if _, err := c.Class(ctx, tc.gone); err == nil {
				t.Fatalf("%s was not deleted", tc.gone)
			}
		}
		if plan := r.mustRun("plan", "-detailed-exitcode"); !strings.Contains(plan.stdoutString(), "No changes.") {
			t.Fatalf("plan after the resumed replace:\n%s", plan.output())
		}
	}
}

// unlockAfterKill removes the lock a killed apply left (its id is in the
// lock file) with force-unlock, then shows what the next plan makes of the
// interrupted apply.
func unlockAfterKill(t *testing.T, r *rig) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.dir, ".colstate", "state.json.lock"))
	if err != nil {
		t.Fatalf("a killed apply left no lock: %v", err)
	}
	var lock struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		t.Fatal(err)
	}
	r.mustRun("force-unlock", lock.ID)
	p, code := r.run("plan")
	if code != 0 {
		t.Fatalf("plan after a kill: exit %d\n%s", code, p.output())
	}
	if !strings.Contains(p.stdoutString(), "interrupted") {
		t.Logf("plan after the kill:\n%s", p.stdoutString())
	}
}

func aliasTarget(t *testing.T, r *rig, name string) string {
	t.Helper()
	c := directClient(t, r.url, r.grpcAddr, "")
	all, err := c.Aliases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return all[name]
}
