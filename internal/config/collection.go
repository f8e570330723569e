package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/colstate/colstate/internal/collection"
)

var collectionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "description"}, {Name: "vectorizer"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "vector_index", LabelNames: []string{"type"}},
		{Type: "property", LabelNames: []string{"name"}},
		{Type: "multi_tenancy"},
		{Type: "replication"},
	},
}

func decodeCollection(b *hcl.Block) (collection.Collection, hcl.Diagnostics) {
	col := collection.Collection{Name: b.Labels[0]}
	var diags hcl.Diagnostics
	if !collection.ValidName(col.Name) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid collection name",
			Detail:   fmt.Sprintf("%q must start with an upper-case letter and hold only letters, digits and _ (Weaviate capitalises names; write the name as Weaviate will store it).", col.Name),
			Subject:  b.LabelRanges[0].Ptr(),
		})
	}
	content, d := b.Body.Content(collectionSchema)
	diags = append(diags, d...)
	diags = append(diags, decodeAttr(content.Attributes["description"], &col.Description)...)
	diags = append(diags, decodeAttr(content.Attributes["vectorizer"], &col.Vectorizer)...)

	blocks := map[string]*hcl.Block{}
	props := map[string]hcl.Range{}
	for _, blk := range content.Blocks {
		if blk.Type != "property" {
			if prev, ok := blocks[blk.Type]; ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("Duplicate %s block", blk.Type),
					Detail:   fmt.Sprintf("Collection %s already has a %s block at %s.", col.Name, blk.Type, pos(prev.DefRange)),
					Subject:  blk.DefRange.Ptr(),
				})
				continue
			}
			blocks[blk.Type] = blk
		}
		switch blk.Type {
		case "vector_index":
			diags = append(diags, decodeVectorIndex(blk, &col.VectorIndex)...)
		case "property":
			name := blk.Labels[0]
			if prev, ok := props[name]; ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate property",
					Detail:   fmt.Sprintf("Property %q was already declared at %s.", name, pos(prev)),
					Subject:  blk.LabelRanges[0].Ptr(),
				})
				continue
			}
			props[name] = blk.DefRange
			p, d := decodeProperty(blk)
			diags = append(diags, d...)
			col.Properties = append(col.Properties, p)
		case "multi_tenancy":
			c, d := blk.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "enabled"}}})
			diags = append(diags, d...)
			diags = append(diags, decodeAttr(c.Attributes["enabled"], &col.MultiTenancy.Enabled)...)
		case "replication":
			c, d := blk.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "factor"}}})
			diags = append(diags, d...)
			diags = append(diags, decodeAttr(c.Attributes["factor"], &col.Replication.Factor)...)
			if a := c.Attributes["factor"]; a != nil && col.Replication.Factor < 1 {
				diags = append(diags, attrError(a, "Invalid replication factor", "replication.factor must be at least 1."))
			}
		}
	}
	collection.Normalize(&col)
	return col, diags
}

func decodeVectorIndex(blk *hcl.Block, vi *collection.VectorIndex) hcl.Diagnostics {
	var diags hcl.Diagnostics
	vi.Type = blk.Labels[0]
	if err := collection.OneOf("vector index type", vi.Type, collection.VectorIndexTypes); err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid vector index type", Detail: err.Error() + ".", Subject: blk.LabelRanges[0].Ptr()})
	}
	c, d := blk.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "distance"}, {Name: "ef"}, {Name: "ef_construction"}, {Name: "max_connections"},
	}})
	diags = append(diags, d...)
	if a := c.Attributes["distance"]; a != nil {
		diags = append(diags, decodeAttr(a, &vi.Distance)...)
		if err := collection.OneOf("distance", vi.Distance, collection.Distances); err != nil && !diags.HasErrors() {
			diags = append(diags, attrError(a, "Invalid distance", err.Error()+"."))
		}
	}
	for _, f := range []struct {
		name string
		dst  *int64
		min  int64
	}{{"ef", &vi.EF, -1}, {"ef_construction", &vi.EFConstruction, 4}, {"max_connections", &vi.MaxConnections, 4}} {
		a := c.Attributes[f.name]
		if a == nil {
			continue
		}
		if vi.Type == "flat" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
				Detail: fmt.Sprintf("%s applies to an hnsw index; a flat index has no graph to tune.", f.name), Subject: a.NameRange.Ptr()})
			continue
		}
		d := decodeAttr(a, f.dst)
		diags = append(diags, d...)
		if !d.HasErrors() && *f.dst < f.min {
			diags = append(diags, attrError(a, "Value out of range", fmt.Sprintf("%s must be at least %d.", f.name, f.min)))
		}
	}
	return diags
}

func decodeProperty(blk *hcl.Block) (collection.Property, hcl.Diagnostics) {
	name := blk.Labels[0]
	var diags hcl.Diagnostics
	if !collection.ValidPropertyName(name) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid property name",
			Detail: fmt.Sprintf("%q must start with a letter or _ and hold only letters, digits and _.", name), Subject: blk.LabelRanges[0].Ptr()})
	}
	c, d := blk.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "data_type", Required: true}, {Name: "description"}, {Name: "tokenization"},
		{Name: "index_filterable"}, {Name: "index_searchable"},
	}})
	diags = append(diags, d...)
	var dataType string
	if a := c.Attributes["data_type"]; a != nil {
		d := decodeAttr(a, &dataType)
		diags = append(diags, d...)
		if !d.HasErrors() && !collection.IsPrimitive(dataType) && !collection.ValidName(dataType) {
			diags = append(diags, attrError(a, "Invalid data type",
				fmt.Sprintf("%q is neither a data type (%s) nor a collection name for a cross-reference.", dataType, strings.Join(collection.PrimitiveTypes, ", "))))
		}
	}
	p := collection.NewProperty(name, dataType)
	diags = append(diags, decodeAttr(c.Attributes["description"], &p.Description)...)
	diags = append(diags, decodeAttr(c.Attributes["index_filterable"], &p.IndexFilterable)...)
	if a := c.Attributes["tokenization"]; a != nil {
		d := decodeAttr(a, &p.Tokenization)
		diags = append(diags, d...)
		switch {
		case d.HasErrors():
		case !collection.IsText(dataType):
			diags = append(diags, attrError(a, "Tokenization needs text", fmt.Sprintf("Property %s is %s; only text and text[] properties are tokenized.", name, dataType)))
		default:
			if err := collection.OneOf("tokenization", p.Tokenization, collection.Tokenizations); err != nil {
				diags = append(diags, attrError(a, "Invalid tokenization", err.Error()+"."))
			}
		}
	}
	if a := c.Attributes["index_searchable"]; a != nil {
		d := decodeAttr(a, &p.IndexSearchable)
		diags = append(diags, d...)
		if !d.HasErrors() && p.IndexSearchable && !collection.IsText(dataType) {
			diags = append(diags, attrError(a, "Searchable index needs text", fmt.Sprintf("Property %s is %s; index_searchable applies to text and text[] only.", name, dataType)))
		}
	}
	return p, diags
}
