package apply_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestBackupActivatesColdTenantsTogether: a backup of a collection with
// 100 COLD tenants activates them in groups (one request to activate a
// group, one to set it back), not with two requests per tenant, each a
// schema change through Raft (a backup of 9,000 COLD tenants took minutes
// that way); every tenant is back to its status and every object is in
// the snapshot.
func TestBackupActivatesColdTenantsTogether(t *testing.T) {
	srv := weaviatetest.Server(t)
	target, _ := url.Parse(srv.URL)
	var puts atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/tenants") {
			puts.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	e := newEnv(t)
	c, err := live.New(live.Options{URL: front.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e.c = c

	name := weaviatetest.Name(t, "Bulk")
	cl := live.Class{"class": name, "vectorizer": "none", "multiTenancyConfig": map[string]any{"enabled": true},
		"properties": []any{map[string]any{"name": "n", "dataType": []any{"int"}}}}
	var objs []*object.Object
	var names []string
	for i := range 120 {
		tn := fmt.Sprintf("t%03d", i)
		names = append(names, tn)
		objs = append(objs, &object.Object{ID: fmt.Sprintf("00000000-0000-0000-0000-%012d", i), Tenant: tn, Properties: map[string]any{"n": float64(i)}})
	}
	e.create(cl, objs, names...)
	defer c.Delete(e.ctx, name)
	var cold []live.Tenant
	for i, tn := range names {
		if i%6 != 0 {
			cold = append(cold, live.Tenant{Name: tn, ActivityStatus: "COLD"})
		}
	}
	if err := c.UpdateTenants(e.ctx, name, cold); err != nil {
		t.Fatal(err)
	}
	puts.Store(0)
	m := e.backup("bulk", false, name)
	if got := m.Collection(name).Objects; got != 120 {
		t.Errorf("snapshot holds %d objects, want 120", got)
	}
	// 100 COLD tenants in groups of 50: two activations, two set-backs.
	if n := puts.Load(); n > 4 {
		t.Errorf("the backup sent %d tenant updates for 100 COLD tenants, want at most 4 (groups of 50)", n)
	}
	if !strings.Contains(e.out.String(), "activated 100 inactive tenants up to 50 at a time") {
		t.Errorf("output does not say how many tenants were activated:\n%s", e.out.String())
	}
	ts, err := c.Tenants(e.ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range ts {
		var i int
		fmt.Sscanf(tn.Name, "t%d", &i)
		want := "COLD"
		if i%6 == 0 {
			want = "HOT"
		}
		if tn.ActivityStatus != want {
			t.Errorf("tenant %s is %s after the backup, was %s", tn.Name, tn.ActivityStatus, want)
		}
	}
}
