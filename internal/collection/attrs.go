package collection

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Attr is one leaf setting of a collection, flattened: the unit the differ
// compares and the plan shows.
type Attr struct {
	Path  string
	Value any
	// Group is the property or named vector the leaf belongs to
	// ("property.title", "vector.body"); adding or removing a whole group is
	// one change. Empty for collection-level settings.
	Group string
}

// ClassVector is the group of the class-level vector's settings
// (vectorizer and vector_index): adding or removing it is one change.
const ClassVector = "vector_index"

// Attributes lists a collection's settings in display order.
func Attributes(c Collection) []Attr {
	var out []Attr
	add := func(group, path string, v any) { out = append(out, Attr{Path: path, Value: v, Group: group}) }
	add("", "description", c.Description)
	if c.VectorIndex != nil {
		add(ClassVector, "vectorizer", c.Vectorizer)
	}
	for _, m := range slices.Sorted(maps.Keys(c.ModuleConfig)) {
		add("", "module_config."+m, c.ModuleConfig[m])
	}
	if c.VectorIndex != nil {
		for _, a := range indexAttrs(*c.VectorIndex) {
			add(ClassVector, "vector_index."+a.Path, a.Value)
		}
	}
	for _, v := range c.Vectors {
		g := "vector." + v.Name
		add(g, g+".vectorizer", v.Vectorizer)
		if v.VectorizerConfig != nil {
			add(g, g+".vectorizer_config", v.VectorizerConfig)
		}
		for _, a := range indexAttrs(v.Index) {
			add(g, g+".index."+a.Path, a.Value)
		}
	}
	for _, p := range c.Properties {
		g := "property." + p.Name
		for _, a := range propertyAttrs(p) {
			add(g, g+"."+a.Path, a.Value)
		}
	}
	ii := c.InvertedIndex
	add("", "inverted_index.bm25_b", ii.BM25B)
	add("", "inverted_index.bm25_k1", ii.BM25K1)
	add("", "inverted_index.stopwords_preset", ii.StopwordsPreset)
	add("", "inverted_index.stopwords_additions", ii.StopwordsAdditions)
	add("", "inverted_index.stopwords_removals", ii.StopwordsRemovals)
	add("", "inverted_index.index_timestamps", ii.IndexTimestamps)
	add("", "inverted_index.index_null_state", ii.IndexNullState)
	add("", "inverted_index.index_property_length", ii.IndexPropertyLength)
	add("", "inverted_index.cleanup_interval_seconds", ii.CleanupIntervalSeconds)
	add("", "multi_tenancy.enabled", c.MultiTenancy.Enabled)
	if c.MultiTenancy.Enabled {
		add("", "multi_tenancy.auto_tenant_creation", c.MultiTenancy.AutoTenantCreation)
		add("", "multi_tenancy.auto_tenant_activation", c.MultiTenancy.AutoTenantActivation)
	}
	add("", "replication.factor", c.Replication.Factor)
	add("", "replication.async_enabled", c.Replication.AsyncEnabled)
	add("", "replication.deletion_strategy", c.Replication.DeletionStrategy)
	if !c.MultiTenancy.Enabled {
		add("", "sharding.desired_count", c.Sharding.DesiredCount)
	}
	return out
}

func indexAttrs(vi VectorIndex) []Attr {
	out := []Attr{{Path: "type", Value: vi.Type}, {Path: "distance", Value: vi.Distance}}
	add := func(path string, v any) { out = append(out, Attr{Path: path, Value: v}) }
	switch vi.Type {
	case "hnsw":
		add("ef", vi.EF)
		add("ef_construction", vi.EFConstruction)
		add("max_connections", vi.MaxConnections)
		add("dynamic_ef_min", vi.DynamicEFMin)
		add("dynamic_ef_max", vi.DynamicEFMax)
		add("dynamic_ef_factor", vi.DynamicEFFactor)
		add("flat_search_cutoff", vi.FlatSearchCutoff)
		add("cleanup_interval_seconds", vi.CleanupIntervalSeconds)
		add("filter_strategy", vi.FilterStrategy)
		add("vector_cache_max_objects", vi.VectorCacheMaxObjects)
	case "flat":
		add("vector_cache_max_objects", vi.VectorCacheMaxObjects)
	case "dynamic":
		add("threshold", vi.Threshold)
	}
	if vi.MultiVector != nil {
		add("multivector", vi.MultiVector.Aggregation)
	} else {
		add("multivector", "none")
	}
	if vi.Type == "dynamic" {
		return out
	}
	q := vi.Quantization
	if q == nil {
		add("quantization.type", "none")
		return out
	}
	add("quantization.type", q.Type)
	switch q.Type {
	case "pq":
		add("quantization.segments", q.Segments)
		add("quantization.centroids", q.Centroids)
		add("quantization.training_limit", q.TrainingLimit)
	case "sq":
		add("quantization.training_limit", q.TrainingLimit)
		add("quantization.rescore_limit", q.RescoreLimit)
	case "rq":
		add("quantization.bits", q.Bits)
		add("quantization.rescore_limit", q.RescoreLimit)
	case "bq":
		if vi.Type == "flat" {
			add("quantization.rescore_limit", q.RescoreLimit)
		}
	}
	if vi.Type == "flat" {
		add("quantization.cache", q.Cache)
	}
	return out
}

func propertyAttrs(p Property) []Attr {
	out := []Attr{{Path: "data_type", Value: p.DataType}, {Path: "description", Value: p.Description}}
	if IsText(p.DataType) {
		out = append(out, Attr{Path: "tokenization", Value: p.Tokenization})
	}
	out = append(out, Attr{Path: "index_filterable", Value: p.IndexFilterable})
	if IsText(p.DataType) {
		out = append(out, Attr{Path: "index_searchable", Value: p.IndexSearchable})
	}
	out = append(out, Attr{Path: "index_range_filters", Value: p.IndexRangeFilters})
	for _, n := range p.Nested {
		for _, a := range propertyAttrs(n) {
			out = append(out, Attr{Path: "nested." + n.Name + "." + a.Path, Value: a.Value})
		}
	}
	return out
}

// String renders a property compactly: "text (word, filterable, searchable)".
func (p Property) String() string {
	var b strings.Builder
	b.WriteString(p.DataType)
	var flags []string
	if p.Tokenization != "" {
		flags = append(flags, p.Tokenization)
	}
	if p.IndexFilterable {
		flags = append(flags, "filterable")
	}
	if p.IndexSearchable {
		flags = append(flags, "searchable")
	}
	if p.IndexRangeFilters {
		flags = append(flags, "range")
	}
	if len(flags) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(flags, ", "))
	}
	if p.Description != "" {
		fmt.Fprintf(&b, " %q", p.Description)
	}
	if len(p.Nested) > 0 {
		var inner []string
		for _, n := range p.Nested {
			inner = append(inner, n.Name+": "+n.String())
		}
		fmt.Fprintf(&b, " {%s}", strings.Join(inner, "; "))
	}
	return b.String()
}

// String renders a named vector compactly: "none, hnsw cosine".
func (v NamedVector) String() string {
	s := fmt.Sprintf("%s, %s %s", v.Vectorizer, v.Index.Type, v.Index.Distance)
	if q := v.Index.Quantization; q != nil {
		s += ", " + q.Type
	}
	if v.Index.MultiVector != nil {
		s += ", multi-vector"
	}
	return s
}

// FormatValue renders a setting's value the way plans show it.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", x)
	case Property:
		return x.String()
	case NamedVector:
		return x.String()
	case []string:
		if x == nil {
			return "[]"
		}
		b, _ := json.Marshal(x)
		return string(b)
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

// DefaultsLike returns a collection shaped like c — same name, index types,
// quantization types, named vectors, properties and multi-tenancy — with
// every setting at Weaviate's default. Comparing against it tells which of
// c's settings were chosen rather than defaulted.
func DefaultsLike(c Collection) Collection {
	d := Collection{Name: c.Name, Properties: c.Properties, MultiTenancy: MultiTenancy{Enabled: c.MultiTenancy.Enabled}}
	shape := func(vi VectorIndex) VectorIndex {
		out := VectorIndex{Type: vi.Type}
		if vi.Quantization != nil {
			out.Quantization = &Quantization{Type: vi.Quantization.Type}
		}
		return out
	}
	if c.VectorIndex != nil {
		vi := shape(*c.VectorIndex)
		d.VectorIndex = &vi
	}
	for _, v := range c.Vectors {
		d.Vectors = append(d.Vectors, NamedVector{Name: v.Name, Index: shape(v.Index)})
	}
	Normalize(&d)
	return d
}

// Chosen lists c's attributes that differ from Weaviate's defaults, plus
// the ones a reader always wants to see (description, vectorizer, index type
// and distance). Property groups are left out: callers show them whole.
func Chosen(c Collection) []Attr {
	defaults := map[string]any{}
	for _, a := range Attributes(DefaultsLike(c)) {
		defaults[a.Path] = a.Value
	}
	var out []Attr
	for _, a := range Attributes(c) {
		if strings.HasPrefix(a.Group, "property.") {
			continue
		}
		always := a.Path == "description" || a.Path == "vectorizer" ||
			strings.HasSuffix(a.Path, "index.type") || strings.HasSuffix(a.Path, "index.distance") ||
			strings.HasSuffix(a.Path, ".vectorizer") || a.Path == "vector_index.type" || a.Path == "vector_index.distance" ||
			(strings.HasSuffix(a.Path, "quantization.type") && a.Value != "none") ||
			(a.Path == "multi_tenancy.enabled" && a.Value == true)
		if always || !reflect.DeepEqual(defaults[a.Path], a.Value) {
			out = append(out, a)
		}
	}
	return out
}
