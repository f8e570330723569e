package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFmtExitCodesAndKeepsFileMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "main.hcl")
	if err := os.WriteFile(path, []byte("collection \"A\" {\ndescription=\"x\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	for _, step := range []struct {
		args []string
		want int
	}{
		{[]string{"fmt", "-check"}, exitUnformatted},
		{[]string{"fmt"}, exitOK},
		{[]string{"fmt", "-check"}, exitOK},
	} {
		if got := run(append([]string{"colstate", "-chdir", dir}, step.args...)); got != step.want {
			t.Fatalf("colstate %s exited %d, want %d", strings.Join(step.args, " "), got, step.want)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "collection \"A\" {\n  description = \"x\"\n}\n"; string(got) != want {
		t.Errorf("formatted file:\n%s\nwant:\n%s", got, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v after fmt, want 0644 kept", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left in the directory: %v", entries)
	}
}
