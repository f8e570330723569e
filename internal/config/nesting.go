package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// MaxNesting bounds how deep and how long one expression of a configuration
// file may be. HCL's parser and evaluator recurse once per bracket, template,
// operator and traversal step: a few hundred thousand of them in one
// expression (a file of a few hundred KB) overflow the goroutine stack, which
// kills the process outright, and tens of thousands already take seconds and
// gigabytes. Real expressions are a handful of tokens long.
const MaxNesting = 1000

// CheckNesting reports, as a diagnostic at the offending token, a file with
// an expression deeper or longer than MaxNesting. Run it before parsing: it
// only lexes, which does not recurse.
//
// The measure is an upper bound on the parser's recursion: one per open
// bracket, brace, parenthesis, quote or template sequence, plus one per
// token (operator, operand, traversal step) of each enclosing expression
// since it began: after a comma, a newline in a body, or the opening
// bracket. Literal text and interpolations inside strings and heredocs do not
// count, so long descriptions are fine.
func CheckNesting(src []byte, filename string) hcl.Diagnostics {
	if len(src) <= MaxNesting { // every token is at least one byte
		return nil
	}
	tokens, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos) // syntax errors are the parser's to report
	type level struct {
		body     bool // a body or object: a newline ends an expression
		template bool // a string or heredoc: its parts are read in a loop
		n        int  // tokens of the current expression at this level
	}
	stack := []level{{body: true}}
	depth := 1
	for _, tok := range tokens {
		top := &stack[len(stack)-1]
		switch tok.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			if !top.template {
				top.n++ // a step of the enclosing expression, as in a[0][0]
				depth++
			}
			stack = append(stack, level{
				body:     tok.Type == hclsyntax.TokenOBrace,
				template: tok.Type == hclsyntax.TokenOQuote || tok.Type == hclsyntax.TokenOHeredoc,
			})
			depth++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc,
			hclsyntax.TokenTemplateSeqEnd:
			if len(stack) > 1 {
				depth -= 1 + top.n
				stack = stack[:len(stack)-1]
			}
		case hclsyntax.TokenComma:
			depth -= top.n
			top.n = 0
		case hclsyntax.TokenNewline:
			if top.body {
				depth -= top.n
				top.n = 0
			}
		case hclsyntax.TokenQuotedLit, hclsyntax.TokenStringLit, hclsyntax.TokenComment, hclsyntax.TokenEOF:
		default:
			top.n++
			depth++
		}
		if depth > MaxNesting {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Expression too deep or too long",
				Detail:   fmt.Sprintf("An expression here nests brackets, templates or operators, or chains operators and traversals, more than %d levels deep; colstate does not read it. Split it up.", MaxNesting),
				Subject:  tok.Range.Ptr(),
			}}
		}
	}
	return nil
}
