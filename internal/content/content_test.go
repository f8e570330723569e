package content

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

var schema = &live.ObjectSchema{
	Collection: "Item",
	Legacy:     true,
	Properties: []live.PropertySchema{
		{Name: "sku", DataType: []string{"text"}},
		{Name: "n", DataType: []string{"int"}},
		{Name: "price", DataType: []string{"number"}},
		{Name: "at", DataType: []string{"date"}},
		{Name: "where", DataType: []string{"geoCoordinates"}},
		{Name: "phone", DataType: []string{"phoneNumber"}},
		{Name: "ok", DataType: []string{"boolean"}},
		{Name: "ids", DataType: []string{"uuid[]"}},
		{Name: "meta", DataType: []string{"object"}, Nested: []live.PropertySchema{{Name: "k", DataType: []string{"int"}}}},
		{Name: "author", DataType: []string{"Author"}},
	},
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A source object hashes like the same object read back from Weaviate,
// whose values come in Weaviate's own forms.
func TestHashSourceEqualsLive(t *testing.T) {
	src, err := Normalize(schema, decode(t, `{
		"sku": "A-1", "n": 5, "price": 2, "at": "2026-01-01T01:00:00+01:00",
		"where": {"latitude": 52.1, "longitude": 4.3}, "phone": {"input": "+31 20 123 4567"},
		"ok": true, "ids": ["6F9619FF-8B86-D011-B42D-00CF4FC964FF"], "meta": {"k": 1},
		"author": "0b6b7e5a-0d0d-4f5b-8f2a-7a0b1c2d3e4f"}`))
	if err != nil {
		t.Fatal(err)
	}
	live := map[string]any{
		"sku": "A-1", "n": int64(5), "price": float64(2), "at": "2026-01-01T00:00:00Z",
		"where": map[string]any{"latitude": float64(float32(52.1)), "longitude": float64(float32(4.3))},
		"phone": map[string]any{"input": "+31 20 123 4567", "countryCode": int64(31), "valid": true, "national": int64(201234567)},
		"ok":    true, "ids": []any{"6f9619ff-8b86-d011-b42d-00cf4fc964ff"}, "meta": map[string]any{"k": int64(1)},
		"author": []any{map[string]any{"beacon": "weaviate://localhost/Author/0b6b7e5a-0d0d-4f5b-8f2a-7a0b1c2d3e4f"}},
	}
	a := &object.Object{ID: "00000000-0000-0000-0000-000000000001", Properties: src, Vectors: map[string][]float32{"": {0.5, 1}}}
	b := &object.Object{ID: "00000000-0000-0000-0000-000000000001", Properties: live, Vectors: map[string][]float32{"": {0.5, 1}}}
	if Hash(schema, a) != Hash(schema, b) {
		ja, _ := json.Marshal(canonical(schema.Properties, a.Properties))
		jb, _ := json.Marshal(canonical(schema.Properties, b.Properties))
		t.Fatalf("hashes differ:\n%s\n%s", ja, jb)
	}
	b.Properties["n"] = int64(6)
	if Hash(schema, a) == Hash(schema, b) {
		t.Fatal("a changed value hashes the same")
	}
	b.Properties["n"] = int64(5)
	b.Vectors[""][1] = 1.5
	if Hash(schema, a) == Hash(schema, b) {
		t.Fatal("a changed vector hashes the same")
	}
}

func TestNormalizeRejects(t *testing.T) {
	for in, want := range map[string]string{
		`{"nope": 1}`:                `property "nope" is not in collection Item`,
		`{"n": 1.5}`:                 "1.5 is not an integer",
		`{"at": "yesterday"}`:        "is not an RFC 3339 date",
		`{"sku": 5}`:                 "text wants string, got 5",
		`{"ids": ["x"]}`:             `"x" is not a UUID`,
		`{"author": "not-a-uuid"}`:   "neither a UUID nor a beacon",
		`{"meta": {"zz": 1}}`:        `property "zz" is not in collection meta`,
		`{"where": {"latitude": 1}}`: "geoCoordinates wants",
	} {
		_, err := Normalize(schema, decode(t, in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", in, err, want)
		}
	}
}

func writeJSONL(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type memLive []*object.Object

func (m memLive) each(fn func(*object.Object) error) error {
	for _, o := range m {
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

type memWriter struct{ got []*object.Object }

func (w *memWriter) Add(o *object.Object) error { w.got = append(w.got, o); return nil }
func (w *memWriter) Close() error               { return nil }

func TestIndexCompareApply(t *testing.T) {
	ctx := context.Background()
	path := writeJSONL(t,
		`{"properties": {"sku": "a", "n": 1}}`,
		`{"properties": {"sku": "b", "n": 2}}`,
		`{"id": "00000000-0000-0000-0000-00000000000c", "properties": {"sku": "c", "n": 3}, "vector": [1, 2]}`,
	)
	src := JSONL{Path: path, Key: []string{"sku"}}
	idx, err := BuildIndex(ctx, src, schema)
	if err != nil {
		t.Fatal(err)
	}
	idA, _ := DeriveID("Item", []string{"sku"}, map[string]any{"sku": "a"})
	idB, _ := DeriveID("Item", []string{"sku"}, map[string]any{"sku": "b"})
	if idx.Len() != 3 || idA == idB {
		t.Fatalf("index len %d, ids %s %s", idx.Len(), idA, idB)
	}
	// Live: a identical, b changed, x extra; c missing.
	live := memLive{
		{ID: idA, Properties: map[string]any{"sku": "a", "n": int64(1)}},
		{ID: idB, Properties: map[string]any{"sku": "b", "n": int64(20)}},
		{ID: "ffffffff-0000-0000-0000-000000000000", Properties: map[string]any{"sku": "x"}},
	}
	r, err := Compare(ctx, idx, live.each, schema)
	if err != nil {
		t.Fatal(err)
	}
	if r.Add != 1 || r.Update != 1 || r.Delete != 1 || r.Same != 1 || r.AddIDs[0] != "00000000-0000-0000-0000-00000000000c" {
		t.Fatalf("result %+v", r)
	}
	if r.Empty("merge") || r.Empty("exact") {
		t.Fatal("non-empty result reported empty")
	}
	w := &memWriter{}
	var deleted []string
	st, err := Apply(ctx, src, schema, Exact, live.each, w, func(_ context.Context, ids []string) (int64, error) {
		deleted = append(deleted, ids...)
		return int64(len(ids)), nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 2 || st.Skipped != 1 || st.Deleted != 1 || len(deleted) != 1 || deleted[0] != "ffffffff-0000-0000-0000-000000000000" {
		t.Fatalf("stats %+v deleted %v", st, deleted)
	}
	if _, err := Apply(ctx, src, schema, Seed, live.each, &memWriter{}, nil, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("seed into non-empty: %v", err)
	}
}

func TestSourceErrors(t *testing.T) {
	ctx := context.Background()
	for lines, want := range map[string]string{
		`{"properties": {"sku": "a"}}`:     "x.jsonl:1: the object has no id",
		`{"id": "nope", "properties": {}}`: `x.jsonl:1: id "nope" is not a UUID`,
		`not json`:                         "x.jsonl:1: not a JSON object",
		`{"id": "00000000-0000-0000-0000-000000000001", "vectors": {"v": [1]}}`: `vector "v" is not a named vector`,
		`{"id": "00000000-0000-0000-0000-000000000001", "extra": 1}`:            "unknown field",
	} {
		_, err := BuildIndex(ctx, JSONL{Path: writeJSONL(t, lines)}, schema)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", lines, err, want)
		}
	}
	dup := writeJSONL(t, `{"properties": {"sku": "a"}}`, `{"properties": {"sku": "a"}}`)
	if _, err := BuildIndex(ctx, JSONL{Path: dup, Key: []string{"sku"}}, schema); err == nil || !strings.Contains(err.Error(), "more than once") {
		t.Errorf("duplicate: %v", err)
	}
}

// A source without vectors (a vectorizer makes them) matches a live copy
// that has them: the plan does not rewrite every object on every run.
func TestSourceWithoutVectorsMatchesVectorizedLive(t *testing.T) {
	ctx := context.Background()
	src := JSONL{Path: writeJSONL(t, `{"id": "00000000-0000-0000-0000-000000000001", "properties": {"sku": "a"}}`)}
	idx, err := BuildIndex(ctx, src, schema)
	if err != nil {
		t.Fatal(err)
	}
	live := memLive{{ID: "00000000-0000-0000-0000-000000000001", Properties: map[string]any{"sku": "a"}, Vectors: map[string][]float32{"": {0.1, 0.2}}}}
	r, err := Compare(ctx, idx, live.each, schema)
	if err != nil {
		t.Fatal(err)
	}
	if r.Same != 1 || !r.Empty(Exact) {
		t.Fatalf("result %+v", r)
	}
	w := &memWriter{}
	st, err := Apply(ctx, src, schema, Exact, live.each, w, nil, nil)
	if err != nil || st.Written != 0 || st.Skipped != 1 {
		t.Fatalf("apply %+v %v", st, err)
	}
}
