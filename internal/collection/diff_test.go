package collection

import (
	"strings"
	"testing"
)

func base() Collection {
	c := Collection{
		Name:        "Article",
		Description: "News",
		Properties: []Property{
			NewProperty("title", "text"),
			NewProperty("views", "int"),
		},
	}
	Normalize(&c)
	return c
}

func TestDiffClassifiesInPlaceAndReplace(t *testing.T) {
	tests := []struct {
		name        string
		edit        func(*Collection)
		wantPaths   []string
		wantReplace bool
	}{
		{"no change", func(*Collection) {}, nil, false},
		{"description", func(c *Collection) { c.Description = "Wire" }, []string{"description"}, false},
		{"ef", func(c *Collection) { c.VectorIndex.EF = 256 }, []string{"vector_index.ef"}, false},
		{"replication factor", func(c *Collection) { c.Replication.Factor = 3 }, []string{"replication.factor"}, false},
		{"property description", func(c *Collection) { c.Property("title").Description = "t" }, []string{"property.title.description"}, false},
		{"property added", func(c *Collection) { c.Properties = append(c.Properties, NewProperty("body", "text")) }, []string{"property.body"}, false},
		{"vectorizer", func(c *Collection) { c.Vectorizer = "text2vec-openai" }, []string{"vectorizer"}, true},
		{"distance", func(c *Collection) { c.VectorIndex.Distance = "dot" }, []string{"vector_index.distance"}, true},
		{"index type", func(c *Collection) { c.VectorIndex = &VectorIndex{Type: "flat", Distance: "cosine"} }, []string{"vector_index.type"}, true},
		{"ef_construction", func(c *Collection) { c.VectorIndex.EFConstruction = 64 }, []string{"vector_index.ef_construction"}, true},
		{"max_connections", func(c *Collection) { c.VectorIndex.MaxConnections = 64 }, []string{"vector_index.max_connections"}, true},
		{"multi-tenancy", func(c *Collection) { c.MultiTenancy.Enabled = true }, []string{"multi_tenancy.enabled"}, true},
		{"tokenization", func(c *Collection) { c.Property("title").Tokenization = "field" }, []string{"property.title.tokenization"}, true},
		{"data type", func(c *Collection) { c.Property("views").DataType = "number" }, []string{"property.views.data_type"}, true},
		{"filterable", func(c *Collection) { c.Property("views").IndexFilterable = false }, []string{"property.views.index_filterable"}, true},
		{"searchable", func(c *Collection) { c.Property("title").IndexSearchable = false }, []string{"property.title.index_searchable"}, true},
		{"property removed", func(c *Collection) { c.Properties = c.Properties[:1] }, []string{"property.views"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := base(), base()
			tt.edit(&after)
			Normalize(&after)
			got := Diff(before, after)
			var paths []string
			for _, f := range got {
				paths = append(paths, f.Path)
			}
			if strings.Join(paths, ",") != strings.Join(tt.wantPaths, ",") {
				t.Fatalf("paths = %v, want %v", paths, tt.wantPaths)
			}
			if NeedsReplace(got) != tt.wantReplace {
				t.Fatalf("NeedsReplace = %v, want %v (%+v)", NeedsReplace(got), tt.wantReplace, got)
			}
		})
	}
}

func TestReasonNamesTheChange(t *testing.T) {
	before, after := base(), base()
	after.Property("title").Tokenization = "field"
	got := Diff(before, after)
	if len(got) != 1 || got[0].Reason() != `property.title.tokenization: "word" → "field"` {
		t.Fatalf("reason = %v", got)
	}
}

func TestNormalizeFillsDefaults(t *testing.T) {
	c := Collection{Name: "X", Properties: []Property{{Name: "b", DataType: "int", Tokenization: "word", IndexSearchable: true}, {Name: "a", DataType: "text"}}}
	Normalize(&c)
	if c.Vectorizer != "none" || c.VectorIndex.Type != "hnsw" || c.VectorIndex.Distance != "cosine" || c.VectorIndex.EF != -1 || c.Replication.Factor != 1 {
		t.Fatalf("defaults not filled: %+v", c)
	}
	// Properties keep their declared order (Weaviate holds them in order).
	if c.Properties[1].Name != "a" || c.Properties[1].Tokenization != "word" {
		t.Fatalf("text property not normalised: %+v", c.Properties[1])
	}
	if c.Properties[0].Name != "b" || c.Properties[0].Tokenization != "" || c.Properties[0].IndexSearchable {
		t.Fatalf("int property keeps text settings: %+v", c.Properties[0])
	}
	flat := Collection{Name: "F", VectorIndex: &VectorIndex{Type: "flat", EF: 10}}
	Normalize(&flat)
	if flat.VectorIndex.EF != 0 || flat.VectorIndex.MaxConnections != 0 {
		t.Fatalf("flat index keeps hnsw settings: %+v", flat.VectorIndex)
	}
}

func TestDiffNestedPropertyAddedOrRemovedForcesReplace(t *testing.T) {
	obj := func(nested ...Property) Collection {
		c := Collection{Name: "A", Properties: []Property{{Name: "meta", DataType: "object", IndexFilterable: true, Nested: nested}}}
		Normalize(&c)
		return c
	}
	one := obj(NewProperty("a", "int"))
	two := obj(NewProperty("a", "int"), NewProperty("b", "text"))
	for _, tt := range []struct {
		before, after Collection
		want          string
	}{{one, two, "property.meta.nested.b: added"}, {two, one, "property.meta.nested.b: removed"}} {
		got := Diff(tt.before, tt.after)
		if len(got) != 1 || got[0].Reason() != tt.want || !got[0].Replace {
			t.Fatalf("diff = %+v, want %s (replace)", got, tt.want)
		}
	}
}

// TestDiffVectorKinds: adding a named vector next to the class-level one is
// in place; dropping the class-level vector, adding one to a collection of
// named vectors, or switching a vector between single and multi-vector
// forces a replace, each one change.
func TestDiffVectorKinds(t *testing.T) {
	legacy := base()
	mixed := base()
	mixed.Vectors = []NamedVector{{Name: "named"}}
	Normalize(&mixed)
	named := base()
	named.VectorIndex, named.Vectorizer = nil, ""
	named.Vectors = []NamedVector{{Name: "named"}}
	Normalize(&named)
	multi := named
	multi.Vectors = []NamedVector{{Name: "named", Index: VectorIndex{MultiVector: &MultiVector{}}}}
	Normalize(&multi)
	if mixed.VectorIndex == nil || named.VectorIndex != nil {
		t.Fatalf("normalised: mixed has class-level %v, named %v", mixed.VectorIndex, named.VectorIndex)
	}
	tests := []struct {
		name          string
		before, after Collection
		want          string
		replace       bool
	}{
		{"add named to class-level", legacy, mixed, "vector.named", false},
		{"drop class-level", mixed, named, "vector_index", true},
		{"add class-level", named, mixed, "vector_index", true},
		{"single to multi", named, multi, "vector.named.index.multivector", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.before, tt.after)
			var paths []string
			for _, f := range got {
				paths = append(paths, f.Path)
			}
			if strings.Join(paths, ",") != tt.want || NeedsReplace(got) != tt.replace {
				t.Errorf("changes %v (replace %v), want %s (replace %v)", paths, NeedsReplace(got), tt.want, tt.replace)
			}
		})
	}
}

// Once PQ is on, the index keeps the codebook it trained: Weaviate accepts
// new segments or centroids in the schema but the built index keeps the old
// ones (hnsw/config_update.go sets pqConfig only for an index not yet
// compressed), so such a change is a replace. Turning PQ on stays in place.
func TestPQCodebookSettingsForceReplace(t *testing.T) {
	withPQ := func(segments, centroids, trainingLimit int64) Collection {
		c := base()
		c.VectorIndex.Quantization = &Quantization{Type: "pq", Segments: segments, Centroids: centroids, TrainingLimit: trainingLimit}
		Normalize(&c)
		return c
	}
	tests := []struct {
		name          string
		before, after Collection
		wantReplace   bool
	}{
		{"enable pq", base(), withPQ(8, 0, 0), false},
		{"segments", withPQ(8, 0, 0), withPQ(16, 0, 0), true},
		{"centroids", withPQ(8, 0, 0), withPQ(8, 128, 0), true},
		{"training limit", withPQ(8, 0, 0), withPQ(8, 0, 5000), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.before, tt.after)
			if len(got) == 0 || NeedsReplace(got) != tt.wantReplace {
				t.Fatalf("NeedsReplace = %v, want %v (%+v)", NeedsReplace(got), tt.wantReplace, got)
			}
		})
	}
}

// Weaviate holds properties and nested properties in a list, in the order
// they were created, and cannot reorder them: Normalize keeps that order,
// and a pure reorder is not a change — neither in place nor a replace —
// and leaves the fingerprint alone.
func TestPropertyOrderKeptAndReorderIsNoChange(t *testing.T) {
	meta := func(names ...string) Property {
		p := NewProperty("meta", "object")
		for _, n := range names {
			p.Nested = append(p.Nested, NewProperty(n, "text"))
		}
		return p
	}
	declared := Collection{Name: "A", Properties: []Property{NewProperty("zeta", "int"), meta("source", "rank", "inner"), NewProperty("alpha", "text")}}
	Normalize(&declared)
	var top, nested []string
	for _, p := range declared.Properties {
		top = append(top, p.Name)
	}
	for _, p := range declared.Properties[1].Nested {
		nested = append(nested, p.Name)
	}
	if got := strings.Join(top, ","); got != "zeta,meta,alpha" {
		t.Errorf("top-level order %s, want zeta,meta,alpha", got)
	}
	if got := strings.Join(nested, ","); got != "source,rank,inner" {
		t.Errorf("nested order %s, want source,rank,inner", got)
	}
	reordered := Collection{Name: "A", Properties: []Property{NewProperty("alpha", "text"), meta("inner", "source", "rank"), NewProperty("zeta", "int")}}
	Normalize(&reordered)
	if d := Diff(declared, reordered); len(d) != 0 {
		t.Errorf("a pure reorder is a change: %v", d)
	}
	if Fingerprint(declared) != Fingerprint(reordered) {
		t.Errorf("a pure reorder changes the fingerprint")
	}
	if declared.Properties[0].Name != "zeta" || declared.Properties[1].Nested[0].Name != "source" {
		t.Errorf("Fingerprint reordered the collection it was given: %+v", declared.Properties)
	}
}
