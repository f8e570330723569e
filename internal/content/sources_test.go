package content

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/snapshot"
)

// A saved plan binds to its sources' fingerprints: a changed byte or a
// changed key (which decides the ids) must change the fingerprint.
func TestJSONLFingerprint(t *testing.T) {
	path := writeJSONL(t, `{"properties": {"sku": "a"}}`)
	fp := func(j JSONL) string {
		t.Helper()
		s, err := j.Fingerprint()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	plain := fp(JSONL{Path: path})
	if !strings.HasPrefix(plain, "sha256:") || len(plain) != len("sha256:")+64 {
		t.Fatalf("fingerprint %q", plain)
	}
	if again := fp(JSONL{Path: path}); again != plain {
		t.Fatalf("same bytes, fingerprints %s and %s", plain, again)
	}
	if keyed := fp(JSONL{Path: path, Key: []string{"sku", "n"}}); keyed != plain+" key=sku,n" {
		t.Fatalf("keyed fingerprint %q", keyed)
	}
	if err := os.WriteFile(path, []byte(`{"properties": {"sku": "b"}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if changed := fp(JSONL{Path: path}); changed == plain {
		t.Fatal("a changed file keeps its fingerprint")
	}
	if _, err := (JSONL{Path: path + ".missing"}).Fingerprint(); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if err := (JSONL{Path: path + ".missing"}).Scan(context.Background(), schema, nil); err == nil || !strings.Contains(err.Error(), "content source") {
		t.Fatalf("scan of a missing file: %v", err)
	}
}

// TestSnapshotSource: a collection inside a snapshot used as content
// yields its objects (tenant dropped: content loads into the collection as
// declared), is named by id, and fingerprints as the collection's digest.
func TestSnapshotSource(t *testing.T) {
	dir := t.TempDir()
	w, err := (&snapshot.Store{Dir: dir}).Create(snapshot.Manifest{Source: snapshot.Source{URL: "http://x"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddCollection("Item", []byte(`{"class":"Item"}`), nil); err != nil {
		t.Fatal(err)
	}
	objs := []*object.Object{
		{ID: "00000000-0000-0000-0000-000000000001", Properties: map[string]any{"sku": "a"}, Vectors: map[string][]float32{"": {1, 2}}},
		{ID: "00000000-0000-0000-0000-000000000002", Properties: map[string]any{"sku": "b"}, Tenant: "t1"},
	}
	for _, o := range objs {
		if err := w.Write("Item", "", o); err != nil {
			t.Fatal(err)
		}
	}
	m, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	src := Snapshot{Store: dir, ID: m.ID, Collection: "Item"}
	if src.Describe() != "snapshot "+m.ID {
		t.Errorf("describe %q", src.Describe())
	}
	fp, err := src.Fingerprint()
	if err != nil || fp != "snapshot:"+m.ID+":"+m.Collection("Item").Digest {
		t.Errorf("fingerprint %q, %v", fp, err)
	}
	var got []*object.Object
	if err := src.Scan(context.Background(), schema, func(o *object.Object) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != objs[0].ID || got[1].Tenant != "" || !reflect.DeepEqual(got[0].Vectors, objs[0].Vectors) {
		t.Fatalf("scanned %+v", got)
	}
	if _, err := (Snapshot{Store: dir, ID: m.ID, Collection: "Other"}).Fingerprint(); err == nil || !strings.Contains(err.Error(), "has no collection Other") {
		t.Errorf("unknown collection: %v", err)
	}
	if _, err := (Snapshot{Store: dir, ID: "20990101T000000Z", Collection: "Item"}).Fingerprint(); err == nil {
		t.Error("unknown snapshot: no error")
	}
	if err := (Snapshot{Store: dir, ID: "20990101T000000Z", Collection: "Item"}).Scan(context.Background(), schema, nil); err == nil {
		t.Error("scan of an unknown snapshot: no error")
	}
}

var namedSchema = &live.ObjectSchema{
	Collection: "Doc",
	Properties: []live.PropertySchema{{Name: "sku", DataType: []string{"text"}}},
	Named:      []string{"colbert", "txt"},
	Multi:      map[string]bool{"colbert": true},
}

func scanOne(t *testing.T, s *live.ObjectSchema, line string) (*object.Object, error) {
	t.Helper()
	var got *object.Object
	err := JSONL{Path: writeJSONL(t, line)}.Scan(context.Background(), s, func(o *object.Object) error { got = o; return nil })
	return got, err
}

func TestJSONLVectors(t *testing.T) {
	o, err := scanOne(t, namedSchema, `{"id": "00000000-0000-0000-0000-00000000000A", "vectors": {"txt": [0.5, 1], "colbert": [[1, 2], [3, 4]]}}`)
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != "00000000-0000-0000-0000-00000000000a" {
		t.Errorf("id %s, want the canonical lower-case form", o.ID)
	}
	if !reflect.DeepEqual(o.Vectors, map[string][]float32{"txt": {0.5, 1}}) || !reflect.DeepEqual(o.Multi, map[string][][]float32{"colbert": {{1, 2}, {3, 4}}}) {
		t.Errorf("vectors %v, multi %v", o.Vectors, o.Multi)
	}
	o, err = scanOne(t, namedSchema, `{"id": "00000000-0000-0000-0000-00000000000a", "vectors": {"colbert": []}}`)
	if err != nil || o.Multi != nil {
		t.Errorf("an empty multi-vector: %v %v", o, err)
	}

	long := "[" + strings.Repeat(`"x", `, 20) + `"x"]`
	for line, want := range map[string]string{
		`{"id": "00000000-0000-0000-0000-000000000001", "vector": [1, 2]}`:                      `vector given, but collection Doc has named vectors (colbert, txt): use "vectors"`,
		`{"id": "00000000-0000-0000-0000-000000000001", "vectors": {"txt": "abc"}}`:             `vector "txt" of collection Doc wants a list of numbers such as [0.1, 0.2], got "abc"`,
		`{"id": "00000000-0000-0000-0000-000000000001", "vectors": {"txt": ` + long + `}}`:      `got ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x",…`,
		`{"id": "00000000-0000-0000-0000-000000000001", "vectors": {"colbert": [1, 2]}}`:        `vector "colbert" of collection Doc holds multi-vectors: give a list of rows of numbers`,
		`{"id": "00000000-0000-0000-0000-000000000001", "vectors": {"colbert": [[1, 2], [3]]}}`: `row 1 has 1 numbers, row 0 has 2; every row must have the same, non-zero length`,
		`{"id": "00000000-0000-0000-0000-000000000001", "vectors": {"colbert": [[]]}}`:          `row 0 has 0 numbers`,
	} {
		if _, err := scanOne(t, namedSchema, line); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n err = %v\nwant %q", line, err, want)
		}
	}
}

// TestVectorDimensions: Weaviate refuses a vector of another length
// mid-apply, so a source whose objects disagree, or that disagrees with the
// live collection, is refused at plan time, naming the vector and objects.
func TestVectorDimensions(t *testing.T) {
	ctx := context.Background()
	s := &live.ObjectSchema{Collection: "Doc", Legacy: true, Named: []string{"txt"}, Properties: namedSchema.Properties}
	ragged := JSONL{Path: writeJSONL(t,
		`{"id": "00000000-0000-0000-0000-000000000001", "vector": [1, 2], "vectors": {"txt": [1]}}`,
		`{"id": "00000000-0000-0000-0000-000000000002", "vectors": {"txt": [1, 2]}}`)}
	_, err := BuildIndex(ctx, ragged, s)
	if err == nil || !strings.Contains(err.Error(), `object 00000000-0000-0000-0000-000000000002: vector "txt" has 2 dimensions, but object 00000000-0000-0000-0000-000000000001's has 1`) {
		t.Fatalf("ragged source: %v", err)
	}

	idx, err := BuildIndex(ctx, JSONL{Path: writeJSONL(t,
		`{"id": "00000000-0000-0000-0000-000000000001", "vector": [1, 2, 3], "vectors": {"txt": [1]}}`)}, s)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(idx.Dims, map[string]int{"": 3, "txt": 1}) {
		t.Fatalf("dims %v", idx.Dims)
	}
	if err := idx.CheckDims("x.jsonl", map[string]int{"": 3, "txt": 1, "other": 7}); err != nil {
		t.Errorf("matching dims refused: %v", err)
	}
	if err := idx.CheckDims("x.jsonl", map[string]int{"txt": 1}); err != nil {
		t.Errorf("a vector with no live objects yet is not checked, got %v", err)
	}
	err = idx.CheckDims("x.jsonl", map[string]int{"": 2})
	if err == nil || err.Error() != "x.jsonl: the collection-level vector has 3 dimensions, but the live collection's has 2; Weaviate refuses vectors of another length" {
		t.Errorf("class-level mismatch: %v", err)
	}
	if err := idx.CheckDims("x.jsonl", map[string]int{"txt": 4}); err == nil || !strings.Contains(err.Error(), `vector "txt" has 1 dimensions`) {
		t.Errorf("named mismatch: %v", err)
	}
}

// TestSelfReferencesOutside: a source object referring to an object of its
// own collection that the source does not hold needs that target live; the
// plan lists exactly those references.
func TestSelfReferencesOutside(t *testing.T) {
	ctx := context.Background()
	s := &live.ObjectSchema{Collection: "Node", Properties: []live.PropertySchema{
		{Name: "name", DataType: []string{"text"}},
		{Name: "parent", DataType: []string{"Node"}},
		{Name: "owner", DataType: []string{"Person"}},
		{Name: "related", DataType: []string{"Person", "Node"}},
	}}
	src := JSONL{Path: writeJSONL(t,
		`{"id": "00000000-0000-0000-0000-000000000001", "properties": {"name": "root"}}`,
		`{"id": "00000000-0000-0000-0000-000000000002", "properties": {"parent": "00000000-0000-0000-0000-000000000001", "owner": "00000000-0000-0000-0000-0000000000ff"}}`,
		`{"id": "00000000-0000-0000-0000-000000000003", "properties": {"parent": "00000000-0000-0000-0000-000000000099", "related": [{"beacon": "weaviate://localhost/Person/00000000-0000-0000-0000-000000000098"}, "weaviate://localhost/Node/00000000-0000-0000-0000-000000000097"]}}`,
	)}
	idx, err := BuildIndex(ctx, src, s)
	if err != nil {
		t.Fatal(err)
	}
	if !idx.Has("00000000-0000-0000-0000-000000000001") || idx.Has("00000000-0000-0000-0000-000000000099") {
		t.Fatal("Has")
	}
	got, err := SelfReferencesOutside(ctx, src, s, idx)
	if err != nil {
		t.Fatal(err)
	}
	want := []SelfReference{
		{From: "00000000-0000-0000-0000-000000000003", Target: "00000000-0000-0000-0000-000000000099"},
		{From: "00000000-0000-0000-0000-000000000003", Target: "00000000-0000-0000-0000-000000000097"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("self references outside the source:\n got %+v\nwant %+v", got, want)
	}
	// No reference property to the collection itself: the source is not read.
	none, err := SelfReferencesOutside(ctx, JSONL{Path: "/nonexistent.jsonl"}, schema, idx)
	if none != nil || err != nil {
		t.Fatalf("no self-reference property: %v %v", none, err)
	}
}

// TestNormalizeIntegers: Weaviate keeps int and int[] values as float64,
// so an integer beyond 2^53 would come back as a rounded neighbour; it is
// refused at plan time, as is a fraction.
func TestNormalizeIntegers(t *testing.T) {
	s := &live.ObjectSchema{Collection: "N", Properties: []live.PropertySchema{
		{Name: "n", DataType: []string{"int"}},
		{Name: "ns", DataType: []string{"int[]"}},
		{Name: "x", DataType: []string{"number"}},
	}}
	for _, tt := range []struct {
		in      string
		want    map[string]any
		wantErr string
	}{
		{`{"n": 9007199254740992}`, map[string]any{"n": int64(1 << 53)}, ""},
		{`{"n": 1e3}`, map[string]any{"n": int64(1000)}, ""},
		{`{"n": -42, "x": 7}`, map[string]any{"n": int64(-42), "x": 7.0}, ""},
		{`{"ns": [1, 2.0, 3]}`, map[string]any{"ns": []any{int64(1), int64(2), int64(3)}}, ""},
		{`{"n": null}`, map[string]any{}, ""},
		{`{"n": 9007199254740993}`, nil, "property n: int 9007199254740993 is beyond 2^53"},
		{`{"ns": [1, 9007199254740993]}`, nil, "property ns: item 1: int 9007199254740993 is beyond 2^53"},
		{`{"ns": [1, 2.5]}`, nil, "property ns: item 1: 2.5 is not an integer"},
		{`{"n": 1e300}`, nil, "int 1e300 is beyond 2^53 in floating-point form"},
		{`{"n": "5"}`, nil, `int wants a number, got "5"`},
		{`{"ns": 5}`, nil, "int[] wants a list, got 5"},
		{`{"x": "5"}`, nil, `number wants a number, got "5"`},
	} {
		got, err := Normalize(s, decode(t, tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
	// Values already in Go form (live objects, snapshot objects) pass too.
	got, err := Normalize(s, map[string]any{"n": 5.0, "ns": []any{int64(1)}, "x": int64(2)})
	if err != nil || !reflect.DeepEqual(got, map[string]any{"n": int64(5), "ns": []any{int64(1)}, "x": 2.0}) {
		t.Errorf("go values: %#v %v", got, err)
	}
	if _, err := Normalize(s, map[string]any{"n": 0.5}); err == nil || !strings.Contains(err.Error(), "0.5 is not an integer") {
		t.Errorf("float64 fraction: %v", err)
	}
}

// A snapshot of a multi-tenant collection is read one tenant at a time,
// into the tenant it is written to; read whole, it is refused rather than
// mixing its tenants' objects.
func TestSnapshotSourceTenants(t *testing.T) {
	dir := t.TempDir()
	w, err := (&snapshot.Store{Dir: dir}).Create(snapshot.Manifest{Source: snapshot.Source{URL: "http://x"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddCollection("Item", []byte(`{"class":"Item","multiTenancyConfig":{"enabled":true}}`), []snapshot.Tenant{{Name: "t1"}, {Name: "t2"}}); err != nil {
		t.Fatal(err)
	}
	for i, tenant := range []string{"t1", "t2", "t2"} {
		o := &object.Object{ID: fmt.Sprintf("00000000-0000-0000-0000-00000000000%d", i+1), Properties: map[string]any{"sku": tenant}, Tenant: tenant}
		if err := w.Write("Item", tenant, o); err != nil {
			t.Fatal(err)
		}
	}
	m, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	whole := Snapshot{Store: dir, ID: m.ID, Collection: "Item"}
	if err := whole.Scan(context.Background(), schema, func(*object.Object) error { return nil }); !errors.Is(err, ErrTenantsMixed) {
		t.Fatalf("whole multi-tenant snapshot scanned: %v", err)
	}
	src, err := ForTenant(whole, "t2", "copy")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := src.Scan(context.Background(), schema, func(o *object.Object) error {
		got = append(got, o.Tenant+"/"+o.Properties["sku"].(string))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "copy/t2,copy/t2" {
		t.Fatalf("tenant t2 into copy: %v", got)
	}
}

// A JSONL source fills one tenant; a line naming another is refused.
func TestJSONLTenant(t *testing.T) {
	path := writeJSONL(t, `{"id": "00000000-0000-0000-0000-000000000001", "tenant": "acme", "properties": {"sku": "a"}}`+"\n"+
		`{"id": "00000000-0000-0000-0000-000000000002", "properties": {"sku": "b"}}`)
	var got []string
	src, err := ForTenant(JSONL{Path: path}, "", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Scan(context.Background(), schema, func(o *object.Object) error { got = append(got, o.Tenant); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "acme,acme" {
		t.Fatalf("tenants %v", got)
	}
	err = JSONL{Path: path, Tenant: "globex"}.Scan(context.Background(), schema, func(*object.Object) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `:1: the object names tenant "acme", but the content block fills tenant "globex"`) {
		t.Fatalf("line of another tenant: %v", err)
	}
	err = JSONL{Path: path}.Scan(context.Background(), schema, func(*object.Object) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "takes this file without tenants") {
		t.Fatalf("line with a tenant into a collection without tenants: %v", err)
	}
	if _, err := ForTenant(JSONL{Path: path}, "t1", "t1"); err == nil {
		t.Fatal("a JSONL source read for a source tenant: no error")
	}
}
