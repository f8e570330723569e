package live

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

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
	err := c.retry(ctx, "read the schema", func() error {
		return c.do(ctx, http.MethodGet, "/v1/schema", nil, &schema)
	})
	if err != nil {
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
	// A read is safe to repeat: a connection reset must not fail a restore
	// that would otherwise ride it out.
	err := c.retry(ctx, "read schema of "+name, func() error {
		cl = nil
		return c.do(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(name), nil, &cl)
	})
	return cl, err
}

// Create creates the collection.
func (c *Client) Create(ctx context.Context, col collection.Collection) error {
	return c.CreateRaw(ctx, ToClass(col))
}

// AddProperty adds one property to an existing collection.
func (c *Client) AddProperty(ctx context.Context, name string, p collection.Property) error {
	return c.do(ctx, http.MethodPost, "/v1/schema/"+url.PathEscape(name)+"/properties", toProperty(p), nil)
}

// AddProperties adds, in order, the properties of props the collection
// lacks; those it already has (added before an interruption) are skipped.
func (c *Client) AddProperties(ctx context.Context, name string, props []collection.Property) error {
	cl, err := c.Class(ctx, name)
	if err != nil {
		return err
	}
	current := FromClass(cl)
	for _, p := range props {
		if current.Property(p.Name) != nil {
			continue
		}
		if err := c.AddProperty(ctx, name, p); err != nil {
			return fmt.Errorf("add property %s: %w", p.Name, err)
		}
	}
	return nil
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
	return c.PutRaw(ctx, cl)
}

// CreateRaw creates a collection from a raw class body. Weaviate refuses to
// create a class with both a class-level vector and named vectors, but keeps
// both when named vectors are added later: such a class is created with its
// class-level vector, then its named vectors are added.
func (c *Client) CreateRaw(ctx context.Context, cl Class) error {
	vc, named := cl["vectorConfig"].(map[string]any)
	if !named || len(vc) == 0 || str(cl["vectorIndexType"]) == "" {
		return c.do(ctx, http.MethodPost, "/v1/schema", cl, nil)
	}
	first := Class{}
	for k, v := range cl {
		if k != "vectorConfig" {
			first[k] = v
		}
	}
	if err := c.do(ctx, http.MethodPost, "/v1/schema", first, nil); err != nil {
		return err
	}
	created, err := c.Class(ctx, str(cl["class"]))
	if err != nil {
		return err
	}
	created["vectorConfig"] = vc
	if err := c.PutRaw(ctx, created); err != nil {
		return fmt.Errorf("created %s with its class-level vector, but adding its named vectors failed: %w", str(cl["class"]), err)
	}
	return nil
}

// PutRaw replaces a collection's settings with a raw class body, as
// Weaviate's class update does.
func (c *Client) PutRaw(ctx context.Context, cl Class) error {
	return c.do(ctx, http.MethodPut, "/v1/schema/"+url.PathEscape(str(cl["class"])), cl, nil)
}
