package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/object"
)

func testObjects(n int) []*object.Object {
	var out []*object.Object
	for i := 0; i < n; i++ {
		out = append(out, &object.Object{
			ID:                 "00000000-0000-0000-0000-" + strings.Repeat("0", 6) + string(rune('a'+i%6)) + strings.Repeat("0", 4) + string(rune('0'+i%10)),
			CreationTimeUnix:   1700000000000 + int64(i),
			LastUpdateTimeUnix: 1700000000500 + int64(i),
			Properties: map[string]any{
				"big":    int64(math.MaxInt64 - int64(i)),
				"ratio":  0.1 + float64(i),
				"title":  "t",
				"geo":    map[string]any{"latitude": float64(float32(52.37)), "longitude": float64(float32(4.89))},
				"nested": map[string]any{"deep": []any{int64(1), int64(2)}},
				"ref":    []any{map[string]any{"beacon": "weaviate://localhost/Other/00000000-0000-0000-0000-000000000001"}},
			},
			Vectors: map[string][]float32{"": {1.5, -2, float32(math.Pi)}, "title": {0.25, math.SmallestNonzeroFloat32}},
		})
	}
	return out
}

func writeSnapshot(t *testing.T, s *Store, objs []*object.Object) *Manifest {
	t.Helper()
	w, err := s.Create(Manifest{Source: Source{URL: "http://x"}})
	if err != nil {
		t.Fatal(err)
	}
	w.ChunkObjects = 3
	if err := w.AddCollection("Article", []byte(`{"class":"Article","properties":[]}`), nil); err != nil {
		t.Fatal(err)
	}
	if err := w.AddCollection("Multi", []byte(`{"class":"Multi"}`), []Tenant{{Name: "a", ActivityStatus: "HOT"}, {Name: "b"}}); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if err := w.Write("Article", "", o); err != nil {
			t.Fatal(err)
		}
	}
	for i, o := range objs[:min(4, len(objs))] {
		tenant := "a"
		if i%2 == 1 {
			tenant = "b"
		}
		if err := w.Write("Multi", tenant, o); err != nil {
			t.Fatal(err)
		}
	}
	m, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// normalise makes decoded JSON numbers comparable with the originals.
func normalise(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	objs := testObjects(10)
	m := writeSnapshot(t, s, objs)

	if got := len(m.Collection("Article").Chunks); got != 4 {
		t.Errorf("Article has %d chunks, want 4 (10 objects, 3 per chunk)", got)
	}
	if got := len(m.Collection("Multi").Chunks); got != 4 {
		t.Errorf("Multi has %d chunks, want 4 (tenants alternate)", got)
	}
	r, err := s.Open(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := r.Schema("Article")
	if err != nil || string(schema) != `{"class":"Article","properties":[]}` {
		t.Fatalf("schema = %q, %v", schema, err)
	}
	var got []*object.Object
	if err := r.Objects(context.Background(), "Article", func(o *object.Object) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(objs) {
		t.Fatalf("read %d objects, want %d", len(got), len(objs))
	}
	for i := range objs {
		want, have := objs[i], got[i]
		if have.ID != want.ID || have.CreationTimeUnix != want.CreationTimeUnix || have.LastUpdateTimeUnix != want.LastUpdateTimeUnix {
			t.Errorf("object %d: metadata %+v, want %+v", i, have, want)
		}
		if !reflect.DeepEqual(have.Vectors, want.Vectors) {
			t.Errorf("object %d: vectors %v, want %v", i, have.Vectors, want.Vectors)
		}
		if !reflect.DeepEqual(have.Properties, normalise(t, want.Properties)) {
			t.Errorf("object %d: properties %v, want %v", i, have.Properties, want.Properties)
		}
		big, _ := have.Properties["big"].(json.Number).Int64()
		if big != math.MaxInt64-int64(i) {
			t.Errorf("object %d: int64 property came back as %d", i, big)
		}
		if have.Hash() != want.Hash() {
			t.Errorf("object %d: content hash changed in the round trip", i)
		}
	}
	var tenants []string
	if err := r.Objects(context.Background(), "Multi", func(o *object.Object) error { tenants = append(tenants, o.Tenant); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(tenants, ",") != "a,b,a,b" {
		t.Errorf("tenants read back %v", tenants)
	}
	for _, rep := range r.Verify(context.Background()) {
		if rep.Err != nil {
			t.Errorf("verify %s: %v", rep.Name, rep.Err)
		}
	}
}

func TestFilesArePrivate(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	m := writeSnapshot(t, s, testObjects(4))
	err := filepath.Walk(s.Path(m.ID), func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func corrupt(t *testing.T, path string, f func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, f(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestChecksumFailure(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	m := writeSnapshot(t, s, testObjects(10))
	ch := m.Collection("Article").Chunks[1]
	corrupt(t, filepath.Join(s.Path(m.ID), ch.File), func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b })
	r, err := s.Open(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ce *ChecksumError
	if err := r.VerifyCollection("Article"); !errors.As(err, &ce) || ce.File != ch.File {
		t.Fatalf("VerifyCollection = %v, want a checksum error for %s", err, ch.File)
	}
	if err := r.VerifyCollection("Multi"); err != nil {
		t.Errorf("the undamaged collection fails verification: %v", err)
	}
	err = r.Objects(context.Background(), "Article", func(*object.Object) error { return nil })
	if !errors.As(err, &ce) {
		t.Fatalf("Objects over a damaged chunk = %v, want a checksum error", err)
	}
	reps := r.Verify(context.Background())
	if reps[0].Err == nil || reps[1].Err != nil {
		t.Errorf("Verify = %+v, want only Article damaged", reps)
	}
}

func TestTruncatedChunk(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	m := writeSnapshot(t, s, testObjects(10))
	ch := m.Collection("Article").Chunks[0]
	corrupt(t, filepath.Join(s.Path(m.ID), ch.File), func(b []byte) []byte { return b[:len(b)-7] })
	r, err := s.Open(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = r.Objects(context.Background(), "Article", func(*object.Object) error { return nil })
	var ce *ChecksumError
	if !errors.As(err, &ce) || ce.GotSize != ch.Size-7 {
		t.Fatalf("Objects over a truncated chunk = %v, want a size mismatch", err)
	}
	if !strings.Contains(err.Error(), "damaged") {
		t.Errorf("error does not say the snapshot is damaged: %v", err)
	}
}

func TestUnknownMajorVersion(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	m := writeSnapshot(t, s, testObjects(4))
	path := filepath.Join(s.Path(m.ID), ManifestFile)
	corrupt(t, path, func(b []byte) []byte {
		return []byte(strings.Replace(string(b), `"format": "1.0"`, `"format": "9.0"`, 1))
	})
	_, err := s.Open(m.ID)
	var ve *VersionError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "format version 9.0") {
		t.Fatalf("Open = %v, want a version error", err)
	}
	// A newer minor version of the same major is readable.
	corrupt(t, path, func(b []byte) []byte {
		return []byte(strings.Replace(string(b), `"format": "9.0"`, `"format": "1.7"`, 1))
	})
	if _, err := s.Open(m.ID); err != nil {
		t.Fatalf("Open of format 1.7 = %v", err)
	}
}

func TestUncommittedSnapshotIsNotListed(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	done := writeSnapshot(t, s, testObjects(4))
	w, err := s.Create(Manifest{ID: NewID(time.Now().Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddCollection("Article", []byte(`{}`), nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("Article", "", testObjects(1)[0]); err != nil {
		t.Fatal(err)
	}
	// A directory under a snapshot's name without a manifest, as a crash
	// during removal leaves it, is not a snapshot either.
	if err := os.MkdirAll(s.Path("20200101T000000Z-dead00"), 0o700); err != nil {
		t.Fatal(err)
	}
	list, problems, err := s.List()
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if len(list) != 1 || list[0].ID != done.ID {
		t.Fatalf("List = %v, want only %s", list, done.ID)
	}
	if _, err := s.Open(w.ID()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open of an uncommitted snapshot = %v", err)
	}
	w.Abort()
	if _, err := os.Stat(filepath.Join(s.Dir, ".tmp-"+w.ID())); !os.IsNotExist(err) {
		t.Errorf("Abort left the temp directory: %v", err)
	}
	if err := s.Remove(done.ID); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := s.List(); len(list) != 0 {
		t.Errorf("List after Remove = %v", list)
	}
}

// TestMultiVectorRoundTrip: multi-vectors come back row for row, bit for
// bit, next to single vectors; a snapshot holding one is format 2.0, one
// without stays 1.0 (readable by older releases).
func TestMultiVectorRoundTrip(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	objs := testObjects(3)
	objs[1].Multi = map[string][][]float32{
		"colbert": {{0.5, float32(math.Inf(-1)), math.SmallestNonzeroFloat32}, {1, 2, 3}},
		"other":   {{-0.125}},
	}
	m := writeSnapshot(t, s, objs)
	if m.Format != "2.0" {
		t.Errorf("format %s, want 2.0 for a snapshot holding multi-vectors", m.Format)
	}
	r, err := s.Open(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []*object.Object
	if err := r.Objects(context.Background(), "Article", func(o *object.Object) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range objs {
		if !reflect.DeepEqual(got[i].Multi, objs[i].Multi) || !reflect.DeepEqual(got[i].Vectors, objs[i].Vectors) {
			t.Errorf("object %d: vectors %v %v, want %v %v", i, got[i].Vectors, got[i].Multi, objs[i].Vectors, objs[i].Multi)
		}
		if got[i].Hash() != objs[i].Hash() {
			t.Errorf("object %d: content hash changed in the round trip", i)
		}
	}
	for _, rep := range r.Verify(context.Background()) {
		if rep.Err != nil {
			t.Errorf("verify %s: %v", rep.Name, rep.Err)
		}
	}
	// The same floats as a single vector hash differently.
	a := &object.Object{ID: "x", Multi: map[string][][]float32{"v": {{1, 2}}}}
	b := &object.Object{ID: "x", Vectors: map[string][]float32{"v": {1, 2}}}
	if a.Hash() == b.Hash() {
		t.Error("a multi-vector hashes like a single vector with the same floats")
	}
	if m1 := writeSnapshot(t, &Store{Dir: t.TempDir()}, testObjects(2)); m1.Format != "1.0" {
		t.Errorf("format %s, want 1.0 for a snapshot without multi-vectors", m1.Format)
	}
}

// TestTenantSubsetFormat: a snapshot of some tenants only is format 3.0,
// whether or not it holds multi-vectors, so a reader that does not know
// tenant_subset (formats 1 and 2) refuses it instead of restoring it as
// the whole collection; writing a multi-vector after never lowers it.
func TestTenantSubsetFormat(t *testing.T) {
	for _, multiFirst := range []bool{false, true} {
		s := &Store{Dir: t.TempDir()}
		w, err := s.Create(Manifest{Source: Source{URL: "http://x"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddCollection("Multi", []byte(`{"class":"Multi"}`), []Tenant{{Name: "a", ActivityStatus: "HOT"}}); err != nil {
			t.Fatal(err)
		}
		o := testObjects(1)[0]
		o.Multi = map[string][][]float32{"colbert": {{1, 2}}}
		write := func() {
			if err := w.Write("Multi", "a", o); err != nil {
				t.Fatal(err)
			}
		}
		if multiFirst {
			write()
		}
		if err := w.SetTenantSubset("Multi"); err != nil {
			t.Fatal(err)
		}
		if !multiFirst {
			write()
		}
		m, err := w.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if m.Format != "3.0" {
			t.Errorf("multi-vector first %v: format %s, want 3.0", multiFirst, m.Format)
		}
		if _, err := s.Open(m.ID); err != nil {
			t.Errorf("Open of a 3.0 snapshot: %v", err)
		}
	}
}
