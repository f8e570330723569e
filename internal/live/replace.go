package live

import (
	"github.com/colstate/colstate/internal/collection"
)

// ForReplace returns the body that recreates a collection as col in a
// replace: base, the class as Weaviate returned it before the replace (the
// snapshot's schema), with every setting colstate models set to col's
// value. Settings colstate does not model — a PQ encoder, an index's skip
// flag, a property's moduleConfig, muvera, whatever a later Weaviate adds —
// are carried across untouched, so a replace changes only what the plan
// showed.
func ForReplace(base Class, col collection.Collection) Class {
	want := ToClass(col)
	out := Class(copyMap(base))
	if boolOr(objOf(base["multiTenancyConfig"])["enabled"], false) {
		// A multi-tenant class reports a sharding config it cannot be
		// created with; only a single-tenant one's carries anything.
		delete(out, "shardingConfig")
	}
	for k, w := range want {
		b := out[k]
		switch k {
		case "properties":
			out[k] = mergeProperties(listOf(b), listOf(w))
		case "vectorConfig":
			out[k] = mergeVectorConfigs(objOf(b), objOf(w))
		case "vectorIndexConfig":
			out[k] = mergeIndexConfig(objOf(b), objOf(w), str(base["vectorIndexType"]) == str(want["vectorIndexType"]))
		default:
			out[k] = mergeValue(b, w)
		}
	}
	if col.VectorIndex == nil {
		delete(out, "vectorizer")
		delete(out, "vectorIndexType")
		delete(out, "vectorIndexConfig")
	}
	if len(col.Vectors) == 0 {
		delete(out, "vectorConfig")
	}
	if col.MultiTenancy.Enabled {
		delete(out, "shardingConfig") // Weaviate refuses one for multi-tenant classes
	}
	return out
}

// mergeValue returns want laid over have: objects merge key by key (want's
// keys win, have's other keys stay); anything else is want.
func mergeValue(have, want any) any {
	hm, hok := have.(map[string]any)
	wm, wok := want.(map[string]any)
	if !hok || !wok {
		return want
	}
	out := copyMap(hm)
	for k, v := range wm {
		out[k] = mergeValue(out[k], v)
	}
	return out
}

// mergeIndexConfig merges a vector index's config. When the index type
// changes, only want is kept (another type's settings do not apply). A
// quantization or multi-vector setting the model turned off is disabled.
func mergeIndexConfig(have, want map[string]any, sameType bool) map[string]any {
	if !sameType || have == nil {
		return want
	}
	out := mergeValue(have, want).(map[string]any)
	for _, k := range append([]string{"multivector"}, collection.QuantizationTypes...) {
		if _, wanted := want[k]; wanted {
			continue
		}
		if m := objOf(out[k]); boolOr(m["enabled"], false) {
			m = copyMap(m)
			m["enabled"] = false
			out[k] = m
		}
	}
	return out
}

func mergeVectorConfigs(have, want map[string]any) map[string]any {
	out := map[string]any{}
	for name, w := range want {
		hv, wv := objOf(have[name]), objOf(w)
		if hv == nil {
			out[name] = w
			continue
		}
		v := copyMap(hv)
		if sameKeys(objOf(hv["vectorizer"]), objOf(wv["vectorizer"])) {
			v["vectorizer"] = mergeValue(hv["vectorizer"], wv["vectorizer"])
		} else {
			v["vectorizer"] = wv["vectorizer"]
		}
		v["vectorIndexType"] = wv["vectorIndexType"]
		v["vectorIndexConfig"] = mergeIndexConfig(objOf(hv["vectorIndexConfig"]), objOf(wv["vectorIndexConfig"]), str(hv["vectorIndexType"]) == str(wv["vectorIndexType"]))
		out[name] = v
	}
	return out
}

// mergeProperties keeps the properties of want, in want's order (the
// declared one: the collection is created anew, so it takes the order the
// configuration gives, as a create does), each merged over its old self.
func mergeProperties(have, want []any) []any {
	byName := map[string]map[string]any{}
	for _, h := range have {
		if m := objOf(h); m != nil {
			byName[str(m["name"])] = m
		}
	}
	out := make([]any, 0, len(want))
	for _, w := range want {
		wm := objOf(w)
		hm, ok := byName[str(wm["name"])]
		if wm == nil || !ok {
			out = append(out, w) // added
			continue
		}
		p := copyMap(hm)
		for k, v := range wm {
			if k == "nestedProperties" {
				p[k] = mergeProperties(listOf(hm[k]), listOf(v))
				continue
			}
			p[k] = mergeValue(p[k], v)
		}
		for _, k := range []string{"tokenization", "nestedProperties"} {
			if _, ok := wm[k]; !ok {
				delete(p, k) // not for the new data type
			}
		}
		out = append(out, p)
	}
	return out
}

func sameKeys(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func listOf(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	}
	return nil
}
