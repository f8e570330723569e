package config

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/colstate/colstate/internal/collection"
)

// Generate writes HCL declaring the collections, giving only the settings
// that differ from Weaviate's defaults, so that the result plans as "No
// changes" against the collections it was generated from (colstate import).
func Generate(cols []collection.Collection) ([]byte, error) {
	return GenerateBlueGreen(cols, nil)
}

// GenerateBlueGreen is Generate, declaring the collections named in
// blueGreen with lifecycle { create_before_destroy = true }: import adopts
// a blue/green name (an alias over NAME_vN) that way.
func GenerateBlueGreen(cols []collection.Collection, blueGreen map[string]bool) ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	root := f.Body()
	for i, c := range cols {
		if i > 0 {
			root.AppendNewline()
		}
		body := root.AppendNewBlock("collection", []string{c.Name}).Body()
		if err := generateCollection(body, c); err != nil {
			return nil, fmt.Errorf("collection %s: %w", c.Name, err)
		}
		if blueGreen[c.Name] {
			body.AppendNewBlock("lifecycle", nil).Body().SetAttributeValue("create_before_destroy", cty.True)
		}
	}
	return hclwrite.Format(f.Bytes()), nil
}

func generateCollection(body *hclwrite.Body, c collection.Collection) error {
	blocks := map[string]*hclwrite.Body{"": body}
	// block returns the body for a dotted block path, creating it (and its
	// parents) on first use; typed blocks take their label from the leaf
	// that names the type, which Attributes lists first.
	var block func(path, label string) *hclwrite.Body
	block = func(path, label string) *hclwrite.Body {
		if b, ok := blocks[path]; ok {
			return b
		}
		parentPath, name := "", path
		if i := strings.LastIndex(path, "."); i >= 0 {
			parentPath, name = path[:i], path[i+1:]
		}
		namedVector := strings.HasPrefix(path, "vector.") && strings.Count(path, ".") == 1
		if namedVector {
			parentPath = "" // vector "name" { ... } sits in the collection
		}
		parent := block(parentPath, "")
		var b *hclwrite.Body
		switch {
		case namedVector:
			b = parent.AppendNewBlock("vector", []string{name}).Body()
		case label != "":
			b = parent.AppendNewBlock(name, []string{label}).Body()
		default:
			b = parent.AppendNewBlock(name, nil).Body()
		}
		blocks[path] = b
		return b
	}
	for _, a := range collection.Chosen(c) {
		path := a.Path
		if strings.HasPrefix(path, "module_config.") || (path == "description" && a.Value == "") {
			continue // module_config is written whole below
		}
		blockPath, attr := "", path
		if i := strings.LastIndex(path, "."); i >= 0 {
			blockPath, attr = path[:i], path[i+1:]
		}
		if attr == "type" && (strings.HasSuffix(blockPath, "index") || strings.HasSuffix(blockPath, "quantization")) {
			if a.Value == "none" {
				continue
			}
			block(blockPath, fmt.Sprint(a.Value))
			continue
		}
		v, err := ctyValue(a.Value)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		block(blockPath, "").SetAttributeValue(attr, v)
	}
	if len(c.ModuleConfig) > 0 {
		v, err := ctyValue(c.ModuleConfig)
		if err != nil {
			return fmt.Errorf("module_config: %w", err)
		}
		body.SetAttributeValue("module_config", v)
	}
	for _, p := range c.Properties {
		if err := generateProperty(body, p); err != nil {
			return err
		}
	}
	return nil
}

func generateProperty(parent *hclwrite.Body, p collection.Property) error {
	b := parent.AppendNewBlock("property", []string{p.Name}).Body()
	b.SetAttributeValue("data_type", cty.StringVal(p.DataType))
	if p.Description != "" {
		b.SetAttributeValue("description", cty.StringVal(p.Description))
	}
	if collection.IsText(p.DataType) && p.Tokenization != collection.DefaultTokenization {
		b.SetAttributeValue("tokenization", cty.StringVal(p.Tokenization))
	}
	if !p.IndexFilterable {
		b.SetAttributeValue("index_filterable", cty.False)
	}
	if p.IndexSearchable != collection.IsText(p.DataType) {
		b.SetAttributeValue("index_searchable", cty.BoolVal(p.IndexSearchable))
	}
	if p.IndexRangeFilters {
		b.SetAttributeValue("index_range_filters", cty.True)
	}
	for _, n := range p.Nested {
		if err := generateProperty(b, n); err != nil {
			return err
		}
	}
	return nil
}

// ctyValue converts a setting's Go value to cty for hclwrite.
func ctyValue(v any) (cty.Value, error) {
	switch x := v.(type) {
	case string:
		return cty.StringVal(x), nil
	case bool:
		return cty.BoolVal(x), nil
	case int64:
		return cty.NumberIntVal(x), nil
	case float64:
		return cty.NumberFloatVal(x), nil
	case []string:
		if len(x) == 0 {
			return cty.ListValEmpty(cty.String), nil
		}
		vals := make([]cty.Value, len(x))
		for i, s := range x {
			vals[i] = cty.StringVal(s)
		}
		return cty.ListVal(vals), nil
	case map[string]any:
		b, err := json.Marshal(x)
		if err != nil {
			return cty.NilVal, err
		}
		t, err := ctyjson.ImpliedType(b)
		if err != nil {
			return cty.NilVal, err
		}
		return ctyjson.Unmarshal(b, t)
	}
	return cty.NilVal, fmt.Errorf("cannot write %T as HCL", v)
}

// GenerateAliases writes alias blocks, alias → collection, sorted by name
// (colstate import writes those of the collections it imports).
func GenerateAliases(aliases map[string]string) []byte {
	f := hclwrite.NewEmptyFile()
	root := f.Body()
	names := make([]string, 0, len(aliases))
	for n := range aliases {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		if i > 0 {
			root.AppendNewline()
		}
		root.AppendNewBlock("alias", []string{n}).Body().SetAttributeTraversal("collection",
			hcl.Traversal{hcl.TraverseRoot{Name: "collection"}, hcl.TraverseAttr{Name: aliases[n]}})
	}
	return hclwrite.Format(f.Bytes())
}
