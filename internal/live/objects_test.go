package live_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviatetest"
)

func TestMain(m *testing.M) { os.Exit(weaviatetest.Main(m)) }

func client(t *testing.T) *live.Client {
	srv := weaviatetest.Server(t)
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestWriteReadEveryType writes objects of every property type with named
// vectors and references, reads them back with the cursor and compares.
func TestWriteReadEveryType(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	author, things := weaviatetest.Name(t, "Author"), weaviatetest.Name(t, "Thing")
	for _, cl := range []live.Class{livetest.AuthorClass(author), livetest.AllTypesClass(things, author)} {
		if err := c.CreateRaw(ctx, cl); err != nil {
			t.Fatal(err)
		}
	}
	authors := livetest.Authors(1, 7)
	var authorIDs []string
	for _, a := range authors {
		authorIDs = append(authorIDs, a.ID)
	}
	objs := livetest.AllTypes(2, 250, author, authorIDs)
	if err := livetest.Insert(ctx, c, author, authors); err != nil {
		t.Fatal(err)
	}
	if err := livetest.Insert(ctx, c, things, objs); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]*object.Object{author: authors, things: objs} {
		got, err := livetest.ReadAll(ctx, c, name)
		if err != nil {
			t.Fatal(err)
		}
		if p := livetest.Diff(want, got); len(p) > 0 {
			t.Fatalf("%s read back differs:\n%s", name, strings.Join(p, "\n"))
		}
		n, err := c.Count(ctx, name, "")
		if err != nil || n != int64(len(want)) {
			t.Errorf("Count(%s) = %d, %v; want %d", name, n, err, len(want))
		}
	}
	deleted, err := c.DeleteAllObjects(ctx, things, "", nil)
	if err != nil || deleted != int64(len(objs)) {
		t.Fatalf("DeleteAllObjects = %d, %v", deleted, err)
	}
	if n, _ := c.Count(ctx, things, ""); n != 0 {
		t.Errorf("%d objects left after DeleteAllObjects", n)
	}
	if _, err := c.Class(ctx, things); err != nil {
		t.Errorf("the schema went with the objects: %v", err)
	}
}

// TestBatchErrorsAreReported checks that per-object errors come back with
// their UUIDs.
func TestBatchErrorsAreReported(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := weaviatetest.Name(t, "Bad")
	if err := c.CreateRaw(ctx, livetest.MultiTenantClass(name)); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTenants(ctx, name, []live.Tenant{{Name: "t1"}}); err != nil {
		t.Fatal(err)
	}
	objs := livetest.TenantObjects(3, 5, "t1")
	objs[2].Tenant = "nosuchtenant"
	err := livetest.Insert(ctx, c, name, objs)
	be, ok := err.(*live.BatchError)
	if !ok || be.Failed != 1 || be.Objects[0].ID != objs[2].ID {
		t.Fatalf("Insert = %v, want one failed object %s", err, objs[2].ID)
	}
	if n, _ := c.Count(ctx, name, "t1"); n != 4 {
		t.Errorf("tenant t1 has %d objects, want the 4 good ones", n)
	}
}

// TestSchemaOfVectorized: which vectors a vectorizer module makes (a merge
// leaves those to Weaviate) and which only clients send (a merge keeps
// them).
func TestSchemaOfVectorized(t *testing.T) {
	for _, tc := range []struct {
		name string
		cl   live.Class
		want map[string]bool
	}{
		{"legacy none", live.Class{"class": "A", "vectorizer": "none"}, map[string]bool{}},
		{"legacy unset", live.Class{"class": "A"}, map[string]bool{}},
		{"legacy module", live.Class{"class": "A", "vectorizer": "text2vec-openai"}, map[string]bool{"": true}},
		{"named", live.Class{"class": "A", "vectorConfig": map[string]any{
			"own":  map[string]any{"vectorizer": map[string]any{"none": map[string]any{}}},
			"made": map[string]any{"vectorizer": map[string]any{"text2vec-ollama": map[string]any{}}},
		}}, map[string]bool{"made": true}},
	} {
		got := live.SchemaOf(tc.cl).Vectorized
		if len(got) != len(tc.want) {
			t.Errorf("%s: Vectorized = %v, want %v", tc.name, got, tc.want)
		}
		for k := range tc.want {
			if !got[k] {
				t.Errorf("%s: Vectorized = %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}
