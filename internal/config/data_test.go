package config

import (
	"strings"
	"testing"
	"time"
)

func TestDataBlocks(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.hcl": `
snapshot_store "local" { path = "snaps" }
data "jsonl" "items" {
  path = "items.jsonl"
  key  = ["sku", "region"]
}
data "jsonl" "one_key" {
  path = "x.jsonl"
  key  = "sku"
}
data "snapshot" "pinned" {
  store = snapshot_store.local
  id    = "20261126T120000Z-abcd"
}
data "snapshot" "newest" { latest = snapshot.nightly }
snapshot "nightly" {
  collections = [collection.Item]
  store       = snapshot_store.local
  max_age     = "24h"
}
collection "Item" {
  content {
    from = data.jsonl.items
    mode = "exact"
  }
  lifecycle { backup_before_destroy = false }
}
collection "Other" {
  content { from = snapshot.nightly }
}
`, "items.jsonl": "", "x.jsonl": ""})
	cfg, diags := NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if s := cfg.Source("data.jsonl.items"); s == nil || s.Path != "items.jsonl" || strings.Join(s.Key, ",") != "sku,region" {
		t.Fatalf("jsonl source = %+v", s)
	}
	if s := cfg.Source("data.jsonl.one_key"); s == nil || strings.Join(s.Key, ",") != "sku" {
		t.Fatalf("single key = %+v", s)
	}
	if s := cfg.Source("data.snapshot.pinned"); s == nil || s.Store != "local" || s.ID == "" {
		t.Fatalf("snapshot source = %+v", s)
	}
	if s := cfg.Source("data.snapshot.newest"); s == nil || s.Latest != "nightly" {
		t.Fatalf("latest source = %+v", s)
	}
	p := cfg.SnapshotPolicy("nightly")
	if p == nil || p.MaxAge != 24*time.Hour || p.Store != "local" || strings.Join(p.Collections, ",") != "Item" {
		t.Fatalf("policy = %+v", p)
	}
	item := cfg.Collection("Item")
	if item.Content == nil || item.Content.From != "data.jsonl.items" || item.Content.Mode != "exact" || item.Lifecycle.BackupBeforeDestroy {
		t.Fatalf("item = %+v %+v", item.Content, item.Lifecycle)
	}
	other := cfg.Collection("Other")
	if other.Content.Mode != "merge" || !other.Lifecycle.BackupBeforeDestroy {
		t.Fatalf("defaults: %+v %+v", other.Content, other.Lifecycle)
	}
	if s := cfg.Store("local"); s == nil || s.Path != "snaps" || cfg.Store("") != nil {
		t.Fatal("store paths")
	}
}

func TestDataBlockErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown kind", "data \"csv\" \"x\" {}\n", "x.hcl:1:6: Unknown data source"},
		{"jsonl without path", "data \"jsonl\" \"x\" {}\n", "x.hcl:1:18: Missing required argument"},
		{"bad max_age", "collection \"A\" {}\nsnapshot \"s\" {\n  collections = [collection.A]\n  max_age = \"daily\"\n}\n", "x.hcl:4:13: Invalid max_age"},
		{"unknown collection", "snapshot \"s\" { collections = [collection.Nope] }\n", "x.hcl:1:1: Unknown collection"},
		{"unknown source", "collection \"A\" {\n  content { from = data.jsonl.nope }\n}\n", "x.hcl:2:3: Unknown content source"},
		{"bad mode", "data \"jsonl\" \"i\" { path = \"i\" }\ncollection \"A\" {\n  content {\n    from = data.jsonl.i\n    mode = \"mirror\"\n  }\n}\n", "x.hcl:5:12: Invalid content mode"},
		{"wrong ref kind", "snapshot \"s\" {\n  collections = []\n  store = collection.A\n}\n", "x.hcl:3:11: Invalid reference"},
		{"snapshot source needs one", "data \"snapshot\" \"x\" {}\n", "x.hcl:1:1: Snapshot source needs id or latest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loadErr(t, tt.src); !strings.HasPrefix(got, tt.want) {
				t.Fatalf("got %q, want prefix %q", got, tt.want)
			}
		})
	}
}

func TestContentTenants(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.hcl": `
data "jsonl" "one" { path = "one.jsonl" }
data "snapshot" "prod" { id = "x" }
collection "Mt" {
  multi_tenancy { enabled = true }
  content {
    from       = data.snapshot.prod
    mode       = "exact"
    tenants    = ["acme", "globex"]
    tenant_map = { globex = "globex-copy" }
  }
}
collection "Mj" {
  multi_tenancy { enabled = true }
  content {
    from   = data.jsonl.one
    tenant = "acme"
  }
}
`, "one.jsonl": ""})
	cfg, diags := NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c := cfg.Collection("Mt").Content
	if strings.Join(c.Tenants, ",") != "acme,globex" || c.TenantOf("globex") != "globex-copy" || c.TenantOf("acme") != "acme" {
		t.Fatalf("content = %+v", c)
	}
	if c.TenantsRange.Start.Line != 9 {
		t.Fatalf("tenants range = %v", c.TenantsRange)
	}
	if j := cfg.Collection("Mj").Content; j.Tenant != "acme" || j.Tenants != nil {
		t.Fatalf("jsonl content = %+v", j)
	}
}

func TestContentTenantErrors(t *testing.T) {
	const src = "data \"jsonl\" \"j\" { path = \"j\" }\ndata \"snapshot\" \"s\" { id = \"x\" }\n"
	mt := func(content string) string {
		return src + "collection \"A\" {\n  multi_tenancy { enabled = true }\n  content {\n" + content + "  }\n}\n"
	}
	tests := []struct{ name, src, want string }{
		{"tenants without multi-tenancy", src + "collection \"A\" {\n  content {\n    from = data.snapshot.s\n    tenants = [\"a\"]\n  }\n}\n",
			"x.hcl:6:5: Tenants on a collection without multi-tenancy"},
		{"tenant without multi-tenancy", src + "collection \"A\" {\n  content {\n    from = data.jsonl.j\n    tenant = \"a\"\n  }\n}\n",
			"x.hcl:6:5: Tenants on a collection without multi-tenancy"},
		{"jsonl needs a tenant", mt("    from = data.jsonl.j\n"), "x.hcl:5:3: Missing tenant"},
		{"jsonl has no tenants", mt("    from = data.jsonl.j\n    tenants = [\"a\"]\n"), "x.hcl:7:5: A JSONL source has no tenants"},
		{"tenant and tenants", mt("    from = data.snapshot.s\n    tenants = [\"a\"]\n    tenant = \"b\"\n"), "x.hcl:8:14: Conflicting tenant settings"},
		{"bad tenant name", mt("    from = data.jsonl.j\n    tenant = \"a b\"\n"), "x.hcl:7:14: Invalid tenant name"},
		{"empty tenants", mt("    from = data.snapshot.s\n    tenants = []\n"), "x.hcl:7:15: Empty tenants"},
		{"duplicate tenant", mt("    from = data.snapshot.s\n    tenants = [\"a\", \"a\"]\n"), "x.hcl:7:15: Duplicate tenant"},
		{"map outside tenants", mt("    from = data.snapshot.s\n    tenants = [\"a\"]\n    tenant_map = { b = \"c\" }\n"), "x.hcl:8:18: Tenant not in tenants"},
		{"two into one", mt("    from = data.snapshot.s\n    tenant_map = { a = \"c\", b = \"c\" }\n"), "x.hcl:7:18: Two tenants into one"},
		{"bad new name", mt("    from = data.snapshot.s\n    tenant_map = { a = \"c/d\" }\n"), "x.hcl:7:18: Invalid tenant name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loadErr(t, tt.src); !strings.HasPrefix(got, tt.want) {
				t.Fatalf("got %q, want prefix %q", got, tt.want)
			}
		})
	}
}
