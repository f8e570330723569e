package live

import (
	"sort"
	"strings"
	"unicode"
)

// PropertySchema is what object reads and writes need to know about one
// property: its data type and, for object properties, the nested ones.
type PropertySchema struct {
	Name     string
	DataType []string // as Weaviate spells it: "int", "text[]", "object", or target collections
	Nested   []PropertySchema
}

// Kind is the property's base type: the data type, "object[]", or "ref" for
// a cross-reference.
func (p PropertySchema) Kind() string {
	if len(p.DataType) == 0 {
		return ""
	}
	if IsReference(p.DataType) {
		return "ref"
	}
	return p.DataType[0]
}

// IsReference reports whether a data type names target collections.
func IsReference(dataType []string) bool {
	if len(dataType) == 0 {
		return false
	}
	r := []rune(dataType[0])
	return len(r) > 0 && unicode.IsUpper(r[0])
}

// ObjectSchema is the part of a collection's schema that object reads and
// writes need.
type ObjectSchema struct {
	Collection  string
	Properties  []PropertySchema
	Named       []string        // named vectors, sorted
	Multi       map[string]bool // named vectors whose index holds multi-vectors
	Legacy      bool            // the collection has the single unnamed vector
	MultiTenant bool
	// Vectorized holds the vectors a vectorizer module makes ("" for the
	// unnamed one): Weaviate computes them when a write carries none.
	// The others exist only as clients send them.
	Vectorized map[string]bool
}

// Property returns the named property, or nil.
func (s *ObjectSchema) Property(name string) *PropertySchema {
	for i := range s.Properties {
		if s.Properties[i].Name == name {
			return &s.Properties[i]
		}
	}
	return nil
}

// SchemaOf reads what object reads and writes need from a raw class.
func SchemaOf(cl Class) *ObjectSchema {
	s := &ObjectSchema{Collection: str(cl["class"])}
	props, _ := cl["properties"].([]any)
	s.Properties = propertySchemas(props)
	s.Vectorized = map[string]bool{}
	if vc, ok := cl["vectorConfig"].(map[string]any); ok {
		for name, cfg := range vc {
			s.Named = append(s.Named, name)
			if IsMultiVector(objOf(cfg)) {
				if s.Multi == nil {
					s.Multi = map[string]bool{}
				}
				s.Multi[name] = true
			}
			if m, ok := cfg.(map[string]any); ok && vectorizerModule(m["vectorizer"]) {
				s.Vectorized[name] = true
			}
		}
		sort.Strings(s.Named)
	}
	if vectorizerModule(cl["vectorizer"]) {
		s.Vectorized[""] = true
	}
	// A collection with named vectors has no unnamed one unless it also
	// declares a top-level vector index.
	s.Legacy = len(s.Named) == 0 || str(cl["vectorIndexType"]) != ""
	if mt, ok := cl["multiTenancyConfig"].(map[string]any); ok {
		s.MultiTenant, _ = mt["enabled"].(bool)
	}
	return s
}

// IsMultiVector reports whether a named vector's config (an entry of a
// class's vectorConfig) holds multi-vectors.
func IsMultiVector(vc map[string]any) bool {
	mv := objOf(objOf(vc["vectorIndexConfig"])["multivector"])
	return boolOr(mv["enabled"], false)
}

// SelfVectors names the vectors of a collection that no vectorizer module
// makes: the objects bring them, so an object written without one has none.
// The unnamed (legacy) vector is named "" and is considered only when the
// collection has no named vectors.
func SelfVectors(cl Class) []string {
	var out []string
	vcs, _ := cl["vectorConfig"].(map[string]any)
	for name, v := range vcs {
		if !vectorizerModule(objOf(v)["vectorizer"]) {
			out = append(out, name)
		}
	}
	if len(vcs) == 0 && !vectorizerModule(cl["vectorizer"]) {
		out = append(out, "")
	}
	sort.Strings(out)
	return out
}

// vectorizerModule reports whether a vectorizer setting names a module: a
// string ("text2vec-openai") for the unnamed vector, a one-key map for a
// named one; "none" is no module.
func vectorizerModule(v any) bool {
	switch x := v.(type) {
	case string:
		return x != "" && x != "none"
	case map[string]any:
		for k := range x {
			if k != "none" {
				return true
			}
		}
	}
	return false
}

func propertySchemas(props []any) []PropertySchema {
	var out []PropertySchema
	for _, p := range props {
		pm, ok := p.(map[string]any)
		if !ok {
			continue
		}
		ps := PropertySchema{Name: str(pm["name"])}
		if dt, ok := pm["dataType"].([]any); ok {
			for _, t := range dt {
				ps.DataType = append(ps.DataType, str(t))
			}
		}
		if nested, ok := pm["nestedProperties"].([]any); ok {
			ps.Nested = propertySchemas(nested)
		}
		out = append(out, ps)
	}
	return out
}

// Beacon is the cross-reference form colstate stores: Weaviate's own.
func Beacon(collection, id string) string { return "weaviate://localhost/" + collection + "/" + id }

// ParseBeacon splits a beacon into collection (empty when the beacon has
// none) and UUID.
func ParseBeacon(b string) (collection, id string) {
	rest := strings.TrimPrefix(b, "weaviate://")
	parts := strings.Split(rest, "/")
	switch len(parts) {
	case 3:
		return parts[1], parts[2]
	case 2:
		return "", parts[1]
	}
	return "", parts[len(parts)-1]
}
