package live_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestUUIDRanges: the ranges start open, end open, and each ends where
// the next starts, in increasing order.
func TestUUIDRanges(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 8, 1000} {
		r := live.UUIDRanges(n)
		if want := max(n, 1); len(r) != want {
			t.Fatalf("UUIDRanges(%d): %d ranges, want %d", n, len(r), want)
		}
		if r[0][0] != "" || r[len(r)-1][1] != "" {
			t.Errorf("UUIDRanges(%d) = %v: the ends are not open", n, r)
		}
		for i := 1; i < len(r); i++ {
			if r[i][0] != r[i-1][1] || r[i][0] == "" {
				t.Fatalf("UUIDRanges(%d): range %d starts at %q, range %d ends at %q", n, i, r[i][0], i-1, r[i-1][1])
			}
			if i > 1 && r[i][0] <= r[i-1][0] {
				t.Fatalf("UUIDRanges(%d): range %d starts at %s, not after %s", n, i, r[i][0], r[i-1][0])
			}
		}
	}
	if got := live.UUIDRanges(4)[1][0]; got != "40000000-0000-0000-0000-000000000000" {
		t.Errorf("UUIDRanges(4) second range starts at %s", got)
	}
}

// rangeClass is a collection without tenants spread over shards shards of
// the one node.
func rangeClass(name string, shards int) live.Class {
	cl := livetest.AuthorClass(name)
	cl["shardingConfig"] = map[string]any{"desiredCount": shards}
	return cl
}

// edgeUUIDs are UUIDs at, just below and just above the starts of the
// ranges of UUIDRanges(4) and UUIDRanges(3), and the smallest and largest
// UUID: where a range reader would lose or repeat an object.
func edgeUUIDs() []string {
	ids := []string{"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-0000-000000000001"}
	for _, n := range []int{3, 4} {
		for _, r := range live.UUIDRanges(n)[1:] {
			u := uuid.MustParse(r[0])
			ids = append(ids, u.String())
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
			ids = append(ids, below.String(), above.String())
		}
	}
	return ids
}

func rangeObjects(seed uint64, n int, ids []string) []*object.Object {
	r := rand.New(rand.NewPCG(seed, 9))
	var out []*object.Object
	add := func(id string) {
		v := make([]float32, livetest.Dims)
		for i := range v {
			v[i] = r.Float32()
		}
		out = append(out, &object.Object{ID: id, Properties: map[string]any{"name": "o " + id, "born": int64(len(out))}, Vectors: map[string][]float32{"": v}})
	}
	for _, id := range ids {
		add(id)
	}
	for range n {
		var u uuid.UUID
		for i := range u {
			u[i] = byte(r.UintN(256))
		}
		add(u.String())
	}
	return out
}

// readRanges reads collection as UUIDRanges(n), the ranges at once, and
// returns how often each UUID came back; it fails t when an object comes
// back outside its range.
func readRanges(t *testing.T, c *live.Client, s *live.ObjectSchema, n, page int) map[string]int {
	t.Helper()
	var (
		mu   sync.Mutex
		seen = map[string]int{}
		wg   sync.WaitGroup
		errs = make([]error, n)
	)
	for i, r := range live.UUIDRanges(n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.ReadObjects(context.Background(), s, live.ReadOptions{From: r[0], To: r[1], PageSize: page, NoTimestamps: true}, func(o *object.Object) error {
				if (r[0] != "" && o.ID < r[0]) || (r[1] != "" && o.ID >= r[1]) {
					return fmt.Errorf("object %s read in range [%s, %s)", o.ID, r[0], r[1])
				}
				if o.CreationTimeUnix != 0 {
					return fmt.Errorf("object %s came with its creation time, asked without", o.ID)
				}
				mu.Lock()
				seen[o.ID]++
				mu.Unlock()
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%d ranges, page %d, range %d: %v", n, page, i, err)
		}
	}
	return seen
}

// TestReadObjectsRanges: a collection (three shards on one node) read as
// ranges of UUIDs at once returns every object exactly once, in the range
// it belongs to, whatever the number of ranges (including ranges with no
// object) and the page size, with objects exactly at, below and above the
// range boundaries; an object created with its UUID in upper case is one
// of them too (Weaviate keys objects by the UUID's bytes).
func TestReadObjectsRanges(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := weaviatetest.Name(t, "Ranges")
	if err := c.CreateRaw(ctx, rangeClass(name, 3)); err != nil {
		t.Fatal(err)
	}
	objs := rangeObjects(1, 400, edgeUUIDs())
	upper := objs[len(objs)-1]
	upper.ID = strings.ToUpper(upper.ID)
	if err := livetest.Insert(ctx, c, name, objs); err != nil {
		t.Fatal(err)
	}
	upper.ID = strings.ToLower(upper.ID)
	cl, err := c.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	s := live.SchemaOf(cl)
	if shards, _ := cl["shardingConfig"].(map[string]any)["actualCount"].(float64); shards != 3 {
		t.Fatalf("the collection has %v shards, want 3: %v", shards, cl["shardingConfig"])
	}
	want := map[string]bool{}
	for _, o := range objs {
		want[o.ID] = true
	}
	for _, tc := range []struct{ ranges, page int }{{1, 500}, {3, 500}, {4, 7}, {4, 1}, {8, 50}, {64, 500}, {300, 3}} {
		seen := readRanges(t, c, s, tc.ranges, tc.page)
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%d ranges, page %d: %s read %d times", tc.ranges, tc.page, id, n)
			}
			if !want[id] {
				t.Errorf("%d ranges, page %d: %s read, never written", tc.ranges, tc.page, id)
			}
		}
		for id := range want {
			if seen[id] == 0 {
				t.Errorf("%d ranges, page %d: %s not read", tc.ranges, tc.page, id)
			}
		}
	}

	// A range holding no object, and one that ends where it starts.
	for _, r := range [][2]string{{"00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000009"}, {"40000000-0000-0000-0000-000000000000", "40000000-0000-0000-0000-000000000000"}} {
		n := 0
		if err := c.ReadObjects(ctx, s, live.ReadOptions{From: r[0], To: r[1]}, func(*object.Object) error { n++; return nil }); err != nil || n != 0 {
			t.Errorf("range %v: %d objects, %v; want none", r, n, err)
		}
	}
	// Bounds in other spellings of a UUID mean the same place.
	var got []string
	err = c.ReadObjects(ctx, s, live.ReadOptions{From: "{3FFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}", To: "urn:uuid:40000000-0000-0000-0000-000000000001"}, func(o *object.Object) error {
		got = append(got, o.ID)
		return nil
	})
	if wantIDs := []string{"3fffffff-ffff-ffff-ffff-ffffffffffff", "40000000-0000-0000-0000-000000000000"}; err != nil || !slices.Equal(got, wantIDs) {
		t.Errorf("range {3FFF…FFFF}, urn:uuid:4000…0001 read %v, %v; want %v", got, err, wantIDs)
	}
	if err := c.ReadObjects(ctx, s, live.ReadOptions{From: "not-a-uuid"}, func(*object.Object) error { return nil }); err == nil {
		t.Error("a range from a non-UUID was read")
	}
}

// TestReadObjectsRangesOneObject: a collection of one object read as
// ranges returns it once; the other ranges are empty.
func TestReadObjectsRangesOneObject(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := weaviatetest.Name(t, "RangesOne")
	if err := c.CreateRaw(ctx, rangeClass(name, 1)); err != nil {
		t.Fatal(err)
	}
	objs := rangeObjects(2, 1, nil)
	if err := livetest.Insert(ctx, c, name, objs); err != nil {
		t.Fatal(err)
	}
	cl, err := c.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 4, 8} {
		seen := readRanges(t, c, live.SchemaOf(cl), n, 500)
		if len(seen) != 1 || seen[objs[0].ID] != 1 {
			t.Errorf("%d ranges read %v, want %s once", n, seen, objs[0].ID)
		}
	}
}
