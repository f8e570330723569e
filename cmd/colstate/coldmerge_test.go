package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestKilledRestoreThenMergeKeepsColdTenants: a restore killed (SIGKILL)
// while it writes a snapshot whose tenants are mostly COLD, then a
// restore --mode=merge of the same snapshot. The killed restore had
// created every tenant HOT and set them COLD only group by group once
// written; the merge keeps a live tenant's status, so the tenants the
// restore had not reached ended HOT instead of COLD as in the snapshot.
// Now a restore creates such tenants COLD and activates a group at a time,
// recorded in the tenant log: the merge (the next command) sets the ones
// the killed run held back first, and every tenant ends as in the
// snapshot, with every object, verified.
func TestKilledRestoreThenMergeKeepsColdTenants(t *testing.T) {
	srv := weaviatetest.Server(t)
	direct := directClient(t, srv.URL, srv.GRPCAddr, "")
	ctx := context.Background()
	const src, target, tenants, per = "CMKillSrc", "CMKill", 200, 50
	t.Cleanup(func() { _ = direct.Delete(ctx, src); _ = direct.Delete(ctx, target) })
	if err := direct.CreateRaw(ctx, livetest.MultiTenantClass(src)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	var ts, cold []live.Tenant
	var objs []*object.Object
	for i := range tenants {
		tn := fmt.Sprintf("t%03d", i)
		ts = append(ts, live.Tenant{Name: tn})
		objs = append(objs, livetest.TenantObjects(1000+i, per, tn)...)
		want[tn] = "HOT"
		if i%20 != 0 {
			cold = append(cold, live.Tenant{Name: tn, ActivityStatus: "COLD"})
			want[tn] = "COLD"
		}
	}
	if err := direct.CreateTenants(ctx, src, ts); err != nil {
		t.Fatal(err)
	}
	if err := livetest.Insert(ctx, direct, src, objs); err != nil {
		t.Fatal(err)
	}
	if err := direct.UpdateTenants(ctx, src, cold); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, srv.URL, srv.GRPCAddr)
	r.mustRun("backup", "-auto-approve", "--id", "cm", src)
	stateBefore := r.stateSum()

	// Killed once the first tenant (t000, HOT) holds objects.
	p := r.start("restore", "-auto-approve", "--as", target, "cm")
	killWhen(t, p, "first tenant written", func(*proc) bool {
		n, err := direct.Count(ctx, target, "t000")
		return err == nil && n > 0
	})
	r.recoverFromKill(stateBefore, "restore", "-auto-approve", "--mode=merge", "--as", target, "cm")
	out := r.mustRun("restore", "-auto-approve", "--mode=merge", "--as", target, "cm").stdoutString()
	if !strings.Contains(out, fmt.Sprintf("verified: all %d snapshot objects present and identical", tenants*per)) {
		t.Fatalf("merge after a killed restore:\n%s", out)
	}
	got, err := direct.Tenants(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != tenants {
		t.Fatalf("%s has %d tenants, want %d", target, len(got), tenants)
	}
	var wrong []string
	for _, tn := range got {
		if tn.ActivityStatus != want[tn.Name] {
			wrong = append(wrong, tn.Name+" "+tn.ActivityStatus)
		}
	}
	if len(wrong) > 0 {
		t.Fatalf("after a killed restore and a merge, %d tenants of %s do not have the snapshot's status (first: %s)", len(wrong), target, strings.Join(wrong[:min(5, len(wrong))], ", "))
	}
}
