package apply_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestTamperedSnapshotWritesNothing: snapshots damaged or edited in ways
// the per-chunk checksums alone do not catch are refused before restore,
// merge or replace write anything: the target collection is neither
// created (restore) nor changed (merge into a live one).
func TestTamperedSnapshotWritesNothing(t *testing.T) {
	e := newEnv(t)
	name := weaviatetest.Name(t, "Tamper")
	objs := livetest.Authors(61, 40)
	e.create(livetest.AuthorClass(name), objs)
	e.backup("orig", false, name)
	snapDir := filepath.Join(e.store, "orig")
	manifestPath := filepath.Join(snapDir, snapshot.ManifestFile)
	pristine, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	chunkRel := readManifest(t, pristine).Collections[0].Chunks[0].File
	chunkPath := filepath.Join(snapDir, filepath.FromSlash(chunkRel))
	pristineChunk, err := os.ReadFile(chunkPath)
	if err != nil {
		t.Fatal(err)
	}

	// An "evil" chunk: the same objects with one property changed, as a
	// valid chunk of its own snapshot.
	evil := make([]*object.Object, len(objs))
	for i, o := range objs {
		cp := *o
		cp.Properties = map[string]any{"name": o.Properties["name"], "born": o.Properties["born"]}
		evil[i] = &cp
	}
	evil[7].Properties["name"] = "mallory"
	es := &snapshot.Store{Dir: t.TempDir()}
	w, err := es.Create(snapshot.Manifest{ID: "evil"})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(e.schema(name))
	if err := w.AddCollection(name, raw, nil); err != nil {
		t.Fatal(err)
	}
	for _, o := range evil {
		if err := w.Write(name, "", o); err != nil {
			t.Fatal(err)
		}
	}
	em, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	evilChunk, err := os.ReadFile(filepath.Join(es.Dir, "evil", filepath.FromSlash(em.Collections[0].Chunks[0].File)))
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		tamper func(m *snapshot.Manifest) []byte // returns the chunk to write (nil: unchanged)
		want   string
	}{
		{"chunk swapped, checksum and size updated, digest kept", func(m *snapshot.Manifest) []byte {
			ch := &m.Collections[0].Chunks[0]
			ch.SHA256, ch.Size = em.Collections[0].Chunks[0].SHA256, em.Collections[0].Chunks[0].Size
			return evilChunk
		}, "content digest"},
		{"chunk truncated, checksum and size updated", func(m *snapshot.Manifest) []byte {
			cut := pristineChunk[:len(pristineChunk)*2/3]
			ch := &m.Collections[0].Chunks[0]
			ch.SHA256, ch.Size = sha(cut), int64(len(cut))
			return cut
		}, "the chunk is truncated"},
		{"object count raised in chunk and collection", func(m *snapshot.Manifest) []byte {
			m.Collections[0].Chunks[0].Objects++
			m.Collections[0].Objects++
			return nil
		}, "the snapshot is damaged"},
		{"chunk path outside the snapshot", func(m *snapshot.Manifest) []byte {
			m.Collections[0].Chunks[0].File = "../evil/" + chunkRel
			return nil
		}, "is not a file inside the snapshot"},
		{"chunk flipped, manifest untouched", func(m *snapshot.Manifest) []byte {
			bad := append([]byte(nil), pristineChunk...)
			bad[len(bad)/2] ^= 0x40
			return bad
		}, "the snapshot is damaged"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := readManifest(t, pristine)
			chunk := tc.tamper(m)
			if chunk == nil {
				chunk = pristineChunk
			}
			data, _ := json.MarshalIndent(m, "", "  ")
			if err := os.WriteFile(manifestPath, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(chunkPath, chunk, 0o600); err != nil {
				t.Fatal(err)
			}
			// Restore into a fresh name: the collection must not appear.
			target := name + "Copy"
			err := e.run(e.restore("orig", name, target, plan.Restore))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore of a tampered snapshot = %v, want %q", err, tc.want)
			}
			if _, err := e.c.Class(e.ctx, target); !errors.Is(err, live.ErrNotFound) {
				_ = e.c.Delete(e.ctx, target)
				t.Fatalf("the collection was created anyway (%v)", err)
			}
			// Merge into the live original: it must stay as it was.
			if err := e.run(e.restore("orig", name, name, plan.Merge)); err == nil {
				t.Fatal("merge of a tampered snapshot succeeded")
			}
			e.same(name, objs)
		})
	}
	// Put it back: the pristine snapshot restores.
	if err := os.WriteFile(manifestPath, pristine, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chunkPath, pristineChunk, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.run(e.restore("orig", name, name+"Copy", plan.Restore)); err != nil {
		t.Fatal(err)
	}
	e.same(name+"Copy", objs)
}

func readManifest(t *testing.T, data []byte) *snapshot.Manifest {
	t.Helper()
	var m snapshot.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
