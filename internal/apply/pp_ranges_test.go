package apply

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// ppTenantObjects returns n objects of tenant with random UUIDs, and one
// at, just below and just above each start of the ranges readRanges
// reads, and the smallest and largest UUID: where a range reader would
// lose or repeat an object.
func ppTenantObjects(seed uint64, n, dims int, tenant string) []*object.Object {
	r := rand.New(rand.NewPCG(seed, 7))
	ids := []string{"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"}
	for _, rg := range live.UUIDRanges(verifyRanges)[1:] {
		u := uuid.MustParse(rg[0])
		below, above := u, u
		for i := 15; i >= 0; i-- {
			if below[i]--; below[i] != 0xff {
				break
			}
		}
		for i := 15; i >= 0; i-- {
			if above[i]++; above[i] != 0 {
				break
			}
		}
		ids = append(ids, u.String(), below.String(), above.String())
	}
	for range n {
		var u uuid.UUID
		for i := range u {
			u[i] = byte(r.UintN(256))
		}
		ids = append(ids, u.String())
	}
	out := make([]*object.Object, len(ids))
	for i, id := range ids {
		v := make([]float32, dims)
		for j := range v {
			v[j] = r.Float32()*2 - 1
		}
		out[i] = &object.Object{ID: id, Tenant: tenant, Properties: map[string]any{"body": fmt.Sprintf("%s %d", tenant, i), "n": int64(i)}, Vectors: map[string][]float32{"": v}}
	}
	return out
}

// ppInsert writes objs through a batch writer with several batches in
// flight.
func ppInsert(ctx context.Context, t testing.TB, c *live.Client, name string, objs []*object.Object) {
	t.Helper()
	cl, err := c.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	w := c.NewBatchWriter(ctx, live.SchemaOf(cl), name, 200, 4)
	for _, o := range objs {
		if err := w.Add(o); err != nil {
			w.Close()
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPPTenantRangeRead: a tenant read as UUID ranges at once returns
// every object exactly once, objects at the range boundaries included;
// the verification's digest of tenants, a large one read as ranges (one
// of them COLD: activated for it and set back) and small ones with one
// cursor each, is the digest of what was written.
func TestPPTenantRangeRead(t *testing.T) {
	ctx := context.Background()
	srv := weaviatetest.Server(t)
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	name := weaviatetest.Name(t, "PPRanges")
	if err := c.CreateRaw(ctx, livetest.MultiTenantClass(name)); err != nil {
		t.Fatal(err)
	}
	tenants := []live.Tenant{{Name: "big"}, {Name: "cold"}, {Name: "small"}}
	if err := c.CreateTenants(ctx, name, tenants); err != nil {
		t.Fatal(err)
	}
	written := map[string][]*object.Object{
		"big":   ppTenantObjects(1, 300, 8, "big"),
		"cold":  ppTenantObjects(2, 200, 8, "cold"),
		"small": ppTenantObjects(3, 20, 8, "small"),
	}
	var all []*object.Object
	for _, objs := range written {
		all = append(all, objs...)
	}
	ppInsert(ctx, t, c, name, all)
	cl, err := c.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	s := live.SchemaOf(cl)
	d := &Data{Client: c, Out: os.Stderr, Err: os.Stderr, PageSize: 7}

	// Every object of the tenant once, none of another tenant.
	var mu sync.Mutex
	seen := map[string]int{}
	if err := d.readRanges(ctx, s, live.ReadOptions{Tenant: "big", NoTimestamps: true, PageSize: 7}, func(o *object.Object) error {
		mu.Lock()
		seen[o.ID]++
		mu.Unlock()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, o := range written["big"] {
		if n := seen[o.ID]; n != 1 {
			t.Errorf("object %s of tenant big read %d times, want once", o.ID, n)
		}
		delete(seen, o.ID)
	}
	for id, n := range seen {
		t.Errorf("object %s read %d times: not one of tenant big's", id, n)
	}

	// The verification's digest: big and cold (COLD) as ranges.
	if err := c.UpdateTenants(ctx, name, []live.Tenant{{Name: "cold", ActivityStatus: "COLD"}}); err != nil {
		t.Fatal(err)
	}
	var want object.Digest
	for _, o := range all {
		want.Add(o.Hash())
	}
	defer func(old int64) { rangeTenantObjects = old }(rangeTenantObjects)
	rangeTenantObjects = 100
	sizes := map[string]int64{}
	for tn, objs := range written {
		sizes[tn] = int64(len(objs))
	}
	ts, err := c.Tenants(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.tenantsDigest(ctx, name, s, ts, false, sizes)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("digest of the tenants read back: %d objects %.16s…, written %d %.16s…", got.Count, got.String(), want.Count, want.String())
	}
	after, err := c.Tenants(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range after {
		if want := map[string]string{"cold": "COLD"}[tn.Name]; (want == "" && !tn.Active()) || (want != "" && tn.ActivityStatus != want) {
			t.Errorf("tenant %s is %s after the read", tn.Name, tn.ActivityStatus)
		}
	}
}

// BenchmarkPPTenantVerify times the verification's read-back of one
// tenant of COLSTATE_BENCH_OBJECTS objects (default 50000) ×
// COLSTATE_BENCH_DIMS dimensions (default 384): with one cursor (as before
// large tenants were read as ranges) and as verifyRanges ranges at once.
// Each iteration times both, one after the other, and reports the medians.
// The tenant has a flat vector index, so that writing it is quick. Run
// with: go test -run - -bench PPTenantVerify -benchtime 5x ./internal/apply
func BenchmarkPPTenantVerify(b *testing.B) {
	n, dims := ppEnvInt("COLSTATE_BENCH_OBJECTS", 50000), ppEnvInt("COLSTATE_BENCH_DIMS", 384)
	ctx := context.Background()
	srv := weaviatetest.Server(b)
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	// The benchmark function runs more than once on the one server: the
	// tenant is written by the first run.
	name := "PPBenchVerify"
	if _, err := c.Class(ctx, name); err != nil {
		// A flat index: writing is not what is measured, and reading
		// objects back does not go through the vector index.
		cl := livetest.MultiTenantClass(name)
		cl["vectorIndexType"] = "flat"
		if err := c.CreateRaw(ctx, cl); err != nil {
			b.Fatal(err)
		}
		if err := c.CreateTenants(ctx, name, []live.Tenant{{Name: "large"}}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		ppInsert(ctx, b, c, name, ppTenantObjects(9, n, dims, "large"))
		b.Logf("wrote %d objects × %d dims into one tenant in %s", n, dims, time.Since(start).Round(time.Millisecond))
	}
	cl, err := c.Class(ctx, name)
	if err != nil {
		b.Fatal(err)
	}
	s := live.SchemaOf(cl)
	d := &Data{Client: c, Out: os.Stderr, Err: os.Stderr}
	ts := []live.Tenant{{Name: "large"}}
	sizes := map[string]int64{"large": int64(n)}
	var one, ranged []float64
	var digests []object.Digest
	b.ResetTimer()
	for range b.N {
		for _, threshold := range []int64{1 << 62, 1} {
			old := rangeTenantObjects
			rangeTenantObjects = threshold
			t0 := time.Now()
			got, err := d.tenantsDigest(ctx, name, s, ts, false, sizes)
			el := time.Since(t0).Seconds()
			rangeTenantObjects = old
			if err != nil {
				b.Fatal(err)
			}
			digests = append(digests, got)
			if threshold == 1 {
				ranged = append(ranged, el)
			} else {
				one = append(one, el)
			}
		}
	}
	b.StopTimer()
	for _, dg := range digests {
		if dg != digests[0] || dg.Count != int64(n)+2+3*(verifyRanges-1) {
			b.Fatalf("digests differ: %v", digests)
		}
	}
	median := func(xs []float64) float64 { sort.Float64s(xs); return xs[len(xs)/2] }
	b.ReportMetric(median(one), "one-cursor-s")
	b.ReportMetric(median(ranged), "ranges-s")
	b.Logf("one cursor: %v s; %d ranges: %v s", one, verifyRanges, ranged)
}

func ppEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
