package live_test

import (
	"context"
	"testing"

	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// An alias is created, retargeted in one call and deleted against the real
// server; deleting it twice is not an error, retargeting a missing alias is.
func TestAliasLifecycle(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	v1, v2 := weaviatetest.Name(t, "AliasV1"), weaviatetest.Name(t, "AliasV2")
	alias := weaviatetest.Name(t, "AliasName")
	for _, n := range []string{v1, v2} {
		if err := c.CreateRaw(ctx, livetest.MultiTenantClass(n)); err != nil {
			t.Fatal(err)
		}
	}
	target := func() string {
		all, err := c.Aliases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return all[alias]
	}
	if err := c.CreateAlias(ctx, alias, v1); err != nil {
		t.Fatal(err)
	}
	if got := target(); got != v1 {
		t.Fatalf("alias points at %q, want %q", got, v1)
	}
	if err := c.CreateAlias(ctx, alias, v2); err == nil {
		t.Fatal("creating an alias under a taken name succeeded")
	}
	if err := c.RetargetAlias(ctx, alias, v2); err != nil {
		t.Fatal(err)
	}
	if got := target(); got != v2 {
		t.Fatalf("alias points at %q after retarget, want %q", got, v2)
	}
	if err := c.DeleteAlias(ctx, alias); err != nil {
		t.Fatal(err)
	}
	if got := target(); got != "" {
		t.Fatalf("alias still points at %q after delete", got)
	}
	if err := c.DeleteAlias(ctx, alias); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if err := c.RetargetAlias(ctx, alias, v1); err == nil {
		t.Fatal("retargeting a deleted alias succeeded")
	}
}

// What Weaviate 1.35 does when a collection an alias points at is deleted:
// the delete succeeds and the alias keeps pointing at the missing name. The
// plan deletes or retargets an alias before its collection for that reason.
func TestAliasOutlivesItsCollection(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	col, alias := weaviatetest.Name(t, "AliasGone"), weaviatetest.Name(t, "AliasDangling")
	if err := c.CreateRaw(ctx, livetest.MultiTenantClass(col)); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateAlias(ctx, alias, col); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, col); err != nil {
		t.Fatalf("delete of an aliased collection: %v", err)
	}
	all, err := c.Aliases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := all[alias]; !ok || got != col {
		t.Fatalf("after deleting its collection the alias is %q (present %v); this test records that Weaviate leaves it dangling at %q", got, ok, col)
	}
	if err := c.DeleteAlias(ctx, alias); err != nil {
		t.Fatalf("delete of a dangling alias: %v", err)
	}
}
