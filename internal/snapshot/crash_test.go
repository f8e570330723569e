package snapshot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A backup killed mid-write (no Abort, no Commit) leaves a temp directory:
// it is not listed, and a new backup under the same id still succeeds.
func TestCreateAfterKilledBackup(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	for range 2 { // two crashes in a row
		w, err := s.Create(Manifest{ID: "nightly"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddCollection("Article", []byte(`{"class":"Article"}`), nil); err != nil {
			t.Fatal(err)
		}
		for _, o := range testObjects(5) {
			if err := w.Write("Article", "", o); err != nil {
				t.Fatal(err)
			}
		}
		// The process dies here: nothing is closed or removed.
	}
	if list, _, err := s.List(); err != nil || len(list) != 0 {
		t.Fatalf("List after killed backups = %v, %v", list, err)
	}
	w, err := s.Create(Manifest{ID: "nightly"})
	if err != nil {
		t.Fatalf("a new backup under the id of a killed one: %v", err)
	}
	if err := w.AddCollection("Article", []byte(`{"class":"Article"}`), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	list, _, err := s.List()
	if err != nil || len(list) != 1 || list[0].ID != "nightly" {
		t.Fatalf("List = %v, %v; want only nightly", list, err)
	}
	entries, _ := os.ReadDir(s.Dir)
	tmp := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-nightly-") {
			tmp++
		}
	}
	if tmp != 2 {
		t.Fatalf("want the two killed backups' temp directories left (ignored), have %d in %v", tmp, entries)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "nightly", ManifestFile)); err != nil {
		t.Fatal(err)
	}
}
