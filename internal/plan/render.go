package plan

import (
	"fmt"
	"io"
	"strings"

	"github.com/colstate/colstate/internal/collection"
)

// RenderOptions control human output.
type RenderOptions struct {
	Color bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiBold   = "\x1b[1m"
)

func (o RenderOptions) paint(color, s string) string {
	if !o.Color {
		return s
	}
	return color + s + ansiReset
}

func actionColor(a Action) string {
	switch a {
	case Create:
		return ansiGreen
	case Update:
		return ansiYellow
	default:
		return ansiRed
	}
}

var actionPhrase = map[Action]string{
	Create:  "will be created",
	Update:  "will be updated in place",
	Replace: "must be replaced",
	Delete:  "will be deleted",
}

// Human writes the plan as a reviewer reads it in a terminal or CI log.
func Human(w io.Writer, p *Plan, o RenderOptions) {
	if p.Empty() {
		fmt.Fprintln(w, "No changes. Weaviate matches the configuration.")
		writeUnmanaged(w, p)
		return
	}
	if len(p.Changes) > 0 {
		fmt.Fprintln(w, "colstate will perform the following actions:")
		fmt.Fprintln(w)
	}
	for _, c := range p.Changes {
		sym := o.paint(actionColor(c.Action), c.Action.Symbol())
		fmt.Fprintf(w, "  %s collection %s %s\n", sym, o.paint(ansiBold, c.Collection), actionPhrase[c.Action])
		switch c.Action {
		case Create:
			writeAttrs(w, o, "+", ansiGreen, collection.Attributes(*c.After))
		case Delete:
			writeAttrs(w, o, "-", ansiRed, collection.Attributes(*c.Before))
			fmt.Fprintf(w, "      %s\n", "every object in the collection is deleted with it")
		case Update, Replace:
			for _, f := range c.Fields {
				writeField(w, o, f)
			}
		}
		fmt.Fprintln(w)
	}
	for _, name := range p.Forget {
		fmt.Fprintf(w, "  collection %s is gone from Weaviate and the configuration: it will be dropped from the state\n\n", name)
	}
	fmt.Fprintf(w, "Plan: %s.\n", p.Summary())
	writeUnmanaged(w, p)
}

func writeUnmanaged(w io.Writer, p *Plan) {
	if len(p.Unmanaged) > 0 {
		fmt.Fprintf(w, "Not managed by colstate (left untouched): %s\n", strings.Join(p.Unmanaged, ", "))
	}
}

func writeAttrs(w io.Writer, o RenderOptions, sym, color string, attrs []collection.Attr) {
	width := 0
	for _, a := range attrs {
		width = max(width, len(a.Path))
	}
	for _, a := range attrs {
		fmt.Fprintf(w, "      %s %-*s = %s\n", o.paint(color, sym), width, a.Path, formatValue(a.Value))
	}
}

func writeField(w io.Writer, o RenderOptions, f collection.FieldChange) {
	note := ""
	if f.Replace {
		note = o.paint(ansiRed, "  # forces replacement")
	}
	switch {
	case f.Before == nil:
		fmt.Fprintf(w, "      %s %s = %s%s\n", o.paint(ansiGreen, "+"), f.Path, formatValue(f.After), note)
	case f.After == nil:
		fmt.Fprintf(w, "      %s %s = %s%s\n", o.paint(ansiRed, "-"), f.Path, formatValue(f.Before), note)
	default:
		fmt.Fprintf(w, "      %s %s = %s → %s%s\n", o.paint(ansiYellow, "~"), f.Path, formatValue(f.Before), formatValue(f.After), note)
	}
}

func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case collection.Property:
		return x.String()
	}
	return fmt.Sprint(v)
}
