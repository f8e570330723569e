package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/colstate/colstate/internal/collection"
)

// Alias is an alias block: a Weaviate collection alias colstate manages.
//
//	alias "Article" { collection = collection.ArticleV2 }
type Alias struct {
	Name       string
	Collection string    // the declared collection it resolves to
	Range      hcl.Range // the block's header
	// TargetRange is where collection = ... is written.
	TargetRange hcl.Range
}

// Alias returns the declared alias with that name, or nil.
func (c *Config) Alias(name string) *Alias {
	for i := range c.Aliases {
		if c.Aliases[i].Name == name {
			return &c.Aliases[i]
		}
	}
	return nil
}

func decodeAlias(b *hcl.Block) (Alias, hcl.Diagnostics) {
	a := Alias{Name: b.Labels[0], Range: b.DefRange}
	var diags hcl.Diagnostics
	if d := checkAliasName(a.Name, b.LabelRanges[0]); d != nil {
		diags = append(diags, d)
	}
	content, d := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "collection", Required: true}}})
	diags = append(diags, d...)
	attr := content.Attributes["collection"]
	if attr == nil {
		return a, diags
	}
	a.TargetRange = attr.Expr.Range()
	trav, td := hcl.AbsTraversalForExpr(attr.Expr)
	parts := strings.Split(traversalPath(trav), ".")
	if td.HasErrors() || len(parts) != 2 || parts[0] != "collection" {
		diags = append(diags, attrError(attr, "Invalid alias target",
			fmt.Sprintf("collection names the collection block alias %s resolves to, as a reference: collection = collection.NAME.", a.Name)))
		return a, diags
	}
	a.Collection = parts[1]
	return a, diags
}

// checkAliasName applies Weaviate's rule for alias names, which is its rule
// for collection names (ValidateAliasName in weaviate's entities/schema:
// /[A-Z][_0-9A-Za-z]{0,254}/, with the first letter upper-cased when the
// alias is stored): an alias is queried wherever a collection is.
func checkAliasName(name string, at hcl.Range) *hcl.Diagnostic {
	stored := collection.StoredName(name)
	switch {
	case collection.ValidName(name):
		return nil
	case stored != name && collection.ValidName(stored):
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Alias name changed by Weaviate",
			Detail:  fmt.Sprintf("Weaviate upper-cases the first letter of an alias name and would store %q as %q, so every plan would see a different alias. Write alias %q.", name, stored, stored),
			Subject: at.Ptr()}
	case len(name) > 255:
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid alias name",
			Detail: fmt.Sprintf("%q is %d characters long; Weaviate allows at most 255.", name, len(name)), Subject: at.Ptr()}
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid alias name",
		Detail: fmt.Sprintf("%q must start with an upper-case letter and hold only letters, digits and _ (Weaviate's rule for collection and alias names, /[A-Z][_0-9A-Za-z]*/).", name), Subject: at.Ptr()}
}

// resolveAliases checks that every alias names a declared collection, and
// that no name is taken twice: Weaviate keeps collections and aliases in
// one namespace and compares alias names without regard to case.
func (c *Config) resolveAliases() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i, a := range c.Aliases {
		if a.Collection != "" && c.Collection(a.Collection) == nil {
			hint := ""
			for _, o := range c.Collections {
				if strings.EqualFold(o.Name, a.Collection) {
					hint = fmt.Sprintf(" Did you mean collection.%s? Collection names are case-sensitive.", o.Name)
				}
			}
			detail := fmt.Sprintf("Alias %s resolves to collection %s, which this configuration does not declare.%s Declare it with a collection %q block, or, when it already exists in Weaviate, adopt it with `colstate import %s`.",
				a.Name, a.Collection, hint, a.Collection, a.Collection)
			if to := c.Alias(a.Collection); to != nil {
				detail = fmt.Sprintf("Alias %s resolves to %s, which is an alias, not a collection; Weaviate resolves an alias to a collection only. Write collection = collection.%s.", a.Name, a.Collection, to.Collection)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Alias of an undeclared collection", Detail: detail, Subject: a.TargetRange.Ptr()})
		}
		if col := slices.IndexFunc(c.Collections, func(d Declared) bool { return strings.EqualFold(d.Name, a.Name) }); col >= 0 {
			other := c.Collections[col]
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Alias named like a collection",
				Detail: fmt.Sprintf("Alias %s takes the name of collection %s, declared at %s; Weaviate keeps collections and aliases in one namespace and refuses the second. Rename the alias or the collection.",
					a.Name, other.Name, pos(other.Range)),
				Subject: a.Range.Ptr()})
		}
		for _, prev := range c.Aliases[:i] {
			if strings.EqualFold(prev.Name, a.Name) {
				how := ""
				if prev.Name != a.Name {
					how = fmt.Sprintf(" (as %s: Weaviate compares alias names without case)", prev.Name)
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate alias",
					Detail:  fmt.Sprintf("Alias %s was already declared at %s%s. Each alias resolves to one collection.", a.Name, pos(prev.Range), how),
					Subject: a.Range.Ptr()})
				break
			}
		}
	}
	return diags
}

// AliasTargets maps each declared alias to its collection.
func (c *Config) AliasTargets() map[string]string {
	out := make(map[string]string, len(c.Aliases))
	for _, a := range c.Aliases {
		out[a.Name] = a.Collection
	}
	return out
}
