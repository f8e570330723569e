package live

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/colstate/colstate/internal/collection"
)

// ToClass renders a collection as the JSON body Weaviate's schema API takes.
func ToClass(col collection.Collection) Class {
	cl := Class{
		"class":               col.Name,
		"description":         col.Description,
		"invertedIndexConfig": toInverted(col.InvertedIndex),
		"multiTenancyConfig": map[string]any{
			"enabled":              col.MultiTenancy.Enabled,
			"autoTenantCreation":   col.MultiTenancy.AutoTenantCreation,
			"autoTenantActivation": col.MultiTenancy.AutoTenantActivation,
		},
		"replicationConfig": map[string]any{
			"factor":           col.Replication.Factor,
			"asyncEnabled":     col.Replication.AsyncEnabled,
			"deletionStrategy": col.Replication.DeletionStrategy,
		},
	}
	if !col.MultiTenancy.Enabled && col.Sharding.DesiredCount > 0 {
		cl["shardingConfig"] = map[string]any{"desiredCount": col.Sharding.DesiredCount}
	}
	if col.ModuleConfig != nil {
		cl["moduleConfig"] = col.ModuleConfig
	}
	if col.VectorIndex != nil {
		cl["vectorizer"] = col.Vectorizer
		cl["vectorIndexType"] = col.VectorIndex.Type
		cl["vectorIndexConfig"] = toIndexConfig(*col.VectorIndex)
	}
	if len(col.Vectors) > 0 {
		vc := map[string]any{}
		for _, v := range col.Vectors {
			vc[v.Name] = toVectorConfig(v)
		}
		cl["vectorConfig"] = vc
	}
	props := make([]any, 0, len(col.Properties))
	for _, p := range col.Properties {
		props = append(props, toProperty(p))
	}
	cl["properties"] = props
	return cl
}

func toVectorConfig(v collection.NamedVector) map[string]any {
	cfg := v.VectorizerConfig
	if cfg == nil {
		cfg = map[string]any{}
	}
	return map[string]any{
		"vectorizer":        map[string]any{v.Vectorizer: cfg},
		"vectorIndexType":   v.Index.Type,
		"vectorIndexConfig": toIndexConfig(v.Index),
	}
}

func toInverted(ii collection.InvertedIndex) map[string]any {
	return map[string]any{
		"bm25": map[string]any{"b": ii.BM25B, "k1": ii.BM25K1},
		"stopwords": map[string]any{
			"preset":    ii.StopwordsPreset,
			"additions": ii.StopwordsAdditions,
			"removals":  ii.StopwordsRemovals,
		},
		"indexTimestamps":        ii.IndexTimestamps,
		"indexNullState":         ii.IndexNullState,
		"indexPropertyLength":    ii.IndexPropertyLength,
		"cleanupIntervalSeconds": ii.CleanupIntervalSeconds,
	}
}

func toIndexConfig(vi collection.VectorIndex) map[string]any {
	m := map[string]any{"distance": vi.Distance}
	switch vi.Type {
	case "hnsw":
		m["ef"] = vi.EF
		m["efConstruction"] = vi.EFConstruction
		m["maxConnections"] = vi.MaxConnections
		m["dynamicEfMin"] = vi.DynamicEFMin
		m["dynamicEfMax"] = vi.DynamicEFMax
		m["dynamicEfFactor"] = vi.DynamicEFFactor
		m["flatSearchCutoff"] = vi.FlatSearchCutoff
		m["cleanupIntervalSeconds"] = vi.CleanupIntervalSeconds
		m["filterStrategy"] = vi.FilterStrategy
		m["vectorCacheMaxObjects"] = vi.VectorCacheMaxObjects
	case "flat":
		m["vectorCacheMaxObjects"] = vi.VectorCacheMaxObjects
	case "dynamic":
		m["threshold"] = vi.Threshold
	}
	if mv := vi.MultiVector; mv != nil {
		m["multivector"] = map[string]any{"enabled": true, "aggregation": mv.Aggregation}
	}
	if q := vi.Quantization; q != nil {
		qm := map[string]any{"enabled": true}
		switch q.Type {
		case "pq":
			qm["segments"] = q.Segments
			qm["centroids"] = q.Centroids
			qm["trainingLimit"] = q.TrainingLimit
		case "sq":
			qm["trainingLimit"] = q.TrainingLimit
			qm["rescoreLimit"] = q.RescoreLimit
		case "rq":
			qm["bits"] = q.Bits
			qm["rescoreLimit"] = q.RescoreLimit
		}
		if vi.Type == "flat" {
			qm["cache"] = q.Cache
			qm["rescoreLimit"] = q.RescoreLimit
		}
		m[q.Type] = qm
	}
	return m
}

func toProperty(p collection.Property) map[string]any {
	m := map[string]any{
		"name":              p.Name,
		"dataType":          strings.Split(p.DataType, "|"),
		"description":       p.Description,
		"indexFilterable":   p.IndexFilterable,
		"indexSearchable":   p.IndexSearchable,
		"indexRangeFilters": p.IndexRangeFilters,
	}
	if p.Tokenization != "" {
		m["tokenization"] = p.Tokenization
	}
	if len(p.Nested) > 0 {
		nested := make([]any, 0, len(p.Nested))
		for _, n := range p.Nested {
			nested = append(nested, toProperty(n))
		}
		m["nestedProperties"] = nested
	}
	return m
}

// FromClass reads a class as Weaviate returns it into the canonical model.
func FromClass(cl Class) collection.Collection {
	col := collection.Collection{
		Name:         str(cl["class"]),
		Description:  str(cl["description"]),
		Vectorizer:   str(cl["vectorizer"]),
		ModuleConfig: jsonMap(cl["moduleConfig"]),
	}
	if t := str(cl["vectorIndexType"]); t != "" {
		vi := fromIndexConfig(t, objOf(cl["vectorIndexConfig"]))
		col.VectorIndex = &vi
	}
	vcs := objOf(cl["vectorConfig"])
	for _, name := range slices.Sorted(maps.Keys(vcs)) {
		vc := objOf(vcs[name])
		nv := collection.NamedVector{Name: name}
		vz := objOf(vc["vectorizer"])
		for _, mod := range slices.Sorted(maps.Keys(vz)) {
			nv.Vectorizer = mod
			nv.VectorizerConfig = jsonMap(vz[mod])
		}
		nv.Index = fromIndexConfig(str(vc["vectorIndexType"]), objOf(vc["vectorIndexConfig"]))
		col.Vectors = append(col.Vectors, nv)
	}
	if len(col.Vectors) > 0 && str(cl["vectorIndexType"]) == "" {
		// Named vectors only: Weaviate may still report a vectorizer.
		col.Vectorizer, col.VectorIndex = "", nil
	}
	col.Properties = fromProperties(cl["properties"])

	ii := objOf(cl["invertedIndexConfig"])
	bm := objOf(ii["bm25"])
	sw := objOf(ii["stopwords"])
	col.InvertedIndex = collection.InvertedIndex{
		BM25B:                  fnum(bm["b"]),
		BM25K1:                 fnum(bm["k1"]),
		StopwordsPreset:        str(sw["preset"]),
		StopwordsAdditions:     strs(sw["additions"]),
		StopwordsRemovals:      strs(sw["removals"]),
		IndexTimestamps:        boolOr(ii["indexTimestamps"], false),
		IndexNullState:         boolOr(ii["indexNullState"], false),
		IndexPropertyLength:    boolOr(ii["indexPropertyLength"], false),
		CleanupIntervalSeconds: num(ii["cleanupIntervalSeconds"]),
	}
	mt := objOf(cl["multiTenancyConfig"])
	col.MultiTenancy = collection.MultiTenancy{
		Enabled:              boolOr(mt["enabled"], false),
		AutoTenantCreation:   boolOr(mt["autoTenantCreation"], false),
		AutoTenantActivation: boolOr(mt["autoTenantActivation"], false),
	}
	rc := objOf(cl["replicationConfig"])
	col.Replication = collection.Replication{
		Factor:           num(rc["factor"]),
		AsyncEnabled:     boolOr(rc["asyncEnabled"], false),
		DeletionStrategy: str(rc["deletionStrategy"]),
	}
	col.Sharding.DesiredCount = num(objOf(cl["shardingConfig"])["desiredCount"])
	collection.Normalize(&col)
	return col
}

func fromIndexConfig(typ string, m map[string]any) collection.VectorIndex {
	vi := collection.VectorIndex{
		Type:                   typ,
		Distance:               str(m["distance"]),
		EF:                     num(m["ef"]),
		EFConstruction:         num(m["efConstruction"]),
		MaxConnections:         num(m["maxConnections"]),
		DynamicEFMin:           num(m["dynamicEfMin"]),
		DynamicEFMax:           num(m["dynamicEfMax"]),
		DynamicEFFactor:        num(m["dynamicEfFactor"]),
		FlatSearchCutoff:       num(m["flatSearchCutoff"]),
		CleanupIntervalSeconds: num(m["cleanupIntervalSeconds"]),
		FilterStrategy:         str(m["filterStrategy"]),
		VectorCacheMaxObjects:  num(m["vectorCacheMaxObjects"]),
		Threshold:              num(m["threshold"]),
	}
	if mv := objOf(m["multivector"]); boolOr(mv["enabled"], false) {
		vi.MultiVector = &collection.MultiVector{Aggregation: str(mv["aggregation"])}
	}
	for _, qt := range collection.QuantizationTypes {
		qm := objOf(m[qt])
		if !boolOr(qm["enabled"], false) {
			continue
		}
		vi.Quantization = &collection.Quantization{
			Type:          qt,
			Segments:      num(qm["segments"]),
			Centroids:     num(qm["centroids"]),
			TrainingLimit: num(qm["trainingLimit"]),
			Bits:          num(qm["bits"]),
			RescoreLimit:  num(qm["rescoreLimit"]),
			Cache:         boolOr(qm["cache"], false),
		}
		break
	}
	return vi
}

func fromProperties(v any) []collection.Property {
	list, _ := v.([]any)
	var out []collection.Property
	for _, p := range list {
		pm := objOf(p)
		if pm == nil {
			continue
		}
		dataType := strings.Join(strs(pm["dataType"]), "|")
		out = append(out, collection.Property{
			Name:              str(pm["name"]),
			DataType:          dataType,
			Description:       str(pm["description"]),
			Tokenization:      str(pm["tokenization"]),
			IndexFilterable:   boolOr(pm["indexFilterable"], true),
			IndexSearchable:   boolOr(pm["indexSearchable"], collection.IsText(dataType)),
			IndexRangeFilters: boolOr(pm["indexRangeFilters"], false),
			Nested:            fromProperties(pm["nestedProperties"]),
		})
	}
	return out
}

// patchMutable writes col's mutable settings into cl, the class as Weaviate
// returned it, so settings colstate does not model go back unchanged.
func patchMutable(cl Class, col collection.Collection) {
	cl["description"] = col.Description
	if col.ModuleConfig != nil {
		mc := objOf(cl["moduleConfig"])
		if mc == nil {
			mc = map[string]any{}
		}
		for k, v := range col.ModuleConfig {
			mc[k] = mergeMap(objOf(mc[k]), objOf(v))
		}
		cl["moduleConfig"] = mc
	}
	if col.VectorIndex != nil {
		patchIndex(obj(cl, "vectorIndexConfig"), *col.VectorIndex)
	}
	vcs := objOf(cl["vectorConfig"])
	for _, v := range col.Vectors {
		if vc := objOf(vcs[v.Name]); vc != nil {
			patchIndex(obj(vc, "vectorIndexConfig"), v.Index)
		} else {
			if vcs == nil {
				vcs = map[string]any{}
				cl["vectorConfig"] = vcs
			}
			vcs[v.Name] = toVectorConfig(v) // adding a named vector
		}
	}
	ii := obj(cl, "invertedIndexConfig")
	want := toInverted(col.InvertedIndex)
	for _, k := range []string{"bm25", "stopwords", "cleanupIntervalSeconds"} {
		ii[k] = want[k]
	}
	mt := obj(cl, "multiTenancyConfig")
	mt["autoTenantCreation"] = col.MultiTenancy.AutoTenantCreation
	mt["autoTenantActivation"] = col.MultiTenancy.AutoTenantActivation
	rc := obj(cl, "replicationConfig")
	rc["factor"] = col.Replication.Factor
	rc["asyncEnabled"] = col.Replication.AsyncEnabled
	rc["deletionStrategy"] = col.Replication.DeletionStrategy
	patchDescriptions(cl["properties"], col.Properties)
}

// patchDescriptions writes the descriptions of want into the raw properties,
// nested ones included: Weaviate's class update ignores descriptions when it
// compares properties (parser.go propertyAsMap), at every level.
func patchDescriptions(raw any, want []collection.Property) {
	props, _ := raw.([]any)
	for _, p := range props {
		pm := objOf(p)
		for i := range want {
			if want[i].Name == str(pm["name"]) {
				pm["description"] = want[i].Description
				patchDescriptions(pm["nestedProperties"], want[i].Nested)
				break
			}
		}
	}
}

// patchIndex writes the mutable index settings.
func patchIndex(m map[string]any, vi collection.VectorIndex) {
	want := toIndexConfig(vi)
	for _, k := range []string{"ef", "dynamicEfMin", "dynamicEfMax", "dynamicEfFactor", "flatSearchCutoff", "vectorCacheMaxObjects", "filterStrategy"} {
		if v, ok := want[k]; ok {
			m[k] = v
		}
	}
	if q := vi.Quantization; q != nil {
		m[q.Type] = mergeMap(objOf(m[q.Type]), objOf(want[q.Type]))
	}
}

func mergeMap(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

func objOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// jsonMap returns a JSON object as a map with JSON-normalised values (numbers
// as float64), so maps from HCL and from Weaviate compare equal.
func jsonMap(v any) map[string]any {
	m := objOf(v)
	if len(m) == 0 {
		return nil
	}
	return collection.NormalizeJSON(m)
}

func strs(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, s := range list {
		out = append(out, str(s))
	}
	return out
}

func fnum(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case json.Number:
		f, _ := n.Float64()
		return f
	}
	return 0
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case json.Number:
		i, _ := n.Int64()
		return i
	case int64:
		return n
	case int:
		return int64(n)
	}
	return 0
}

func boolOr(v any, def bool) bool {
	if b, ok := v.(bool); ok {
		return b
	}
	return def
}

// obj returns m[key] as an object, creating it when absent.
func obj(m map[string]any, key string) map[string]any {
	if o, ok := m[key].(map[string]any); ok {
		return o
	}
	o := map[string]any{}
	m[key] = o
	return o
}
