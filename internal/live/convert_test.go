package live

import (
	"encoding/json"
	"testing"

	"github.com/colstate/colstate/internal/collection"
)

// ToClass and FromClass are inverses on normalised collections, through JSON
// as the server would see them.
func TestClassRoundTrip(t *testing.T) {
	cols := []collection.Collection{
		{Name: "Plain"},
		{Name: "Full", Description: "d", VectorIndex: &collection.VectorIndex{Type: "hnsw", Distance: "dot", EF: 5,
			Quantization: &collection.Quantization{Type: "rq", Bits: 8, RescoreLimit: 3}},
			Properties: []collection.Property{
				{Name: "o", DataType: "object", IndexFilterable: true, Nested: []collection.Property{collection.NewProperty("x", "text[]")}},
				{Name: "n", DataType: "number", IndexRangeFilters: true},
				collection.NewProperty("r", "A|B"),
			},
			InvertedIndex: collection.InvertedIndex{BM25B: 1, BM25K1: 2, StopwordsPreset: "none", StopwordsRemovals: []string{"a"}, IndexTimestamps: true},
			MultiTenancy:  collection.MultiTenancy{Enabled: true, AutoTenantActivation: true},
			Replication:   collection.Replication{Factor: 2, DeletionStrategy: "DeleteOnConflict"},
		},
		{Name: "Flat", VectorIndex: &collection.VectorIndex{Type: "flat", Quantization: &collection.Quantization{Type: "bq", Cache: true}}, Sharding: collection.Sharding{DesiredCount: 4}},
		{Name: "Named", Vectors: []collection.NamedVector{
			{Name: "b", Vectorizer: "none", Index: collection.VectorIndex{Type: "flat"}},
			{Name: "a", Vectorizer: "text2vec-x", VectorizerConfig: map[string]any{"model": "m"}},
		}, ModuleConfig: map[string]any{"generative-x": map[string]any{"k": 1}}},
	}
	for _, c := range cols {
		collection.Normalize(&c)
		b, err := json.Marshal(ToClass(c))
		if err != nil {
			t.Fatal(err)
		}
		var cl Class
		if err := json.Unmarshal(b, &cl); err != nil {
			t.Fatal(err)
		}
		got := FromClass(cl)
		if d := collection.Diff(c, got); len(d) > 0 || collection.Fingerprint(c) != collection.Fingerprint(got) {
			t.Errorf("%s: round trip differs: %+v\n%s", c.Name, d, b)
		}
	}
}

func TestPatchMutableKeepsUnmodelledSettings(t *testing.T) {
	cl := Class{
		"class":               "A",
		"description":         "old",
		"vectorIndexType":     "hnsw",
		"vectorIndexConfig":   map[string]any{"ef": float64(-1), "skip": false, "multivector": map[string]any{"enabled": false}},
		"invertedIndexConfig": map[string]any{"usingBlockMaxWAND": true},
		"properties":          []any{map[string]any{"name": "t", "dataType": []any{"text"}, "moduleConfig": map[string]any{"m": 1}}},
	}
	want := FromClass(cl)
	want.Description = "new"
	want.VectorIndex.EF = 80
	want.Property("t").Description = "pd"
	patchMutable(cl, want)
	if cl["description"] != "new" || cl["vectorIndexConfig"].(map[string]any)["ef"] != int64(80) {
		t.Fatalf("mutable settings not patched: %v", cl)
	}
	if cl["vectorIndexConfig"].(map[string]any)["multivector"] == nil || cl["invertedIndexConfig"].(map[string]any)["usingBlockMaxWAND"] != true {
		t.Fatalf("unmodelled settings lost: %v", cl)
	}
	p := cl["properties"].([]any)[0].(map[string]any)
	if p["description"] != "pd" || p["moduleConfig"] == nil {
		t.Fatalf("property patch wrong: %v", p)
	}
}

func TestPatchMutableUpdatesNestedDescriptions(t *testing.T) {
	inner := map[string]any{"name": "rank", "dataType": []any{"int"}, "description": "old"}
	cl := Class{
		"class": "A",
		"properties": []any{map[string]any{"name": "meta", "dataType": []any{"object"},
			"nestedProperties": []any{map[string]any{"name": "deep", "dataType": []any{"object"},
				"nestedProperties": []any{inner}}}}},
	}
	want := FromClass(cl)
	want.Properties[0].Nested[0].Nested[0].Description = "new"
	patchMutable(cl, want)
	if inner["description"] != "new" {
		t.Fatalf("nested description not patched: %v", inner)
	}
}
