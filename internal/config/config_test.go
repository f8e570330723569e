package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadFullCollection(t *testing.T) {
	t.Setenv("CS_TEST_URL", "http://example.invalid:8080")
	dir := writeDir(t, map[string]string{"a.hcl": `
weaviate {
  url      = env("CS_TEST_URL", "http://localhost:8080")
  api_key  = env("CS_TEST_UNSET_KEY", "")
  embedded = false
}
state { path = "s.json" }
collection "Article" {
  description = "News"
  vectorizer  = "none"
  vector_index "hnsw" {
    distance        = "dot"
    ef              = 64
    ef_construction = 256
    max_connections = 16
  }
  property "title" {
    data_type    = "text"
    tokenization = "field"
    index_searchable = false
  }
  property "tags" { data_type = "text[]" }
  property "author" { data_type = "Author" }
  multi_tenancy { enabled = true }
  replication { factor = 2 }
}
`, "b.hcl": `collection "Author" {}`})
	cfg, diags := NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if cfg.Weaviate.URL != "http://example.invalid:8080" || cfg.Weaviate.APIKey != "" || cfg.State.Path != "s.json" {
		t.Fatalf("weaviate/state = %+v %+v", cfg.Weaviate, cfg.State)
	}
	if len(cfg.Collections) != 2 {
		t.Fatalf("collections = %d", len(cfg.Collections))
	}
	a := cfg.Collection("Article")
	if a.VectorIndex.Distance != "dot" || a.VectorIndex.EF != 64 || a.VectorIndex.EFConstruction != 256 || a.VectorIndex.MaxConnections != 16 {
		t.Fatalf("vector index = %+v", a.VectorIndex)
	}
	if !a.MultiTenancy.Enabled || a.Replication.Factor != 2 {
		t.Fatalf("mt/replication = %+v %+v", a.MultiTenancy, a.Replication)
	}
	title := a.Property("title")
	if title.Tokenization != "field" || title.IndexSearchable || !title.IndexFilterable {
		t.Fatalf("title = %+v", title)
	}
	if a.Property("tags").Tokenization != "word" || a.Property("author").DataType != "Author" {
		t.Fatalf("defaults not applied: %+v", a.Properties)
	}
	if cfg.Collection("Author").Vectorizer != "none" {
		t.Fatalf("author not normalised")
	}
}

func TestDiagnosticsCarryFileLineColumn(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown attribute", "collection \"A\" {\n  colour = \"red\"\n}\n", "x.hcl:2:3: Unsupported argument"},
		{"bad name", "collection \"lower\" {}\n", "x.hcl:1:12: Collection name changed by Weaviate"},
		{"invalid name", "collection \"A-b\" {}\n", "x.hcl:1:12: Invalid collection name"},
		{"bad distance", "collection \"A\" {\n  vector_index \"hnsw\" {\n    distance = \"far\"\n  }\n}\n", "x.hcl:3:16: Invalid distance"},
		{"bad index type", "collection \"A\" {\n  vector_index \"ivf\" {}\n}\n", "x.hcl:2:16: Invalid vector index type"},
		{"missing data_type", "collection \"A\" {\n  property \"p\" {}\n}\n", "x.hcl:2:3: Missing required argument"},
		{"bad data type", "collection \"A\" {\n  property \"p\" { data_type = \"txt\" }\n}\n", "x.hcl:2:30: Invalid data type"},
		{"wrong type", "collection \"A\" {\n  description = [1]\n}\n", "x.hcl:2:17: Unsuitable value type"},
		{"ef on flat", "collection \"A\" {\n  vector_index \"flat\" { ef = 1 }\n}\n", "x.hcl:2:25: Unsupported argument"},
		{"duplicate property", "collection \"A\" {\n  property \"p\" { data_type = \"int\" }\n  property \"p\" { data_type = \"int\" }\n}\n", "x.hcl:3:12: Duplicate property"},
		{"env unset", "weaviate { url = env(\"CS_TEST_SURELY_UNSET\") }\n", "x.hcl:1:18: Error in function call"},
		{"syntax", "collection \"A\" {\n  description = = 1\n}\n", "x.hcl:2:17:"},
		{"two weaviate blocks", "weaviate {}\nweaviate {}\n", "x.hcl:2:1: Duplicate weaviate block"},
		{"keep_previous 2", "collection \"A\" {\n  lifecycle {\n    create_before_destroy = true\n    keep_previous = 2\n  }\n}\n", "x.hcl:4:21: Invalid keep_previous"},
		{"keep_previous alone", "collection \"A\" {\n  lifecycle { keep_previous = 1 }\n}\n", "x.hcl:2:31: keep_previous needs create_before_destroy"},
		{"replication zero", "collection \"A\" {\n  replication { factor = 0 }\n}\n", "x.hcl:2:26: Value out of range: factor must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loadErr(t, tt.src); !strings.HasPrefix(got, tt.want) {
				t.Fatalf("got %q, want prefix %q", got, tt.want)
			}
		})
	}
}

func TestNoFiles(t *testing.T) {
	_, diags := NewLoader().LoadDir(t.TempDir())
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "no *.hcl files") {
		t.Fatalf("diags = %v", diags)
	}
}

// loadErr loads src as x.hcl and returns the printed diagnostics.
func loadErr(t *testing.T, src string) string {
	t.Helper()
	dir := writeDir(t, map[string]string{"x.hcl": src})
	t.Chdir(dir)
	_, diags := NewLoader().LoadDir(".")
	if !diags.HasErrors() {
		t.Fatal("no error")
	}
	var buf bytes.Buffer
	WriteDiagnostics(&buf, diags)
	return buf.String()
}

// TestStateURL: state { url } names an object in a bucket; one carrying
// credentials, or given with path, is refused at its source range.
func TestStateURL(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.hcl": `state { url = "s3://b/ci/prod.json?region=eu-west-1" }`})
	cfg, diags := NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if cfg.State.URL != "s3://b/ci/prod.json?region=eu-west-1" || cfg.State.Path != "" {
		t.Fatalf("state = %+v", cfg.State)
	}
	for src, want := range map[string]string{
		`state { url = "s3://AKIA:hunter2@b/prod.json" }`:                  "carries credentials",
		`state { url = "s3://b/prod.json?aws_secret_access_key=hunter2" }`: `parameter "aws_secret_access_key" carries or points at a credential`,
		`state { url = "ftp://b/prod.json" }`:                              "not supported",
		"state {\n  url = \"s3://b/x.json\"\n  path = \"s.json\"\n}":       "Both state path and url",
		`state { url = "s3://b/prod/state.json.backup" }`:                  "choose another name",
		`state { url = "s3://b/prod/state.json.tenants.12" }`:              "choose another name",
		`state { path = "../shared/state.json.backup" }`:                   "Invalid state path",
		`state { path = "state.json.lock" }`:                               "choose another name",
		`state { path = "state.json.journal" }`:                            "choose another name",
	} {
		got := loadErr(t, src)
		if !strings.Contains(got, want) || !strings.Contains(got, "x.hcl:") || strings.Contains(got, "hunter2") {
			t.Errorf("%s:\n%s\nwant %q", src, got, want)
		}
	}
}

// delete_timeout bounds the wait for Weaviate to delete a collection (a
// collection with thousands of tenants takes it minutes).
func TestDeleteTimeout(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.hcl": `weaviate { delete_timeout = "2h" }`})
	cfg, diags := NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if cfg.Weaviate.DeleteTimeout != 2*time.Hour {
		t.Fatalf("delete_timeout = %s, want 2h", cfg.Weaviate.DeleteTimeout)
	}
	for _, bad := range []string{`"soon"`, `"-5m"`, `"0s"`} {
		if msg := loadErr(t, `weaviate { delete_timeout = `+bad+` }`); !strings.Contains(msg, "Invalid delete_timeout") {
			t.Errorf("delete_timeout = %s: %s", bad, msg)
		}
	}
}
