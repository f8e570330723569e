package plan

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"

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
	if !o.Color || s == "" {
		return s
	}
	return color + s + ansiReset
}

func actionColor(a Action) string {
	switch a {
	case Create, Restore, Backup:
		return ansiGreen
	case Update, Merge:
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
	Backup:  "will be backed up",
	Restore: "will be restored",
	Merge:   "will be merged into",
	Clear:   "will be cleared",
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
		writeChange(w, c, o)
		fmt.Fprintln(w)
	}
	for _, name := range p.Forget {
		fmt.Fprintf(w, "  collection %s is gone from Weaviate and the configuration: it will be dropped from the state\n\n", name)
	}
	fmt.Fprintf(w, "Plan: %s.\n", p.Summary())
	writeUnmanaged(w, p)
}

func writeChange(w io.Writer, c Change, o RenderOptions) {
	sym := o.paint(actionColor(c.Action), c.Action.Symbol())
	phrase := actionPhrase[c.Action]
	if phrase == "" {
		phrase = "will be changed (" + c.Action.String() + ")"
	}
	fmt.Fprintf(w, "  %s collection %s %s\n", sym, o.paint(ansiBold, c.Collection), phrase)
	switch c.Action {
	case Create:
		attrs := collection.Chosen(*c.After)
		width := 0
		for _, a := range attrs {
			width = max(width, len(a.Path))
		}
		for _, p := range c.After.Properties {
			width = max(width, len("property."+p.Name))
		}
		for _, a := range attrs {
			fmt.Fprintf(w, "      %s %-*s = %s\n", o.paint(ansiGreen, "+"), width, a.Path, collection.FormatValue(a.Value))
		}
		for _, p := range c.After.Properties {
			fmt.Fprintf(w, "      %s %-*s = %s\n", o.paint(ansiGreen, "+"), width, "property."+p.Name, p.String())
		}
		if n := len(collection.Attributes(*c.After)) - len(attrs) - countGroupLeaves(*c.After); n > 0 {
			fmt.Fprintf(w, "        (%d more settings at Weaviate's defaults)\n", n)
		}
	case Delete:
		fmt.Fprintf(w, "      %s every object in the collection is deleted with it (%s)\n", o.paint(ansiRed, "-"), plural(len(c.Before.Properties), "property", "properties"))
	case Update, Replace:
		for _, f := range c.Fields {
			writeField(w, o, f)
		}
		if c.Action == Replace {
			fmt.Fprintf(w, "      %s\n", "replacing deletes the collection and creates it again")
		}
	}
	if d := c.Data; d != nil {
		writeData(w, d)
	}
}

func countGroupLeaves(c collection.Collection) int {
	n := 0
	for _, a := range collection.Attributes(c) {
		if strings.HasPrefix(a.Group, "property.") {
			n++
		}
	}
	return n
}

func writeData(w io.Writer, d *DataChange) {
	if d.Snapshot != "" {
		fmt.Fprintf(w, "      snapshot: %s\n", d.Snapshot)
	}
	if d.Store != "" {
		fmt.Fprintf(w, "      store:    %s\n", d.Store)
	}
	if d.SchemaOnly {
		fmt.Fprintln(w, "      schema only (no objects)")
	}
	if d.NoVectors {
		fmt.Fprintln(w, "      without vectors")
	}
}

func writeUnmanaged(w io.Writer, p *Plan) {
	if len(p.Unmanaged) > 0 {
		fmt.Fprintf(w, "Not managed by colstate (left untouched): %s\n", strings.Join(p.Unmanaged, ", "))
	}
}

func writeField(w io.Writer, o RenderOptions, f collection.FieldChange) {
	note := ""
	if f.Replace {
		note = o.paint(ansiRed, "  # forces replacement")
	}
	switch {
	case f.Before == nil:
		fmt.Fprintf(w, "      %s %s = %s%s\n", o.paint(ansiGreen, "+"), f.Path, collection.FormatValue(f.After), note)
	case f.After == nil:
		fmt.Fprintf(w, "      %s %s = %s%s\n", o.paint(ansiRed, "-"), f.Path, collection.FormatValue(f.Before), note)
	default:
		bs, bok := f.Before.(string)
		as, aok := f.After.(string)
		if bok && aok && longText(bs, as) {
			fmt.Fprintf(w, "      %s %s:%s\n", o.paint(ansiYellow, "~"), f.Path, note)
			fmt.Fprintf(w, "          %s\n", wordDiff(bs, as, o))
			return
		}
		fmt.Fprintf(w, "      %s %s = %s → %s%s\n", o.paint(ansiYellow, "~"), f.Path, collection.FormatValue(f.Before), collection.FormatValue(f.After), note)
	}
}

// longText reports whether a text change reads better as an inline diff
// than as before → after.
func longText(a, b string) bool {
	return len(a) > 60 || len(b) > 60 || strings.Contains(a, "\n") || strings.Contains(b, "\n")
}

// wordDiff shows what changed inside a long text: [-removed-]{+added+}
// without colour, red and green with it.
func wordDiff(before, after string, o RenderOptions) string {
	dmp := diffmatchpatch.New()
	diffs := dmp.DiffCleanupSemantic(dmp.DiffMain(before, after, false))
	var b bytes.Buffer
	for _, d := range diffs {
		text := strings.ReplaceAll(d.Text, "\n", "⏎\n          ")
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			if o.Color {
				b.WriteString(ansiRed + text + ansiReset)
			} else {
				b.WriteString("[-" + text + "-]")
			}
		case diffmatchpatch.DiffInsert:
			if o.Color {
				b.WriteString(ansiGreen + text + ansiReset)
			} else {
				b.WriteString("{+" + text + "+}")
			}
		default:
			b.WriteString(text)
		}
	}
	return b.String()
}

// Markdown writes the plan for a pull-request comment: a summary line, a
// table of changes, and the full plan in a collapsible diff block.
func Markdown(w io.Writer, p *Plan) {
	if p.Empty() {
		fmt.Fprintln(w, "#### colstate plan: no changes")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Weaviate matches the configuration.")
		return
	}
	fmt.Fprintf(w, "#### colstate plan: %s\n\n", p.Summary())
	if len(p.Changes) > 0 {
		fmt.Fprintln(w, "| | collection | action | details |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, c := range p.Changes {
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", c.Action.Symbol(), mdEscape(c.Collection), c.Action, mdEscape(changeDetail(c)))
		}
		fmt.Fprintln(w)
	}
	var human bytes.Buffer
	Human(&human, p, RenderOptions{})
	fmt.Fprintln(w, "<details><summary>Full plan</summary>")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "```diff")
	for _, line := range strings.Split(strings.TrimRight(human.String(), "\n"), "\n") {
		fmt.Fprintln(w, diffLine(line))
	}
	fmt.Fprintln(w, "```")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "</details>")
}

// changeDetail is the one-line summary of a change for the markdown table.
func changeDetail(c Change) string {
	switch c.Action {
	case Create:
		return plural(len(c.After.Properties), "property", "properties")
	case Replace:
		return "forces replacement: " + strings.Join(c.Reasons(), "; ")
	case Update:
		var paths []string
		for _, f := range c.Fields {
			paths = append(paths, f.Path)
		}
		return strings.Join(paths, ", ")
	case Delete:
		return "deletes every object"
	}
	if c.Data != nil && c.Data.Snapshot != "" {
		return "snapshot " + c.Data.Snapshot
	}
	return ""
}

// diffLine moves a change marker to column 0 so GitHub colours the line
// ("!" renders as a change).
func diffLine(line string) string {
	trimmed := strings.TrimLeft(line, " ")
	indent := line[:len(line)-len(trimmed)]
	for _, m := range []struct{ from, to string }{{"-/+ ", "! "}, {"+ ", "+ "}, {"- ", "- "}, {"~ ", "! "}} {
		if strings.HasPrefix(trimmed, m.from) {
			return m.to + indent + strings.TrimPrefix(trimmed, m.from)
		}
	}
	return "  " + line
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
