package live_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/weaviateproc"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestCreateRawWithClassLevelAndNamedVectors: Weaviate refuses to create a
// class with both a class-level vector and named vectors in one request, but
// keeps both when named vectors are added later — the shape a collection
// has after `vector` blocks are added to a legacy one. CreateRaw (what a
// replace and a restore use) creates it in two steps, with both kept.
func TestCreateRawWithClassLevelAndNamedVectors(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := weaviatetest.Name(t, "Mixed")
	mixed := func(class string) live.Class {
		return live.Class{
			"class": class, "vectorizer": "none", "vectorIndexType": "hnsw",
			"vectorIndexConfig": map[string]any{"distance": "dot"},
			"properties":        []any{map[string]any{"name": "title", "dataType": []any{"text"}}},
			"vectorConfig": map[string]any{"extra": map[string]any{
				"vectorizer": map[string]any{"none": map[string]any{}}, "vectorIndexType": "flat",
			}},
		}
	}

	// Why CreateRaw takes two steps: one request is refused.
	resp, err := http.Post(weaviatetest.Server(t).URL+"/v1/schema", "application/json",
		strings.NewReader(`{"class":"`+name+`Once","vectorizer":"none","vectorIndexType":"hnsw","vectorConfig":{"extra":{"vectorizer":{"none":{}},"vectorIndexType":"flat"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("Weaviate %s created a class with both kinds of vector in one request; CreateRaw's two steps may no longer be needed", weaviateproc.Version)
		_ = c.Delete(ctx, name+"Once")
	}

	if err := c.CreateRaw(ctx, mixed(name)); err != nil {
		t.Fatal(err)
	}
	cols, err := c.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := cols[name]
	if !ok {
		t.Fatalf("%s not created", name)
	}
	if got.VectorIndex == nil || got.VectorIndex.Distance != "dot" || len(got.Vectors) != 1 || got.Vectors[0].Name != "extra" || got.Vectors[0].Index.Type != "flat" {
		t.Fatalf("created %+v %+v; want the class-level dot index and the flat named vector", got.VectorIndex, got.Vectors)
	}
	if p := got.Property("title"); p == nil || p.DataType != "text" {
		t.Errorf("properties %+v", got.Properties)
	}

	// Creating it again is Weaviate's refusal, with its message.
	err = c.CreateRaw(ctx, mixed(name))
	var se *live.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnprocessableEntity || !strings.Contains(se.Message, "already exists") {
		t.Fatalf("second create: %v", err)
	}
}

func TestReadyVersionAndUnreachable(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	v, err := c.Version(ctx)
	if err != nil || "v"+v != weaviateproc.Version {
		t.Fatalf("version %q, %v; want %s", v, err, weaviateproc.Version)
	}
	if _, err := c.Class(ctx, weaviatetest.Name(t, "Missing")); !errors.Is(err, live.ErrNotFound) {
		t.Fatalf("missing class: %v", err)
	}

	down, err := live.New(live.Options{URL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = down.Version(ctx)
	if err == nil || !strings.Contains(err.Error(), "weaviate GET /v1/meta: ") || !strings.Contains(err.Error(), "(is Weaviate running at http://127.0.0.1:1?)") || strings.Contains(err.Error(), `Get "`) {
		t.Fatalf("unreachable: %v", err)
	}
}
