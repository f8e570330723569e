// Package collection owns colstate's canonical model of a Weaviate collection.
//
// Both the HCL decoder (internal/config) and the Weaviate adapter
// (internal/live) produce a Collection, and both run it through Normalize so
// the differ compares like with like: every setting that Weaviate fills with a
// default when it is left out holds that default here too.
package collection

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Collection is one Weaviate collection (a "class" in Weaviate's REST API).
type Collection struct {
	Name         string       `json:"name"`
	Description  string       `json:"description,omitempty"`
	Vectorizer   string       `json:"vectorizer"`
	VectorIndex  VectorIndex  `json:"vector_index"`
	Properties   []Property   `json:"properties,omitempty"`
	MultiTenancy MultiTenancy `json:"multi_tenancy"`
	Replication  Replication  `json:"replication"`
}

// VectorIndex is the index of the collection's default vector.
type VectorIndex struct {
	Type           string `json:"type"`     // hnsw or flat
	Distance       string `json:"distance"` // cosine, dot, l2-squared, hamming, manhattan
	EF             int64  `json:"ef"`
	EFConstruction int64  `json:"ef_construction"`
	MaxConnections int64  `json:"max_connections"`
}

// Property is one property of a collection.
type Property struct {
	Name            string `json:"name"`
	DataType        string `json:"data_type"` // "text", "text[]", "int", ..., or a collection name for a cross-reference
	Description     string `json:"description,omitempty"`
	Tokenization    string `json:"tokenization,omitempty"`
	IndexFilterable bool   `json:"index_filterable"`
	IndexSearchable bool   `json:"index_searchable"`
}

// MultiTenancy says whether the collection keeps its objects per tenant.
type MultiTenancy struct {
	Enabled bool `json:"enabled"`
}

// Replication is the collection's replication setting.
type Replication struct {
	Factor int64 `json:"factor"`
}

// Defaults Weaviate applies to a collection created without them (v1.35).
const (
	DefaultVectorIndexType = "hnsw"
	DefaultDistance        = "cosine"
	DefaultEF              = -1
	DefaultEFConstruction  = 128
	DefaultMaxConnections  = 32
	DefaultVectorizer      = "none"
	DefaultTokenization    = "word"
	DefaultReplication     = 1
)

// Allowed values, used by validation in config and by tests.
var (
	VectorIndexTypes = []string{"hnsw", "flat"}
	Distances        = []string{"cosine", "dot", "l2-squared", "hamming", "manhattan"}
	Tokenizations    = []string{"word", "lowercase", "whitespace", "field", "trigram", "gse", "kagome_kr", "kagome_ja"}
	PrimitiveTypes   = []string{
		"text", "text[]", "int", "int[]", "number", "number[]", "boolean", "boolean[]",
		"date", "date[]", "uuid", "uuid[]", "geoCoordinates", "phoneNumber", "blob",
		"object", "object[]",
	}
)

var nameRE = regexp.MustCompile(`^[A-Z][_0-9A-Za-z]*$`)
var propertyNameRE = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]*$`)

// ValidName reports whether name is a valid collection name. Weaviate
// capitalises the first letter of a name it is given; colstate asks for the
// capitalised form so the name in HCL is the name in Weaviate.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// ValidPropertyName reports whether name is a valid property name.
func ValidPropertyName(name string) bool { return propertyNameRE.MatchString(name) }

// IsText reports whether a property of this data type is tokenized text.
func IsText(dataType string) bool { return dataType == "text" || dataType == "text[]" }

// IsPrimitive reports whether dataType is a built-in type (not a cross-reference).
func IsPrimitive(dataType string) bool { return contains(PrimitiveTypes, dataType) }

// Normalize fills every unset setting with Weaviate's default and puts
// properties in a stable order, so equal collections compare equal.
func Normalize(c *Collection) {
	if c.Vectorizer == "" {
		c.Vectorizer = DefaultVectorizer
	}
	vi := &c.VectorIndex
	if vi.Type == "" {
		vi.Type = DefaultVectorIndexType
	}
	if vi.Distance == "" {
		vi.Distance = DefaultDistance
	}
	if vi.Type == "flat" {
		// A flat index has no graph: these settings do not exist for it.
		vi.EF, vi.EFConstruction, vi.MaxConnections = 0, 0, 0
	} else {
		if vi.EF == 0 {
			vi.EF = DefaultEF
		}
		if vi.EFConstruction == 0 {
			vi.EFConstruction = DefaultEFConstruction
		}
		if vi.MaxConnections == 0 {
			vi.MaxConnections = DefaultMaxConnections
		}
	}
	if c.Replication.Factor == 0 {
		c.Replication.Factor = DefaultReplication
	}
	for i := range c.Properties {
		p := &c.Properties[i]
		if IsText(p.DataType) {
			if p.Tokenization == "" {
				p.Tokenization = DefaultTokenization
			}
		} else {
			p.Tokenization = ""
			p.IndexSearchable = false
		}
	}
	sort.SliceStable(c.Properties, func(i, j int) bool { return c.Properties[i].Name < c.Properties[j].Name })
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
func (c *Collection) Property(name string) *Property {
	for i := range c.Properties {
		if c.Properties[i].Name == name {
			return &c.Properties[i]
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// OneOf returns an error naming the allowed values when s is not one of them.
func OneOf(what, s string, allowed []string) error {
	if contains(allowed, s) {
		return nil
	}
	return fmt.Errorf("%s %q is not one of %s", what, s, strings.Join(allowed, ", "))
}
