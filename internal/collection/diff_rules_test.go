package collection

import (
	"reflect"
	"strings"
	"testing"
)

// TestDiffInPlaceOrReplaceRules walks the settings TestDiffClassifiesInPlaceAndReplace
// leaves out: each edit, made on a normalised collection, must produce exactly
// these changes, and force a replace exactly when Weaviate's
// ParseClassUpdate (and the index validators it calls) refuses the update.
func TestDiffInPlaceOrReplaceRules(t *testing.T) {
	multiTenant := func(c *Collection) { c.MultiTenancy.Enabled = true }
	named := func(c *Collection) {
		c.VectorIndex, c.Vectorizer = nil, ""
		c.Vectors = []NamedVector{{Name: "body", VectorizerConfig: map[string]any{"model": "a"}}}
	}
	flat := func(q *Quantization) func(c *Collection) {
		return func(c *Collection) { c.VectorIndex = &VectorIndex{Type: "flat", Quantization: q} }
	}
	hnswQ := func(q *Quantization) func(c *Collection) {
		return func(c *Collection) { c.VectorIndex.Quantization = q }
	}
	withObject := func(c *Collection) {
		c.Properties = append(c.Properties, Property{Name: "meta", DataType: "object", IndexFilterable: true,
			Nested: []Property{NewProperty("source", "text")}})
	}
	vectorizerModule := func(model string) func(c *Collection) {
		return func(c *Collection) {
			c.Vectorizer = "text2vec-openai"
			c.ModuleConfig = map[string]any{"text2vec-openai": map[string]any{"model": model}}
		}
	}
	noop := func(*Collection) {}
	both := func(fs ...func(*Collection)) func(*Collection) {
		return func(c *Collection) {
			for _, f := range fs {
				f(c)
			}
		}
	}
	tests := []struct {
		name          string
		before, after func(*Collection)
		wantPaths     string
		wantReplace   bool
	}{
		// inverted index: search tuning changes in place, what is indexed does not
		{"bm25 b", noop, func(c *Collection) { c.InvertedIndex.BM25B = 0.5 }, "inverted_index.bm25_b", false},
		{"stopwords", noop, func(c *Collection) {
			c.InvertedIndex.StopwordsPreset = "none"
			c.InvertedIndex.StopwordsAdditions = []string{"foo"}
		}, "inverted_index.stopwords_preset,inverted_index.stopwords_additions", false},
		{"inverted cleanup interval", noop, func(c *Collection) { c.InvertedIndex.CleanupIntervalSeconds = 30 }, "inverted_index.cleanup_interval_seconds", false},
		{"index timestamps", noop, func(c *Collection) { c.InvertedIndex.IndexTimestamps = true }, "inverted_index.index_timestamps", true},
		{"index null state", noop, func(c *Collection) { c.InvertedIndex.IndexNullState = true }, "inverted_index.index_null_state", true},
		{"index property length", noop, func(c *Collection) { c.InvertedIndex.IndexPropertyLength = true }, "inverted_index.index_property_length", true},

		// replication, sharding, tenants
		{"replication async", noop, func(c *Collection) { c.Replication.AsyncEnabled = true }, "replication.async_enabled", false},
		{"deletion strategy", noop, func(c *Collection) { c.Replication.DeletionStrategy = "DeleteOnConflict" }, "replication.deletion_strategy", false},
		{"shard count", noop, func(c *Collection) { c.Sharding.DesiredCount = 3 }, "sharding.desired_count", true},
		{"auto tenant creation", multiTenant, both(multiTenant, func(c *Collection) { c.MultiTenancy.AutoTenantCreation = true }), "multi_tenancy.auto_tenant_creation", false},
		{"auto tenant activation", multiTenant, both(multiTenant, func(c *Collection) { c.MultiTenancy.AutoTenantActivation = true }), "multi_tenancy.auto_tenant_activation", false},
		// switching tenants off drops the auto_* settings and brings back
		// sharding: only the switch itself is shown
		{"multi-tenancy off", multiTenant, noop, "multi_tenancy.enabled", true},

		// class-level vector index settings
		{"dynamic ef", noop, func(c *Collection) { c.VectorIndex.DynamicEFMax = 800 }, "vector_index.dynamic_ef_max", false},
		{"flat search cutoff", noop, func(c *Collection) { c.VectorIndex.FlatSearchCutoff = 100 }, "vector_index.flat_search_cutoff", false},
		{"filter strategy", noop, func(c *Collection) { c.VectorIndex.FilterStrategy = "sweeping" }, "vector_index.filter_strategy", false},
		{"vector cache", noop, func(c *Collection) { c.VectorIndex.VectorCacheMaxObjects = 1000 }, "vector_index.vector_cache_max_objects", false},
		{"hnsw cleanup interval", noop, func(c *Collection) { c.VectorIndex.CleanupIntervalSeconds = 60 }, "vector_index.cleanup_interval_seconds", true},
		{"flat vector cache", flat(nil), func(c *Collection) { c.VectorIndex = &VectorIndex{Type: "flat", VectorCacheMaxObjects: 1000} }, "vector_index.vector_cache_max_objects", false},
		{"dynamic threshold", func(c *Collection) { c.VectorIndex = &VectorIndex{Type: "dynamic"} },
			func(c *Collection) { c.VectorIndex = &VectorIndex{Type: "dynamic", Threshold: 500} }, "vector_index.threshold", true},

		// quantization: hnsw may start compressing in place; nothing can
		// stop or switch it, and flat cannot start
		{"hnsw bq on", noop, hnswQ(&Quantization{Type: "bq"}), "vector_index.quantization.type", false},
		{"hnsw rq on", noop, hnswQ(&Quantization{Type: "rq"}), "vector_index.quantization.type", false},
		{"hnsw pq off", hnswQ(&Quantization{Type: "pq"}), noop, "vector_index.quantization.type", true},
		{"hnsw pq to sq", hnswQ(&Quantization{Type: "pq"}), hnswQ(&Quantization{Type: "sq"}), "vector_index.quantization.type", true},
		{"flat bq on", flat(nil), flat(&Quantization{Type: "bq"}), "vector_index.quantization.type", true},
		{"rq bits", hnswQ(&Quantization{Type: "rq"}), hnswQ(&Quantization{Type: "rq", Bits: 1}), "vector_index.quantization.bits", true},
		{"sq rescore limit", hnswQ(&Quantization{Type: "sq"}), hnswQ(&Quantization{Type: "sq", RescoreLimit: 50}), "vector_index.quantization.rescore_limit", false},
		{"flat bq cache", flat(&Quantization{Type: "bq"}), flat(&Quantization{Type: "bq", Cache: true}), "vector_index.quantization.cache", false},
		{"flat bq rescore limit", flat(&Quantization{Type: "bq"}), flat(&Quantization{Type: "bq", RescoreLimit: 10}), "vector_index.quantization.rescore_limit", false},

		// named vectors follow the same index rules; their vectorizer is fixed
		{"named vector ef", named, both(named, func(c *Collection) { c.Vectors[0].Index.EF = 256 }), "vector.body.index.ef", false},
		{"named vector distance", named, both(named, func(c *Collection) { c.Vectors[0].Index.Distance = "dot" }), "vector.body.index.distance", true},
		{"named vector pq on", named, both(named, func(c *Collection) { c.Vectors[0].Index.Quantization = &Quantization{Type: "pq"} }), "vector.body.index.quantization.type", false},
		{"named vectorizer", named, both(named, func(c *Collection) { c.Vectors[0].Vectorizer = "text2vec-openai" }), "vector.body.vectorizer", true},
		{"named vectorizer config", named, both(named, func(c *Collection) { c.Vectors[0].VectorizerConfig = map[string]any{"model": "b"} }), "vector.body.vectorizer_config", true},
		// Weaviate fills in vectorizer settings the configuration leaves out:
		// only the keys the configuration sets are compared
		{"named vectorizer config filled in live", both(named, func(c *Collection) { c.Vectors[0].VectorizerConfig["dimensions"] = 256 }), named, "", false},

		// module config: the vectorizer's own settings are fixed; other
		// modules (generative, reranker) change in place
		{"vectorizer module setting", vectorizerModule("a"), vectorizerModule("b"), "module_config.text2vec-openai", true},
		{"vectorizer module default filled in live", both(vectorizerModule("a"), func(c *Collection) {
			c.ModuleConfig["text2vec-openai"].(map[string]any)["vectorizeClassName"] = true
		}), vectorizerModule("a"), "", false},
		{"generative module setting", func(c *Collection) {
			c.ModuleConfig = map[string]any{"generative-openai": map[string]any{"model": "a", "opts": map[string]any{"t": 1, "k": 2}}}
		},
			func(c *Collection) {
				c.ModuleConfig = map[string]any{"generative-openai": map[string]any{"model": "b", "opts": map[string]any{"t": 1}}}
			},
			"module_config.generative-openai", false},
		{"nested module setting differs", func(c *Collection) {
			c.ModuleConfig = map[string]any{"generative-openai": map[string]any{"opts": map[string]any{"t": 1}}}
		},
			func(c *Collection) {
				c.ModuleConfig = map[string]any{"generative-openai": map[string]any{"opts": map[string]any{"t": 2}}}
			},
			"module_config.generative-openai", false},
		// a module's settings declared where the live collection has none:
		// Weaviate adds them in place, except for the vectorizer's own
		{"generative module added", noop, func(c *Collection) {
			c.ModuleConfig = map[string]any{"generative-openai": map[string]any{"model": "a"}}
		}, "module_config.generative-openai", false},
		{"vectorizer module settings added", func(c *Collection) { c.Vectorizer = "text2vec-openai" }, vectorizerModule("a"),
			"module_config.text2vec-openai", true},

		// nested properties: only descriptions change in place
		{"nested description", withObject, both(withObject, func(c *Collection) { c.Property("meta").Nested[0].Description = "where from" }),
			"property.meta.nested.source.description", false},
		{"nested tokenization", withObject, both(withObject, func(c *Collection) { c.Property("meta").Nested[0].Tokenization = "field" }),
			"property.meta.nested.source.tokenization", true},
		{"range filters", noop, func(c *Collection) { c.Property("views").IndexRangeFilters = true }, "property.views.index_range_filters", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := base(), base()
			tt.before(&before)
			tt.after(&after)
			Normalize(&before)
			Normalize(&after)
			got := Diff(before, after)
			var paths []string
			for _, f := range got {
				paths = append(paths, f.Path)
			}
			if strings.Join(paths, ",") != tt.wantPaths {
				t.Fatalf("changes = %v, want %s", got, tt.wantPaths)
			}
			if NeedsReplace(got) != tt.wantReplace {
				t.Fatalf("NeedsReplace = %v, want %v (%+v)", NeedsReplace(got), tt.wantReplace, got)
			}
		})
	}
}

// TestDiffCarriesWholeGroups: adding or removing a property or named vector is
// one change carrying the whole property or vector (FieldChange's table), and
// its reason says which way it went.
func TestDiffCarriesWholeGroups(t *testing.T) {
	before, after := base(), base()
	body := NewProperty("body", "text")
	body.Description = "text of the article"
	after.Properties = append(after.Properties, body)
	after.Vectors = []NamedVector{{Name: "title_vec"}}
	Normalize(&after)

	added := Diff(before, after)
	if len(added) != 2 {
		t.Fatalf("changes = %+v, want the property and the vector", added)
	}
	wantBody := body
	wantBody.Tokenization = "word" // normalised
	if added[0].Path != "vector.title_vec" || added[0].Before != nil || added[0].Replace {
		t.Errorf("vector added = %+v", added[0])
	}
	if v, ok := added[0].After.(NamedVector); !ok || v.Name != "title_vec" || v.Index.Type != "hnsw" {
		t.Errorf("vector added carries %#v, want the normalised NamedVector", added[0].After)
	}
	if added[1].Path != "property.body" || !reflect.DeepEqual(added[1].After, wantBody) || added[1].Replace {
		t.Errorf("property added = %+v, want After %+v in place", added[1], wantBody)
	}
	if got := added[1].Reason(); got != "property.body: added" {
		t.Errorf("reason = %q", got)
	}

	removed := Diff(after, before)
	if len(removed) != 2 || !NeedsReplace(removed) {
		t.Fatalf("changes = %+v, want two replacing removals", removed)
	}
	for _, f := range removed {
		if f.After != nil || f.Before == nil {
			t.Errorf("removal %s: Before %v After %v", f.Path, f.Before, f.After)
		}
	}
	if got := removed[0].Reason(); !strings.HasSuffix(got, ": removed") {
		t.Errorf("reason = %q", got)
	}
	removed[0].Undeclared = true
	if got := removed[0].Reason(); !strings.Contains(got, "live only, not in the configuration") || !strings.HasSuffix(got, "dropped") {
		t.Errorf("undeclared reason = %q, want it to say the setting exists live only and is dropped", got)
	}
}
