package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// FuzzLoadDir feeds arbitrary bytes to the decoder as a directory's main.hcl.
// The decoder must never panic, and every problem must come back as a
// diagnostic a user can read: an error severity and a non-empty summary.
// The seed corpus is in testdata/fuzz/FuzzLoadDir and runs with go test.
func FuzzLoadDir(f *testing.F) {
	for _, seed := range []string{
		``,
		`weaviate { url = env("WEAVIATE_URL", "http://localhost:8080") }`,
		`state { path = ".colstate/state.json" }`,
		`collection "Article" {
  description = "News"
  vectorizer  = "none"
  vector_index "hnsw" {
    distance        = "cosine"
    ef              = 128
    ef_construction = 64
    max_connections = 16
  }
  property "title" {
    data_type        = "text"
    tokenization     = "word"
    index_filterable = true
    index_searchable = true
  }
  property "author" { data_type = "Author" }
  multi_tenancy { enabled = false }
  replication { factor = 1 }
}`,
		`collection "A" { vector_index "flat" { ef = 1 } }`,
		`collection "a" { property "x" { data_type = 3 } }`,
		`collection "A" {} collection "A" {}`,
		`weaviate { url = env() }`,
		`weaviate { url = env("A", "b", "c") }`,
		`weaviate { url = env(null) }`,
		`state { path = "" }`,
		`collection "A" { replication { factor = 0 } }`,
		`collection "A" { description = = "oops" }`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), src, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, diags := NewLoader().LoadDir(dir)
		for _, d := range diags {
			if d == nil {
				t.Fatal("nil diagnostic")
			}
			if d.Summary == "" {
				t.Fatalf("diagnostic without summary: %#v", d)
			}
			if d.Severity != hcl.DiagError && d.Severity != hcl.DiagWarning {
				t.Fatalf("diagnostic with invalid severity %v: %s", d.Severity, d.Summary)
			}
		}
		if !diags.HasErrors() && cfg == nil {
			t.Fatal("no config and no error")
		}
	})
}
