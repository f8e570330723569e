package live_test

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

// ppRanges is how many ranges the tenant tests read: the number the
// verification reads a collection without tenants in.
const ppRanges = 8

// ppTenantObjects returns n objects of tenant with random UUIDs, plus one
// at, just below and just above each start of UUIDRanges(ppRanges), and
// the smallest and largest UUID: where a range reader would lose or
// repeat an object.
func ppTenantObjects(seed uint64, n, dims int, tenant string) []*object.Object {
	r := rand.New(rand.NewPCG(seed, 7))
	ids := []string{"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"}
	for _, rg := range live.UUIDRanges(ppRanges)[1:] {
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

// ppReadTenantRanges reads one tenant as UUIDRanges(ppRanges), the ranges
// at once, calling fn from each range's goroutine.
func ppReadTenantRanges(ctx context.Context, c *live.Client, s *live.ObjectSchema, tenant string, page int, fn func(r [2]string, o *object.Object) error) error {
	ranges := live.UUIDRanges(ppRanges)
	errs := make([]error, len(ranges))
	var wg sync.WaitGroup
	for i, r := range ranges {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.ReadObjects(ctx, s, live.ReadOptions{Tenant: tenant, From: r[0], To: r[1], PageSize: page, NoTimestamps: true}, func(o *object.Object) error { return fn(r, o) })
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TestPPTenantRangeRead: one tenant read as ranges of UUIDs at once
// returns every object of that tenant exactly once, in its range, objects
// at the range boundaries included, and none of another tenant — what a
// verification that read a large tenant as ranges would rely on.
func TestPPTenantRangeRead(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := weaviatetest.Name(t, "PPRanges")
	if err := c.CreateRaw(ctx, livetest.MultiTenantClass(name)); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTenants(ctx, name, []live.Tenant{{Name: "big"}, {Name: "other"}}); err != nil {
		t.Fatal(err)
	}
	big := ppTenantObjects(1, 300, 8, "big")
	// The other tenant holds the same UUIDs (and more): a tenant's range
	// must not reach into it.
	other := ppTenantObjects(1, 350, 8, "other")
	if err := livetest.Insert(ctx, c, name, append(append([]*object.Object{}, big...), other...)); err != nil {
		t.Fatal(err)
	}
	cl, err := c.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	s := live.SchemaOf(cl)
	var mu sync.Mutex
	seen := map[string]int{}
	if err := ppReadTenantRanges(ctx, c, s, "big", 7, func(r [2]string, o *object.Object) error {
		if (r[0] != "" && o.ID < r[0]) || (r[1] != "" && o.ID >= r[1]) {
			return fmt.Errorf("object %s read in range [%s, %s)", o.ID, r[0], r[1])
		}
		if o.Tenant != "" && o.Tenant != "big" {
			return fmt.Errorf("object %s of tenant %s read for tenant big", o.ID, o.Tenant)
		}
		mu.Lock()
		seen[o.ID]++
		mu.Unlock()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, o := range big {
		if n := seen[o.ID]; n != 1 {
			t.Errorf("object %s of tenant big read %d times, want once", o.ID, n)
		}
		delete(seen, o.ID)
	}
	for id, n := range seen {
		t.Errorf("object %s read %d times: not one of tenant big's", id, n)
	}
}

// BenchmarkPPTenantRanges times reading back one tenant of
// COLSTATE_BENCH_OBJECTS objects (default 50000) × COLSTATE_BENCH_DIMS
// dimensions (default 384) with one cursor and as ppRanges ranges at
// once, computing its digest as the verification does. Each iteration
// times both, one after the other (which goes first alternates, starting
// with the ranges when COLSTATE_BENCH_RANGES_FIRST is set: the first read
// after the write is slower), and reports the medians. The tenant has a
// flat vector index, so that writing it is quick. Run with:
// go test -run - -bench PPTenantRanges -benchtime 6x ./internal/live
func BenchmarkPPTenantRanges(b *testing.B) {
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
	name := "PPBenchRanges"
	if _, err := c.Class(ctx, name); err != nil {
		cl := livetest.MultiTenantClass(name)
		cl["vectorIndexType"] = "flat"
		if err := c.CreateRaw(ctx, cl); err != nil {
			b.Fatal(err)
		}
		if err := c.CreateTenants(ctx, name, []live.Tenant{{Name: "large"}}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := livetest.Insert(ctx, c, name, ppTenantObjects(9, n, dims, "large")); err != nil {
			b.Fatal(err)
		}
		b.Logf("wrote %d objects × %d dims into one tenant in %s", n, dims, time.Since(start).Round(time.Millisecond))
	}
	cl, err := c.Class(ctx, name)
	if err != nil {
		b.Fatal(err)
	}
	s := live.SchemaOf(cl)
	oneCursor := func() (object.Digest, error) {
		var d object.Digest
		err := c.ReadObjects(ctx, s, live.ReadOptions{Tenant: "large", NoTimestamps: true}, func(o *object.Object) error { d.Add(o.Hash()); return nil })
		return d, err
	}
	ranged := func() (object.Digest, error) {
		var (
			mu sync.Mutex
			d  object.Digest
		)
		err := ppReadTenantRanges(ctx, c, s, "large", 0, func(_ [2]string, o *object.Object) error {
			h := o.Hash()
			mu.Lock()
			d.Add(h)
			mu.Unlock()
			return nil
		})
		return d, err
	}
	var one, rng []float64
	var digests []object.Digest
	b.ResetTimer()
	for i := range b.N {
		first := (i%2 == 1) != (os.Getenv("COLSTATE_BENCH_RANGES_FIRST") != "")
		for _, useRanges := range []bool{first, !first} {
			t0 := time.Now()
			read := oneCursor
			if useRanges {
				read = ranged
			}
			d, err := read()
			if err != nil {
				b.Fatal(err)
			}
			digests = append(digests, d)
			if useRanges {
				rng = append(rng, time.Since(t0).Seconds())
			} else {
				one = append(one, time.Since(t0).Seconds())
			}
		}
	}
	b.StopTimer()
	for _, d := range digests {
		if d != digests[0] {
			b.Fatalf("digests differ: %v", digests)
		}
	}
	b.Logf("one cursor: %.2f s; %d ranges: %.2f s", one, ppRanges, rng)
	median := func(xs []float64) float64 { sort.Float64s(xs); return xs[len(xs)/2] }
	b.ReportMetric(median(one), "one-cursor-s")
	b.ReportMetric(median(rng), "ranges-s")
}

func ppEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
