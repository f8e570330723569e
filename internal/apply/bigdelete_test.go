package apply_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// An apply that deletes a collection Weaviate takes longer to delete than
// a request may, then creates one: the delete succeeds although its
// request timed out, and the create after it does not time out behind
// what Weaviate still drops (it takes the class out of its schema at
// once, then drops the files; every schema change waits for that). Scaled
// down from 10,000 tenants and 60 s: 400 COLD tenants take Weaviate
// seconds; the DELETE's timeout is 300 ms, every other request's 2 s.
func TestApplyDeleteOutlastsRequestTimeout(t *testing.T) {
	ctx := context.Background()
	srv := weaviatetest.Server(t)
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.DeleteTimings = live.DeleteTimings{Request: 300 * time.Millisecond, Poll: 50 * time.Millisecond, Notice: 200 * time.Millisecond}
	var notices bytes.Buffer
	c.Notices = &notices
	big, next := weaviatetest.Name(t, "Big"), weaviatetest.Name(t, "Next")
	if err := livetest.ColdTenants(ctx, c, big, 400); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, next) })
	cl, err := c.Class(ctx, big)
	if err != nil {
		t.Fatal(err)
	}
	before := live.FromClass(cl)
	after := live.FromClass(livetest.AuthorClass(next))
	st := state.New()
	st.Collections[big] = before
	var out bytes.Buffer
	r := &apply.Runner{Schema: c, State: st, Save: func(*state.State) error { return nil }, Out: &out}
	p := &plan.Plan{Changes: []plan.Change{
		{Collection: big, Action: plan.Delete, Before: &before},
		{Collection: next, Action: plan.Create, After: &after},
	}}
	start := time.Now()
	if err := r.Run(ctx, p); err != nil {
		t.Fatalf("apply: %v\noutput: %s\nnotices: %s", err, out.String(), notices.String())
	}
	t.Logf("applied in %s; notices:\n%s", time.Since(start).Round(time.Millisecond), notices.String())
	if !strings.Contains(notices.String(), "waiting for Weaviate to finish deleting "+big+" (400 tenants)…") {
		t.Fatalf("the delete did not outlast its request (the test proves nothing): notices %q", notices.String())
	}
	if _, err := c.Class(ctx, big); !errors.Is(err, live.ErrNotFound) {
		t.Fatalf("%s after apply: %v, want not found", big, err)
	}
	if _, err := c.Class(ctx, next); err != nil {
		t.Fatalf("%s after apply: %v", next, err)
	}
}
