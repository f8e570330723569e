package collection

import (
	"fmt"
	"reflect"
	"strings"
)

// FieldChange is one semantic difference between two versions of a
// collection: "property.title.tokenization: word → field".
//
//	kind      Before                         After
//	changed   old value                      new value
//	added     nil                            the Property or NamedVector added
//	removed   the Property or NamedVector    nil
type FieldChange struct {
	Path    string `json:"path"` // e.g. "description", "vector_index.ef", "property.title.tokenization"
	Before  any    `json:"before"`
	After   any    `json:"after"`
	Replace bool   `json:"forces_replacement"` // true when Weaviate cannot change this in place
	// Undeclared marks a removed property or named vector that colstate
	// never declared: it exists live only (added by hand or by Weaviate's
	// auto-schema), and applying the configuration would drop it.
	Undeclared bool `json:"undeclared,omitempty"`
}

// Reason renders a change for plan output, e.g. why it forces replacement.
func (f FieldChange) Reason() string {
	switch {
	case f.Before == nil:
		return fmt.Sprintf("%s: added", f.Path)
	case f.After == nil && f.Undeclared:
		return fmt.Sprintf("%s: live only, not in the configuration (added outside colstate); dropped", f.Path)
	case f.After == nil:
		return fmt.Sprintf("%s: removed", f.Path)
	}
	return fmt.Sprintf("%s: %s → %s", f.Path, FormatValue(f.Before), FormatValue(f.After))
}

// Diff lists what differs between a normalised before and after, in display
// order, each marked with whether Weaviate can apply it in place. The rules
// follow weaviate's ParseClassUpdate (usecases/schema/parser.go, v1.35) and
// the index config validators it calls.
func Diff(before, after Collection) []FieldChange {
	bAttrs, aAttrs := Attributes(before), Attributes(after)
	bVals, bGroups := index(bAttrs)
	_, aGroups := index(aAttrs)
	var out []FieldChange
	emitted := map[string]bool{}
	for _, a := range aAttrs {
		switch {
		case a.Group != "" && !bGroups[a.Group]:
			if !emitted[a.Group] {
				emitted[a.Group] = true
				// Properties and named vectors are added in place; a
				// class-level vector cannot be added to a class of named
				// vectors.
				out = append(out, FieldChange{Path: a.Group, After: groupValue(after, a.Group), Replace: a.Group == ClassVector})
			}
		default:
			b, ok := bVals[a.Path]
			if !ok {
				if nested, ok := nestedProperty(a.Path); ok && !emitted[nested] {
					// A nested property added: Weaviate cannot change an
					// object property's fields in place.
					emitted[nested] = true
					out = append(out, FieldChange{Path: nested, After: "added", Replace: true})
				}
				// A module's settings declared for a module the live
				// collection has none for: Weaviate adds them (in place
				// unless the module is the vectorizer).
				if strings.HasPrefix(a.Path, "module_config.") {
					out = append(out, FieldChange{Path: a.Path, After: a.Value, Replace: forcesReplace(a.Path, nil, a.Value, before, after)})
					continue
				}
				// Otherwise a leaf that exists on one side only (an hnsw
				// setting when the index type changes, a quantization
				// parameter): the change that made it appear is shown.
				continue
			}
			if !sameValue(a.Path, b, a.Value) {
				out = append(out, FieldChange{Path: a.Path, Before: b, After: a.Value, Replace: forcesReplace(a.Path, b, a.Value, before, after)})
			}
		}
	}
	aVals, _ := index(aAttrs)
	for _, b := range bAttrs {
		if nested, ok := nestedProperty(b.Path); ok && aGroups[b.Group] && !emitted[nested] {
			if _, inAfter := aVals[b.Path]; !inAfter {
				emitted[nested] = true
				out = append(out, FieldChange{Path: nested, Before: "present", Replace: true})
			}
		}
		if b.Group != "" && !aGroups[b.Group] {
			if !emitted[b.Group] {
				emitted[b.Group] = true
				// Weaviate cannot drop a property or a vector.
				out = append(out, FieldChange{Path: b.Group, Before: groupValue(before, b.Group), Replace: true})
			}
		}
	}
	return out
}

func index(attrs []Attr) (map[string]any, map[string]bool) {
	vals := make(map[string]any, len(attrs))
	groups := map[string]bool{}
	for _, a := range attrs {
		vals[a.Path] = a.Value
		if a.Group != "" {
			groups[a.Group] = true
		}
	}
	return vals, groups
}

func groupValue(c Collection, group string) any {
	if group == ClassVector {
		if c.VectorIndex == nil {
			return nil
		}
		return NamedVector{Name: "", Vectorizer: c.Vectorizer, Index: *c.VectorIndex}
	}
	kind, name, _ := strings.Cut(group, ".")
	if kind == "vector" {
		if v := c.Vector(name); v != nil {
			return *v
		}
	}
	if p := c.Property(name); p != nil {
		return *p
	}
	return nil
}

// sameValue compares two leaf values. Module and vectorizer configs compare
// only the keys the configuration sets: Weaviate fills in the rest.
func sameValue(path string, before, after any) bool {
	if strings.HasPrefix(path, "module_config.") || strings.HasSuffix(path, ".vectorizer_config") {
		am, _ := after.(map[string]any)
		bm, _ := before.(map[string]any)
		return subset(am, bm)
	}
	return reflect.DeepEqual(before, after)
}

func subset(want, have map[string]any) bool {
	for k, w := range want {
		h, ok := have[k]
		if !ok {
			return false
		}
		wm, wok := w.(map[string]any)
		hm, hok := h.(map[string]any)
		if wok && hok {
			if !subset(wm, hm) {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(w, h) {
			return false
		}
	}
	return true
}

// forcesReplace says whether Weaviate refuses to change the leaf at path in
// place.
func forcesReplace(path string, before, after any, bc, ac Collection) bool {
	parts := strings.Split(path, ".")
	switch parts[0] {
	case "description":
		return false
	case "vectorizer":
		return true
	case "module_config":
		// The vectorizer's own settings are fixed at creation; generative and
		// reranker modules can change.
		return parts[1] == bc.Vectorizer || parts[1] == ac.Vectorizer
	case "vector_index":
		return indexFieldForcesReplace(strings.Join(parts[1:], "."), before, indexType(bc.VectorIndex))
	case "vector":
		if len(parts) >= 4 && parts[2] == "index" {
			var typ string
			if v := bc.Vector(parts[1]); v != nil {
				typ = v.Index.Type
			}
			return indexFieldForcesReplace(strings.Join(parts[3:], "."), before, typ)
		}
		return true // vectorizer or its config
	case "property":
		return parts[len(parts)-1] != "description"
	case "inverted_index":
		switch parts[1] {
		case "index_timestamps", "index_null_state", "index_property_length":
			return true
		}
		return false
	case "multi_tenancy":
		return parts[1] == "enabled"
	case "replication":
		return false
	case "sharding":
		return true
	}
	return true
}

func indexType(vi *VectorIndex) string {
	if vi == nil {
		return ""
	}
	return vi.Type
}

// indexFieldForcesReplace applies the hnsw and flat update validators.
func indexFieldForcesReplace(field string, before any, typ string) bool {
	switch field {
	case "ef", "dynamic_ef_min", "dynamic_ef_max", "dynamic_ef_factor",
		"flat_search_cutoff", "vector_cache_max_objects", "filter_strategy":
		return false
	case "quantization.type":
		// hnsw can start compressing in place; nothing can stop or switch.
		return !(typ == "hnsw" && before == "none")
	case "quantization.bits":
		return true
	case "quantization.segments", "quantization.centroids":
		// Weaviate stores the new value, but an index that has compressed
		// keeps the codebook it trained (hnsw/config_update.go): only a new
		// index takes it.
		return true
	case "quantization.training_limit", "quantization.rescore_limit", "quantization.cache":
		return false
	}
	return true // type, distance, ef_construction, max_connections, cleanup interval, threshold
}

// NeedsReplace reports whether any change in the list forces replacement.
func NeedsReplace(changes []FieldChange) bool {
	for _, c := range changes {
		if c.Replace {
			return true
		}
	}
	return false
}

// nestedProperty returns the nested property a leaf path belongs to
// ("property.meta.nested.source.data_type" → "property.meta.nested.source").
func nestedProperty(path string) (string, bool) {
	i := strings.LastIndex(path, ".nested.")
	if i < 0 {
		return "", false
	}
	rest := path[i+len(".nested."):]
	name, _, _ := strings.Cut(rest, ".")
	return path[:i] + ".nested." + name, true
}
