package snapshot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSnapshotIDsStayInTheStore: an id comes from the command line and from
// plans, so one that would reach outside the store directory is refused by
// every store operation before it touches the file system.
func TestSnapshotIDsStayInTheStore(t *testing.T) {
	root := t.TempDir()
	s := &Store{Dir: filepath.Join(root, "store")}
	victim := filepath.Join(root, "victim")
	if err := os.MkdirAll(victim, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(victim, ManifestFile), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", ".", "..", "../victim", "a/b", `a\b`, ".hidden", "x/../victim"} {
		want := "is not a snapshot id"
		if _, err := s.Open(id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q): %v", id, err)
		}
		if err := s.Remove(id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Remove(%q): %v", id, err)
		}
		if _, err := s.Create(Manifest{ID: id}); id != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("Create(%q): %v", id, err)
		}
	}
	if _, err := os.Stat(filepath.Join(victim, ManifestFile)); err != nil {
		t.Fatalf("a file outside the store was touched: %v", err)
	}
}

func TestRemove(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	m := writeSnapshot(t, s, testObjects(4))
	if err := s.Remove("20990101T000000Z-000000"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove of an unknown id: %v", err)
	}
	if err := s.Remove(m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Path(m.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("snapshot directory left behind: %v", err)
	}
	if _, err := s.Open(m.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("open after remove: %v", err)
	}
	if err := s.Remove(m.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
}

func TestCreateRefusesAnExistingID(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	m := writeSnapshot(t, s, testObjects(1))
	if _, err := s.Create(Manifest{ID: m.ID}); err == nil || !strings.Contains(err.Error(), "snapshot "+m.ID+" already exists") {
		t.Fatalf("create over an existing snapshot: %v", err)
	}
	id := NewID(time.Date(2026, 12, 5, 18, 0, 0, 0, time.FixedZone("CET", 3600)))
	if !strings.HasPrefix(id, "20261205T170000Z-") || len(id) != len("20261205T170000Z-")+6 || validID(id) != nil {
		t.Errorf("NewID = %q, want the UTC time and a 6-hex-digit suffix", id)
	}
	if NewID(time.Unix(0, 0)) == NewID(time.Unix(0, 0)) {
		t.Error("two ids in the same second collide")
	}
}

// TestSchemaChecked: a collection's schema is checked against the manifest
// before restore uses it, and an unknown collection names the ones there are.
func TestSchemaChecked(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	m := writeSnapshot(t, s, testObjects(2))
	r, err := s.Open(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Dir() != s.Path(m.ID) {
		t.Errorf("Dir = %s", r.Dir())
	}
	if data, err := r.Schema("Article"); err != nil || !strings.Contains(string(data), `"class":"Article"`) {
		t.Fatalf("schema %s, %v", data, err)
	}
	if _, err := r.Schema("Nope"); err == nil || !strings.Contains(err.Error(), "has no collection Nope (it has [Article Multi])") {
		t.Errorf("unknown collection: %v", err)
	}
	file := filepath.Join(s.Path(m.ID), filepath.FromSlash(m.Collection("Article").Schema))
	corrupt(t, file, func(b []byte) []byte { return append(b, ' ') })
	var ce *ChecksumError
	if _, err := r.Schema("Article"); !errors.As(err, &ce) || !strings.Contains(err.Error(), "the snapshot is damaged") {
		t.Fatalf("edited schema: %v", err)
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 37786: "36.9 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := ByteSize(n); got != want {
			t.Errorf("ByteSize(%d) = %s, want %s", n, got, want)
		}
	}
}
