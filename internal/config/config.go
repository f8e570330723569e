// Package config reads colstate's HCL configuration: every *.hcl file of a
// directory, like Terraform. Every problem is an hcl.Diagnostic carrying the
// source range it came from.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/colstate/colstate/internal/auth"
	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/state"
)

// Config is the decoded configuration of one directory.
type Config struct {
	Weaviate    Weaviate
	State       State
	Collections []Declared // in file order
	Stores      []Store
	Sources     []Source
	Snapshots   []SnapshotPolicy
	Aliases     []Alias // in file order
	Moved       []Moved // moved blocks: renames
}

// Weaviate says which server to talk to.
type Weaviate struct {
	URL      string
	GRPCURL  string
	APIKey   string
	Embedded bool
	// DeleteTimeout bounds the wait for Weaviate to delete a collection;
	// 0: 5 minutes plus 50 ms a tenant (live.DefaultDeleteLimit).
	DeleteTimeout time.Duration
	// Auth authenticates with OIDC instead of an API key (auth.go); nil
	// without an auth block.
	Auth *auth.Config
}

// State says where colstate keeps its state: a local file (Path), or an
// object in a bucket (URL, e.g. s3://bucket/prod.json?region=...).
type State struct {
	Path string
	URL  string
}

// Declared is a collection as the configuration declares it, normalised.
type Declared struct {
	collection.Collection
	Lifecycle Lifecycle
	Content   *Content  // nil: colstate manages the schema only
	Range     hcl.Range // the collection block's header, for diagnostics
	// dataTypes holds where each property's data_type is written, by
	// property name, for diagnostics about reference targets.
	dataTypes map[string]hcl.Range
	// VectorFrom: named vectors that a replace fills from another vector
	// of the old schema (target → source; "" is the class-level vector),
	// from `from_default = true` in a vector block.
	VectorFrom map[string]string
}

// Defaults used when the configuration leaves them out.
const (
	DefaultURL       = "http://localhost:8080"
	DefaultGRPCURL   = "localhost:50051"
	DefaultStatePath = ".colstate/state.json"
)

// Collection returns the declared collection with that name, or nil.
func (c *Config) Collection(name string) *Declared {
	for i := range c.Collections {
		if c.Collections[i].Name == name {
			return &c.Collections[i]
		}
	}
	return nil
}

// Loader parses configuration files and keeps their text for diagnostics.
type Loader struct {
	parser *hclparse.Parser
}

// NewLoader returns a Loader.
func NewLoader() *Loader { return &Loader{parser: hclparse.NewParser()} }

// Files returns the parsed files by name, for printing diagnostics with source.
func (l *Loader) Files() map[string]*hcl.File { return l.parser.Files() }

// LoadDir reads every *.hcl file in dir, in name order.
func (l *Loader) LoadDir(dir string) (*Config, hcl.Diagnostics) {
	names, err := filepath.Glob(filepath.Join(dir, "*.hcl"))
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot list configuration files", Detail: err.Error()}}
	}
	if len(names) == 0 {
		abs, _ := filepath.Abs(dir)
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("%s has no *.hcl files. Write one declaring your collections (see examples/quickstart), or run colstate from the directory that has them.", abs),
		}}
	}
	sort.Strings(names)
	var files []*hcl.File
	var diags hcl.Diagnostics
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read configuration file", Detail: err.Error()})
			continue
		}
		rel := name
		if r, err := filepath.Rel(".", name); err == nil {
			rel = r
		}
		if d := CheckNesting(src, rel); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		f, d := l.parser.ParseHCL(src, rel)
		diags = append(diags, d...)
		if f != nil {
			files = append(files, f)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	cfg, d := decode(files)
	diags = append(diags, d...)
	if !diags.HasErrors() {
		diags = append(diags, checkSourceFiles(cfg, dir)...)
	}
	return cfg, diags
}

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "weaviate"},
		{Type: "state"},
		{Type: "collection", LabelNames: []string{"name"}},
		{Type: "snapshot_store", LabelNames: []string{"name"}},
		{Type: "data", LabelNames: []string{"kind", "name"}},
		{Type: "snapshot", LabelNames: []string{"name"}},
		{Type: "alias", LabelNames: []string{"name"}},
		{Type: "moved"},
	},
}

func decode(files []*hcl.File) (*Config, hcl.Diagnostics) {
	cfg := &Config{
		Weaviate: Weaviate{URL: envOr("WEAVIATE_URL", DefaultURL), GRPCURL: envOr("WEAVIATE_GRPC_URL", DefaultGRPCURL)},
		State:    State{Path: DefaultStatePath},
	}
	var diags hcl.Diagnostics
	seen := map[string]*hcl.Range{}
	once := func(b *hcl.Block) bool {
		if prev, ok := seen[b.Type]; ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Duplicate %s block", b.Type),
				Detail:   fmt.Sprintf("A %s block was already declared at %s. Only one is allowed.", b.Type, pos(*prev)),
				Subject:  b.DefRange.Ptr(),
			})
			return false
		}
		seen[b.Type] = b.DefRange.Ptr()
		return true
	}
	collections := map[string]hcl.Range{}
	folded := map[string]string{} // lower-cased collection name → name as written
	named := map[string]hcl.Range{}
	unique := func(b *hcl.Block, key string) bool {
		if prev, ok := named[key]; ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate block",
				Detail:   fmt.Sprintf("%s was already declared at %s.", key, pos(prev)),
				Subject:  b.DefRange.Ptr(),
			})
			return false
		}
		named[key] = b.DefRange
		return true
	}
	for _, f := range files {
		content, d := f.Body.Content(rootSchema)
		diags = append(diags, d...)
		for _, b := range content.Blocks {
			switch b.Type {
			case "weaviate":
				if once(b) {
					diags = append(diags, decodeWeaviate(b.Body, &cfg.Weaviate)...)
				}
			case "state":
				if once(b) {
					diags = append(diags, decodeState(b.Body, &cfg.State)...)
				}
			case "snapshot_store":
				if !unique(b, "snapshot_store "+b.Labels[0]) {
					continue
				}
				st, d := decodeStore(b)
				diags = append(diags, d...)
				cfg.Stores = append(cfg.Stores, st)
			case "data":
				if !unique(b, "data "+b.Labels[0]+" "+b.Labels[1]) {
					continue
				}
				src, d := decodeSource(b)
				diags = append(diags, d...)
				cfg.Sources = append(cfg.Sources, src)
			case "snapshot":
				if !unique(b, "snapshot "+b.Labels[0]) {
					continue
				}
				sp, d := decodeSnapshotPolicy(b)
				diags = append(diags, d...)
				cfg.Snapshots = append(cfg.Snapshots, sp)
			case "alias":
				al, d := decodeAlias(b)
				diags = append(diags, d...)
				cfg.Aliases = append(cfg.Aliases, al)
			case "moved":
				m, d := decodeMoved(b)
				diags = append(diags, d...)
				cfg.Moved = append(cfg.Moved, m)
			case "collection":
				name := b.Labels[0]
				if prev, ok := collections[name]; ok {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Duplicate collection",
						Detail:   fmt.Sprintf("Collection %q was already declared at %s.", name, pos(prev)),
						Subject:  b.LabelRanges[0].Ptr(),
					})
					continue
				}
				// Weaviate finds collections without regard to case: a
				// second one differing only in case is refused.
				if other, ok := folded[strings.ToLower(name)]; ok {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Duplicate collection",
						Detail:   fmt.Sprintf("Collection %q differs from %q, declared at %s, only in case; Weaviate compares collection names without case and refuses the second. Rename one of them.", name, other, pos(collections[other])),
						Subject:  b.LabelRanges[0].Ptr(),
					})
					continue
				}
				collections[name] = b.DefRange
				folded[strings.ToLower(name)] = name
				decl, d := decodeCollection(b)
				diags = append(diags, d...)
				cfg.Collections = append(cfg.Collections, decl)
			}
		}
	}
	if !diags.HasErrors() {
		diags = append(diags, cfg.resolve()...)
	}
	if !diags.HasErrors() {
		diags = append(diags, cfg.checkMoved()...)
	}
	return cfg, diags
}

func decodeWeaviate(body hcl.Body, w *Weaviate) hcl.Diagnostics {
	content, diags := body.Content(&hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "url"}, {Name: "grpc_url"}, {Name: "api_key"}, {Name: "embedded"}, {Name: "delete_timeout"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "auth"}},
	})
	if a := content.Attributes["delete_timeout"]; a != nil {
		var s string
		d := decodeAttr(a, &s)
		diags = append(diags, d...)
		if !d.HasErrors() {
			dur, err := time.ParseDuration(s)
			if err != nil || dur <= 0 {
				diags = append(diags, attrError(a, "Invalid delete_timeout", fmt.Sprintf("%q is not a positive duration such as \"30m\" or \"2h\".", s)))
			}
			w.DeleteTimeout = dur
		}
	}
	diags = append(diags, decodeAttr(content.Attributes["url"], &w.URL)...)
	diags = append(diags, decodeAttr(content.Attributes["grpc_url"], &w.GRPCURL)...)
	diags = append(diags, decodeAttr(content.Attributes["api_key"], &w.APIKey)...)
	diags = append(diags, decodeAttr(content.Attributes["embedded"], &w.Embedded)...)
	for i, b := range content.Blocks {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate auth block",
				Detail:   fmt.Sprintf("An auth block was already declared at %s. Only one is allowed.", pos(content.Blocks[0].DefRange)),
				Subject:  b.DefRange.Ptr(),
			})
			continue
		}
		a, d := decodeAuth(b)
		diags = append(diags, d...)
		w.Auth = a
		if w.Auth == nil {
			continue
		}
		if attr := content.Attributes["api_key"]; attr != nil && w.APIKey != "" {
			diags = append(diags, attrError(attr, "Both api_key and auth", "The weaviate block has an api_key and an auth block; Weaviate takes one credential per request. Keep api_key for an API-key server, or the auth block for OIDC."))
		}
		if w.Embedded {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "auth with an embedded Weaviate",
				Detail:   "An embedded Weaviate has no OIDC identity provider to trust; remove the auth block, or set embedded = false and point url at a server with OIDC.",
				Subject:  b.DefRange.Ptr(),
			})
		}
	}
	return diags
}

func decodeState(body hcl.Body, s *State) hcl.Diagnostics {
	content, diags := body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "path"}, {Name: "url"}}})
	diags = append(diags, decodeAttr(content.Attributes["path"], &s.Path)...)
	if a := content.Attributes["path"]; a != nil && s.Path == "" {
		diags = append(diags, attrError(a, "Empty state path", "state.path must name a file, e.g. \".colstate/state.json\"."))
	} else if a != nil && !diags.HasErrors() {
		if err := state.CheckName(s.Path, s.Path); err != nil {
			diags = append(diags, attrError(a, "Invalid state path", err.Error()))
		}
	}
	if a := content.Attributes["url"]; a != nil {
		diags = append(diags, decodeAttr(a, &s.URL)...)
		if content.Attributes["path"] != nil {
			diags = append(diags, attrError(a, "Both state path and url", "A state block takes either path (a local file) or url (an object in a bucket), not both."))
		} else if _, err := state.ParseURL(s.URL); err != nil && !diags.HasErrors() {
			diags = append(diags, attrError(a, "Invalid state url", err.Error()))
		}
		s.Path = ""
	}
	return diags
}

// decodeAttr decodes attr into target when the attribute is present. target
// is a pointer to string, int64 or bool.
func decodeAttr(attr *hcl.Attribute, target any) hcl.Diagnostics {
	if attr == nil {
		return nil
	}
	return gohcl.DecodeExpression(attr.Expr, evalContext, target)
}

func attrError(attr *hcl.Attribute, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   detail,
		Subject:  attr.Expr.Range().Ptr(),
	}
}

// envOr returns the environment variable, or def when it is unset or empty:
// WEAVIATE_URL and WEAVIATE_GRPC_URL fill in what the weaviate block leaves out.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
