package content

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// liveByID is a live collection held in memory, read by id as
// live.Client.ReadObjectsByID reads it; it counts the reads.
type liveByID struct {
	objs  map[string]*object.Object
	reads [][]string
	err   error
}

func (l *liveByID) ReadObjectsByID(_ context.Context, _ *live.ObjectSchema, _ live.ReadOptions, ids []string) (map[string]*object.Object, error) {
	l.reads = append(l.reads, append([]string(nil), ids...))
	if l.err != nil {
		return nil, l.err
	}
	out := map[string]*object.Object{}
	for _, id := range ids {
		if o, ok := l.objs[id]; ok {
			out[id] = o
		}
	}
	return out, nil
}

type closeWriter struct {
	memWriter
	closed bool
}

func (w *closeWriter) Close() error { w.closed = true; return nil }

func id(n int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", n) }

// TestKeepVectors: a write replaces the whole object, so a source object
// without vectors takes its live copy's vectors, except those a vectorizer
// makes (Weaviate computes them from the new properties).
func TestKeepVectors(t *testing.T) {
	ctx := context.Background()
	s := &live.ObjectSchema{Collection: "Doc", Legacy: true, Named: []string{"colbert", "img", "txt"},
		Multi: map[string]bool{"colbert": true}, Vectorized: map[string]bool{"txt": true}}
	lv := &liveByID{objs: map[string]*object.Object{
		id(1): {ID: id(1), Vectors: map[string][]float32{"": {1}, "img": {2}, "txt": {3}}, Multi: map[string][][]float32{"colbert": {{4, 5}}}},
	}}
	w := &closeWriter{}
	k := KeepVectors(ctx, w, lv, s)

	withVectors := &object.Object{ID: id(1), Vectors: map[string][]float32{"img": {9}}}
	bare := &object.Object{ID: id(1), Properties: map[string]any{"sku": "a"}}
	unknown := &object.Object{ID: id(2)}
	for _, o := range []*object.Object{withVectors, bare, unknown} {
		if err := k.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.got) != 1 || w.got[0] != withVectors || len(lv.reads) != 0 {
		t.Fatalf("before Close: written %v, reads %v; want only the object that carries vectors, no reads", w.got, lv.reads)
	}
	if err := k.Close(); err != nil || !w.closed {
		t.Fatalf("close: %v, underlying closed %v", err, w.closed)
	}
	if !reflect.DeepEqual(lv.reads, [][]string{{id(1), id(2)}}) {
		t.Errorf("reads %v, want one read of both pending ids", lv.reads)
	}
	if len(w.got) != 3 {
		t.Fatalf("written %d objects, want 3", len(w.got))
	}
	if want := map[string][]float32{"": {1}, "img": {2}}; !reflect.DeepEqual(bare.Vectors, want) {
		t.Errorf("kept vectors %v, want %v (not the vectorized txt)", bare.Vectors, want)
	}
	if want := map[string][][]float32{"colbert": {{4, 5}}}; !reflect.DeepEqual(bare.Multi, want) {
		t.Errorf("kept multi-vectors %v, want %v", bare.Multi, want)
	}
	if !reflect.DeepEqual(withVectors.Vectors, map[string][]float32{"img": {9}}) {
		t.Errorf("an object that carries vectors was changed: %v", withVectors.Vectors)
	}
	if unknown.Vectors != nil || unknown.Multi != nil {
		t.Errorf("a new object got vectors: %v %v", unknown.Vectors, unknown.Multi)
	}
}

func TestKeepVectorsBatchesAndErrors(t *testing.T) {
	ctx := context.Background()
	s := &live.ObjectSchema{Collection: "Doc", Legacy: true}
	lv := &liveByID{objs: map[string]*object.Object{}}
	w := &closeWriter{}
	k := KeepVectors(ctx, w, lv, s)
	for i := range keepBatch + 1 {
		if err := k.Add(&object.Object{ID: id(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if len(lv.reads) != 1 || len(lv.reads[0]) != keepBatch || len(w.got) != keepBatch {
		t.Fatalf("after %d objects: %d reads, %d written; want one full batch", keepBatch+1, len(lv.reads), len(w.got))
	}
	if err := k.Close(); err != nil || len(lv.reads) != 2 || len(w.got) != keepBatch+1 {
		t.Fatalf("close: %v, %d reads, %d written", err, len(lv.reads), len(w.got))
	}

	boom := errors.New("read failed")
	failing := &liveByID{err: boom}
	w2 := &closeWriter{}
	k = KeepVectors(ctx, w2, failing, s)
	if err := k.Add(&object.Object{ID: id(1)}); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); !errors.Is(err, boom) || !w2.closed || len(w2.got) != 0 {
		t.Fatalf("close with a failing read: %v, closed %v, written %d; want the error, the writer closed, nothing written", err, w2.closed, len(w2.got))
	}
}

// When a vectorizer makes every vector there is nothing to keep: the
// writer is used as it is, with no reads.
func TestKeepVectorsNotNeeded(t *testing.T) {
	w := &closeWriter{}
	for _, s := range []*live.ObjectSchema{
		{Collection: "A", Legacy: true, Vectorized: map[string]bool{"": true}},
		{Collection: "B", Named: []string{"a", "b"}, Vectorized: map[string]bool{"a": true, "b": true}},
		{Collection: "C"},
	} {
		if got := KeepVectors(context.Background(), w, &liveByID{}, s); got != Writer(w) {
			t.Errorf("%s: wrapped", s.Collection)
		}
	}
}

// TestHashMultiVectors: a multi-vector's rows are part of the content; the
// same numbers split into other rows, or under another vector name, are
// different content.
func TestHashMultiVectors(t *testing.T) {
	s := &live.ObjectSchema{Collection: "Doc", Named: []string{"a", "b"}, Multi: map[string]bool{"a": true, "b": true}}
	obj := func(name string, rows [][]float32) *object.Object {
		return &object.Object{ID: id(1), Multi: map[string][][]float32{name: rows}}
	}
	base := Hash(s, obj("a", [][]float32{{1, 2}, {3, 4}}))
	if Hash(s, obj("a", [][]float32{{1, 2}, {3, 4}})) != base {
		t.Fatal("equal multi-vectors hash differently")
	}
	for name, o := range map[string]*object.Object{
		"changed number": obj("a", [][]float32{{1, 2}, {3, 5}}),
		"rows split":     obj("a", [][]float32{{1, 2, 3, 4}}),
		"other name":     obj("b", [][]float32{{1, 2}, {3, 4}}),
		"no multi":       {ID: id(1)},
		"as a vector":    {ID: id(1), Vectors: map[string][]float32{"a": {1, 2, 3, 4}}},
	} {
		if Hash(s, o) == base {
			t.Errorf("%s: same hash", name)
		}
	}
	// A source object without vectors matches a live one with multi-vectors.
	src := &object.Object{ID: id(1)}
	if liveHash(s, obj("a", [][]float32{{1}}), true) != Hash(s, src) {
		t.Error("a live multi-vector is not left out for a source without vectors")
	}
}
