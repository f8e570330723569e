package live

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// unmodeledIndexSettings are vector index settings colstate does not model,
// with Weaviate's defaults (v1.35). A replace carries them across as they
// are (see ForReplace); Unmodeled names those a collection changed.
var unmodeledIndexSettings = []struct {
	path []string
	def  any
}{
	{[]string{"skip"}, false},
	{[]string{"pq", "encoder", "type"}, "kmeans"},
	{[]string{"pq", "encoder", "distribution"}, "log-normal"},
	{[]string{"pq", "bitCompression"}, false},
	{[]string{"multivector", "muvera", "enabled"}, false},
}

// Unmodeled lists the settings of a class that differ from Weaviate's
// defaults but that colstate's model (and so HCL) cannot declare, as
// "path = value". import reports them; a replace keeps them.
func Unmodeled(cl Class) []string {
	var out []string
	index := func(prefix string, m map[string]any) {
		for _, s := range unmodeledIndexSettings {
			v, ok := lookupPath(m, s.path)
			if ok && v != nil && !reflect.DeepEqual(jsonValue(v), s.def) {
				out = append(out, fmt.Sprintf("%s.%s = %s", prefix, joinPath(s.path), jsonText(v)))
			}
		}
	}
	if str(cl["vectorIndexType"]) != "" {
		index("vectorIndexConfig", objOf(cl["vectorIndexConfig"]))
	}
	vcs := objOf(cl["vectorConfig"])
	for _, name := range slices.Sorted(maps.Keys(vcs)) {
		index("vectorConfig."+name+".vectorIndexConfig", objOf(objOf(vcs[name])["vectorIndexConfig"]))
	}
	var props func(prefix string, list []any)
	props = func(prefix string, list []any) {
		for _, p := range list {
			pm := objOf(p)
			path := prefix + str(pm["name"])
			if mc := objOf(pm["moduleConfig"]); len(mc) > 0 {
				out = append(out, fmt.Sprintf("properties.%s.moduleConfig = %s", path, jsonText(mc)))
			}
			props(path+".", listOf(pm["nestedProperties"]))
		}
	}
	props("", listOf(cl["properties"]))
	return out
}

func lookupPath(m map[string]any, path []string) (any, bool) {
	var cur any = m
	for _, k := range path {
		cm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = cm[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func joinPath(p []string) string {
	s := p[0]
	for _, k := range p[1:] {
		s += "." + k
	}
	return s
}

// jsonValue normalises a decoded JSON value (json.Number → float64).
func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
