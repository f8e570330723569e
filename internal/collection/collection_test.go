package collection

import (
	"reflect"
	"strings"
	"testing"
)

// TestNames follows Weaviate's naming rules (entities/schema/validation.go):
// collections start upper-case, at most 255 characters; properties at most
// 231, named vectors at most 230; nested property names have no limit.
func TestNames(t *testing.T) {
	long := func(first string, n int) string { return first + strings.Repeat("a", n-1) }
	tests := []struct {
		name  string
		valid func(string) bool
		in    string
		want  bool
	}{
		{"collection", ValidName, "Article", true},
		{"collection", ValidName, "Article_2", true},
		{"collection", ValidName, "article", false},
		{"collection", ValidName, "_Article", false},
		{"collection", ValidName, "Art-icle", false},
		{"collection", ValidName, "", false},
		{"collection", ValidName, long("A", 255), true},
		{"collection", ValidName, long("A", 256), false},
		{"property", ValidPropertyName, "title", true},
		{"property", ValidPropertyName, "_title", true},
		{"property", ValidPropertyName, "Title", true},
		{"property", ValidPropertyName, "2title", false},
		{"property", ValidPropertyName, "ti tle", false},
		{"property", ValidPropertyName, long("t", 231), true},
		{"property", ValidPropertyName, long("t", 232), false},
		{"nested", ValidNestedPropertyName, long("t", 500), true},
		{"nested", ValidNestedPropertyName, "a.b", false},
		{"vector", ValidVectorName, long("v", 230), true},
		{"vector", ValidVectorName, long("v", 231), false},
		{"vector", ValidVectorName, "title-vec", false},
	}
	for _, tt := range tests {
		if got := tt.valid(tt.in); got != tt.want {
			t.Errorf("valid %s name %.20q (%d chars) = %v, want %v", tt.name, tt.in, len(tt.in), got, tt.want)
		}
	}
}

// TestStoredNames: Weaviate capitalises a collection name's first letter
// and lower-cases a property's.
func TestStoredNames(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{StoredName("article"), "Article"},
		{StoredName("Article"), "Article"},
		{StoredName(""), ""},
		{StoredPropertyName("Title"), "title"},
		{StoredPropertyName("URL"), "uRL"},
		{StoredPropertyName(""), ""},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestDataTypeKinds(t *testing.T) {
	tests := []struct {
		dataType                                   string
		text, object, primitive, reference, range_ bool
	}{
		{"text", true, false, true, false, false},
		{"text[]", true, false, true, false, false},
		{"int", false, false, true, false, true},
		{"number", false, false, true, false, true},
		{"date", false, false, true, false, true},
		{"date[]", false, false, true, false, false},
		{"object[]", false, true, true, false, false},
		{"geoCoordinates", false, false, true, false, false},
		{"Author", false, false, false, true, false},
		{"Author|Editor", false, false, false, true, false},
		{"", false, false, false, false, false},
	}
	for _, tt := range tests {
		got := []bool{IsText(tt.dataType), IsObject(tt.dataType), IsPrimitive(tt.dataType), IsReference(tt.dataType), RangeFilterable(tt.dataType)}
		want := []bool{tt.text, tt.object, tt.primitive, tt.reference, tt.range_}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: text, object, primitive, reference, range = %v, want %v", tt.dataType, got, want)
		}
	}
}

func TestReferences(t *testing.T) {
	c := Collection{Name: "Article", Properties: []Property{
		NewProperty("title", "text"),
		NewProperty("author", "Author"),
		NewProperty("reviewedBy", "Editor|Author"),
		{Name: "meta", DataType: "object", Nested: []Property{NewProperty("x", "int")}},
	}}
	if got, want := c.References(), []string{"Author", "Editor", "Author"}; !reflect.DeepEqual(got, want) {
		t.Errorf("References = %v, want %v", got, want)
	}
	if (&Collection{}).References() != nil {
		t.Error("a collection without references lists some")
	}
}

func TestLookups(t *testing.T) {
	c := Collection{Properties: []Property{NewProperty("a", "int")}, Vectors: []NamedVector{{Name: "v"}}}
	c.Property("a").Description = "set through the pointer"
	if c.Properties[0].Description != "set through the pointer" {
		t.Error("Property does not point into the collection")
	}
	if c.Property("b") != nil || c.Vector("w") != nil || c.Vector("v") != &c.Vectors[0] {
		t.Error("lookup by name")
	}
}

func TestOneOf(t *testing.T) {
	if err := OneOf("distance", "dot", Distances); err != nil {
		t.Fatal(err)
	}
	err := OneOf("distance", "euclid", Distances)
	if err == nil || err.Error() != `distance "euclid" is not one of cosine, dot, l2-squared, hamming, manhattan` {
		t.Fatalf("err = %v", err)
	}
}

// TestNormalizeJSON: module and vectorizer settings compare equal however
// they were produced (HCL gives int64 and typed slices, JSON float64 and
// []any).
func TestNormalizeJSON(t *testing.T) {
	fromHCL := map[string]any{"dims": int64(256), "tags": []string{"a"}, "opts": map[string]any{"t": int32(1)}}
	fromJSON := map[string]any{"dims": 256.0, "tags": []any{"a"}, "opts": map[string]any{"t": 1.0}}
	if got := NormalizeJSON(fromHCL); !reflect.DeepEqual(got, fromJSON) {
		t.Errorf("NormalizeJSON = %#v, want %#v", got, fromJSON)
	}
	if NormalizeJSON(nil) != nil {
		t.Error("nil map became non-nil")
	}
	// A value JSON cannot encode leaves the map as it was rather than losing it.
	odd := map[string]any{"f": func() {}}
	if got := NormalizeJSON(odd); len(got) != 1 {
		t.Errorf("unencodable map lost: %v", got)
	}
}

// TestNormalizeQuantizationAndIndexDefaults: Weaviate's defaults per index
// and quantization type (v1.35), so a declared collection that leaves them
// out equals the live one.
func TestNormalizeQuantizationAndIndexDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   VectorIndex
		want VectorIndex
	}{
		{"hnsw pq", VectorIndex{Quantization: &Quantization{Type: "pq", Segments: 8, Cache: true}},
			withHNSW(VectorIndex{Quantization: &Quantization{Type: "pq", Segments: 8, Centroids: 256, TrainingLimit: 100000}})},
		{"hnsw sq", VectorIndex{Quantization: &Quantization{Type: "sq"}},
			withHNSW(VectorIndex{Quantization: &Quantization{Type: "sq", TrainingLimit: 100000, RescoreLimit: 20}})},
		{"hnsw rq", VectorIndex{Quantization: &Quantization{Type: "rq", Bits: 1}},
			withHNSW(VectorIndex{Quantization: &Quantization{Type: "rq", Bits: 1, RescoreLimit: 20}})},
		{"hnsw drops a dynamic threshold", VectorIndex{Threshold: 5}, withHNSW(VectorIndex{})},
		{"flat bq", VectorIndex{Type: "flat", EF: 10, Quantization: &Quantization{Type: "bq", Cache: true}},
			VectorIndex{Type: "flat", Distance: "cosine", VectorCacheMaxObjects: 1_000_000_000_000, Quantization: &Quantization{Type: "bq", RescoreLimit: -1, Cache: true}}},
		{"flat rq", VectorIndex{Type: "flat", VectorCacheMaxObjects: 5, Quantization: &Quantization{Type: "rq"}},
			VectorIndex{Type: "flat", Distance: "cosine", VectorCacheMaxObjects: 5, Quantization: &Quantization{Type: "rq", Bits: 8, RescoreLimit: -1}}},
		{"dynamic", VectorIndex{Type: "dynamic", Distance: "dot", EF: 10, Quantization: &Quantization{Type: "pq"}},
			VectorIndex{Type: "dynamic", Distance: "dot", Threshold: 10000}},
		{"multi-vector", VectorIndex{MultiVector: &MultiVector{}}, withHNSW(VectorIndex{MultiVector: &MultiVector{Aggregation: "maxSim"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			c := Collection{Name: "A", VectorIndex: &in}
			Normalize(&c)
			if !reflect.DeepEqual(*c.VectorIndex, tt.want) {
				t.Errorf("normalised\n got %+v %+v\nwant %+v %+v", *c.VectorIndex, c.VectorIndex.Quantization, tt.want, tt.want.Quantization)
			}
		})
	}
}

// withHNSW fills vi's unset fields with the hnsw defaults.
func withHNSW(vi VectorIndex) VectorIndex {
	d := hnswDefaults
	d.Type, d.Distance = "hnsw", "cosine"
	d.Quantization, d.MultiVector = vi.Quantization, vi.MultiVector
	return d
}

func TestNormalizeCollectionDefaults(t *testing.T) {
	t.Run("multi-tenant collections are not sharded", func(t *testing.T) {
		c := Collection{Name: "A", MultiTenancy: MultiTenancy{Enabled: true, AutoTenantCreation: true}, Sharding: Sharding{DesiredCount: 3}}
		Normalize(&c)
		if c.Sharding != (Sharding{}) || !c.MultiTenancy.AutoTenantCreation {
			t.Errorf("multi-tenant: sharding %+v, tenancy %+v", c.Sharding, c.MultiTenancy)
		}
	})
	t.Run("tenant settings are dropped when tenancy is off", func(t *testing.T) {
		c := Collection{Name: "A", MultiTenancy: MultiTenancy{AutoTenantCreation: true, AutoTenantActivation: true}}
		Normalize(&c)
		if c.MultiTenancy != (MultiTenancy{}) || c.Sharding.DesiredCount != 1 {
			t.Errorf("single-tenant: sharding %+v, tenancy %+v", c.Sharding, c.MultiTenancy)
		}
	})
	t.Run("inverted index and replication", func(t *testing.T) {
		c := Collection{Name: "A", InvertedIndex: InvertedIndex{StopwordsAdditions: []string{}, StopwordsRemovals: []string{}}}
		Normalize(&c)
		want := InvertedIndex{BM25B: 0.75, BM25K1: 1.2, StopwordsPreset: "en", CleanupIntervalSeconds: 60}
		if !reflect.DeepEqual(c.InvertedIndex, want) {
			t.Errorf("inverted index %+v, want %+v", c.InvertedIndex, want)
		}
		if c.Replication != (Replication{Factor: 1, DeletionStrategy: "NoAutomatedResolution"}) {
			t.Errorf("replication %+v", c.Replication)
		}
	})
	t.Run("a set bm25 is kept", func(t *testing.T) {
		c := Collection{Name: "A", InvertedIndex: InvertedIndex{BM25B: 0, BM25K1: 2}}
		Normalize(&c)
		if c.InvertedIndex.BM25B != 0 || c.InvertedIndex.BM25K1 != 2 {
			t.Errorf("bm25 %v %v, want 0 2", c.InvertedIndex.BM25B, c.InvertedIndex.BM25K1)
		}
	})
	t.Run("named vectors only: no class-level vector", func(t *testing.T) {
		c := Collection{Name: "A", Vectorizer: "text2vec-openai", Vectors: []NamedVector{
			{Name: "z", VectorizerConfig: map[string]any{}}, {Name: "a", VectorizerConfig: map[string]any{"dims": int64(3)}}}}
		Normalize(&c)
		if c.VectorIndex != nil || c.Vectorizer != "" {
			t.Errorf("class-level vector %v %q", c.VectorIndex, c.Vectorizer)
		}
		if c.Vectors[0].Name != "a" || c.Vectors[1].Name != "z" || c.Vectors[0].Vectorizer != "none" {
			t.Errorf("vectors not sorted or defaulted: %+v", c.Vectors)
		}
		if c.Vectors[1].VectorizerConfig != nil || c.Vectors[0].VectorizerConfig["dims"] != 3.0 {
			t.Errorf("vectorizer configs %v %v", c.Vectors[0].VectorizerConfig, c.Vectors[1].VectorizerConfig)
		}
	})
	t.Run("only object properties keep nested properties, normalised too", func(t *testing.T) {
		c := Collection{Name: "A", Properties: []Property{
			{Name: "n", DataType: "int", Nested: []Property{NewProperty("x", "int")}},
			{Name: "m", DataType: "object", Nested: []Property{{Name: "z", DataType: "text"}, {Name: "b", DataType: "int", Tokenization: "field", IndexSearchable: true}}},
		}}
		Normalize(&c)
		if c.Property("n").Nested != nil {
			t.Errorf("an int property keeps nested properties: %+v", c.Property("n"))
		}
		m := c.Property("m")
		z, b := findProperty(m.Nested, "z"), findProperty(m.Nested, "b")
		if len(m.Nested) != 2 || z == nil || b == nil || z.Tokenization != "word" || b.Tokenization != "" || b.IndexSearchable {
			t.Errorf("nested %+v", m.Nested)
		}
	})
}

// TestFingerprint: equal collections, however declared, have equal
// fingerprints; any setting changes it.
func TestFingerprint(t *testing.T) {
	a := Collection{Name: "A", Properties: []Property{NewProperty("x", "int"), NewProperty("y", "text")}}
	b := Collection{Name: "A", Properties: []Property{NewProperty("y", "text"), NewProperty("x", "int")}, VectorIndex: &VectorIndex{EF: -1}}
	Normalize(&a)
	Normalize(&b)
	if Fingerprint(a) != Fingerprint(b) {
		t.Error("equal collections have different fingerprints")
	}
	if len(Fingerprint(a)) != 24 {
		t.Errorf("fingerprint %q, want 24 hex digits", Fingerprint(a))
	}
	b.Property("y").Tokenization = "field"
	if Fingerprint(a) == Fingerprint(b) {
		t.Error("a tokenization change keeps the fingerprint")
	}
}
