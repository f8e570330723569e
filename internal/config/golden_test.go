package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/diagnostics")

// TestGoldenDiagnostics loads each testdata/diagnostics/NAME.hcl alone and
// compares the printed diagnostics with NAME.golden (go test -update
// rewrites them).
func TestGoldenDiagnostics(t *testing.T) {
	files, err := filepath.Glob("testdata/diagnostics/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".hcl")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			golden, err := filepath.Abs(strings.TrimSuffix(f, ".hcl") + ".golden")
			if err != nil {
				t.Fatal(err)
			}
			dir := writeDir(t, map[string]string{filepath.Base(f): string(src)})
			t.Chdir(dir)
			_, diags := NewLoader().LoadDir(".")
			var got bytes.Buffer
			WriteDiagnostics(&got, diags)
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("diagnostics differ from %s:\n--- got\n%s--- want\n%s", golden, got.String(), want)
			}
		})
	}
}
