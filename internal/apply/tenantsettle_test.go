package apply_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/weaviateproc"
)

// TestRestoreManyColdTenantsUnderFileLimit: a server holds about ten files
// open per active tenant, so one with a low open-files limit (2,000 here,
// 20,000 on the machine the 10,000-tenant bench ran on) fails writes once
// too many tenants are active. A restore of a snapshot whose tenants are
// mostly COLD used to write every tenant active and set their statuses at
// the end, and failed with "too many open files"; now each group of
// tenants goes back to COLD once written and read back, so the restore
// succeeds, verified, with every status as the snapshot has it.
func TestRestoreManyColdTenantsUnderFileLimit(t *testing.T) {
	e := limitedEnv(t, 2000)
	const tenants, hot = 400, 10
	name := "ColdMany"
	// Loaded as the bench does: a group active, written, then set COLD
	// but every 40th tenant, which stays HOT.
	status := e.seedColdTenants(name, tenants, 0, func(i int) bool { return i%(tenants/hot) == 0 })
	m := e.backup("many", false, name)
	if got := m.Collection(name).Objects; got != tenants {
		t.Fatalf("backup holds %d objects, want %d", got, tenants)
	}
	if err := e.c.Delete(e.ctx, name); err != nil {
		t.Fatal(err)
	}
	e.out.Reset()
	start := time.Now()
	if err := e.run(e.restore("many", name, name, plan.Restore)); err != nil {
		t.Fatalf("restore: %v\n%s", err, e.out.String())
	}
	t.Logf("restore of %d tenants (%d HOT) took %s", tenants, hot, time.Since(start).Round(time.Millisecond))
	if !strings.Contains(e.out.String(), fmt.Sprintf("Restored %s: %d objects; verified: object count and content digest match the snapshot (%.16s", name, tenants, m.Collection(name).Digest)) {
		t.Fatalf("restore output:\n%s", e.out.String())
	}
	activatedAtMost100(t, e.out.String(), "390 inactive tenants of ColdMany", "each has the status the snapshot recorded")
	e.statusesAre(name, status)
}

// activatedAtMost100 checks that out says the restore activated what (a
// count and collection) a group at a time, at most two groups of 50 at
// once (one being written, one set), and how each ends.
func activatedAtMost100(t *testing.T, out, what, ends string) {
	t.Helper()
	m := regexp.MustCompile(`Activated ` + what + ` to write into them, a group at a time \(at most (\d+) at once\); ` + ends + `\.`).FindStringSubmatch(out)
	if m == nil {
		t.Errorf("the output does not say that it activated %s:\n%s", what, out)
	} else if n, _ := strconv.Atoi(m[1]); n > 100 {
		t.Errorf("%d tenants were activated at once, want at most 100", n)
	} else {
		t.Logf("activated %s, at most %d at once", what, n)
	}
}

// limitedEnv starts a server whose open-files limit is files.
func limitedEnv(t *testing.T, files int) *env {
	bin, err := weaviateproc.FindBinary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "weaviate-server")
	script := fmt.Sprintf("#!/bin/sh\nulimit -n %d || exit 1\nexec %s \"$@\"\n", files, bin)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	srv, err := weaviateproc.Start(ctx, weaviateproc.Options{Binary: wrapper, DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop(time.Minute) })
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &env{t: t, ctx: ctx, c: c, store: t.TempDir()}
}

// seedColdTenants creates the multi-tenant collection name with tenants
// t0000… (n of them), each holding one object (UUID from its number plus
// idBase), loaded as the bench does: a group of 50 active, written, then
// set COLD but those hot picks. It returns each tenant's status.
func (e *env) seedColdTenants(name string, n, idBase int, hot func(int) bool) map[string]string {
	t, ctx, c := e.t, e.ctx, e.c
	t.Helper()
	cl := live.Class{"class": name, "vectorizer": "none", "multiTenancyConfig": map[string]any{"enabled": true},
		"properties": []any{map[string]any{"name": "n", "dataType": []any{"int"}}}}
	if err := c.CreateRaw(ctx, cl); err != nil {
		t.Fatal(err)
	}
	s := live.SchemaOf(cl)
	status := map[string]string{}
	for g := 0; g < n; g += 50 {
		var group, cold []live.Tenant
		bw := c.NewBatchWriter(ctx, s, name, 200, 2)
		for i := g; i < min(n, g+50); i++ {
			tn := fmt.Sprintf("t%04d", i)
			group = append(group, live.Tenant{Name: tn})
			status[tn] = "HOT"
			if !hot(i) {
				cold = append(cold, live.Tenant{Name: tn, ActivityStatus: "COLD"})
				status[tn] = "COLD"
			}
		}
		if err := c.CreateTenants(ctx, name, group); err != nil {
			t.Fatal(err)
		}
		for i := g; i < min(n, g+50); i++ {
			o := &object.Object{ID: fmt.Sprintf("00000000-0000-0000-0000-%012d", idBase+i), Tenant: fmt.Sprintf("t%04d", i), Properties: map[string]any{"n": float64(idBase + i)}}
			if err := bw.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		if err := bw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.UpdateTenants(ctx, name, cold); err != nil {
			t.Fatal(err)
		}
	}
	return status
}

// statusesAre fails unless collection name's tenants have exactly the
// statuses of want.
func (e *env) statusesAre(name string, want map[string]string) {
	e.t.Helper()
	ts, err := e.c.Tenants(e.ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(ts) != len(want) {
		e.t.Fatalf("%s has %d tenants, want %d", name, len(ts), len(want))
	}
	bad := 0
	for _, tn := range ts {
		if tn.ActivityStatus != want[tn.Name] {
			if bad++; bad <= 5 {
				e.t.Errorf("tenant %s of %s is %s, want %s", tn.Name, name, tn.ActivityStatus, want[tn.Name])
			}
		}
	}
	if bad > 5 {
		e.t.Errorf("... %d tenants in all have the wrong status", bad)
	}
}

// TestMergeIntoManyColdTenantsUnderFileLimit: a merge into an existing
// collection whose tenants are mostly COLD activated every one of them
// before writing, beyond what a server with a low open-files limit holds
// ("too many open files"); now a group at a time is active, each set back
// to its live status as soon as it is written. Every tenant ends with the
// status it had, and holds its own object and the snapshot's.
func TestMergeIntoManyColdTenantsUnderFileLimit(t *testing.T) {
	e := limitedEnv(t, 2000)
	const tenants = 400
	e.seedColdTenants("CMSrc", tenants, 0, func(i int) bool { return i%40 == 0 })
	m := e.backup("src", false, "CMSrc")
	if got := m.Collection("CMSrc").Objects; got != tenants {
		t.Fatalf("backup holds %d objects, want %d", got, tenants)
	}
	// The same tenants, each with another object, HOT at other places.
	status := e.seedColdTenants("CMDst", tenants, 10000, func(i int) bool { return i%40 == 7 })
	e.out.Reset()
	if err := e.run(e.restore("src", "CMSrc", "CMDst", plan.Merge)); err != nil {
		t.Fatalf("merge: %v\n%s", err, e.out.String())
	}
	out := e.out.String()
	if !strings.Contains(out, fmt.Sprintf("Merged CMDst: %d objects written, 0 already identical; verified", tenants)) {
		t.Fatalf("merge output:\n%s", out)
	}
	activatedAtMost100(t, out, "390 inactive tenants of CMDst", "each is back to its status")
	e.statusesAre("CMDst", status)
	after := e.backup("dst", false, "CMDst")
	if got := after.Collection("CMDst").Objects; got != 2*tenants {
		t.Fatalf("after the merge CMDst holds %d objects, want %d", got, 2*tenants)
	}
	e.statusesAre("CMDst", status)
}

// TestResumeRestoreIntoManyColdTenantsUnderFileLimit: a restore into a
// collection that holds part of the snapshot's objects (a restore that was
// killed) completes it; it activated every COLD tenant of the collection
// at once first, beyond the open-files limit. Now every tenant ends with
// the snapshot's status, the verification reads every object back.
func TestResumeRestoreIntoManyColdTenantsUnderFileLimit(t *testing.T) {
	e := limitedEnv(t, 2000)
	const tenants = 400
	want := e.seedColdTenants("CMFull", tenants, 0, func(i int) bool { return i%40 == 0 })
	m := e.backup("full", false, "CMFull")
	if err := e.c.Delete(e.ctx, "CMFull"); err != nil {
		t.Fatal(err)
	}
	// What a killed restore left: every tenant created, all COLD (as the
	// next colstate command sets the ones it had activated back), the
	// first 300 with the snapshot's objects.
	e.seedColdTenants("CMFull", 300, 0, func(int) bool { return false })
	var rest []live.Tenant
	for i := 300; i < tenants; i++ {
		rest = append(rest, live.Tenant{Name: fmt.Sprintf("t%04d", i), ActivityStatus: "COLD"})
	}
	if err := e.c.CreateTenants(e.ctx, "CMFull", rest); err != nil {
		t.Fatal(err)
	}
	e.out.Reset()
	if err := e.run(e.restore("full", "CMFull", "CMFull", plan.Restore)); err != nil {
		t.Fatalf("restore: %v\n%s", err, e.out.String())
	}
	out := e.out.String()
	if !strings.Contains(out, "all from this snapshot: completing an interrupted restore") ||
		!strings.Contains(out, fmt.Sprintf("Restored CMFull: %d objects; verified: object count and content digest match the snapshot (%.16s", tenants, m.Collection("CMFull").Digest)) {
		t.Fatalf("restore output:\n%s", out)
	}
	activatedAtMost100(t, out, "[0-9]+ inactive tenants of CMFull", "each has the status the snapshot recorded")
	e.statusesAre("CMFull", want)
}
