package live_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// A COLD tenant is activated to be read and set back to COLD afterwards,
// also when the read is interrupted (the command's context cancelled, as
// by Ctrl-C); an offloaded tenant is refused without any change.
func TestWithTenantActiveSetsStatusBack(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := weaviatetest.Name(t, "Cold")
	if err := c.CreateRaw(ctx, livetest.MultiTenantClass(name)); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTenants(ctx, name, []live.Tenant{{Name: "t0"}}); err != nil {
		t.Fatal(err)
	}
	if err := livetest.Insert(ctx, c, name, livetest.TenantObjects(1, 5, "t0")); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateTenants(ctx, name, []live.Tenant{{Name: "t0", ActivityStatus: "COLD"}}); err != nil {
		t.Fatal(err)
	}
	status := func() string {
		ts, err := c.Tenants(ctx, name)
		if err != nil || len(ts) != 1 {
			t.Fatalf("tenants = %v, %v", ts, err)
		}
		return ts[0].ActivityStatus
	}
	cold := live.Tenant{Name: "t0", ActivityStatus: status()}
	if cold.Active() {
		t.Fatalf("tenant is %s after setting it COLD", cold.ActivityStatus)
	}
	s := live.SchemaOf(must(c.Class(ctx, name)))
	rec := &recordingLog{c: c, status: status}
	c.TenantLog = rec
	n := 0
	woke, err := c.WithTenantActive(ctx, name, cold, func() error {
		return c.ReadObjects(ctx, s, live.ReadOptions{Tenant: "t0"}, func(*object.Object) error { n++; return nil })
	})
	if err != nil || !woke || n != 5 {
		t.Fatalf("read %d objects, activated %v, err %v", n, woke, err)
	}
	if got := status(); got != cold.ActivityStatus {
		t.Fatalf("tenant is %s after the read, want %s", got, cold.ActivityStatus)
	}
	// The log hears of the activation before it happens (the tenant is
	// still COLD) and of the set-back after it.
	if want := "activated t0 (was " + cold.ActivityStatus + ", still " + cold.ActivityStatus + "); set back t0 (now " + cold.ActivityStatus + ")"; strings.Join(rec.events, "; ") != want {
		t.Fatalf("log = %q, want %q", rec.events, want)
	}

	// Interrupted mid-read: the status is put back all the same.
	cctx, cancel := context.WithCancel(ctx)
	_, err = c.WithTenantActive(cctx, name, cold, func() error {
		cancel()
		return c.ReadObjects(cctx, s, live.ReadOptions{Tenant: "t0"}, func(*object.Object) error { return nil })
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := status(); got != cold.ActivityStatus {
		t.Fatalf("tenant is %s after an interrupted read, want %s", got, cold.ActivityStatus)
	}

	frozen := live.Tenant{Name: "t0", ActivityStatus: "FROZEN"}
	called := false
	_, err = c.WithTenantActive(ctx, name, frozen, func() error { called = true; return nil })
	if err == nil || called || !strings.Contains(err.Error(), "tenant t0 of "+name+" is FROZEN (offloaded)") {
		t.Fatalf("err = %v, called = %v", err, called)
	}
	if got := status(); got != cold.ActivityStatus {
		t.Fatalf("a refused offloaded tenant changed status to %s", got)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// recordingLog is a TenantLog that notes each call with the tenant's live
// status at that moment.
type recordingLog struct {
	c      *live.Client
	status func() string
	events []string
}

func (r *recordingLog) Activated(_ string, t live.Tenant) error {
	r.events = append(r.events, "activated "+t.Name+" (was "+t.ActivityStatus+", still "+r.status()+")")
	return nil
}

func (r *recordingLog) SetBack(_, tenant string) error {
	r.events = append(r.events, "set back "+tenant+" (now "+r.status()+")")
	return nil
}

// EachTenant visits every tenant CollectionTenants lists, in name order,
// activating an inactive one for fn and setting it back; it stops at the
// first error. A collection without multi-tenancy is one unnamed tenant.
func TestEachTenant(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := weaviatetest.Name(t, "Each")
	if err := c.CreateRaw(ctx, livetest.MultiTenantClass(name)); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTenants(ctx, name, []live.Tenant{{Name: "t2"}, {Name: "t0"}, {Name: "t1"}}); err != nil {
		t.Fatal(err)
	}
	for tenant, n := range map[string]int{"t0": 5, "t1": 3} {
		if err := livetest.Insert(ctx, c, name, livetest.TenantObjects(1, n, tenant)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.UpdateTenants(ctx, name, []live.Tenant{{Name: "t1", ActivityStatus: "COLD"}}); err != nil {
		t.Fatal(err)
	}
	statuses := func() string {
		ts, err := c.Tenants(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, t := range ts {
			out = append(out, t.Name+"="+t.ActivityStatus)
		}
		return strings.Join(out, " ")
	}
	before := statuses()
	s := live.SchemaOf(must(c.Class(ctx, name)))
	tenants, err := c.CollectionTenants(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	activated, err := c.EachTenant(ctx, name, tenants, func(tn live.Tenant) error {
		n, err := c.Count(ctx, name, tn.Name)
		seen = append(seen, fmt.Sprintf("%s:%d", tn.Name, n))
		return err
	})
	if err != nil || activated != 1 || strings.Join(seen, " ") != "t0:5 t1:3 t2:0" {
		t.Fatalf("visited %v, activated %d, err %v; want t0:5 t1:3 t2:0, 1 activated", seen, activated, err)
	}
	if got := statuses(); got != before {
		t.Fatalf("tenants after EachTenant: %s, want %s", got, before)
	}

	// The first error stops the walk; the tenant it failed in is set back.
	seen = nil
	stop := errors.New("stop")
	activated, err = c.EachTenant(ctx, name, tenants, func(tn live.Tenant) error {
		seen = append(seen, tn.Name)
		if tn.Name == "t1" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || activated != 1 || strings.Join(seen, " ") != "t0 t1" {
		t.Fatalf("visited %v, activated %d, err %v; want t0 t1, 1 activated, stop", seen, activated, err)
	}
	if got := statuses(); got != before {
		t.Fatalf("tenants after a failed EachTenant: %s, want %s", got, before)
	}

	single := weaviatetest.Name(t, "EachSingle")
	if err := c.CreateRaw(ctx, livetest.AuthorClass(single)); err != nil {
		t.Fatal(err)
	}
	ts, err := c.CollectionTenants(ctx, live.SchemaOf(must(c.Class(ctx, single))))
	if err != nil || len(ts) != 1 || ts[0] != (live.Tenant{}) {
		t.Fatalf("tenants of a single-tenant collection: %v, %v; want one unnamed tenant", ts, err)
	}
}

// ActivateTenants records the tenants (one at a time through a plain
// TenantLog) before it activates them together; SetBackAll gives each the
// status it had and drops the records.
func TestActivateTenants(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := weaviatetest.Name(t, "ActAll")
	if err := c.CreateRaw(ctx, livetest.MultiTenantClass(name)); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTenants(ctx, name, []live.Tenant{{Name: "a", ActivityStatus: "COLD"}, {Name: "b", ActivityStatus: "COLD"}, {Name: "c"}}); err != nil {
		t.Fatal(err)
	}
	statuses := func() string {
		ts, err := c.Tenants(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, t := range ts {
			out = append(out, t.Name+"="+t.ActivityStatus)
		}
		return strings.Join(out, " ")
	}
	log := &recordingLog{c: c, status: statuses}
	c.TenantLog = log
	acts, err := c.ActivateTenants(ctx, name, []live.Tenant{{Name: "a", ActivityStatus: "COLD"}, {Name: "b", ActivityStatus: "COLD"}})
	if err != nil || len(acts) != 2 {
		t.Fatalf("ActivateTenants: %d, %v", len(acts), err)
	}
	if got := statuses(); got != "a=HOT b=HOT c=HOT" {
		t.Fatalf("after ActivateTenants: %s", got)
	}
	if err := live.SetBackAll(ctx, acts); err != nil {
		t.Fatal(err)
	}
	if got := statuses(); got != "a=COLD b=COLD c=HOT" {
		t.Fatalf("after SetBackAll: %s", got)
	}
	want := []string{
		"activated a (was COLD, still a=COLD b=COLD c=HOT)",
		"activated b (was COLD, still a=COLD b=COLD c=HOT)",
		"set back a (now a=COLD b=COLD c=HOT)",
		"set back b (now a=COLD b=COLD c=HOT)",
	}
	if strings.Join(log.events, "\n") != strings.Join(want, "\n") {
		t.Fatalf("log:\n%s\nwant:\n%s", strings.Join(log.events, "\n"), strings.Join(want, "\n"))
	}
	if _, err := c.ActivateTenants(ctx, name, []live.Tenant{{Name: "a", ActivityStatus: "FROZEN"}}); err == nil || !strings.Contains(err.Error(), "offloaded") {
		t.Fatalf("ActivateTenants of an offloaded tenant: %v", err)
	}
}
