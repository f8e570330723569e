package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Moved is a moved block: collection From is renamed to To, by copy and
// an alias From → To (internal/plan/moved.go).
type Moved struct {
	From, To string
	Range    hcl.Range
}

func decodeMoved(b *hcl.Block) (Moved, hcl.Diagnostics) {
	m := Moved{Range: b.DefRange}
	content, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "from", Required: true}, {Name: "to", Required: true}}})
	if diags.HasErrors() {
		return m, diags
	}
	ref := func(a *hcl.Attribute) string {
		trav, d := hcl.AbsTraversalForExpr(a.Expr)
		if d.HasErrors() || len(trav) != 2 || trav.RootName() != "collection" {
			diags = append(diags, attrError(a, "Invalid moved address", "from and to name collections: collection.NAME."))
			return ""
		}
		attr, ok := trav[1].(hcl.TraverseAttr)
		if !ok {
			diags = append(diags, attrError(a, "Invalid moved address", "from and to name collections: collection.NAME."))
			return ""
		}
		return attr.Name
	}
	m.From, m.To = ref(content.Attributes["from"]), ref(content.Attributes["to"])
	if !diags.HasErrors() && m.From == m.To {
		diags = append(diags, attrError(content.Attributes["to"], "Invalid moved block", "from and to name the same collection."))
	}
	return m, diags
}

// checkMoved refuses moved blocks whose to is not declared, whose from
// still is, or that move one collection twice.
func (c *Config) checkMoved() hcl.Diagnostics {
	var diags hcl.Diagnostics
	from := map[string]bool{}
	for _, m := range c.Moved {
		switch {
		case c.Collection(m.To) == nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Moved to an undeclared collection",
				Detail: fmt.Sprintf("moved names collection.%s as to, but no collection %q block declares it.", m.To, m.To), Subject: m.Range.Ptr()})
		case c.Collection(m.From) != nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Moved from a declared collection",
				Detail: fmt.Sprintf("moved renames collection.%s to collection.%s, but collection %q is still declared; remove its block.", m.From, m.To, m.From), Subject: m.Range.Ptr()})
		case from[m.From]:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Collection moved twice",
				Detail: fmt.Sprintf("collection.%s is moved by two moved blocks.", m.From), Subject: m.Range.Ptr()})
		}
		from[m.From] = true
	}
	return diags
}
