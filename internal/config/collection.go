package config

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/colstate/colstate/internal/collection"
)

// field is one attribute of a block: where its value goes and what else it
// must satisfy.
type field struct {
	name   string
	target any                                    // *string, *int64, *float64, *bool, *[]string, *map[string]any
	check  func(a *hcl.Attribute) *hcl.Diagnostic // optional, runs after a successful decode
}

// decodeBlock decodes the attributes in fields and returns the nested blocks
// of the given types for the caller.
func decodeBlock(body hcl.Body, fields []field, blocks ...hcl.BlockHeaderSchema) (hcl.Blocks, hcl.Diagnostics) {
	schema := &hcl.BodySchema{Blocks: blocks}
	for _, f := range fields {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: f.name})
	}
	content, diags := body.Content(schema)
	for _, f := range fields {
		a := content.Attributes[f.name]
		if a == nil {
			continue
		}
		var d hcl.Diagnostics
		if m, ok := f.target.(*map[string]any); ok {
			*m, d = decodeObject(a)
		} else {
			d = decodeAttr(a, f.target)
		}
		diags = append(diags, d...)
		if !d.HasErrors() && f.check != nil {
			if cd := f.check(a); cd != nil {
				diags = append(diags, cd)
			}
		}
	}
	return content.Blocks, diags
}

// decodeObject decodes an HCL object (module or vectorizer settings) into a
// JSON-shaped map.
func decodeObject(a *hcl.Attribute) (map[string]any, hcl.Diagnostics) {
	v, diags := a.Expr.Value(evalContext)
	if diags.HasErrors() {
		return nil, diags
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		return nil, hcl.Diagnostics{attrError(a, "Object required", fmt.Sprintf("%s must be an object, e.g. { model = \"...\" }.", a.Name))}
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return nil, hcl.Diagnostics{attrError(a, "Invalid object", err.Error())}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, hcl.Diagnostics{attrError(a, "Invalid object", err.Error())}
	}
	return m, nil
}

func oneOf(what string, v *string, allowed []string) func(*hcl.Attribute) *hcl.Diagnostic {
	return func(a *hcl.Attribute) *hcl.Diagnostic {
		if err := collection.OneOf(what, *v, allowed); err != nil {
			return attrError(a, "Invalid "+what, err.Error()+".")
		}
		return nil
	}
}

func atLeast(v *int64, min int64) func(*hcl.Attribute) *hcl.Diagnostic {
	return func(a *hcl.Attribute) *hcl.Diagnostic {
		if *v < min {
			return attrError(a, "Value out of range", fmt.Sprintf("%s must be at least %d.", a.Name, min))
		}
		return nil
	}
}

// Lifecycle holds a collection's lifecycle block.
type Lifecycle struct {
	PreventDestroy bool
	IgnoreChanges  []string // attribute paths, e.g. "description", "vector_index.ef"
	// BackupBeforeDestroy takes a snapshot before a replace, delete, clear or
	// exact-mode deletes (default true).
	BackupBeforeDestroy bool
	// CreateBeforeDestroy makes a replace blue/green: a new backing
	// collection is filled live and the collection's name, an alias, is
	// retargeted to it (internal/apply/bluegreen.go).
	CreateBeforeDestroy bool
	// KeepPrevious (0 or 1) keeps the collection a blue/green replace
	// retargets away from, for colstate rollback.
	KeepPrevious int

	ignoreRanges []hcl.Range // where each IgnoreChanges entry is written
}

func decodeCollection(b *hcl.Block) (Declared, hcl.Diagnostics) {
	col := collection.Collection{Name: b.Labels[0]}
	var diags hcl.Diagnostics
	if d := checkCollectionName(col.Name, b.LabelRanges[0]); d != nil {
		diags = append(diags, d)
	}
	blocks, d := decodeBlock(b.Body, []field{
		{name: "description", target: &col.Description},
		{name: "vectorizer", target: &col.Vectorizer},
		{name: "module_config", target: &col.ModuleConfig},
	},
		hcl.BlockHeaderSchema{Type: "vector_index", LabelNames: []string{"type"}},
		hcl.BlockHeaderSchema{Type: "vector", LabelNames: []string{"name"}},
		hcl.BlockHeaderSchema{Type: "property", LabelNames: []string{"name"}},
		hcl.BlockHeaderSchema{Type: "inverted_index"},
		hcl.BlockHeaderSchema{Type: "multi_tenancy"},
		hcl.BlockHeaderSchema{Type: "replication"},
		hcl.BlockHeaderSchema{Type: "sharding"},
		hcl.BlockHeaderSchema{Type: "lifecycle"},
		hcl.BlockHeaderSchema{Type: "content"},
	)
	diags = append(diags, d...)
	decl := Declared{Range: b.DefRange, Lifecycle: Lifecycle{BackupBeforeDestroy: true}}

	singles := map[string]*hcl.Block{}
	vectors := map[string]hcl.Range{}
	var legacy, named *hcl.Block
	for _, blk := range blocks {
		switch blk.Type {
		case "property", "vector":
		default:
			if prev, ok := singles[blk.Type]; ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("Duplicate %s block", blk.Type),
					Detail:   fmt.Sprintf("Collection %s already has a %s block at %s.", col.Name, blk.Type, pos(prev.DefRange)),
					Subject:  blk.DefRange.Ptr(),
				})
				continue
			}
			singles[blk.Type] = blk
		}
		switch blk.Type {
		case "vector_index":
			legacy = blk
			vi := collection.VectorIndex{}
			diags = append(diags, decodeVectorIndex(blk, &vi)...)
			if vi.MultiVector != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Multi-vector class-level index",
					Detail: "Weaviate keeps multi-vectors only in named vectors: move the index into a vector block.", Subject: blk.DefRange.Ptr()})
			}
			col.VectorIndex = &vi
		case "vector":
			named = blk
			name := blk.Labels[0]
			if prev, ok := vectors[name]; ok {
				diags = append(diags, duplicate("named vector", name, prev, blk.LabelRanges[0]))
				continue
			}
			vectors[name] = blk.DefRange
			v, fromDefault, d := decodeNamedVector(blk)
			diags = append(diags, d...)
			col.Vectors = append(col.Vectors, v)
			if fromDefault {
				if decl.VectorFrom == nil {
					decl.VectorFrom = map[string]string{}
				}
				decl.VectorFrom[name] = ""
			}
		case "property":
			if attrs, _ := blk.Body.JustAttributes(); attrs["data_type"] != nil {
				if decl.dataTypes == nil {
					decl.dataTypes = map[string]hcl.Range{}
				}
				decl.dataTypes[blk.Labels[0]] = attrs["data_type"].Expr.Range()
			}
		case "inverted_index":
			diags = append(diags, decodeInverted(blk, &col.InvertedIndex)...)
		case "multi_tenancy":
			mt := &col.MultiTenancy
			_, d := decodeBlock(blk.Body, []field{
				{name: "enabled", target: &mt.Enabled},
				{name: "auto_tenant_creation", target: &mt.AutoTenantCreation},
				{name: "auto_tenant_activation", target: &mt.AutoTenantActivation},
			})
			diags = append(diags, d...)
		case "replication":
			r := &col.Replication
			_, d := decodeBlock(blk.Body, []field{
				{name: "factor", target: &r.Factor, check: atLeast(&r.Factor, 1)},
				{name: "async_enabled", target: &r.AsyncEnabled},
				{name: "deletion_strategy", target: &r.DeletionStrategy, check: oneOf("deletion strategy", &r.DeletionStrategy, collection.DeletionStrategies)},
			})
			diags = append(diags, d...)
		case "sharding":
			s := &col.Sharding
			_, d := decodeBlock(blk.Body, []field{{name: "desired_count", target: &s.DesiredCount, check: atLeast(&s.DesiredCount, 1)}})
			diags = append(diags, d...)
		case "lifecycle":
			diags = append(diags, decodeLifecycle(blk, &decl.Lifecycle)...)
		case "content":
			c, d := decodeContent(blk)
			diags = append(diags, d...)
			decl.Content = c
		}
	}
	props, d := decodeProperties(blocks, false)
	diags = append(diags, d...)
	col.Properties = props
	// A vector_index block next to vector blocks declares both a class-level
	// vector and named ones: Weaviate keeps both when named vectors are
	// added to a collection that has a class-level vector.
	if named != nil && legacy == nil && col.Vectorizer != "" {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "vectorizer with named vectors",
			Detail:   fmt.Sprintf("Collection %s has named vectors; set the vectorizer inside each vector block instead.", col.Name),
			Subject:  named.DefRange.Ptr(),
		})
	}
	collection.Normalize(&col)
	diags = append(diags, checkIgnoreChanges(col, decl.Lifecycle)...)
	decl.Collection = col
	return decl, diags
}

func duplicate(what, name string, prev, at hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Duplicate " + what,
		Detail:   fmt.Sprintf("%s %q was already declared at %s.", capitalize(what), name, pos(prev)),
		Subject:  at.Ptr(),
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var indexBlock = hcl.BlockHeaderSchema{Type: "quantization", LabelNames: []string{"type"}}

func decodeVectorIndex(blk *hcl.Block, vi *collection.VectorIndex) hcl.Diagnostics {
	var diags hcl.Diagnostics
	vi.Type = blk.Labels[0]
	if err := collection.OneOf("vector index type", vi.Type, collection.VectorIndexTypes); err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid vector index type", Detail: err.Error() + ".", Subject: blk.LabelRanges[0].Ptr()})
	}
	hnswOnly := func(a *hcl.Attribute) *hcl.Diagnostic {
		if vi.Type != "hnsw" {
			return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
				Detail: fmt.Sprintf("%s applies to an hnsw index, not %s.", a.Name, vi.Type), Subject: a.NameRange.Ptr()}
		}
		return nil
	}
	hnswMin := func(v *int64, min int64) func(*hcl.Attribute) *hcl.Diagnostic {
		return func(a *hcl.Attribute) *hcl.Diagnostic {
			if d := hnswOnly(a); d != nil {
				return d
			}
			return atLeast(v, min)(a)
		}
	}
	var multi string
	blocks, d := decodeBlock(blk.Body, []field{
		{name: "distance", target: &vi.Distance, check: oneOf("distance", &vi.Distance, collection.Distances)},
		{name: "multivector", target: &multi, check: oneOf("multivector aggregation", &multi, append([]string{"none"}, collection.Aggregations...))},
		{name: "ef", target: &vi.EF, check: hnswMin(&vi.EF, -1)},
		{name: "ef_construction", target: &vi.EFConstruction, check: hnswMin(&vi.EFConstruction, 4)},
		{name: "max_connections", target: &vi.MaxConnections, check: hnswMin(&vi.MaxConnections, 4)},
		{name: "dynamic_ef_min", target: &vi.DynamicEFMin, check: hnswMin(&vi.DynamicEFMin, 1)},
		{name: "dynamic_ef_max", target: &vi.DynamicEFMax, check: hnswMin(&vi.DynamicEFMax, 1)},
		{name: "dynamic_ef_factor", target: &vi.DynamicEFFactor, check: hnswMin(&vi.DynamicEFFactor, 1)},
		{name: "flat_search_cutoff", target: &vi.FlatSearchCutoff, check: hnswMin(&vi.FlatSearchCutoff, 1)},
		{name: "cleanup_interval_seconds", target: &vi.CleanupIntervalSeconds, check: hnswMin(&vi.CleanupIntervalSeconds, 1)},
		{name: "filter_strategy", target: &vi.FilterStrategy, check: func(a *hcl.Attribute) *hcl.Diagnostic {
			if d := hnswOnly(a); d != nil {
				return d
			}
			return oneOf("filter strategy", &vi.FilterStrategy, collection.FilterStrategies)(a)
		}},
		{name: "vector_cache_max_objects", target: &vi.VectorCacheMaxObjects, check: atLeast(&vi.VectorCacheMaxObjects, 1)},
		{name: "threshold", target: &vi.Threshold, check: func(a *hcl.Attribute) *hcl.Diagnostic {
			if vi.Type != "dynamic" {
				return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument", Detail: "threshold applies to a dynamic index.", Subject: a.NameRange.Ptr()}
			}
			return atLeast(&vi.Threshold, 1)(a)
		}},
	}, indexBlock)
	diags = append(diags, d...)
	if multi != "" && multi != "none" {
		vi.MultiVector = &collection.MultiVector{Aggregation: multi}
	}
	for i, qb := range blocks {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate quantization block",
				Detail: "A vector index uses at most one quantization.", Subject: qb.DefRange.Ptr()})
			continue
		}
		q := &collection.Quantization{Type: qb.Labels[0]}
		if err := collection.OneOf("quantization", q.Type, collection.QuantizationTypes); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid quantization", Detail: err.Error() + ".", Subject: qb.LabelRanges[0].Ptr()})
		}
		only := func(types ...string) func(*hcl.Attribute) *hcl.Diagnostic {
			return func(a *hcl.Attribute) *hcl.Diagnostic {
				for _, t := range types {
					if q.Type == t {
						return nil
					}
				}
				return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
					Detail: fmt.Sprintf("%s applies to %s quantization, not %s.", a.Name, strings.Join(types, "/"), q.Type), Subject: a.NameRange.Ptr()}
			}
		}
		_, d := decodeBlock(qb.Body, []field{
			{name: "segments", target: &q.Segments, check: only("pq")},
			{name: "centroids", target: &q.Centroids, check: only("pq")},
			{name: "training_limit", target: &q.TrainingLimit, check: only("pq", "sq")},
			{name: "bits", target: &q.Bits, check: only("rq")},
			{name: "rescore_limit", target: &q.RescoreLimit, check: only("sq", "rq", "bq")},
			{name: "cache", target: &q.Cache},
		})
		diags = append(diags, d...)
		if vi.Type == "dynamic" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported quantization",
				Detail: "colstate does not yet manage quantization of a dynamic index.", Subject: qb.DefRange.Ptr()})
		}
		vi.Quantization = q
	}
	return diags
}

// decodeNamedVector decodes a vector block; fromDefault is its
// from_default, which is not a Weaviate setting but tells a replace to fill
// this vector from the class-level one.
func decodeNamedVector(blk *hcl.Block) (v collection.NamedVector, fromDefault bool, diags hcl.Diagnostics) {
	v = collection.NamedVector{Name: blk.Labels[0]}
	if !collection.ValidVectorName(v.Name) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid vector name",
			Detail: fmt.Sprintf("%q must start with a letter or _, hold only letters, digits and _, and be at most 230 characters long (Weaviate's rule for named vectors).", v.Name), Subject: blk.LabelRanges[0].Ptr()})
	}
	blocks, d := decodeBlock(blk.Body, []field{
		{name: "vectorizer", target: &v.Vectorizer},
		{name: "vectorizer_config", target: &v.VectorizerConfig},
		{name: "from_default", target: &fromDefault},
	}, hcl.BlockHeaderSchema{Type: "index", LabelNames: []string{"type"}})
	diags = append(diags, d...)
	for i, ib := range blocks {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate index block",
				Detail: fmt.Sprintf("Vector %s already has an index block at %s.", v.Name, pos(blocks[0].DefRange)), Subject: ib.DefRange.Ptr()})
			continue
		}
		diags = append(diags, decodeVectorIndex(ib, &v.Index)...)
	}
	return v, fromDefault, diags
}

func decodeInverted(blk *hcl.Block, ii *collection.InvertedIndex) hcl.Diagnostics {
	_, diags := decodeBlock(blk.Body, []field{
		{name: "bm25_b", target: &ii.BM25B},
		{name: "bm25_k1", target: &ii.BM25K1},
		{name: "stopwords_preset", target: &ii.StopwordsPreset, check: oneOf("stopwords preset", &ii.StopwordsPreset, collection.StopwordsPresets)},
		{name: "stopwords_additions", target: &ii.StopwordsAdditions},
		{name: "stopwords_removals", target: &ii.StopwordsRemovals},
		{name: "index_timestamps", target: &ii.IndexTimestamps},
		{name: "index_null_state", target: &ii.IndexNullState},
		{name: "index_property_length", target: &ii.IndexPropertyLength},
		{name: "cleanup_interval_seconds", target: &ii.CleanupIntervalSeconds, check: atLeast(&ii.CleanupIntervalSeconds, 1)},
	})
	// bm25 defaults apply as a pair in Normalize; fill the other half here.
	if ii.BM25B == 0 && ii.BM25K1 != 0 {
		ii.BM25B = 0.75
	}
	if ii.BM25K1 == 0 && ii.BM25B != 0 {
		ii.BM25K1 = 1.2
	}
	return diags
}

func decodeLifecycle(blk *hcl.Block, lc *Lifecycle) hcl.Diagnostics {
	content, diags := blk.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "prevent_destroy"}, {Name: "ignore_changes"}, {Name: "backup_before_destroy"}, {Name: "create_before_destroy"}, {Name: "keep_previous"}}})
	diags = append(diags, decodeAttr(content.Attributes["prevent_destroy"], &lc.PreventDestroy)...)
	diags = append(diags, decodeAttr(content.Attributes["backup_before_destroy"], &lc.BackupBeforeDestroy)...)
	diags = append(diags, decodeAttr(content.Attributes["create_before_destroy"], &lc.CreateBeforeDestroy)...)
	if a := content.Attributes["keep_previous"]; a != nil {
		diags = append(diags, decodeAttr(a, &lc.KeepPrevious)...)
		if !diags.HasErrors() && (lc.KeepPrevious < 0 || lc.KeepPrevious > 1) {
			diags = append(diags, attrError(a, "Invalid keep_previous", "keep_previous is 0 (delete the previous collection after a blue/green replace) or 1 (keep it for colstate rollback)."))
		}
		if !diags.HasErrors() && lc.KeepPrevious > 0 && !lc.CreateBeforeDestroy {
			diags = append(diags, attrError(a, "keep_previous needs create_before_destroy", "Only a blue/green replace (create_before_destroy = true) has a previous collection to keep."))
		}
	}
	a := content.Attributes["ignore_changes"]
	if a == nil {
		return diags
	}
	exprs, d := hcl.ExprList(a.Expr)
	if d.HasErrors() {
		return append(diags, d...)
	}
	for _, e := range exprs {
		// Terraform-style bare paths (description, vector_index.ef) or strings.
		if trav, td := hcl.RelTraversalForExpr(e); !td.HasErrors() {
			lc.IgnoreChanges = append(lc.IgnoreChanges, traversalPath(trav))
			lc.ignoreRanges = append(lc.ignoreRanges, e.Range())
			continue
		}
		v, vd := e.Value(evalContext)
		if vd.HasErrors() || v.Type() != cty.String || v.IsNull() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid ignore_changes entry",
				Detail: "Each entry is an attribute path such as description or vector_index.ef.", Subject: e.Range().Ptr()})
			continue
		}
		lc.IgnoreChanges = append(lc.IgnoreChanges, v.AsString())
		lc.ignoreRanges = append(lc.ignoreRanges, e.Range())
	}
	return diags
}

// checkIgnoreChanges refuses ignore_changes paths that name no setting of
// the declared collection: a typo would otherwise be accepted silently and
// hand edits reverted.
func checkIgnoreChanges(col collection.Collection, lc Lifecycle) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i, p := range lc.IgnoreChanges {
		if err := collection.CheckIgnorePath(col, p); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown ignore_changes path",
				Detail: err.Error() + ".", Subject: lc.ignoreRanges[i].Ptr()})
		}
	}
	return diags
}

func traversalPath(t hcl.Traversal) string {
	var parts []string
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, s.Name)
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type().FriendlyName() == "string" {
				parts = append(parts, s.Key.AsString())
			}
		}
	}
	return strings.Join(parts, ".")
}

var propertyBlock = hcl.BlockHeaderSchema{Type: "property", LabelNames: []string{"name"}}

// decodeProperties decodes the property blocks among blocks (collection
// level, or nested inside an object property).
func decodeProperties(blocks hcl.Blocks, nested bool) ([]collection.Property, hcl.Diagnostics) {
	var out []collection.Property
	var diags hcl.Diagnostics
	seen := map[string]hcl.Range{}
	folded := map[string]string{} // lower-cased name → name as written
	for _, blk := range blocks {
		if blk.Type != "property" {
			continue
		}
		name := blk.Labels[0]
		if prev, ok := seen[name]; ok {
			diags = append(diags, duplicate("property", name, prev, blk.LabelRanges[0]))
			continue
		}
		// Weaviate refuses two top-level properties whose names differ
		// only in case ("already in use or provided multiple times").
		if other, ok := folded[strings.ToLower(name)]; ok && !nested {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate property",
				Detail:  fmt.Sprintf("Property %q differs from %q, declared at %s, only in case; Weaviate compares property names without case and refuses the second. Rename one of them.", name, other, pos(seen[other])),
				Subject: blk.LabelRanges[0].Ptr()})
			continue
		}
		seen[name] = blk.DefRange
		folded[strings.ToLower(name)] = name
		p, d := decodeProperty(blk, nested)
		diags = append(diags, d...)
		out = append(out, p)
	}
	return out, diags
}

// checkCollectionName applies Weaviate's rules for a collection name and
// names the stored form when Weaviate would change it.
func checkCollectionName(name string, at hcl.Range) *hcl.Diagnostic {
	stored := collection.StoredName(name)
	switch {
	case slices.Contains(collection.ReservedCollectionNames, strings.ToLower(name)):
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reserved collection name",
			Detail: fmt.Sprintf("Weaviate reserves the collection name %q (in any case) for its own use and refuses it. Choose another name.", name), Subject: at.Ptr()}
	case collection.ValidName(name):
		return nil
	case stored != name && collection.ValidName(stored):
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Collection name changed by Weaviate",
			Detail:  fmt.Sprintf("Weaviate upper-cases the first letter of a collection name and would store %q as %q, so every plan would see a different collection. Write collection %q.", name, stored, stored),
			Subject: at.Ptr()}
	case len(name) > 255:
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid collection name",
			Detail: fmt.Sprintf("%q is %d characters long; Weaviate allows at most 255.", name, len(name)), Subject: at.Ptr()}
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid collection name",
		Detail: fmt.Sprintf("%q must start with an upper-case letter and hold only letters, digits and _ (Weaviate's rule /[A-Z][_0-9A-Za-z]*/).", name), Subject: at.Ptr()}
}

// checkPropertyName applies Weaviate's rules for a property name: the
// pattern and length, the reserved names, and the lower-cased first letter
// of top-level names, naming the stored form when Weaviate would change it.
func checkPropertyName(name string, nested bool, at hcl.Range) *hcl.Diagnostic {
	if nested {
		if collection.ValidNestedPropertyName(name) {
			return nil
		}
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid property name",
			Detail: fmt.Sprintf("%q must start with a letter or _ and hold only letters, digits and _ (Weaviate's rule for nested properties).", name), Subject: at.Ptr()}
	}
	if !collection.ValidPropertyName(name) {
		if len(name) > 231 {
			return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid property name",
				Detail: fmt.Sprintf("%q is %d characters long; Weaviate allows at most 231.", name, len(name)), Subject: at.Ptr()}
		}
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid property name",
			Detail: fmt.Sprintf("%q must start with a letter or _ and hold only letters, digits and _.", name), Subject: at.Ptr()}
	}
	stored := collection.StoredPropertyName(name)
	if slices.Contains(collection.ReservedPropertyNames, stored) {
		as := ""
		if stored != name {
			as = fmt.Sprintf(" (Weaviate would store %q as %q)", name, stored)
		}
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reserved property name",
			Detail: fmt.Sprintf("Weaviate reserves the property names %s for its own use and refuses %q%s. Choose another name.", strings.Join(collection.ReservedPropertyNames, ", "), stored, as), Subject: at.Ptr()}
	}
	if stored != name {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Property name changed by Weaviate",
			Detail:  fmt.Sprintf("Weaviate lower-cases the first letter of a property name and would store %q as %q, so every plan would propose a replace. Write property %q.", name, stored, stored),
			Subject: at.Ptr()}
	}
	return nil
}

func decodeProperty(blk *hcl.Block, nested bool) (collection.Property, hcl.Diagnostics) {
	name := blk.Labels[0]
	var diags hcl.Diagnostics
	if d := checkPropertyName(name, nested, blk.LabelRanges[0]); d != nil {
		diags = append(diags, d)
	}
	// data_type first: the defaults and checks of the rest depend on it.
	head, _ := blk.Body.JustAttributes()
	var dataType string
	a := head["data_type"]
	if a == nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing required argument",
			Detail: fmt.Sprintf("Property %s needs a data_type, e.g. data_type = \"text\".", name), Subject: blk.DefRange.Ptr()})
	} else if d := decodeAttr(a, &dataType); d.HasErrors() {
		diags = append(diags, d...)
	} else if !collection.IsPrimitive(dataType) && !validReference(dataType) {
		hint := ""
		if stored := storedReference(dataType); validReference(stored) {
			hint = fmt.Sprintf(" If it names collections, write %q: Weaviate upper-cases the first letter of collection names.", stored)
		}
		diags = append(diags, attrError(a, "Invalid data type",
			fmt.Sprintf("%q is neither a data type (%s) nor a collection name for a cross-reference (several targets: \"A|B\").%s", dataType, strings.Join(collection.PrimitiveTypes, ", "), hint)))
	}
	p := collection.NewProperty(name, dataType)
	textOnly := func(a *hcl.Attribute) *hcl.Diagnostic {
		if !collection.IsText(dataType) {
			return attrError(a, "Needs a text property", fmt.Sprintf("Property %s is %s; %s applies to text and text[] only.", name, dataType, a.Name))
		}
		return nil
	}
	blocks, d := decodeBlock(blk.Body, []field{
		{name: "data_type", target: new(string)},
		{name: "description", target: &p.Description},
		{name: "tokenization", target: &p.Tokenization, check: func(a *hcl.Attribute) *hcl.Diagnostic {
			if d := textOnly(a); d != nil {
				return d
			}
			return oneOf("tokenization", &p.Tokenization, collection.Tokenizations)(a)
		}},
		{name: "index_filterable", target: &p.IndexFilterable},
		{name: "index_searchable", target: &p.IndexSearchable, check: func(a *hcl.Attribute) *hcl.Diagnostic {
			if p.IndexSearchable {
				return textOnly(a)
			}
			return nil
		}},
		{name: "index_range_filters", target: &p.IndexRangeFilters, check: func(a *hcl.Attribute) *hcl.Diagnostic {
			if p.IndexRangeFilters && !collection.RangeFilterable(dataType) {
				return attrError(a, "Range index needs int, number or date", fmt.Sprintf("Property %s is %s.", name, dataType))
			}
			return nil
		}},
	}, propertyBlock)
	diags = append(diags, d...)
	if a != nil {
		// data_type was decoded above; drop the duplicate diagnostics.
		diags = dedupe(diags)
	}
	inner, d := decodeProperties(blocks, true)
	diags = append(diags, d...)
	switch {
	case collection.IsObject(dataType) && len(inner) == 0 && a != nil:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Object property without nested properties",
			Detail: fmt.Sprintf("Property %s is %s; declare its fields with nested property blocks.", name, dataType), Subject: blk.DefRange.Ptr()})
	case !collection.IsObject(dataType) && len(inner) > 0:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Nested properties need an object type",
			Detail: fmt.Sprintf("Property %s is %s; only object and object[] properties have nested properties.", name, dataType), Subject: blocks[0].DefRange.Ptr()})
	}
	p.Nested = inner
	return p, diags
}

// storedReference is a cross-reference data type as Weaviate stores it:
// every target collection's first letter upper-cased.
func storedReference(dataType string) string {
	parts := strings.Split(dataType, "|")
	for i, t := range parts {
		parts[i] = collection.StoredName(t)
	}
	return strings.Join(parts, "|")
}

func validReference(dataType string) bool {
	for _, t := range strings.Split(dataType, "|") {
		if !collection.ValidName(t) {
			return false
		}
	}
	return true
}

// dedupe drops diagnostics identical to an earlier one.
func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	seen := map[string]bool{}
	for _, d := range diags {
		key := d.Summary + d.Detail
		if d.Subject != nil {
			key += d.Subject.String()
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, d)
		}
	}
	return out
}
