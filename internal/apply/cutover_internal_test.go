package apply

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// A first blue/green cutover deletes the old collection and creates the
// alias under its name. With thousands of tenants Weaviate takes the
// class out of its schema at once but drops its files for minutes, and
// the alias's create waits behind that drop: its request times out, is
// retried, and the first create is applied once the drop is done (the
// retries then hear "already exists"). The cutover must count that alias
// as created. Scaled down: 400 COLD tenants, 1 s requests.
func TestCutoverAliasCreatedBehindALongDelete(t *testing.T) {
	ctx := context.Background()
	srv := weaviatetest.Server(t)
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.Retry = live.Backoff{Attempts: 3, Initial: time.Millisecond, Max: 5 * time.Millisecond}
	c.DeleteTimings = live.DeleteTimings{Request: 300 * time.Millisecond, Poll: 50 * time.Millisecond}
	setup, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr}) // loading takes longer than 1 s requests
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { setup.Close() })
	name := weaviatetest.Name(t, "Cut")
	to := name + "V2"
	if err := livetest.ColdTenants(ctx, setup, name, 400); err != nil {
		t.Fatal(err)
	}
	if err := setup.CreateRaw(ctx, livetest.AuthorClass(to)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = setup.DeleteAlias(ctx, name)
		_ = setup.Delete(ctx, to)
	})
	var out bytes.Buffer
	r := &Runner{Schema: c, Out: &out}
	gap, err := deleteThenAlias(ctx, r, c, &plan.BlueGreen{Alias: name, From: name, To: to, FirstAlias: true})
	if err != nil {
		t.Fatalf("cutover: %v", err)
	}
	aliases, err := c.Aliases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if aliases[name] != to {
		t.Fatalf("alias %s → %q, want %s", name, aliases[name], to)
	}
	t.Logf("name unavailable for %s", gap.Round(time.Millisecond))
}
