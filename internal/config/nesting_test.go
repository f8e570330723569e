package config

import (
	"strings"
	"testing"
)

// Deep nesting used to overflow the goroutine stack inside HCL's parser (a
// fatal error, not a panic) at a few hundred thousand levels; each shape here
// recurses on its own path through the parser.
func TestDeepNestingIsADiagnostic(t *testing.T) {
	const n = 5000
	tests := map[string]string{
		"brackets":    strings.Repeat("[", n) + strings.Repeat("]", n),
		"parentheses": strings.Repeat("(", n) + "1" + strings.Repeat(")", n),
		"objects":     strings.Repeat("{a=", n) + "1" + strings.Repeat("}", n),
		"templates":   strings.Repeat(`"${`, n) + "1" + strings.Repeat(`}"`, n),
		"unary":       strings.Repeat("!", n) + "true",
		"negation":    strings.Repeat("-", n) + "1",
		"conditional": strings.Repeat("true ? 1 : ", n) + "1",
		"multi-line":  "(" + strings.Repeat("!\n", n) + "true)",
		"sum":         "1" + strings.Repeat(" + 1", n),
		"index":       "[1]" + strings.Repeat("[0]", n),
		"splat":       "[1]" + strings.Repeat("[*]", n),
		"attributes":  "{a=1}" + strings.Repeat(".a", n),
	}
	for name, expr := range tests {
		t.Run(name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"main.hcl": `collection "A" { description = ` + expr + " }\n"})
			_, diags := NewLoader().LoadDir(dir)
			if !diags.HasErrors() || diags[0].Summary != "Expression too deep or too long" || diags[0].Subject == nil {
				t.Fatalf("diagnostics %v, want Expression too deep or too long", diags)
			}
		})
	}
}

// Ordinary files, including long lists of negative numbers and long
// subtractions, stay well under the limit.
func TestNestingAllowsWideFiles(t *testing.T) {
	var b strings.Builder
	b.WriteString("collection \"A\" {\n")
	for i := range 2000 {
		b.WriteString("  property \"p" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "\" { description = \"-?!(\" }\n")
	}
	b.WriteString("}\n")
	list := "[" + strings.Repeat("-1, ", 3000) + "-1]"
	object := "{\n" + strings.Repeat("  a = -1 + 2\n", 3000) + "}"
	heredoc := "<<EOT\n" + strings.Repeat("a long (description) - with ${\"x\"} -\n", 3000) + "EOT"
	for _, src := range []string{b.String(), "x = " + list + "\n", "x = " + object + "\n", "x = " + heredoc + "\n", "x = " + strings.Repeat("1 - ", 300) + "1\n"} {
		if d := CheckNesting([]byte(src), "main.hcl"); d.HasErrors() {
			t.Errorf("CheckNesting refused a wide, shallow file: %v", d)
		}
	}
}
