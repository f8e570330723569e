// Package livetest builds fixture collections and objects for tests that
// run against a real Weaviate: a collection using every data type with two
// named vectors and cross-references, a legacy single-vector collection and
// a multi-tenant one. Values are generated deterministically from a seed.
package livetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// Dims is the vector size of every fixture: small, to keep tests fast.
const Dims = 8

func prop(name string, dataType ...string) map[string]any {
	dt := make([]any, len(dataType))
	for i, t := range dataType {
		dt[i] = t
	}
	return map[string]any{"name": name, "dataType": dt}
}

// AllTypesClass is a collection with every property type, two named
// vectors ("title", "body") and a cross-reference to target.
func AllTypesClass(name, target string) live.Class {
	nested := prop("meta", "object")
	nested["nestedProperties"] = []any{
		prop("source", "text"), prop("rank", "int"), prop("score", "number"), prop("ok", "boolean"),
		prop("tags", "text[]"), prop("counts", "int[]"), prop("when", "date"),
		func() map[string]any {
			p := prop("inner", "object")
			p["nestedProperties"] = []any{prop("depth", "int"), prop("label", "text")}
			return p
		}(),
	}
	items := prop("items", "object[]")
	items["nestedProperties"] = []any{prop("sku", "text"), prop("qty", "int"), prop("price", "number")}
	return live.Class{
		"class": name,
		"vectorConfig": map[string]any{
			"title": map[string]any{"vectorizer": map[string]any{"none": map[string]any{}}, "vectorIndexType": "hnsw"},
			"body":  map[string]any{"vectorizer": map[string]any{"none": map[string]any{}}, "vectorIndexType": "flat"},
		},
		"properties": []any{
			prop("title", "text"), prop("tags", "text[]"),
			prop("count", "int"), prop("counts", "int[]"),
			prop("price", "number"), prop("prices", "number[]"),
			prop("active", "boolean"), prop("flags", "boolean[]"),
			prop("published", "date"), prop("dates", "date[]"),
			prop("ref_id", "uuid"), prop("ref_ids", "uuid[]"),
			prop("location", "geoCoordinates"), prop("phone", "phoneNumber"),
			prop("image", "blob"), nested, items,
			prop("author", target),
		},
	}
}

// AuthorClass is the target of AllTypesClass's references: a legacy
// collection with the single unnamed vector.
func AuthorClass(name string) live.Class {
	return live.Class{
		"class":             name,
		"vectorizer":        "none",
		"vectorIndexConfig": map[string]any{"distance": "cosine"},
		"properties":        []any{prop("name", "text"), prop("born", "int")},
	}
}

// MultiTenantClass is a multi-tenant legacy-vector collection.
func MultiTenantClass(name string) live.Class {
	return live.Class{
		"class":              name,
		"vectorizer":         "none",
		"multiTenancyConfig": map[string]any{"enabled": true},
		"properties":         []any{prop("body", "text"), prop("n", "int")},
	}
}

// UUID returns a deterministic UUID for (seed, i).
func UUID(seed, i int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", seed, i)
}

func vec(r *rand.Rand) []float32 {
	v := make([]float32, Dims)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

// Authors returns n objects for AuthorClass.
func Authors(seed, n int) []*object.Object {
	r := rand.New(rand.NewPCG(uint64(seed), 1))
	var out []*object.Object
	for i := range n {
		out = append(out, &object.Object{
			ID:         UUID(seed, i),
			Properties: map[string]any{"name": fmt.Sprintf("author %d", i), "born": int64(1900 + i)},
			Vectors:    map[string][]float32{"": vec(r)},
		})
	}
	return out
}

// AllTypes returns n objects for AllTypesClass whose references point at
// the given author UUIDs.
func AllTypes(seed, n int, authorCollection string, authors []string) []*object.Object {
	r := rand.New(rand.NewPCG(uint64(seed), 2))
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var out []*object.Object
	for i := range n {
		date := base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		blob := make([]byte, 16+i%32)
		for j := range blob {
			blob[j] = byte(r.IntN(256))
		}
		count := int64(i*1_000_003 - 500_000_000)
		if i%2 == 1 {
			count = object.MaxExactInt - int64(i)
		}
		props := map[string]any{
			"title":     fmt.Sprintf("title %d ünïcode ✓", i),
			"tags":      []any{"a", fmt.Sprint(i % 7)},
			"count":     count,
			"counts":    []any{int64(i), int64(object.MaxExactInt - i), int64(-object.MaxExactInt + i)},
			"price":     float64(i) + 0.1,
			"prices":    []any{0.5, -1e-7, 1e300},
			"active":    i%2 == 0,
			"flags":     []any{true, false, i%3 == 0},
			"published": date,
			"dates":     []any{date, base.Format(time.RFC3339)},
			"ref_id":    UUID(seed+1, i),
			"ref_ids":   []any{UUID(seed+2, i), UUID(seed+3, i)},
			"location":  map[string]any{"latitude": float64(float32(52.3 + float64(i)/1000)), "longitude": float64(float32(4.9 - float64(i)/1000))},
			"phone":     map[string]any{"input": fmt.Sprintf("020 555 %04d", i), "defaultCountry": "NL"},
			"image":     base64.StdEncoding.EncodeToString(blob),
			"meta": map[string]any{
				"source": "feed", "rank": int64(i), "score": 0.25 * float64(i), "ok": i%2 == 1,
				"tags": []any{"x", "y"}, "counts": []any{int64(1), int64(2)}, "when": date,
				"inner": map[string]any{"depth": int64(2), "label": "deep"},
			},
			"items": []any{
				map[string]any{"sku": "A", "qty": int64(i), "price": 9.5},
				map[string]any{"sku": "B", "qty": int64(2), "price": 0.125},
			},
		}
		if len(authors) > 0 && i%5 != 4 { // some objects have no reference
			props["author"] = []any{
				map[string]any{"beacon": live.Beacon(authorCollection, authors[i%len(authors)])},
				map[string]any{"beacon": live.Beacon(authorCollection, authors[(i+1)%len(authors)])},
			}
		}
		out = append(out, &object.Object{
			ID:         UUID(seed, i),
			Properties: props,
			Vectors:    map[string][]float32{"title": vec(r), "body": vec(r)},
		})
	}
	return out
}

// TenantObjects returns n objects for tenant of MultiTenantClass.
func TenantObjects(seed, n int, tenant string) []*object.Object {
	r := rand.New(rand.NewPCG(uint64(seed), 3))
	var out []*object.Object
	for i := range n {
		out = append(out, &object.Object{
			ID:         UUID(seed, i),
			Tenant:     tenant,
			Properties: map[string]any{"body": tenant + fmt.Sprint(i), "n": int64(i)},
			Vectors:    map[string][]float32{"": vec(r)},
		})
	}
	return out
}

// Insert creates objects in collection through the batch writer.
func Insert(ctx context.Context, c *live.Client, collection string, objs []*object.Object) error {
	cl, err := c.Class(ctx, collection)
	if err != nil {
		return err
	}
	w := c.NewBatchWriter(ctx, live.SchemaOf(cl), collection, 100, 3)
	for _, o := range objs {
		if err := w.Add(o); err != nil {
			w.Close()
			return err
		}
	}
	return w.Close()
}

// ReadAll reads every object of a collection (every tenant) by UUID.
func ReadAll(ctx context.Context, c *live.Client, collection string) (map[string]*object.Object, error) {
	cl, err := c.Class(ctx, collection)
	if err != nil {
		return nil, err
	}
	s := live.SchemaOf(cl)
	tenants, err := c.CollectionTenants(ctx, s)
	if err != nil {
		return nil, err
	}
	out := map[string]*object.Object{}
	for _, t := range tenants {
		err := c.ReadObjects(ctx, s, live.ReadOptions{Tenant: t.Name, PageSize: 97}, func(o *object.Object) error {
			out[o.Tenant+"/"+o.ID] = o
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Canonical renders a value the way a snapshot stores it, so values built
// in Go and values read back compare equal.
func Canonical(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	var out any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	_ = d.Decode(&out)
	return out
}

// Diff compares the objects in want with those in got (keyed "tenant/uuid")
// and describes the first few differences: missing or extra objects,
// properties, references and vectors. Phone numbers are compared on what
// was written (input, default country).
func Diff(want []*object.Object, got map[string]*object.Object) []string {
	var problems []string
	seen := map[string]bool{}
	for _, w := range want {
		key := w.Tenant + "/" + w.ID
		seen[key] = true
		g, ok := got[key]
		if !ok {
			problems = append(problems, "missing object "+key)
			continue
		}
		gp := map[string]any{}
		for k, v := range g.Properties {
			gp[k] = v
		}
		if ph, ok := gp["phone"].(map[string]any); ok {
			gp["phone"] = map[string]any{"input": ph["input"], "defaultCountry": ph["defaultCountry"]}
		}
		if wc, gc := Canonical(w.Properties), Canonical(gp); !reflect.DeepEqual(wc, gc) {
			problems = append(problems, fmt.Sprintf("object %s: properties\n  want %v\n  have %v", key, wc, gc))
		}
		if !reflect.DeepEqual(w.Vectors, g.Vectors) {
			problems = append(problems, fmt.Sprintf("object %s: vectors\n  want %v\n  have %v", key, w.Vectors, g.Vectors))
		}
	}
	var extra []string
	for key := range got {
		if !seen[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	for _, key := range extra {
		problems = append(problems, "unexpected object "+key)
	}
	if len(problems) > 10 {
		problems = append(problems[:10], fmt.Sprintf("… %d more", len(problems)-10))
	}
	return problems
}

// ColdTenants creates a MultiTenantClass collection with n tenants of two
// objects each, all set COLD: a collection Weaviate takes seconds to
// delete (about 15 ms a tenant on 2 busy cores), as it takes minutes for
// 10,000. Tenants are written and set COLD a hundred at a time, far below
// the server's open-files limit.
func ColdTenants(ctx context.Context, c *live.Client, name string, n int) error {
	if err := c.CreateRaw(ctx, MultiTenantClass(name)); err != nil {
		return err
	}
	var ts []live.Tenant
	for i := range n {
		ts = append(ts, live.Tenant{Name: fmt.Sprintf("t%05d", i)})
	}
	if err := c.CreateTenants(ctx, name, ts); err != nil {
		return err
	}
	for i := 0; i < n; i += 100 {
		var objs []*object.Object
		var cold []live.Tenant
		for j := i; j < min(i+100, n); j++ {
			objs = append(objs, TenantObjects(j, 2, ts[j].Name)...)
			cold = append(cold, live.Tenant{Name: ts[j].Name, ActivityStatus: "COLD"})
		}
		if err := Insert(ctx, c, name, objs); err != nil {
			return err
		}
		if err := c.UpdateTenants(ctx, name, cold); err != nil {
			return err
		}
	}
	return nil
}
