package live

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/colstate/colstate/internal/collection"
)

// Class is a collection as Weaviate's REST API holds it, kept as raw JSON so
// that settings colstate does not model survive a read-modify-write.
type Class map[string]any

// Collections returns every live collection, normalised, by name.
func (c *Client) Collections(ctx context.Context) (map[string]collection.Collection, error) {
	var schema struct {
		Classes []Class `json:"classes"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/schema", nil, &schema); err != nil {
		return nil, err
	}
	out := make(map[string]collection.Collection, len(schema.Classes))
	for _, cl := range schema.Classes {
		col := FromClass(cl)
		out[col.Name] = col
	}
	return out, nil
}

// Class returns the raw class, or ErrNotFound.
func (c *Client) Class(ctx context.Context, name string) (Class, error) {
	var cl Class
	err := c.do(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(name), nil, &cl)
	return cl, err
}

// Create creates the collection.
func (c *Client) Create(ctx context.Context, col collection.Collection) error {
	return c.do(ctx, http.MethodPost, "/v1/schema", ToClass(col), nil)
}

// Delete deletes the collection and every object in it.
func (c *Client) Delete(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/v1/schema/"+url.PathEscape(name), nil, nil)
}

// AddProperty adds one property to an existing collection.
func (c *Client) AddProperty(ctx context.Context, name string, p collection.Property) error {
	return c.do(ctx, http.MethodPost, "/v1/schema/"+url.PathEscape(name)+"/properties", toProperty(p), nil)
}

// Update changes the mutable settings of an existing collection to those of
// col: properties are added, everything else is patched into the class as
// Weaviate returned it, so unmodelled settings are sent back unchanged.
func (c *Client) Update(ctx context.Context, col collection.Collection) error {
	cl, err := c.Class(ctx, col.Name)
	if err != nil {
		return err
	}
	current := FromClass(cl)
	for _, p := range col.Properties {
		if current.Property(p.Name) == nil {
			if err := c.AddProperty(ctx, col.Name, p); err != nil {
				return fmt.Errorf("add property %s: %w", p.Name, err)
			}
		}
	}
	// Re-read: adding properties changed the class.
	if cl, err = c.Class(ctx, col.Name); err != nil {
		return err
	}
	patchMutable(cl, col)
	return c.do(ctx, http.MethodPut, "/v1/schema/"+url.PathEscape(col.Name), cl, nil)
}

func patchMutable(cl Class, col collection.Collection) {
	cl["description"] = col.Description
	vic := obj(cl, "vectorIndexConfig")
	if col.VectorIndex.Type == "hnsw" {
		vic["ef"] = col.VectorIndex.EF
	}
	obj(cl, "replicationConfig")["factor"] = col.Replication.Factor
	props, _ := cl["properties"].([]any)
	for _, p := range props {
		pm, ok := p.(map[string]any)
		if !ok {
			continue
		}
		name, _ := pm["name"].(string)
		if want := col.Property(name); want != nil {
			pm["description"] = want.Description
		}
	}
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

// ToClass renders a collection as the JSON body Weaviate's schema API takes.
func ToClass(col collection.Collection) Class {
	cl := Class{
		"class":           col.Name,
		"description":     col.Description,
		"vectorizer":      col.Vectorizer,
		"vectorIndexType": col.VectorIndex.Type,
		"multiTenancyConfig": map[string]any{
			"enabled": col.MultiTenancy.Enabled,
		},
		"replicationConfig": map[string]any{
			"factor": col.Replication.Factor,
		},
	}
	vic := map[string]any{"distance": col.VectorIndex.Distance}
	if col.VectorIndex.Type == "hnsw" {
		vic["ef"] = col.VectorIndex.EF
		vic["efConstruction"] = col.VectorIndex.EFConstruction
		vic["maxConnections"] = col.VectorIndex.MaxConnections
	}
	cl["vectorIndexConfig"] = vic
	props := make([]any, 0, len(col.Properties))
	for _, p := range col.Properties {
		props = append(props, toProperty(p))
	}
	cl["properties"] = props
	return cl
}

func toProperty(p collection.Property) map[string]any {
	m := map[string]any{
		"name":            p.Name,
		"dataType":        strings.Split(p.DataType, "|"),
		"description":     p.Description,
		"indexFilterable": p.IndexFilterable,
		"indexSearchable": p.IndexSearchable,
	}
	if p.Tokenization != "" {
		m["tokenization"] = p.Tokenization
	}
	return m
}

// FromClass reads a class as Weaviate returns it into the canonical model.
func FromClass(cl Class) collection.Collection {
	col := collection.Collection{
		Name:        str(cl["class"]),
		Description: str(cl["description"]),
		Vectorizer:  str(cl["vectorizer"]),
	}
	vic, _ := cl["vectorIndexConfig"].(map[string]any)
	col.VectorIndex = collection.VectorIndex{
		Type:     str(cl["vectorIndexType"]),
		Distance: str(vic["distance"]),
	}
	if col.VectorIndex.Type == "hnsw" {
		col.VectorIndex.EF = num(vic["ef"])
		col.VectorIndex.EFConstruction = num(vic["efConstruction"])
		col.VectorIndex.MaxConnections = num(vic["maxConnections"])
	}
	if mt, ok := cl["multiTenancyConfig"].(map[string]any); ok {
		col.MultiTenancy.Enabled, _ = mt["enabled"].(bool)
	}
	if rc, ok := cl["replicationConfig"].(map[string]any); ok {
		col.Replication.Factor = num(rc["factor"])
	}
	props, _ := cl["properties"].([]any)
	for _, p := range props {
		pm, ok := p.(map[string]any)
		if !ok {
			continue
		}
		var types []string
		if dt, ok := pm["dataType"].([]any); ok {
			for _, t := range dt {
				types = append(types, str(t))
			}
		}
		prop := collection.Property{
			Name:            str(pm["name"]),
			DataType:        strings.Join(types, "|"),
			Description:     str(pm["description"]),
			Tokenization:    str(pm["tokenization"]),
			IndexFilterable: boolOr(pm["indexFilterable"], true),
			IndexSearchable: boolOr(pm["indexSearchable"], collection.IsText(strings.Join(types, "|"))),
		}
		col.Properties = append(col.Properties, prop)
	}
	collection.Normalize(&col)
	return col
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

// CreateRaw creates a collection from a raw class body, for tests and tools
// that need settings colstate does not model.
func (c *Client) CreateRaw(ctx context.Context, cl Class) error {
	return c.do(ctx, http.MethodPost, "/v1/schema", cl, nil)
}
