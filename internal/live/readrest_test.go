package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestReadMatchesREST reads, with the cursor (several pages) and by UUID,
// a collection whose properties Weaviate's gRPC Search does not return
// right when asked the obvious way — a reference with two target
// collections, nested names starting with an upper-case letter (at two
// depths, in object and object[]), next to a blob and a single-target
// reference — and compares every object with Weaviate's REST answer, an
// independent read. A value the read drops would pass any later
// verification (which compares with what was read), so only this catches
// it. The references, written interleaved by target, must also come back
// in the order written.
func TestReadMatchesREST(t *testing.T) {
	ctx := context.Background()
	srv := weaviatetest.Server(t)
	c := client(t)
	a, b, name := weaviatetest.Name(t, "RrA"), weaviatetest.Name(t, "RrB"), weaviatetest.Name(t, "Rr")
	for _, cl := range []live.Class{livetest.AuthorClass(a), livetest.AuthorClass(b)} {
		if err := c.CreateRaw(ctx, cl); err != nil {
			t.Fatal(err)
		}
	}
	text := func(n string) map[string]any { return map[string]any{"name": n, "dataType": []any{"text"}} }
	cl := live.Class{
		"class":      name,
		"vectorizer": "none",
		"properties": []any{
			text("title"),
			map[string]any{"name": "bin", "dataType": []any{"blob"}},
			map[string]any{"name": "any", "dataType": []any{a, b}},
			map[string]any{"name": "one", "dataType": []any{a}},
			map[string]any{"name": "meta", "dataType": []any{"object"}, "nestedProperties": []any{
				text("Inner"), text("low"),
				map[string]any{"name": "Deep", "dataType": []any{"object"}, "nestedProperties": []any{
					map[string]any{"name": "Leaf", "dataType": []any{"int"}}, text("other"),
				}},
			}},
			map[string]any{"name": "rows", "dataType": []any{"object[]"}, "nestedProperties": []any{
				text("Up"), map[string]any{"name": "n", "dataType": []any{"number"}},
			}},
		},
	}
	if err := c.CreateRaw(ctx, cl); err != nil {
		t.Fatal(err)
	}
	as, bs := livetest.Authors(1, 3), livetest.Authors(2, 3)
	if err := livetest.Insert(ctx, c, a, as); err != nil {
		t.Fatal(err)
	}
	if err := livetest.Insert(ctx, c, b, bs); err != nil {
		t.Fatal(err)
	}
	var objs []*object.Object
	for i := 0; i < 10; i++ {
		o := &object.Object{ID: livetest.UUID(9, i), Properties: map[string]any{
			"title": fmt.Sprint("t", i),
			"bin":   "AAEC",
			"one":   []any{map[string]any{"beacon": live.Beacon(a, as[i%3].ID)}},
			"meta": map[string]any{"Inner": fmt.Sprint("in", i), "low": "lo",
				"Deep": map[string]any{"Leaf": int64(i), "other": "x"}},
			"rows": []any{map[string]any{"Up": "u", "n": 1.5}, map[string]any{"Up": "v", "n": float64(i)}},
		}}
		// Both targets, in an order that is not by collection.
		refs := []any{map[string]any{"beacon": live.Beacon(b, bs[i%3].ID)}, map[string]any{"beacon": live.Beacon(a, as[(i+1)%3].ID)}}
		if i%2 == 0 {
			refs = append(refs, map[string]any{"beacon": live.Beacon(b, bs[(i+1)%3].ID)})
		}
		o.Properties["any"] = refs
		objs = append(objs, o)
	}
	if err := livetest.Insert(ctx, c, name, objs); err != nil {
		t.Fatal(err)
	}

	rest := restObjects(t, srv.URL, name)
	if len(rest) != len(objs) {
		t.Fatalf("REST lists %d objects, want %d", len(rest), len(objs))
	}
	check := func(how string, o *object.Object) {
		t.Helper()
		want := rest[o.ID]
		got := livetest.Canonical(o.Properties)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: object %s read as\n  %v\nREST has\n  %v", how, o.ID, got, want)
		}
	}
	cl2, err := c.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	s := live.SchemaOf(cl2)
	read := map[string]*object.Object{}
	err = c.ReadObjects(ctx, s, live.ReadOptions{PageSize: 3}, func(o *object.Object) error {
		read["/"+o.ID] = o
		check("cursor", o)
		return nil
	})
	if err != nil || len(read) != len(objs) {
		t.Fatalf("ReadObjects: %d objects, %v; want %d", len(read), err, len(objs))
	}
	// What was written is what Weaviate holds: references in their order.
	if p := livetest.Diff(objs, read); len(p) > 0 {
		t.Fatalf("read back differs from what was written:\n%s", strings.Join(p, "\n"))
	}
	got, err := c.ReadObjectsByID(ctx, s, live.ReadOptions{}, []string{objs[7].ID, objs[2].ID})
	if err != nil || len(got) != 2 {
		t.Fatalf("ReadObjectsByID: %d objects, %v; want 2", len(got), err)
	}
	for _, o := range got {
		check("by UUID", o)
	}
}

// restObjects lists a collection's objects over REST: their properties by
// UUID, references as bare beacons, numbers as json.Number.
func restObjects(t *testing.T, base, collection string) map[string]any {
	t.Helper()
	resp, err := http.Get(base + "/v1/objects?" + url.Values{"class": {collection}, "limit": {"100"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Objects []struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"objects"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for _, o := range list.Objects {
		for k, v := range o.Properties {
			if refs, ok := v.([]any); ok && len(refs) > 0 {
				if m, ok := refs[0].(map[string]any); ok && m["beacon"] != nil {
					bare := make([]any, len(refs))
					for i, r := range refs {
						bare[i] = map[string]any{"beacon": r.(map[string]any)["beacon"]}
					}
					o.Properties[k] = bare
				}
			}
		}
		b, _ := json.Marshal(o.Properties)
		var p any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&p); err != nil {
			t.Fatal(err)
		}
		out[o.ID] = p
	}
	return out
}

// TestReadMultiTargetTenant reads a multi-target reference of a tenant's
// objects (the REST part of the read takes the tenant too), over several
// cursor pages and by UUID.
func TestReadMultiTargetTenant(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	a, b, name := weaviatetest.Name(t, "RtA"), weaviatetest.Name(t, "RtB"), weaviatetest.Name(t, "Rt")
	for _, cl := range []live.Class{livetest.AuthorClass(a), livetest.AuthorClass(b)} {
		if err := c.CreateRaw(ctx, cl); err != nil {
			t.Fatal(err)
		}
	}
	cl := live.Class{
		"class":              name,
		"vectorizer":         "none",
		"multiTenancyConfig": map[string]any{"enabled": true},
		"properties":         []any{map[string]any{"name": "any", "dataType": []any{a, b}}},
	}
	if err := c.CreateRaw(ctx, cl); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTenants(ctx, name, []live.Tenant{{Name: "t1"}, {Name: "t2"}}); err != nil {
		t.Fatal(err)
	}
	as, bs := livetest.Authors(1, 2), livetest.Authors(2, 2)
	if err := livetest.Insert(ctx, c, a, as); err != nil {
		t.Fatal(err)
	}
	if err := livetest.Insert(ctx, c, b, bs); err != nil {
		t.Fatal(err)
	}
	var objs []*object.Object
	for _, tenant := range []string{"t1", "t2"} {
		for i := 0; i < 5; i++ {
			objs = append(objs, &object.Object{ID: livetest.UUID(7, i), Tenant: tenant, Properties: map[string]any{
				"any": []any{
					map[string]any{"beacon": live.Beacon(b, bs[i%2].ID)},
					map[string]any{"beacon": live.Beacon(a, as[(i+1)%2].ID)},
					map[string]any{"beacon": live.Beacon(b, bs[(i+1)%2].ID)},
				},
			}})
		}
	}
	if err := livetest.Insert(ctx, c, name, objs); err != nil {
		t.Fatal(err)
	}
	cl2, err := c.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	s := live.SchemaOf(cl2)
	read := map[string]*object.Object{}
	for _, tenant := range []string{"t1", "t2"} {
		err := c.ReadObjects(ctx, s, live.ReadOptions{Tenant: tenant, PageSize: 2}, func(o *object.Object) error {
			read[o.Tenant+"/"+o.ID] = o
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if p := livetest.Diff(objs, read); len(p) > 0 {
		t.Fatalf("read back differs from what was written:\n%s", strings.Join(p, "\n"))
	}
	got, err := c.ReadObjectsByID(ctx, s, live.ReadOptions{Tenant: "t2"}, []string{objs[8].ID})
	if err != nil || len(got) != 1 {
		t.Fatalf("ReadObjectsByID: %d objects, %v; want 1", len(got), err)
	}
	for _, o := range got {
		if p := livetest.Diff(objs[8:9], map[string]*object.Object{"t2/" + o.ID: o}); len(p) > 0 {
			t.Fatalf("by UUID: %s", strings.Join(p, "\n"))
		}
	}
}
