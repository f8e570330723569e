package collection

import (
	"strings"
	"testing"
)

func attrPaths(attrs []Attr, prefix string) []string {
	var out []string
	for _, a := range attrs {
		if strings.HasPrefix(a.Path, prefix) {
			out = append(out, strings.TrimPrefix(a.Path, prefix))
		}
	}
	return out
}

// TestAttributesListsOnlyTheIndexTypesSettings: each index type shows the
// settings Weaviate keeps for it, so switching type shows one change, not a
// dozen leaves appearing and vanishing.
func TestAttributesListsOnlyTheIndexTypesSettings(t *testing.T) {
	tests := []struct {
		name string
		vi   VectorIndex
		want string
	}{
		{"hnsw", VectorIndex{Type: "hnsw"}, "type distance ef ef_construction max_connections dynamic_ef_min dynamic_ef_max dynamic_ef_factor " +
			"flat_search_cutoff cleanup_interval_seconds filter_strategy vector_cache_max_objects multivector quantization.type"},
		{"hnsw pq", VectorIndex{Type: "hnsw", Quantization: &Quantization{Type: "pq"}}, "type distance ef ef_construction max_connections dynamic_ef_min dynamic_ef_max dynamic_ef_factor " +
			"flat_search_cutoff cleanup_interval_seconds filter_strategy vector_cache_max_objects multivector quantization.type " +
			"quantization.segments quantization.centroids quantization.training_limit"},
		{"hnsw bq", VectorIndex{Type: "hnsw", Quantization: &Quantization{Type: "bq"}}, "type distance ef ef_construction max_connections dynamic_ef_min dynamic_ef_max dynamic_ef_factor " +
			"flat_search_cutoff cleanup_interval_seconds filter_strategy vector_cache_max_objects multivector quantization.type"},
		{"flat", VectorIndex{Type: "flat"}, "type distance vector_cache_max_objects multivector quantization.type"},
		{"flat bq", VectorIndex{Type: "flat", Quantization: &Quantization{Type: "bq"}}, "type distance vector_cache_max_objects multivector quantization.type quantization.rescore_limit quantization.cache"},
		{"flat rq", VectorIndex{Type: "flat", Quantization: &Quantization{Type: "rq"}}, "type distance vector_cache_max_objects multivector quantization.type quantization.bits quantization.rescore_limit quantization.cache"},
		{"flat sq", VectorIndex{Type: "flat", Quantization: &Quantization{Type: "sq"}}, "type distance vector_cache_max_objects multivector quantization.type quantization.training_limit quantization.rescore_limit quantization.cache"},
		// a dynamic index has no quantization of its own
		{"dynamic", VectorIndex{Type: "dynamic", Quantization: &Quantization{Type: "pq"}}, "type distance threshold multivector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vi := tt.vi
			c := Collection{Name: "A", VectorIndex: &vi}
			Normalize(&c)
			if got := strings.Join(attrPaths(Attributes(c), "vector_index."), " "); got != tt.want {
				t.Errorf("vector_index settings:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestAttributesTenantsOrShards: a multi-tenant collection is sharded by
// tenant (no shard count to show); a single-tenant one has no tenant
// settings beyond the switch.
func TestAttributesTenantsOrShards(t *testing.T) {
	single := Collection{Name: "A", Sharding: Sharding{DesiredCount: 3}, MultiTenancy: MultiTenancy{AutoTenantCreation: true}}
	multi := Collection{Name: "A", Sharding: Sharding{DesiredCount: 3}, MultiTenancy: MultiTenancy{Enabled: true, AutoTenantCreation: true}}
	Normalize(&single)
	Normalize(&multi)
	got := func(c Collection) string {
		return strings.Join(append(attrPaths(Attributes(c), "multi_tenancy."), attrPaths(Attributes(c), "sharding.")...), " ")
	}
	if g := got(single); g != "enabled desired_count" {
		t.Errorf("single-tenant settings: %s", g)
	}
	if g := got(multi); g != "enabled auto_tenant_creation auto_tenant_activation" {
		t.Errorf("multi-tenant settings: %s", g)
	}
	for _, a := range Attributes(single) {
		if a.Path == "sharding.desired_count" && a.Value != int64(3) {
			t.Errorf("desired_count = %v, want 3", a.Value)
		}
	}
}

// TestAttributesNestedPropertiesAndGroups: a nested property's settings sit
// under its parent's group, so adding the parent is one change.
func TestAttributesNestedPropertiesAndGroups(t *testing.T) {
	c := Collection{Name: "A", Properties: []Property{{Name: "meta", DataType: "object[]", Nested: []Property{
		{Name: "geo", DataType: "object", Nested: []Property{NewProperty("lat", "number")}},
		NewProperty("source", "text"),
	}}}}
	Normalize(&c)
	var paths []string
	for _, a := range Attributes(c) {
		if strings.HasPrefix(a.Path, "property.") {
			if a.Group != "property.meta" {
				t.Errorf("%s is in group %q, want property.meta", a.Path, a.Group)
			}
			paths = append(paths, a.Path)
		}
	}
	want := []string{
		"property.meta.data_type", "property.meta.description", "property.meta.index_filterable", "property.meta.index_range_filters",
		"property.meta.nested.geo.data_type", "property.meta.nested.geo.description", "property.meta.nested.geo.index_filterable", "property.meta.nested.geo.index_range_filters",
		"property.meta.nested.geo.nested.lat.data_type", "property.meta.nested.geo.nested.lat.description", "property.meta.nested.geo.nested.lat.index_filterable", "property.meta.nested.geo.nested.lat.index_range_filters",
		"property.meta.nested.source.data_type", "property.meta.nested.source.description", "property.meta.nested.source.tokenization",
		"property.meta.nested.source.index_filterable", "property.meta.nested.source.index_searchable", "property.meta.nested.source.index_range_filters",
	}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Errorf("property settings:\n%s\nwant\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}
}

func TestPropertyAndVectorStrings(t *testing.T) {
	title := NewProperty("title", "text")
	title.Tokenization, title.Description = "word", "Headline"
	views := NewProperty("views", "int")
	views.IndexRangeFilters = true
	meta := Property{Name: "meta", DataType: "object", Nested: []Property{{Name: "a", DataType: "int"}, {Name: "b", DataType: "uuid", IndexFilterable: true}}}
	tests := []struct {
		got, want string
	}{
		{title.String(), `text (word, filterable, searchable) "Headline"`},
		{views.String(), "int (filterable, range)"},
		{Property{DataType: "blob"}.String(), "blob"},
		{meta.String(), "object {a: int; b: uuid (filterable)}"},
		{NamedVector{Vectorizer: "none", Index: VectorIndex{Type: "hnsw", Distance: "cosine"}}.String(), "none, hnsw cosine"},
		{NamedVector{Vectorizer: "text2vec-openai", Index: VectorIndex{Type: "flat", Distance: "dot", Quantization: &Quantization{Type: "bq"}, MultiVector: &MultiVector{}}}.String(),
			"text2vec-openai, flat dot, bq, multi-vector"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{"word", `"word"`},
		{`say "hi"`, `"say \"hi\""`},
		{int64(-1), "-1"},
		{0.75, "0.75"},
		{true, "true"},
		{[]string(nil), "[]"},
		{[]string{"a", "the"}, `["a","the"]`},
		{map[string]any{"model": "ada", "dims": 256.0}, `{"dims":256,"model":"ada"}`},
		{NewProperty("n", "number"), "number (filterable)"},
		{NamedVector{Vectorizer: "none", Index: VectorIndex{Type: "dynamic", Distance: "l2-squared"}}, "none, dynamic l2-squared"},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.in); got != tt.want {
			t.Errorf("FormatValue(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestChosenShowsWhatWasChosen: the plan for a create and `colstate import`
// show the settings that differ from Weaviate's defaults, plus the ones a
// reader always wants (description, vectorizer, index type and distance),
// never a property's settings (shown whole).
func TestChosenShowsWhatWasChosen(t *testing.T) {
	plain := Collection{Name: "A", Properties: []Property{NewProperty("title", "text")}}
	Normalize(&plain)
	chosen := func(c Collection) string {
		var out []string
		for _, a := range Chosen(c) {
			out = append(out, a.Path+"="+FormatValue(a.Value))
		}
		return strings.Join(out, " ")
	}
	if got, want := chosen(plain), `description="" vectorizer="none" vector_index.type="hnsw" vector_index.distance="cosine"`; got != want {
		t.Errorf("defaults only:\n got %s\nwant %s", got, want)
	}

	tuned := plain
	tuned.VectorIndex = &VectorIndex{Type: "hnsw", EF: 256, Quantization: &Quantization{Type: "pq", Segments: 96}}
	tuned.MultiTenancy = MultiTenancy{Enabled: true}
	tuned.InvertedIndex.StopwordsAdditions = []string{"foo"}
	tuned.Replication.Factor = 3
	Normalize(&tuned)
	want := `description="" vectorizer="none" vector_index.type="hnsw" vector_index.distance="cosine" vector_index.ef=256 ` +
		`vector_index.quantization.type="pq" vector_index.quantization.segments=96 ` +
		`inverted_index.stopwords_additions=["foo"] multi_tenancy.enabled=true replication.factor=3`
	if got := chosen(tuned); got != want {
		t.Errorf("tuned:\n got %s\nwant %s", got, want)
	}

	// Defaults are those of c's shape: a flat index's cache size and bq's
	// rescore limit are defaults there, not choices.
	flat := Collection{Name: "F", Vectors: []NamedVector{{Name: "v", Index: VectorIndex{Type: "flat", Quantization: &Quantization{Type: "bq"}}}}}
	Normalize(&flat)
	if got, want := chosen(flat), `description="" vector.v.vectorizer="none" vector.v.index.type="flat" vector.v.index.distance="cosine" vector.v.index.quantization.type="bq"`; got != want {
		t.Errorf("flat bq:\n got %s\nwant %s", got, want)
	}
}
