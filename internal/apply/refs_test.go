package apply

import (
	"reflect"
	"testing"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
)

// Only a reference to a collection created later in the plan is held back,
// together with the properties after it, so the declared order survives.
func TestDeferredProperties(t *testing.T) {
	col := func(name string, props ...collection.Property) *collection.Collection {
		return &collection.Collection{Name: name, Properties: props}
	}
	p := &plan.Plan{Changes: []plan.Change{
		{Collection: "A", Action: plan.Create, After: col("A",
			collection.NewProperty("name", "text"), collection.NewProperty("self", "A"),
			collection.NewProperty("b", "Old|B"), collection.NewProperty("rank", "int"))},
		{Collection: "B", Action: plan.Create, After: col("B", collection.NewProperty("a", "A"), collection.NewProperty("c", "C"))},
		{Collection: "C", Action: plan.Update, After: col("C", collection.NewProperty("b", "B"))},
	}}
	got := deferredProperties(p)
	if len(got) != 1 {
		t.Fatalf("deferred = %v", got)
	}
	var names []string
	for _, pr := range got[0] {
		names = append(names, pr.Name)
	}
	if !reflect.DeepEqual(names, []string{"b", "rank"}) {
		t.Fatalf("A defers %v, want [b rank]", names)
	}
	if c := withoutTail(*p.Changes[0].After, 2); len(c.Properties) != 2 || len(p.Changes[0].After.Properties) != 4 {
		t.Fatalf("withoutTail: %d properties, declared %d", len(c.Properties), len(p.Changes[0].After.Properties))
	}
}

func TestWithoutReferences(t *testing.T) {
	s := &live.ObjectSchema{Properties: []live.PropertySchema{
		{Name: "name", DataType: []string{"text"}}, {Name: "parent", DataType: []string{"Tree"}}, {Name: "none", DataType: []string{"Tree"}},
	}}
	o := &object.Object{ID: "x", Properties: map[string]any{
		"name": "n", "parent": []any{map[string]any{"beacon": "weaviate://localhost/Tree/y"}}, "none": []any{},
	}}
	if !hasReferences(s, o) {
		t.Fatal("references not seen")
	}
	bare := withoutReferences(s, o)
	if hasReferences(s, bare) || bare.Properties["name"] != "n" || bare.Properties["none"] == nil || o.Properties["parent"] == nil {
		t.Fatalf("without references: %v (original %v)", bare.Properties, o.Properties)
	}
}

// A merge compares a live object without the vectors a vectorizer makes
// that the snapshot object lacks, multi-vectors included, so the merged
// object (which leaves them to Weaviate) reads back as identical.
func TestAsMergedDropsVectorizedMulti(t *testing.T) {
	s := &live.ObjectSchema{Named: []string{"colbert", "plain"}, Multi: map[string]bool{"colbert": true},
		Vectorized: map[string]bool{"colbert": true}}
	lv := &object.Object{ID: "00000000-0000-0000-0000-000000000001", Properties: map[string]any{"title": "one"},
		Vectors: map[string][]float32{"plain": {1, 2}}, Multi: map[string][][]float32{"colbert": {{1, 2}, {3, 4}}}}
	o := &object.Object{ID: lv.ID, Properties: map[string]any{"title": "one"}}
	mergeLive(o, lv, s)
	if got := asMerged(lv, o, s); got.Hash() != o.Hash() {
		t.Fatalf("merged object %+v compares unequal to live %+v", o, got)
	}
	if len(lv.Multi["colbert"]) != 2 {
		t.Fatalf("asMerged changed the live object: %+v", lv)
	}
}
