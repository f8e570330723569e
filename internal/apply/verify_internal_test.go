package apply

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestVerifyRestoreRangesFail: the verification after a restore, which
// reads a collection without tenants as UUID ranges at once, passes on
// the collection the snapshot was taken of (three shards, objects at the
// range boundaries) and fails when one object differs or is missing —
// what a native restore that brought back other data than the snapshot's
// chunks would leave.
func TestVerifyRestoreRangesFail(t *testing.T) {
	ctx := context.Background()
	srv := weaviatetest.Server(t)
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	name := weaviatetest.Name(t, "VerifyRanges")
	cl := livetest.AuthorClass(name)
	cl["shardingConfig"] = map[string]any{"desiredCount": 3}
	if err := c.CreateRaw(ctx, cl); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	var objs []*object.Object
	ids := []string{"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"}
	for _, rg := range live.UUIDRanges(verifyRanges)[1:] {
		ids = append(ids, rg[0])
	}
	for range 300 {
		var u uuid.UUID
		for i := range u {
			u[i] = byte(r.UintN(256))
		}
		ids = append(ids, u.String())
	}
	for i, id := range ids {
		v := make([]float32, livetest.Dims)
		for j := range v {
			v[j] = r.Float32()
		}
		objs = append(objs, &object.Object{ID: id, Properties: map[string]any{"name": id, "born": int64(i)}, Vectors: map[string][]float32{"": v}})
	}
	if err := livetest.Insert(ctx, c, name, objs); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	d := &Data{Client: c, Out: &out, Err: &out, ProgressEvery: time.Hour, PageSize: 7}
	store := t.TempDir()
	if _, err := d.Backup(ctx, []plan.Change{{Collection: name, Action: plan.Backup, Data: &plan.DataChange{Store: store, Snapshot: "s1"}}}); err != nil {
		t.Fatal(err)
	}
	change := plan.Change{Collection: name, Action: plan.Restore, Data: &plan.DataChange{Store: store, Snapshot: "s1"}}
	snap, err := d.openSnapshot(change)
	if err != nil {
		t.Fatal(err)
	}
	sc := snap.Manifest().Collection(name)
	if sc == nil || sc.Objects != int64(len(objs)) {
		t.Fatalf("snapshot holds %v, want %d objects of %s", sc, len(objs), name)
	}
	verify := func() error {
		got, err := c.Class(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return d.verifyRestore(ctx, change, snap, sc, live.SchemaOf(got), writeStats{})
	}
	if err := verify(); err != nil {
		t.Fatalf("the collection the snapshot was taken of: %v", err)
	}
	if !strings.Contains(out.String(), "verified: object count and content digest match") {
		t.Fatalf("no verification reported:\n%s", out.String())
	}

	// One object differs (a boundary one: the start of a range).
	changed := *objs[2]
	changed.Properties = map[string]any{"name": "changed", "born": int64(2)}
	if err := livetest.Insert(ctx, c, name, []*object.Object{&changed}); err != nil {
		t.Fatal(err)
	}
	if err := verify(); err == nil || !strings.Contains(err.Error(), "digest") {
		t.Fatalf("verify after changing object %s = %v, want a digest mismatch", changed.ID, err)
	}
	if err := livetest.Insert(ctx, c, name, []*object.Object{objs[2]}); err != nil {
		t.Fatal(err)
	}
	if err := verify(); err != nil {
		t.Fatalf("verify after changing object %s back: %v", changed.ID, err)
	}

	// One object is missing (the largest UUID, in the last range).
	if n, err := c.DeleteObjects(ctx, name, "", []string{objs[1].ID}); err != nil || n != 1 {
		t.Fatalf("DeleteObjects = %d, %v", n, err)
	}
	want := fmt.Sprintf("holds %d objects", len(objs)-1)
	if err := verify(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("verify after deleting object %s = %v, want %q", objs[1].ID, err, want)
	}
}
