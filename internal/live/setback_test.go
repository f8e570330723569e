package live

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/colstate/colstate/internal/weaviatetest"
)

// countPUTs counts the PUT requests a client sends.
type countPUTs struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countPUTs) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut {
		c.n.Add(1)
	}
	return c.next.RoundTrip(r)
}

// Set-backs that wait while another is under way share one request on the
// real server; when that request fails (a tenant deleted meanwhile), each
// is sent on its own, so only that tenant's set-back fails and every other
// tenant is set back.
func TestSetBacksShareARequest(t *testing.T) {
	ctx := context.Background()
	srv := weaviatetest.Server(t)
	c, err := New(Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	puts := &countPUTs{next: http.DefaultTransport}
	c.http.Transport = puts
	name := weaviatetest.Name(t, "SetBack")
	if err := c.CreateRaw(ctx, Class{"class": name, "vectorizer": "none", "multiTenancyConfig": map[string]any{"enabled": true}}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTenants(ctx, name, []Tenant{{Name: "t0"}, {Name: "t1"}, {Name: "t2"}}); err != nil {
		t.Fatal(err)
	}
	status := func() map[string]string {
		t.Helper()
		ts, err := c.Tenants(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, tn := range ts {
			out[tn.Name] = tn.ActivityStatus
		}
		return out
	}

	// setBackTogether queues set-backs to COLD of tenants while a request
	// is (said to be) under way, then lets the first of them send.
	setBackTogether := func(tenants ...string) map[string]error {
		t.Helper()
		q := &c.setBacks
		q.mu.Lock()
		if q.wait == nil {
			q.wait, q.busy = map[string][]*setBack{}, map[string]bool{}
		}
		q.busy[name] = true
		q.mu.Unlock()
		var mu sync.Mutex
		errs := map[string]error{}
		var wg sync.WaitGroup
		for _, tn := range tenants {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := c.setBackStatus(ctx, name, Tenant{Name: tn, ActivityStatus: "COLD"})
				mu.Lock()
				errs[tn] = err
				mu.Unlock()
			}()
		}
		for queued := 0; queued < len(tenants); {
			q.mu.Lock()
			queued = len(q.wait[name])
			if queued == len(tenants) {
				q.wait[name][0].done <- setBackDone{lead: true}
			}
			q.mu.Unlock()
			runtime.Gosched()
		}
		wg.Wait()
		return errs
	}

	puts.n.Store(0)
	errs := setBackTogether("t0", "t1", "t2")
	for tn, err := range errs {
		if err != nil {
			t.Errorf("set back %s: %v", tn, err)
		}
	}
	if n := puts.n.Load(); n != 1 {
		t.Errorf("3 set-backs waiting together took %d requests, want 1", n)
	}
	for tn, st := range status() {
		if st != "COLD" {
			t.Errorf("tenant %s is %s after its set-back, want COLD", tn, st)
		}
	}

	if err := c.UpdateTenants(ctx, name, []Tenant{{Name: "t0", ActivityStatus: "HOT"}, {Name: "t1", ActivityStatus: "HOT"}}); err != nil {
		t.Fatal(err)
	}
	errs = setBackTogether("t0", "gone", "t1")
	if errs["t0"] != nil || errs["t1"] != nil {
		t.Errorf("set-backs of existing tenants failed beside one of a missing tenant: %v", errs)
	}
	if errs["gone"] == nil || !strings.Contains(errs["gone"].Error(), "gone") {
		t.Errorf("set-back of a missing tenant: %v, want an error naming it", errs["gone"])
	}
	for tn, st := range status() {
		if st != "COLD" {
			t.Errorf("tenant %s is %s after its set-back, want COLD", tn, st)
		}
	}
	q := &c.setBacks
	if q.busy[name] || len(q.wait[name]) != 0 {
		t.Errorf("set-backs left behind: busy %v, %d waiting", q.busy[name], len(q.wait[name]))
	}
}
