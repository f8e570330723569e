package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFileAtomic: the file ends up whole, private, in a directory
// created private, replacing the old one, with no temp file left behind.
func TestWriteFileAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "state.json")
	for _, data := range []string{"first", "second, longer than the first"} {
		if err := WriteFileAtomic(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != FileMode {
		t.Errorf("file mode %v, %v; want %v", fi.Mode().Perm(), err, FileMode)
	}
	di, err := os.Stat(dir)
	if err != nil || di.Mode().Perm() != DirMode {
		t.Errorf("dir mode %v, %v; want %v", di.Mode().Perm(), err, DirMode)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %v, want only state.json", entries)
	}
}

// A failed write leaves the old file as it was and no temp file.
func TestWriteFileAtomicFailureKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan")
	if err := WriteFileAtomic(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	// A directory in the file's place: the rename fails after the temp
	// file was written.
	blocked := filepath.Join(dir, "sub")
	if err := os.MkdirAll(filepath.Join(blocked, "child"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(blocked, []byte("new")); err == nil {
		t.Fatal("rename over a non-empty directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %v, want plan and sub only (temp file removed)", entries)
	}
	// A parent that is a file: nothing can be created.
	if err := WriteFileAtomic(filepath.Join(path, "x"), []byte("new")); err == nil {
		t.Fatal("write under a file succeeded")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("old file now %q", got)
	}
	if err := SyncDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("SyncDir of a missing directory succeeded")
	}
}
