package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/snapshot"
)

// Store is a snapshot_store block: where snapshots live, a local
// directory (path) or a bucket (url).
type Store struct {
	Name  string
	Path  string
	URL   string // s3://, gs://, azblob://, file:// or mem://
	Range hcl.Range
}

// Location is the store's directory or URL.
func (s Store) Location() string {
	if s.URL != "" {
		return s.URL
	}
	return s.Path
}

// Source is a data block: content a collection should hold.
//
//	data "jsonl" "items"    { path = "items.jsonl", key = ["sku"] }
//	data "snapshot" "prod"  { store = snapshot_store.local, id = "20261126T..." }
//	data "snapshot" "last"  { latest = snapshot.nightly }
type Source struct {
	Kind  string // jsonl or snapshot
	Name  string
	Path  string   // jsonl: the file
	Key   []string // jsonl: properties whose values derive an id when a line has none
	Store string   // snapshot: store name
	ID    string   // snapshot: a snapshot id
	// Latest names a snapshot block; the newest snapshot it took is used.
	Latest string
	// Collection is the collection inside the snapshot; by default the one
	// with the name of the collection taking the content.
	Collection string
	Range      hcl.Range
	PathRange  hcl.Range // jsonl: the path attribute's value
}

// Address is how configuration refers to the source: data.jsonl.items.
func (s Source) Address() string { return "data." + s.Kind + "." + s.Name }

// SnapshotPolicy is a snapshot block: snapshots colstate should keep.
type SnapshotPolicy struct {
	Name        string
	Collections []string
	Store       string        // store name; "" is the default store
	MaxAge      time.Duration // 0: only when missing or the data changed
	// Keep is how many of the policy's snapshots are kept (0: all): once
	// apply has committed a new one, the oldest beyond Keep are removed.
	Keep       int64
	SchemaOnly bool
	// Engine is how its snapshots are written: portable (colstate's
	// chunks, the default), native (Weaviate's own backup) or both.
	Engine string
	Range  hcl.Range
}

// SnapshotEngines are the accepted snapshot.engine values.
var SnapshotEngines = []string{"portable", "native", "both"}

// Content is a collection's content block. On a multi-tenant collection
// it fills tenants: a source with tenants (a snapshot of a multi-tenant
// collection) each tenant into the tenant of its name, or of TenantMap's
// name for it, limited to Tenants when set; a source without tenants (a
// JSONL file, a snapshot of a collection without multi-tenancy) all into
// Tenant. Tenants not named are never read, written or deleted from.
type Content struct {
	From string // address of a Source (data.jsonl.items) or snapshot block (snapshot.nightly)
	Mode string // merge, exact or seed
	// Tenants limits a source with tenants to these (nil: all of them).
	Tenants []string
	// TenantMap renames tenants of the source: source tenant → live tenant.
	TenantMap map[string]string
	// Tenant is the live tenant a source without tenants fills.
	Tenant string
	Range  hcl.Range
	// TenantsRange is where tenants (or tenant_map) is written, for
	// errors found once the source is read.
	TenantsRange hcl.Range
}

// TenantOf is the live tenant a source tenant is written into.
func (c *Content) TenantOf(source string) string {
	if t, ok := c.TenantMap[source]; ok {
		return t
	}
	return source
}

// validTenantName is Weaviate's rule for tenant names.
var validTenantName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ContentModes are the accepted content.mode values.
var ContentModes = []string{"merge", "exact", "seed"}

func decodeStore(b *hcl.Block) (Store, hcl.Diagnostics) {
	s := Store{Name: b.Labels[0], Range: b.DefRange}
	_, diags := decodeBlock(b.Body, []field{{name: "path", target: &s.Path}, {name: "url", target: &s.URL, check: func(a *hcl.Attribute) *hcl.Diagnostic {
		if err := snapshot.CheckURL(s.URL); err != nil {
			return attrError(a, "Invalid snapshot store URL", err.Error()+".")
		}
		return nil
	}}})
	if (s.Path == "") == (s.URL == "") && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing store path or url",
			Detail: fmt.Sprintf("snapshot_store %q needs exactly one of path = \"DIR\" or url = \"s3://BUCKET/PREFIX?region=...\".", s.Name), Subject: b.DefRange.Ptr()})
	}
	return s, diags
}

func decodeSource(b *hcl.Block) (Source, hcl.Diagnostics) {
	s := Source{Kind: b.Labels[0], Name: b.Labels[1], Range: b.DefRange}
	var diags hcl.Diagnostics
	switch s.Kind {
	case "jsonl":
		content, d := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "path", Required: true}, {Name: "key"}}})
		diags = append(diags, d...)
		if a := content.Attributes["path"]; a != nil {
			diags = append(diags, decodeAttr(a, &s.Path)...)
			s.PathRange = a.Expr.Range()
		}
		if a := content.Attributes["key"]; a != nil {
			diags = append(diags, decodeStrings(a, &s.Key)...)
		}
	case "snapshot":
		content, d := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "store"}, {Name: "id"}, {Name: "latest"}, {Name: "collection"}}})
		diags = append(diags, d...)
		if a := content.Attributes["store"]; a != nil {
			diags = append(diags, decodeRef(a, "snapshot_store", &s.Store)...)
		}
		diags = append(diags, decodeAttr(content.Attributes["id"], &s.ID)...)
		diags = append(diags, decodeAttr(content.Attributes["collection"], &s.Collection)...)
		if a := content.Attributes["latest"]; a != nil {
			diags = append(diags, decodeRef(a, "snapshot", &s.Latest)...)
		}
		if (s.ID == "") == (s.Latest == "") && !diags.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Snapshot source needs id or latest",
				Detail: "Set exactly one of id = \"SNAPSHOT_ID\" or latest = snapshot.NAME.", Subject: b.DefRange.Ptr()})
		}
	default:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown data source",
			Detail: fmt.Sprintf("data %q is not a data source kind; use \"jsonl\" or \"snapshot\".", s.Kind), Subject: b.LabelRanges[0].Ptr()})
	}
	return s, diags
}

func decodeSnapshotPolicy(b *hcl.Block) (SnapshotPolicy, hcl.Diagnostics) {
	p := SnapshotPolicy{Name: b.Labels[0], Range: b.DefRange}
	content, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "collections", Required: true}, {Name: "store"}, {Name: "max_age"}, {Name: "schema_only"}, {Name: "keep"}, {Name: "engine"},
	}})
	if a := content.Attributes["collections"]; a != nil {
		exprs, d := hcl.ExprList(a.Expr)
		diags = append(diags, d...)
		for _, e := range exprs {
			var name string
			diags = append(diags, decodeRef(&hcl.Attribute{Name: a.Name, Expr: e, Range: e.Range()}, "collection", &name)...)
			if name != "" {
				p.Collections = append(p.Collections, name)
			}
		}
	}
	if a := content.Attributes["store"]; a != nil {
		diags = append(diags, decodeRef(a, "snapshot_store", &p.Store)...)
	}
	if a := content.Attributes["max_age"]; a != nil {
		var s string
		d := decodeAttr(a, &s)
		diags = append(diags, d...)
		if !d.HasErrors() {
			age, err := time.ParseDuration(s)
			if err != nil || age <= 0 {
				diags = append(diags, attrError(a, "Invalid max_age", fmt.Sprintf("%q is not a positive duration such as \"24h\" or \"30m\".", s)))
			}
			p.MaxAge = age
		}
	}
	diags = append(diags, decodeAttr(content.Attributes["schema_only"], &p.SchemaOnly)...)
	if a := content.Attributes["engine"]; a != nil {
		d := decodeAttr(a, &p.Engine)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if cd := oneOf("snapshot engine", &p.Engine, SnapshotEngines)(a); cd != nil {
				diags = append(diags, cd)
			} else if p.SchemaOnly && p.Engine != "portable" {
				diags = append(diags, attrError(a, "Invalid snapshot engine", fmt.Sprintf("engine = %q with schema_only = true: Weaviate's own backup copies whole collections with their objects; use engine = \"portable\" for a schema-only snapshot.", p.Engine)))
			}
		}
	}
	if a := content.Attributes["keep"]; a != nil {
		d := decodeAttr(a, &p.Keep)
		diags = append(diags, d...)
		if !d.HasErrors() && p.Keep < 1 {
			diags = append(diags, attrError(a, "Invalid keep", fmt.Sprintf("keep = %d: keep at least 1 snapshot (leave keep out to keep all).", p.Keep)))
		}
	}
	return p, diags
}

func decodeContent(b *hcl.Block) (*Content, hcl.Diagnostics) {
	c := &Content{Mode: "merge", Range: b.DefRange}
	content, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "from", Required: true}, {Name: "mode"},
		{Name: "tenants"}, {Name: "tenant"}, {Name: "tenant_map"}}})
	if a := content.Attributes["from"]; a != nil {
		trav, d := hcl.AbsTraversalForExpr(a.Expr)
		if d.HasErrors() {
			diags = append(diags, attrError(a, "Invalid content source", "from names a data source or a snapshot block, e.g. from = data.jsonl.items or from = snapshot.nightly."))
		} else {
			c.From = traversalPath(trav)
		}
	}
	if a := content.Attributes["mode"]; a != nil {
		d := decodeAttr(a, &c.Mode)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if cd := oneOf("content mode", &c.Mode, ContentModes)(a); cd != nil {
				diags = append(diags, cd)
			}
		}
	}
	diags = append(diags, decodeContentTenants(c, content.Attributes)...)
	return c, diags
}

// decodeContentTenants reads a content block's tenants, tenant and
// tenant_map, checking what needs nothing but the block itself.
func decodeContentTenants(c *Content, attrs hcl.Attributes) hcl.Diagnostics {
	var diags hcl.Diagnostics
	badName := func(a *hcl.Attribute, name string) {
		diags = append(diags, attrError(a, "Invalid tenant name", fmt.Sprintf("%q is not a name Weaviate accepts for a tenant (1 to 64 letters, digits, '-' or '_').", name)))
	}
	if a := attrs["tenants"]; a != nil {
		c.TenantsRange = a.Range
		d := decodeAttr(a, &c.Tenants)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if len(c.Tenants) == 0 {
				diags = append(diags, attrError(a, "Empty tenants", "tenants = [] names no tenant: name at least one, or leave tenants out to take every tenant of the source."))
			}
			seen := map[string]bool{}
			for _, t := range c.Tenants {
				if seen[t] {
					diags = append(diags, attrError(a, "Duplicate tenant", fmt.Sprintf("tenants names %q twice.", t)))
				}
				seen[t] = true
			}
		}
	}
	if a := attrs["tenant_map"]; a != nil {
		if c.TenantsRange == (hcl.Range{}) {
			c.TenantsRange = a.Range
		}
		d := decodeAttr(a, &c.TenantMap)
		diags = append(diags, d...)
		into := map[string]string{}
		for _, from := range slices.Sorted(maps.Keys(c.TenantMap)) {
			to := c.TenantMap[from]
			if !validTenantName.MatchString(to) {
				badName(a, to)
			}
			if c.Tenants != nil && !slices.Contains(c.Tenants, from) {
				diags = append(diags, attrError(a, "Tenant not in tenants", fmt.Sprintf("tenant_map renames tenant %q, which tenants does not name: add it to tenants, or remove it from tenant_map.", from)))
			}
			if other, ok := into[to]; ok {
				diags = append(diags, attrError(a, "Two tenants into one", fmt.Sprintf("tenant_map writes both %q and %q into tenant %q: each tenant of the source needs a tenant of its own.", other, from, to)))
			}
			into[to] = from
		}
	}
	if a := attrs["tenant"]; a != nil {
		if c.TenantsRange == (hcl.Range{}) {
			c.TenantsRange = a.Range
		}
		d := decodeAttr(a, &c.Tenant)
		diags = append(diags, d...)
		switch {
		case d.HasErrors():
		case !validTenantName.MatchString(c.Tenant):
			badName(a, c.Tenant)
		case c.Tenants != nil || c.TenantMap != nil:
			diags = append(diags, attrError(a, "Conflicting tenant settings", "tenant fills one tenant from a source without tenants (a JSONL file, a snapshot of a collection without multi-tenancy); tenants and tenant_map pick and rename the tenants of a source that has them. Use one or the other."))
		}
	}
	return diags
}

// checkContentTenants checks a content block's tenant settings against
// its collection and source kind.
func (c *Config) checkContentTenants(d Declared) hcl.Diagnostics {
	ct := d.Content
	var diags hcl.Diagnostics
	bad := func(r hcl.Range, summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: r.Ptr()})
	}
	named := ct.Tenants != nil || ct.TenantMap != nil || ct.Tenant != ""
	if !d.MultiTenancy.Enabled {
		if named {
			r := ct.TenantsRange
			if r == (hcl.Range{}) {
				r = ct.Range
			}
			bad(r, "Tenants on a collection without multi-tenancy", fmt.Sprintf("Collection %s has no multi-tenancy, so its content block cannot name tenants: enable multi_tenancy { enabled = true } on it, or remove tenants, tenant and tenant_map.", d.Name))
		}
		return diags
	}
	if src := c.Source(ct.From); src != nil && src.Kind == "jsonl" {
		switch {
		case ct.Tenants != nil || ct.TenantMap != nil:
			bad(ct.TenantsRange, "A JSONL source has no tenants", fmt.Sprintf("%s is a JSONL file: its objects carry no tenant, so tenants and tenant_map have nothing to pick. Write tenant = \"NAME\" for the tenant of collection %s it fills.", ct.From, d.Name))
		case ct.Tenant == "":
			bad(ct.Range, "Missing tenant", fmt.Sprintf("Collection %s is multi-tenant, and %s has no tenants: set tenant = \"NAME\" in the content block for the tenant it fills (a JSONL source fills one tenant).", d.Name, ct.From))
		}
	}
	return diags
}

// decodeRef reads a reference to a named block of the given kind, written
// Terraform-style (snapshot_store.local) or as a plain string ("local").
func decodeRef(a *hcl.Attribute, kind string, out *string) hcl.Diagnostics {
	if trav, d := hcl.AbsTraversalForExpr(a.Expr); !d.HasErrors() {
		parts := strings.Split(traversalPath(trav), ".")
		if len(parts) == 2 && parts[0] == kind {
			*out = parts[1]
			return nil
		}
		return hcl.Diagnostics{attrError(a, "Invalid reference", fmt.Sprintf("Expected a reference to a %s block, like %s.NAME.", kind, kind))}
	}
	v, d := a.Expr.Value(evalContext)
	if d.HasErrors() {
		return d
	}
	if v.Type() != cty.String || v.IsNull() {
		return hcl.Diagnostics{attrError(a, "Invalid reference", fmt.Sprintf("Expected %s.NAME or a name in quotes.", kind))}
	}
	*out = v.AsString()
	return nil
}

// decodeStrings reads a string or a list of strings.
func decodeStrings(a *hcl.Attribute, out *[]string) hcl.Diagnostics {
	v, diags := a.Expr.Value(evalContext)
	if diags.HasErrors() {
		return diags
	}
	if v.Type() == cty.String {
		*out = []string{v.AsString()}
		return nil
	}
	return decodeAttr(a, out)
}

// resolve checks that every reference between blocks names a declared block.
func (c *Config) resolve() hcl.Diagnostics {
	var diags hcl.Diagnostics
	bad := func(r hcl.Range, summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: r.Ptr()})
	}
	for _, s := range c.Sources {
		if s.Store != "" && c.Store(s.Store) == nil {
			bad(s.Range, "Unknown snapshot store", fmt.Sprintf("%s refers to snapshot_store %q, which is not declared.", s.Address(), s.Store))
		}
		if s.Latest != "" && c.SnapshotPolicy(s.Latest) == nil {
			bad(s.Range, "Unknown snapshot block", fmt.Sprintf("%s refers to snapshot %q, which is not declared.", s.Address(), s.Latest))
		}
	}
	for _, p := range c.Snapshots {
		if p.Store != "" && c.Store(p.Store) == nil {
			bad(p.Range, "Unknown snapshot store", fmt.Sprintf("snapshot %q refers to snapshot_store %q, which is not declared.", p.Name, p.Store))
		}
		for _, name := range p.Collections {
			if c.Collection(name) == nil {
				bad(p.Range, "Unknown collection", fmt.Sprintf("snapshot %q lists collection %q, which is not declared.", p.Name, name))
			}
		}
	}
	for _, d := range c.Collections {
		diags = append(diags, c.checkReferences(d)...)
	}
	diags = append(diags, c.resolveAliases()...)
	for _, d := range c.Collections {
		if d.Content == nil {
			continue
		}
		if c.Source(d.Content.From) == nil && !(strings.HasPrefix(d.Content.From, "snapshot.") && c.SnapshotPolicy(strings.TrimPrefix(d.Content.From, "snapshot.")) != nil) {
			bad(d.Content.Range, "Unknown content source", fmt.Sprintf("Collection %s takes its content from %s, which is not declared.", d.Name, d.Content.From))
		}
		diags = append(diags, c.checkContentTenants(d)...)
	}
	return diags
}

// Store returns the named snapshot store, or nil.
func (c *Config) Store(name string) *Store {
	for i := range c.Stores {
		if c.Stores[i].Name == name {
			return &c.Stores[i]
		}
	}
	return nil
}

// Source returns the data source at an address like data.jsonl.items, or nil.
func (c *Config) Source(addr string) *Source {
	for i := range c.Sources {
		if c.Sources[i].Address() == addr {
			return &c.Sources[i]
		}
	}
	return nil
}

// SnapshotPolicy returns the named snapshot block, or nil.
func (c *Config) SnapshotPolicy(name string) *SnapshotPolicy {
	for i := range c.Snapshots {
		if c.Snapshots[i].Name == name {
			return &c.Snapshots[i]
		}
	}
	return nil
}

// checkReferences reports reference properties whose target collection is
// not declared. colstate creates, backs up and restores only the
// collections it manages; a reference to any other could not be created in
// an empty Weaviate, nor restored, so it is an error here rather than in
// the middle of an apply.
func (c *Config) checkReferences(d Declared) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, p := range d.Properties {
		if !collection.IsReference(p.DataType) {
			continue
		}
		for _, t := range strings.Split(p.DataType, "|") {
			if c.Collection(t) != nil {
				continue
			}
			hint := ""
			for _, o := range c.Collections {
				if strings.EqualFold(o.Name, t) {
					hint = fmt.Sprintf(" Did you mean %s? Collection names are case-sensitive.", o.Name)
				}
			}
			r, ok := d.dataTypes[p.Name]
			if !ok {
				r = d.Range
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Reference to an undeclared collection",
				Detail: fmt.Sprintf("Property %s of collection %s refers to collection %s, which this configuration does not declare.%s "+
					"Declare it with a collection %q block, or, when it already exists in Weaviate, adopt it with `colstate import %s`: "+
					"colstate creates and restores only the collections it manages, and a reference needs its target.",
					p.Name, d.Name, t, hint, t, t),
				Subject: r.Ptr(),
			})
		}
	}
	return diags
}

// checkSourceFiles refuses jsonl sources whose file does not exist or is
// not a regular file: found at validate time rather than mid-apply.
// Relative paths are relative to the configuration directory.
func checkSourceFiles(cfg *Config, dir string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, s := range cfg.Sources {
		if s.Kind != "jsonl" || s.Path == "" {
			continue
		}
		path := s.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		fi, err := os.Stat(path)
		switch {
		case err != nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "JSONL file not found",
				Detail:  fmt.Sprintf("%s reads %s, which cannot be opened (%v). Create the file, or correct path (relative paths are relative to the configuration directory).", s.Address(), path, errors.Unwrap(err)),
				Subject: s.PathRange.Ptr()})
		case !fi.Mode().IsRegular():
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "JSONL path is not a file",
				Detail: fmt.Sprintf("%s reads %s, which is not a regular file.", s.Address(), path), Subject: s.PathRange.Ptr()})
		}
	}
	return diags
}
