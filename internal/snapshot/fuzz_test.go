package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/colstate/colstate/internal/object"
)

// The fuzz targets below run their seeds (f.Add and testdata/fuzz/<name>)
// with every go test; fuzz each with e.g.
//
//	go test -run '^$' -fuzz '^FuzzDecodeManifest$' -fuzztime 1m ./internal/snapshot

// FuzzDecodeManifest: any bytes as manifest.json. No panic; every error
// names the snapshot; a manifest that is accepted names only files inside
// the snapshot and its counts add up.
func FuzzDecodeManifest(f *testing.F) {
	f.Add(goodManifest(f))
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"format":"1.0"}`, `{"format":"2.0"}`, `{"format":1}`,
		`{"format":"1.7","collections":[{"name":"A","schema":"schema/A.json","schema_sha256":"` + strings.Repeat("0", 64) + `","chunks":[]}]}`,
		`{"format":"1.0","collections":[{"name":"A","schema":"../../etc/passwd","schema_sha256":"` + strings.Repeat("0", 64) + `"}]}`,
		`{"format":"1.0","collections":[{"name":"A","schema":"s","schema_sha256":"` + strings.Repeat("0", 64) + `","objects":5,"chunks":[{"file":"/abs","objects":5,"size":1,"sha256":"` + strings.Repeat("0", 64) + `"}]}]}`,
		`{"format":"1.0","collections":[{"name":"A"},{"name":"A"}]}`,
		`{"format":"1.0","created_at":"yesterday"}`,
		`{"format":"1.0","collections":[{"name":"A","objects":-1}]}`,
	} {
		f.Add([]byte(s))
	}
	const id = "fuzzed-id"
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeManifest(data, id)
		if err != nil {
			if !strings.Contains(err.Error(), "snapshot "+id) {
				t.Fatalf("error does not name the snapshot: %v", err)
			}
			return
		}
		var total int64
		for _, c := range m.Collections {
			if !localFile(c.Schema) {
				t.Fatalf("accepted schema path %q", c.Schema)
			}
			for _, ch := range c.Chunks {
				if !localFile(ch.File) || ch.Size < 0 || ch.Objects < 0 {
					t.Fatalf("accepted chunk %+v", ch)
				}
			}
			total += c.Objects
		}
		if m.Objects() != total {
			t.Fatalf("Objects() = %d, collections add up to %d", m.Objects(), total)
		}
	})
}

// FuzzRecordReader: any bytes as a decompressed chunk. No panic, no
// unbounded allocation; every error says the chunk is corrupt or cut
// short; every object returned has a UUID.
func FuzzRecordReader(f *testing.F) {
	var buf bytes.Buffer
	for _, o := range testObjects(3) {
		if err := encodeRecord(&buf, o, mustJSON(f, o.Properties)); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()-3])
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte("\x02{}"))
	f.Add([]byte("\x0b{\"id\":\"x\"}"))
	f.Add([]byte("\x2a{\"id\":\"x\",\"vectors\":[{\"dims\":99999999}]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rr := newRecordReader(bytes.NewReader(data))
		for range 10_000 {
			o, err := rr.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if msg := err.Error(); msg == "" || !(strings.Contains(msg, "corrupt") || strings.Contains(msg, "truncated") || strings.Contains(msg, "record header")) {
					t.Fatalf("unclear error: %q", msg)
				}
				return
			}
			if o.ID == "" {
				t.Fatal("an object without a UUID was accepted")
			}
			_ = o.Hash()
		}
	})
}

// FuzzChunk: any bytes as a chunk file whose checksum and size the manifest
// records correctly (as a tampered snapshot would), read through the real
// Reader: zstd, records, counts. No panic; every error names the
// collection.
func FuzzChunk(f *testing.F) {
	var raw bytes.Buffer
	for _, o := range testObjects(4) {
		if err := encodeRecord(&raw, o, mustJSON(f, o.Properties)); err != nil {
			f.Fatal(err)
		}
	}
	enc, _ := zstd.NewWriter(nil)
	good := enc.EncodeAll(raw.Bytes(), nil)
	f.Add(good, uint8(4))
	f.Add(good[:len(good)/2], uint8(4))
	f.Add(enc.EncodeAll([]byte("\x05hello"), nil), uint8(1))
	f.Add([]byte("not zstd at all"), uint8(0))
	f.Add([]byte{}, uint8(0))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, objects uint8) {
		snap := filepath.Join(dir, "s")
		if err := os.MkdirAll(filepath.Join(snap, "chunks"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(snap, "chunks", "1.zst"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		r := &Reader{ctx: context.Background(), st: dirStorage{dir: dir}, id: "s", dir: snap, m: &Manifest{ID: "s", Collections: []Collection{{
			Name: "Fz", Objects: int64(objects),
			Chunks: []Chunk{{File: "chunks/1.zst", Objects: int64(objects), Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}},
		}}}}
		n := 0
		err := r.Objects(context.Background(), "Fz", func(o *object.Object) error {
			if o.ID == "" {
				t.Fatal("an object without a UUID was accepted")
			}
			n++
			return nil
		})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "collection Fz: ") {
				t.Fatalf("error does not name the collection: %v", err)
			}
			return
		}
		if n != int(objects) {
			t.Fatalf("read %d objects, the manifest says %d, and no error", n, objects)
		}
	})
}

// TestManifestRefusesEdits: a manifest edited so that it names files
// outside the snapshot, or whose counts do not add up, is refused on open
// with a message that says so.
func TestManifestRefusesEdits(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	m := writeSnapshot(t, s, testObjects(7))
	path := filepath.Join(s.Dir, m.ID, ManifestFile)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edits := map[string]func(*Manifest){
		"chunk path ../":   func(m *Manifest) { m.Collections[0].Chunks[0].File = "../../other/chunk.zst" },
		"absolute schema":  func(m *Manifest) { m.Collections[0].Schema = "/etc/passwd" },
		"object count":     func(m *Manifest) { m.Collections[0].Objects++ },
		"checksum not hex": func(m *Manifest) { m.Collections[0].Chunks[0].SHA256 = "zz" },
		"duplicate":        func(m *Manifest) { m.Collections = append(m.Collections, m.Collections[0]) },
		"negative size":    func(m *Manifest) { m.Collections[0].Chunks[0].Size = -1 },
	}
	for name, edit := range edits {
		var mm Manifest
		if err := json.Unmarshal(orig, &mm); err != nil {
			t.Fatal(err)
		}
		edit(&mm)
		data, _ := json.Marshal(mm)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := s.Open(m.ID)
		if err == nil || !strings.Contains(err.Error(), "damaged or was edited") {
			t.Errorf("%s: Open = %v, want a refusal", name, err)
		}
	}
	// Cut short: not valid JSON.
	if err := os.WriteFile(path, orig[:len(orig)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(m.ID); err == nil || !strings.Contains(err.Error(), "manifest is not valid JSON") {
		t.Errorf("truncated manifest: Open = %v", err)
	}
	var ve *VersionError
	if err := os.WriteFile(path, []byte(`{"format":"7.1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(m.ID); !errors.As(err, &ve) {
		t.Errorf("format 7.1: Open = %v", err)
	}
}

// goodManifest is the manifest of a small committed snapshot.
func goodManifest(tb testing.TB) []byte {
	tb.Helper()
	s := &Store{Dir: tb.TempDir()}
	w, err := s.Create(Manifest{ID: "good"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.AddCollection("Article", []byte(`{"class":"Article"}`), []Tenant{{Name: "a"}}); err != nil {
		tb.Fatal(err)
	}
	for _, o := range testObjects(5) {
		if err := w.Write("Article", "a", o); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := w.Commit(); err != nil {
		tb.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(s.Dir, "good", ManifestFile))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// mustJSON encodes properties as the writer does before encodeRecord.
func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
