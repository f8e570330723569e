package collection

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// CopyPaths sets the settings at the given attribute paths (as Attributes
// names them: "description", "vector_index.ef", "property.title.description",
// "vector.body.index.ef") in dst to their values in src. It is how
// lifecycle.ignore_changes keeps the live value of a setting.
func CopyPaths(dst *Collection, src Collection, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	var d, s map[string]any
	if err := roundTrip(*dst, &d); err != nil {
		return err
	}
	if err := roundTrip(src, &s); err != nil {
		return err
	}
	for _, p := range paths {
		keys := jsonKeys(p)
		v, ok := lookup(s, keys)
		if err := set(d, keys, v, ok); err != nil {
			return fmt.Errorf("ignore_changes %q: %w", p, err)
		}
	}
	var out Collection
	if err := roundTrip(d, &out); err != nil {
		return err
	}
	Normalize(&out)
	*dst = out
	return nil
}

func roundTrip(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// jsonKeys maps an attribute path to the model's JSON keys: the list
// segments ("property", "vector", "nested") become their array names and the
// element name that follows them selects by name.
func jsonKeys(path string) []string {
	parts := strings.Split(path, ".")
	var out []string
	for i := 0; i < len(parts); i++ {
		switch parts[i] {
		case "property":
			out = append(out, "properties")
		case "vector":
			out = append(out, "vectors")
		case "nested":
			out = append(out, "nested")
		default:
			out = append(out, parts[i])
			continue
		}
		if i+1 < len(parts) {
			i++
			out = append(out, "@"+parts[i]) // element selected by name
		}
	}
	return out
}

func lookup(m map[string]any, keys []string) (any, bool) {
	var cur any = m
	for _, k := range keys {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[k]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			el := byName(c, strings.TrimPrefix(k, "@"))
			if el == nil {
				return nil, false
			}
			cur = el
		default:
			return nil, false
		}
	}
	return cur, true
}

func byName(list []any, name string) map[string]any {
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["name"] == name {
			return m
		}
	}
	return nil
}

// set writes v at keys in m (or removes the key when !present).
func set(m map[string]any, keys []string, v any, present bool) error {
	var cur any = m
	for i, k := range keys {
		last := i == len(keys)-1
		if strings.HasPrefix(k, "@") {
			if last {
				return fmt.Errorf("a whole property or vector cannot be ignored; name one of its settings")
			}
			list, _ := cur.([]any)
			el := byName(list, k[1:])
			if el == nil {
				return nil // not declared: nothing to keep
			}
			cur = el
			continue
		}
		cm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if last {
			if present {
				cm[k] = v
			} else {
				delete(cm, k)
			}
			return nil
		}
		child, ok := cm[k]
		if !ok {
			if !present || strings.HasPrefix(keys[i+1], "@") {
				return nil
			}
			child = map[string]any{}
			cm[k] = child
		}
		cur = child
	}
	return nil
}

// Setting names an ignore_changes path may use, below the collection,
// an index, or a property (every index and quantization type together).
var (
	indexSettings = []string{"type", "distance", "ef", "ef_construction", "max_connections",
		"dynamic_ef_min", "dynamic_ef_max", "dynamic_ef_factor", "flat_search_cutoff",
		"cleanup_interval_seconds", "filter_strategy", "vector_cache_max_objects", "threshold",
		"quantization", "quantization.type", "quantization.segments", "quantization.centroids",
		"quantization.training_limit", "quantization.bits", "quantization.rescore_limit", "quantization.cache"}
	propertySettings = []string{"data_type", "description", "tokenization", "index_filterable",
		"index_searchable", "index_range_filters"}
	blockSettings = map[string][]string{
		"inverted_index": {"bm25_b", "bm25_k1", "stopwords_preset", "stopwords_additions",
			"stopwords_removals", "index_timestamps", "index_null_state", "index_property_length",
			"cleanup_interval_seconds"},
		"multi_tenancy": {"enabled", "auto_tenant_creation", "auto_tenant_activation"},
		"replication":   {"factor", "async_enabled", "deletion_strategy"},
		"sharding":      {"desired_count"},
	}
)

// IgnorablePaths lists every attribute path lifecycle.ignore_changes may
// name for c (its declared properties and vectors), whole blocks included.
// Paths under module_config.M and vector.V.vectorizer_config are free-form
// and not listed beyond those prefixes.
func IgnorablePaths(c Collection) []string {
	out := []string{"description", "module_config"}
	for b, fields := range blockSettings {
		out = append(out, b)
		for _, f := range fields {
			out = append(out, b+"."+f)
		}
	}
	if len(c.Vectors) == 0 {
		out = append(out, "vectorizer", "vector_index")
		for _, f := range indexSettings {
			out = append(out, "vector_index."+f)
		}
	}
	for _, v := range c.Vectors {
		g := "vector." + v.Name
		out = append(out, g+".vectorizer", g+".vectorizer_config", g+".index")
		for _, f := range indexSettings {
			out = append(out, g+".index."+f)
		}
	}
	var props func(prefix string, ps []Property)
	props = func(prefix string, ps []Property) {
		for _, p := range ps {
			g := prefix + p.Name
			for _, f := range propertySettings {
				out = append(out, g+"."+f)
			}
			props(g+".nested.", p.Nested)
		}
	}
	props("property.", c.Properties)
	return out
}

// CheckIgnorePath reports whether path names a setting of c that
// ignore_changes can keep; when it does not, the error says why and
// suggests the nearest path that does.
func CheckIgnorePath(c Collection, path string) error {
	valid := IgnorablePaths(c)
	for _, v := range valid {
		if path == v {
			return nil
		}
	}
	for _, free := range []string{"module_config.", ".vectorizer_config."} {
		if i := strings.Index(path, free); i >= 0 && slices.Contains(valid, path[:i+len(free)-1]) {
			return nil
		}
	}
	kind, name, _ := strings.Cut(path, ".")
	if (kind == "property" || kind == "vector") && name != "" && !strings.Contains(name, ".") {
		return fmt.Errorf("%q is a whole %s, which cannot be ignored; name one of its settings, e.g. %s.%s", path, kind, path, map[string]string{"property": "description", "vector": "index.ef"}[kind])
	}
	msg := fmt.Sprintf("%q is not a setting of collection %s", path, c.Name)
	if s := nearest(path, valid); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	return errors.New(msg)
}

// nearest returns the candidate closest to s by edit distance, or "" when
// none is close enough to be a likely typo.
func nearest(s string, candidates []string) string {
	best, bestD := "", len(s)/3+2
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD || (d == bestD && best != "" && c < best) {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
