package live_test

import (
	"context"
	"errors"
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
