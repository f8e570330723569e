package snapshot

import (
	"path/filepath"
	"strings"
	"testing"
)

// A native-only snapshot is format 4.0 with its counts in the native part;
// one with both parts keeps its chunks' format; a native part naming a
// collection the snapshot lacks is refused when opened.
func TestNativePart(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	write := func(id string, only bool) *Manifest {
		w, err := s.Create(Manifest{ID: id})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddCollection("Article", []byte(`{"class":"Article"}`), nil); err != nil {
			t.Fatal(err)
		}
		if !only {
			for _, o := range testObjects(2) {
				if err := w.Write("Article", "", o); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := w.SetNative(&Native{Backend: "filesystem", BackupID: NativeBackupID(id), ServerVersion: "1.35.2", Nodes: []string{"node1"}, Only: only,
			Collections: []NativeCollection{{Name: "Article", Objects: 2}}}); err != nil {
			t.Fatal(err)
		}
		if err := w.SetNative(&Native{Backend: "filesystem", BackupID: "x", Collections: []NativeCollection{{Name: "Nope"}}}); err == nil {
			t.Fatal("SetNative took a collection the snapshot lacks")
		}
		m, err := w.Commit()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	only := write("20261205T120000Z-aa", true)
	both := write("20261205T120000Z-bb", false)
	for _, tt := range []struct {
		m              *Manifest
		format, engine string
		portable       bool
	}{{only, FormatVersion4, "native", false}, {both, FormatVersion1, "both", true}} {
		r, err := s.Open(tt.m.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := r.Manifest()
		if m.Format != tt.format || m.Engine() != tt.engine || m.Portable() != tt.portable || m.ObjectsOf("Article") != 2 {
			t.Errorf("%s: format %s engine %s portable %v objects %d", m.ID, m.Format, m.Engine(), m.Portable(), m.ObjectsOf("Article"))
		}
		if m.Native.BackupID != "colstate-"+strings.ToLower(m.ID) {
			t.Errorf("backup id %s", m.Native.BackupID)
		}
	}
	corrupt(t, filepath.Join(s.Path(only.ID), ManifestFile), func(b []byte) []byte {
		return []byte(strings.Replace(string(b), `"name": "Article",
        "objects": 2`, `"name": "Gone",
        "objects": 2`, 1))
	})
	if _, err := s.Open(only.ID); err == nil || !strings.Contains(err.Error(), "native part names collection Gone") {
		t.Fatalf("Open of a tampered native part: %v", err)
	}
}
