package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/collection"
)

func TestWriteReadRoundTripKeepsBackupAndMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested")
	path := filepath.Join(dir, "state.json")
	s, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Lineage == "" || s.Serial != 0 {
		t.Fatalf("new state = %+v", s)
	}
	c := collection.Collection{Name: "A", Description: "first"}
	collection.Normalize(&c)
	s.Collections["A"] = c
	if err := Write(path, s); err != nil {
		t.Fatal(err)
	}
	c.Description = "second"
	s.Collections["A"] = c
	if err := Write(path, s); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Serial != 2 || got.Lineage != s.Lineage || got.Collections["A"].Description != "second" {
		t.Fatalf("read back %+v", got)
	}
	prev, err := Read(path + ".backup")
	if err != nil {
		t.Fatal(err)
	}
	if prev.Serial != 1 || prev.Collections["A"].Description != "first" {
		t.Fatalf("backup = %+v", prev)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, path + ".backup": 0o600, dir: 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
}

func TestDecodeRejectsBadFiles(t *testing.T) {
	for name, data := range map[string]string{
		"not json":      "{",
		"wrong version": `{"version": 99, "lineage": "x"}`,
		"no lineage":    `{"version": 1}`,
	} {
		if _, err := Decode([]byte(data), "s.json"); err == nil || !strings.Contains(err.Error(), "s.json") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestDecodeRefusesBadStateFiles(t *testing.T) {
	const path = "dir/state.json"
	for name, tt := range map[string]struct{ data, want string }{
		"not JSON":      {`{"version":1,`, "is not valid JSON"},
		"other version": {`{"version":2,"lineage":"x"}`, "has format version 2"},
		"no lineage":    {`{"version":1}`, "has no lineage"},
		"name mismatch": {`{"version":1,"lineage":"x","collections":{"A":{"name":"B"}}}`, `records collection "B" under the name "A"`},
		"null entry":    {`{"version":1,"lineage":"x","collections":{"A":null}}`, `records collection "" under the name "A"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode([]byte(tt.data), path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Decode error %v, want one naming %s and saying %q", err, path, tt.want)
			}
		})
	}
}
