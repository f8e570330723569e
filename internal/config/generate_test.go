package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/colstate/colstate/internal/collection"
)

// Generated HCL decodes back to the collection it came from.
func TestGenerateRoundTrip(t *testing.T) {
	full := collection.Collection{
		Name:         "Gen",
		Description:  "generated",
		ModuleConfig: map[string]any{"generative-openai": map[string]any{"model": "gpt-4", "temperature": 0.5}},
		VectorIndex: &collection.VectorIndex{Type: "hnsw", Distance: "dot", EF: 90, MaxConnections: 16, FilterStrategy: "sweeping",
			Quantization: &collection.Quantization{Type: "pq", Segments: 8, Centroids: 64}},
		Properties: []collection.Property{
			{Name: "title", DataType: "text", Tokenization: "field", IndexFilterable: true, IndexSearchable: false, Description: "t"},
			{Name: "n", DataType: "int", IndexRangeFilters: true},
			{Name: "meta", DataType: "object[]", IndexFilterable: true, Nested: []collection.Property{
				collection.NewProperty("k", "text"), {Name: "deep", DataType: "object", IndexFilterable: true, Nested: []collection.Property{collection.NewProperty("b", "boolean")}},
			}},
			collection.NewProperty("to", "Other|Third"),
		},
		InvertedIndex: collection.InvertedIndex{BM25B: 0.7, BM25K1: 1.3, StopwordsPreset: "none", StopwordsAdditions: []string{"x"}, IndexNullState: true},
		MultiTenancy:  collection.MultiTenancy{Enabled: true, AutoTenantCreation: true},
		Replication:   collection.Replication{Factor: 1, AsyncEnabled: true, DeletionStrategy: "TimeBasedResolution"},
	}
	named := collection.Collection{
		Name: "GenNamed",
		Vectors: []collection.NamedVector{
			{Name: "a", Vectorizer: "none", Index: collection.VectorIndex{Type: "flat", Distance: "cosine", Quantization: &collection.Quantization{Type: "bq", Cache: true}}},
			{Name: "b", Vectorizer: "text2vec-x", VectorizerConfig: map[string]any{"properties": []any{"title"}}, Index: collection.VectorIndex{Type: "hnsw", EF: 10}},
		},
		Sharding: collection.Sharding{DesiredCount: 3},
	}
	for _, c := range []collection.Collection{full, named} {
		collection.Normalize(&c)
		src, err := Generate([]collection.Collection{c})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "gen.hcl"), src, 0o600); err != nil {
			t.Fatal(err)
		}
		// The targets of Gen's reference.
		targets := "collection \"Other\" {}\ncollection \"Third\" {}\n"
		if err := os.WriteFile(filepath.Join(dir, "targets.hcl"), []byte(targets), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, diags := NewLoader().LoadDir(dir)
		if diags.HasErrors() {
			t.Fatalf("%s\n%s", diags, src)
		}
		got := cfg.Collections[0].Collection
		if d := collection.Diff(c, got); len(d) > 0 || !reflect.DeepEqual(collection.Fingerprint(c), collection.Fingerprint(got)) {
			t.Fatalf("round trip of %s differs: %+v\n%s", c.Name, d, src)
		}
	}
}

func TestCollectionBlockErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"multivector class-level", "collection \"A\" {\n  vector_index \"hnsw\" { multivector = \"maxSim\" }\n}\n", "x.hcl:2:3: Multi-vector class-level index"},
		{"bad aggregation", "collection \"A\" {\n  vector \"v\" {\n    index \"hnsw\" { multivector = \"sum\" }\n  }\n}\n", "x.hcl:3:34: Invalid multivector aggregation"},
		{"nested on int", "collection \"A\" {\n  property \"p\" {\n    data_type = \"int\"\n    property \"q\" { data_type = \"int\" }\n  }\n}\n", "x.hcl:4:5: Nested properties need an object type"},
		{"object without nested", "collection \"A\" {\n  property \"p\" { data_type = \"object\" }\n}\n", "x.hcl:2:3: Object property without nested properties"},
		{"pq param on bq", "collection \"A\" {\n  vector_index \"hnsw\" {\n    quantization \"bq\" { segments = 4 }\n  }\n}\n", "x.hcl:3:25: Unsupported argument: segments applies to pq quantization, not bq"},
		{"range on text", "collection \"A\" {\n  property \"p\" {\n    data_type = \"text\"\n    index_range_filters = true\n  }\n}\n", "x.hcl:4:27: Range index needs int, number or date"},
		{"bad stopwords", "collection \"A\" {\n  inverted_index { stopwords_preset = \"fr\" }\n}\n", "x.hcl:2:39: Invalid stopwords preset"},
		{"undeclared reference target", "collection \"A\" {\n  property \"p\" { data_type = \"B\" }\n}\n", "x.hcl:2:30: Reference to an undeclared collection: Property p of collection A refers to collection B, which this configuration does not declare"},
		{"reference target in other case", "collection \"A\" {\n  property \"p\" {\n    data_type = \"A|Bb\"\n  }\n}\ncollection \"BB\" {}\n", "x.hcl:3:17: Reference to an undeclared collection: Property p of collection A refers to collection Bb, which this configuration does not declare. Did you mean BB?"},
		{"bad ignore entry", "collection \"A\" {\n  lifecycle { ignore_changes = [1] }\n}\n", "x.hcl:2:33: Invalid ignore_changes entry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadErr(t, tt.src)
			if len(got) < len(tt.want) || got[:len(tt.want)] != tt.want {
				t.Fatalf("got %q, want prefix %q", got, tt.want)
			}
		})
	}
}
