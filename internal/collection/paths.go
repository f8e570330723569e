package collection

import (
	"encoding/json"
	"fmt"
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
