package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// MaxNesting bounds how deeply a configuration file may nest brackets,
// templates and operators. HCL's parser and evaluator recurse once per
// level: a few hundred thousand levels (a file of a few hundred KB) overflow
// the goroutine stack, which kills the process outright, and tens of
// thousands already take seconds and gigabytes. Real files nest a handful of
// levels.
const MaxNesting = 1000

// CheckNesting reports, as a diagnostic at the offending token, a file that
// nests deeper than MaxNesting. Run it before parsing: it only lexes, which
// does not recurse.
//
// The depth counted is an upper bound on the parser's recursion: one per open
// bracket, brace, parenthesis, quote or template sequence, plus one per
// unary operator (!, -) or conditional (?) not yet ended by a comma, a
// newline in a body, or the closing of its bracket.
func CheckNesting(src []byte, filename string) hcl.Diagnostics {
	// Every token that adds a level holds one of these bytes; a file with
	// fewer of them cannot nest too deeply, so most files are never lexed.
	if countAny(src, `{[("<!-?`) < MaxNesting {
		return nil
	}
	tokens, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos) // syntax errors are the parser's to report
	type level struct {
		body bool // a body or object: a newline ends an expression
		ops  int
	}
	stack := []level{{body: true}}
	depth := 1
	for _, tok := range tokens {
		top := &stack[len(stack)-1]
		switch tok.Type {
		case hclsyntax.TokenOBrace:
			stack = append(stack, level{body: true})
			depth++
		case hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			stack = append(stack, level{})
			depth++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc,
			hclsyntax.TokenTemplateSeqEnd:
			if len(stack) > 1 {
				depth -= 1 + top.ops
				stack = stack[:len(stack)-1]
			}
		case hclsyntax.TokenComma:
			depth -= top.ops
			top.ops = 0
		case hclsyntax.TokenNewline:
			if top.body {
				depth -= top.ops
				top.ops = 0
			}
		case hclsyntax.TokenBang, hclsyntax.TokenMinus, hclsyntax.TokenQuestion:
			top.ops++
			depth++
		}
		if depth > MaxNesting {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Configuration nested too deeply",
				Detail:   fmt.Sprintf("This file nests brackets, templates or operators more than %d levels deep; colstate does not read it. Split the expression up.", MaxNesting),
				Subject:  tok.Range.Ptr(),
			}}
		}
	}
	return nil
}

func countAny(src []byte, chars string) int {
	var in [256]bool
	for i := 0; i < len(chars); i++ {
		in[chars[i]] = true
	}
	n := 0
	for _, c := range src {
		if in[c] {
			n++
		}
	}
	return n
}
