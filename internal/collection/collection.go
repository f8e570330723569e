// Package collection owns colstate's canonical model of a Weaviate collection.
//
// Both the HCL decoder (internal/config) and the Weaviate adapter
// (internal/live) produce a Collection, and both run it through Normalize so
// the differ compares like with like: every setting that Weaviate fills with a
// default when it is left out holds that default here too.
package collection

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Collection is one Weaviate collection (a "class" in Weaviate's REST API).
type Collection struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Vectorizer and VectorIndex describe the class-level (legacy, unnamed)
	// vector. Weaviate creates a class with either that or named Vectors,
	// but adding named vectors to a class keeps its class-level vector, so a
	// collection can have both.
	Vectorizer   string         `json:"vectorizer,omitempty"`
	ModuleConfig map[string]any `json:"module_config,omitempty"` // class-level module settings, by module
	VectorIndex  *VectorIndex   `json:"vector_index,omitempty"`
	Vectors      []NamedVector  `json:"vectors,omitempty"`
	Properties   []Property     `json:"properties,omitempty"`

	InvertedIndex InvertedIndex `json:"inverted_index"`
	MultiTenancy  MultiTenancy  `json:"multi_tenancy"`
	Replication   Replication   `json:"replication"`
	Sharding      Sharding      `json:"sharding"`
}

// VectorIndex is the index of one vector (the legacy one or a named one).
type VectorIndex struct {
	Type     string `json:"type"`     // hnsw, flat or dynamic
	Distance string `json:"distance"` // cosine, dot, l2-squared, hamming, manhattan

	// hnsw settings (zero for other types)
	EF                     int64  `json:"ef,omitempty"`
	EFConstruction         int64  `json:"ef_construction,omitempty"`
	MaxConnections         int64  `json:"max_connections,omitempty"`
	DynamicEFMin           int64  `json:"dynamic_ef_min,omitempty"`
	DynamicEFMax           int64  `json:"dynamic_ef_max,omitempty"`
	DynamicEFFactor        int64  `json:"dynamic_ef_factor,omitempty"`
	FlatSearchCutoff       int64  `json:"flat_search_cutoff,omitempty"`
	CleanupIntervalSeconds int64  `json:"cleanup_interval_seconds,omitempty"`
	FilterStrategy         string `json:"filter_strategy,omitempty"`

	// hnsw and flat
	VectorCacheMaxObjects int64 `json:"vector_cache_max_objects,omitempty"`

	// dynamic: switches from flat to hnsw past this many objects
	Threshold int64 `json:"threshold,omitempty"`

	Quantization *Quantization `json:"quantization,omitempty"` // nil: none

	// MultiVector: the index holds multi-vectors (ColBERT-style, several
	// rows per object); nil: one vector per object. Named vectors only.
	MultiVector *MultiVector `json:"multivector,omitempty"`
}

// MultiVector configures a multi-vector index.
type MultiVector struct {
	Aggregation string `json:"aggregation"` // maxSim
}

// Quantization compresses vectors in the index.
type Quantization struct {
	Type          string `json:"type"`                     // pq, bq, sq or rq
	Segments      int64  `json:"segments,omitempty"`       // pq
	Centroids     int64  `json:"centroids,omitempty"`      // pq
	TrainingLimit int64  `json:"training_limit,omitempty"` // pq, sq
	Bits          int64  `json:"bits,omitempty"`           // rq
	RescoreLimit  int64  `json:"rescore_limit,omitempty"`  // sq, rq, and bq on flat
	Cache         bool   `json:"cache,omitempty"`          // flat
}

// NamedVector is one of a collection's named vectors.
type NamedVector struct {
	Name             string         `json:"name"`
	Vectorizer       string         `json:"vectorizer"`
	VectorizerConfig map[string]any `json:"vectorizer_config,omitempty"`
	Index            VectorIndex    `json:"index"`
}

// Property is one property of a collection, or a nested property of an
// object property.
type Property struct {
	Name              string     `json:"name"`
	DataType          string     `json:"data_type"` // "text", "text[]", ..., or collection names (A|B) for a cross-reference
	Description       string     `json:"description,omitempty"`
	Tokenization      string     `json:"tokenization,omitempty"`
	IndexFilterable   bool       `json:"index_filterable"`
	IndexSearchable   bool       `json:"index_searchable"`
	IndexRangeFilters bool       `json:"index_range_filters"`
	Nested            []Property `json:"nested,omitempty"` // object and object[] only
}

// InvertedIndex configures keyword search and filtering.
type InvertedIndex struct {
	BM25B                  float64  `json:"bm25_b"`
	BM25K1                 float64  `json:"bm25_k1"`
	StopwordsPreset        string   `json:"stopwords_preset"`
	StopwordsAdditions     []string `json:"stopwords_additions,omitempty"`
	StopwordsRemovals      []string `json:"stopwords_removals,omitempty"`
	IndexTimestamps        bool     `json:"index_timestamps"`
	IndexNullState         bool     `json:"index_null_state"`
	IndexPropertyLength    bool     `json:"index_property_length"`
	CleanupIntervalSeconds int64    `json:"cleanup_interval_seconds"`
}

// MultiTenancy says whether the collection keeps its objects per tenant.
type MultiTenancy struct {
	Enabled              bool `json:"enabled"`
	AutoTenantCreation   bool `json:"auto_tenant_creation"`
	AutoTenantActivation bool `json:"auto_tenant_activation"`
}

// Replication is the collection's replication setting.
type Replication struct {
	Factor           int64  `json:"factor"`
	AsyncEnabled     bool   `json:"async_enabled"`
	DeletionStrategy string `json:"deletion_strategy"`
}

// Sharding is the collection's sharding setting (single-tenant collections).
type Sharding struct {
	DesiredCount int64 `json:"desired_count,omitempty"`
}

// Defaults Weaviate applies to a collection created without them (v1.35).
const (
	DefaultVectorIndexType  = "hnsw"
	DefaultDistance         = "cosine"
	DefaultVectorizer       = "none"
	DefaultTokenization     = "word"
	DefaultDeletionStrategy = "NoAutomatedResolution"
	DefaultStopwordsPreset  = "en"
	DefaultAggregation      = "maxSim"
)

// hnswDefaults are Weaviate's defaults for an hnsw index.
var hnswDefaults = VectorIndex{
	EF: -1, EFConstruction: 128, MaxConnections: 32,
	DynamicEFMin: 100, DynamicEFMax: 500, DynamicEFFactor: 8,
	FlatSearchCutoff: 40000, CleanupIntervalSeconds: 300,
	FilterStrategy: "acorn", VectorCacheMaxObjects: 1_000_000_000_000,
}

// Allowed values, used by validation in config and by tests.
var (
	VectorIndexTypes   = []string{"hnsw", "flat", "dynamic"}
	Distances          = []string{"cosine", "dot", "l2-squared", "hamming", "manhattan"}
	Tokenizations      = []string{"word", "lowercase", "whitespace", "field", "trigram", "gse", "kagome_kr", "kagome_ja"}
	QuantizationTypes  = []string{"pq", "bq", "sq", "rq"}
	FilterStrategies   = []string{"sweeping", "acorn"}
	StopwordsPresets   = []string{"en", "none"}
	DeletionStrategies = []string{"NoAutomatedResolution", "DeleteOnConflict", "TimeBasedResolution"}
	Aggregations       = []string{"maxSim"}
	PrimitiveTypes     = []string{
		"text", "text[]", "int", "int[]", "number", "number[]", "boolean", "boolean[]",
		"date", "date[]", "uuid", "uuid[]", "geoCoordinates", "phoneNumber", "blob",
		"object", "object[]",
	}
)

// Weaviate's naming rules (entities/schema/validation.go, v1.35): collection
// names match ClassNameRegexCore, properties PropertyNameRegex (at most 231
// characters), nested properties NestedPropertyNameRegex (no limit), named
// vectors TargetVectorNameRegex (at most 230).
var (
	nameRE         = regexp.MustCompile(`^[A-Z][_0-9A-Za-z]{0,254}$`)
	propertyNameRE = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,230}$`)
	nestedNameRE   = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]*$`)
	vectorNameRE   = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,229}$`)
)

// ReservedCollectionNames are the collection names Weaviate refuses, in
// any case (its raft directory: usecases/schema/parser.go ParseClass).
var ReservedCollectionNames = []string{"raft"}

// ReservedPropertyNames are the property names Weaviate refuses, compared
// after it lower-cases the first letter.
var ReservedPropertyNames = []string{"_additional", "_id", "id"}

// ValidName reports whether name is a valid collection name. Weaviate
// capitalises the first letter of a name it is given; colstate asks for the
// capitalised form so the name in HCL is the name in Weaviate.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// ValidPropertyName reports whether name is a valid (top-level) property name
// as Weaviate stores it; Weaviate lower-cases the first letter (see
// StoredPropertyName), which this does not check.
func ValidPropertyName(name string) bool { return propertyNameRE.MatchString(name) }

// ValidNestedPropertyName reports whether name is a valid nested property name.
func ValidNestedPropertyName(name string) bool { return nestedNameRE.MatchString(name) }

// ValidVectorName reports whether name is a valid named-vector name.
func ValidVectorName(name string) bool { return vectorNameRE.MatchString(name) }

// StoredName is the collection name Weaviate stores for name: its first
// letter upper-cased (schema.UppercaseClassName).
func StoredName(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// StoredPropertyName is the property name Weaviate stores for name: its
// first letter lower-cased (schema.LowercaseFirstLetter). Nested property
// names are stored as given.
func StoredPropertyName(name string) string {
	if name == "" {
		return name
	}
	return strings.ToLower(name[:1]) + name[1:]
}

// IsText reports whether a property of this data type is tokenized text.
func IsText(dataType string) bool { return dataType == "text" || dataType == "text[]" }

// IsObject reports whether a property of this data type has nested properties.
func IsObject(dataType string) bool { return dataType == "object" || dataType == "object[]" }

// IsPrimitive reports whether dataType is a built-in type (not a cross-reference).
func IsPrimitive(dataType string) bool { return slices.Contains(PrimitiveTypes, dataType) }

// IsReference reports whether dataType names collections (a cross-reference).
func IsReference(dataType string) bool { return dataType != "" && !IsPrimitive(dataType) }

// RangeFilterable reports whether Weaviate can build a range index for the type.
func RangeFilterable(dataType string) bool {
	return dataType == "int" || dataType == "number" || dataType == "date"
}

// Normalize fills every unset setting with Weaviate's default and puts named
// vectors in a stable order (Weaviate holds them in a map), so equal
// collections compare equal. Properties and nested properties keep their
// order: Weaviate holds them in a list, in the order they were declared,
// and colstate creates a collection in the order it declares them (the
// differ matches properties by name, so an order alone is never a change).
func Normalize(c *Collection) {
	if len(c.Vectors) == 0 && c.VectorIndex == nil {
		c.VectorIndex = &VectorIndex{}
	}
	if c.VectorIndex != nil {
		if c.Vectorizer == "" {
			c.Vectorizer = DefaultVectorizer
		}
		normalizeIndex(c.VectorIndex)
	} else {
		c.Vectorizer = ""
	}
	for i := range c.Vectors {
		v := &c.Vectors[i]
		if v.Vectorizer == "" {
			v.Vectorizer = DefaultVectorizer
		}
		if len(v.VectorizerConfig) == 0 {
			v.VectorizerConfig = nil
		}
		v.VectorizerConfig = NormalizeJSON(v.VectorizerConfig)
		normalizeIndex(&v.Index)
	}
	sort.SliceStable(c.Vectors, func(i, j int) bool { return c.Vectors[i].Name < c.Vectors[j].Name })
	if len(c.ModuleConfig) == 0 {
		c.ModuleConfig = nil
	}
	c.ModuleConfig = NormalizeJSON(c.ModuleConfig)
	normalizeProperties(c.Properties)

	ii := &c.InvertedIndex
	if ii.BM25B == 0 && ii.BM25K1 == 0 {
		ii.BM25B, ii.BM25K1 = 0.75, 1.2
	}
	if ii.StopwordsPreset == "" {
		ii.StopwordsPreset = DefaultStopwordsPreset
	}
	if len(ii.StopwordsAdditions) == 0 {
		ii.StopwordsAdditions = nil
	}
	if len(ii.StopwordsRemovals) == 0 {
		ii.StopwordsRemovals = nil
	}
	if ii.CleanupIntervalSeconds == 0 {
		ii.CleanupIntervalSeconds = 60
	}
	if c.Replication.Factor == 0 {
		c.Replication.Factor = 1
	}
	if c.Replication.DeletionStrategy == "" {
		c.Replication.DeletionStrategy = DefaultDeletionStrategy
	}
	if c.MultiTenancy.Enabled {
		// Multi-tenant collections are sharded by tenant.
		c.Sharding = Sharding{}
	} else {
		c.MultiTenancy = MultiTenancy{}
		if c.Sharding.DesiredCount == 0 {
			c.Sharding.DesiredCount = 1
		}
	}
}

func normalizeProperties(props []Property) {
	for i := range props {
		p := &props[i]
		if IsText(p.DataType) {
			if p.Tokenization == "" {
				p.Tokenization = DefaultTokenization
			}
		} else {
			p.Tokenization = ""
			p.IndexSearchable = false
		}
		if !IsObject(p.DataType) {
			p.Nested = nil
		}
		normalizeProperties(p.Nested)
	}
}

func normalizeIndex(vi *VectorIndex) {
	if vi.Type == "" {
		vi.Type = DefaultVectorIndexType
	}
	if vi.Distance == "" {
		vi.Distance = DefaultDistance
	}
	if vi.MultiVector != nil && vi.MultiVector.Aggregation == "" {
		vi.MultiVector.Aggregation = DefaultAggregation
	}
	q := vi.Quantization
	switch vi.Type {
	case "hnsw":
		d := hnswDefaults
		fill(&vi.EF, d.EF)
		fill(&vi.EFConstruction, d.EFConstruction)
		fill(&vi.MaxConnections, d.MaxConnections)
		fill(&vi.DynamicEFMin, d.DynamicEFMin)
		fill(&vi.DynamicEFMax, d.DynamicEFMax)
		fill(&vi.DynamicEFFactor, d.DynamicEFFactor)
		fill(&vi.FlatSearchCutoff, d.FlatSearchCutoff)
		fill(&vi.CleanupIntervalSeconds, d.CleanupIntervalSeconds)
		fill(&vi.VectorCacheMaxObjects, d.VectorCacheMaxObjects)
		if vi.FilterStrategy == "" {
			vi.FilterStrategy = d.FilterStrategy
		}
		vi.Threshold = 0
		if q != nil {
			switch q.Type {
			case "pq":
				fill(&q.Centroids, 256)
				fill(&q.TrainingLimit, 100000)
			case "sq":
				fill(&q.TrainingLimit, 100000)
				fill(&q.RescoreLimit, 20)
			case "rq":
				fill(&q.Bits, 8)
				fill(&q.RescoreLimit, 20)
			}
			q.Cache = false
		}
	case "flat":
		keep := VectorIndex{Type: vi.Type, Distance: vi.Distance, VectorCacheMaxObjects: vi.VectorCacheMaxObjects, Quantization: q, MultiVector: vi.MultiVector}
		*vi = keep
		fill(&vi.VectorCacheMaxObjects, hnswDefaults.VectorCacheMaxObjects)
		if q != nil {
			fill(&q.RescoreLimit, -1)
			if q.Type == "rq" {
				fill(&q.Bits, 8)
			}
		}
	case "dynamic":
		*vi = VectorIndex{Type: vi.Type, Distance: vi.Distance, Threshold: vi.Threshold, MultiVector: vi.MultiVector}
		fill(&vi.Threshold, 10000)
	}
}

func fill(v *int64, def int64) {
	if *v == 0 {
		*v = def
	}
}

// NewProperty returns a property of the given type with Weaviate's default
// index settings, ready for the caller to override.
func NewProperty(name, dataType string) Property {
	return Property{
		Name:            name,
		DataType:        dataType,
		IndexFilterable: true,
		IndexSearchable: IsText(dataType),
	}
}

// Property returns the property with the given name, or nil.
func (c *Collection) Property(name string) *Property { return findProperty(c.Properties, name) }

func findProperty(props []Property, name string) *Property {
	for i := range props {
		if props[i].Name == name {
			return &props[i]
		}
	}
	return nil
}

// Vector returns the named vector, or nil.
func (c *Collection) Vector(name string) *NamedVector {
	for i := range c.Vectors {
		if c.Vectors[i].Name == name {
			return &c.Vectors[i]
		}
	}
	return nil
}

// References lists the collections c's cross-reference properties point at.
func (c *Collection) References() []string {
	var out []string
	for _, p := range c.Properties {
		if IsReference(p.DataType) {
			out = append(out, strings.Split(p.DataType, "|")...)
		}
	}
	return out
}

// OneOf returns an error naming the allowed values when s is not one of them.
func OneOf(what, s string, allowed []string) error {
	if slices.Contains(allowed, s) {
		return nil
	}
	return fmt.Errorf("%s %q is not one of %s", what, s, strings.Join(allowed, ", "))
}

// NormalizeJSON round-trips a map through JSON so numbers are float64 and
// nested values are plain maps and slices, whatever produced it.
func NormalizeJSON(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return m
	}
	var out map[string]any
	if json.Unmarshal(b, &out) != nil {
		return m
	}
	return out
}

// Fingerprint is a short digest of a normalised collection's settings: equal
// collections have equal fingerprints. Property order does not count, as it
// does not for the differ: properties are hashed sorted by name (which also
// keeps the fingerprints of saved plans and journals made before colstate
// kept the order).
func Fingerprint(c Collection) string {
	c.Properties = sortedProperties(c.Properties)
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// sortedProperties returns a copy of props sorted by name, nested
// properties too.
func sortedProperties(props []Property) []Property {
	if props == nil {
		return nil
	}
	out := slices.Clone(props)
	for i := range out {
		out[i].Nested = sortedProperties(out[i].Nested)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
