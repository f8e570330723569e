package plan

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

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

// mark is an action's symbol in its colour.
func (o RenderOptions) mark(a Action) string { return o.paint(a.info().color, a.Symbol()) }

func (o RenderOptions) paint(color, s string) string {
	if !o.Color || s == "" {
		return s
	}
	return color + s + ansiReset
}

// ObjectCounts tallies the objects a plan adds, updates and deletes:
// content changes, plus the objects of collections it deletes or clears
// (where the count is known: not those of inactive tenants, see
// uncountedTenants). ok is false when the plan touches no objects
// this way.
func (p *Plan) ObjectCounts() (add, update, del int64, ok bool) {
	for _, c := range p.Changes {
		d := c.Data
		if d == nil {
			continue
		}
		switch {
		case c.Action == Merge && d.From != "":
			ok = true
			add, update = add+d.Add, update+d.Update
			if d.Mode.Deletes() {
				del += d.Delete
			}
		case (c.Action == Clear || c.Action == Delete) && (d.Objects > 0 || d.Inactive > 0):
			ok = true
			del += max(d.Objects, 0)
		}
	}
	return add, update, del, ok
}

// Summary is the plan's one-line tally, the same in every format: how
// many changes of each action — create, update, replace and delete always
// (unless the plan only moves data), backup, restore, merge and clear when
// there are some — then the objects it adds, updates and deletes, when it
// touches any, so that "0 to delete" never stands alone while objects are
// deleted. E.g. "1 to create, 0 to update, 0 to replace, 0 to delete,
// 1 to merge; objects: +500 to add, ~0 to update, -0 to delete".
func (p *Plan) Summary() string {
	dataOnly := len(p.Changes) > 0
	for _, c := range p.Changes {
		dataOnly = dataOnly && c.Action.IsData()
	}
	var parts []string
	for _, a := range Actions {
		n := p.Count(a)
		switch {
		case a.IsAlias() && n > 0:
			parts = append(parts, fmt.Sprintf("%s %s", plural(n, "alias", "aliases"), a.info().tally))
		case (a.IsData() && n > 0) || (!a.IsData() && !a.IsAlias() && !dataOnly):
			parts = append(parts, fmt.Sprintf("%d %s", n, a.info().tally))
		}
	}
	s := strings.Join(parts, ", ")
	if add, upd, del, ok := p.ObjectCounts(); ok {
		s += fmt.Sprintf("; objects: +%s to add, ~%s to update, -%s to delete", thousands(add), thousands(upd), thousands(del))
		if n := p.uncountedTenants(); n > 0 {
			s += fmt.Sprintf(" + the objects of %s (not counted)", plural(n, "inactive tenant", "inactive tenants"))
		}
	}
	return s
}

// uncountedTenants counts the inactive tenants of the collections the
// plan deletes or clears: their objects are deleted too, but the plan
// cannot count them (ObjectCounts leaves them out).
func (p *Plan) uncountedTenants() int {
	n := 0
	for _, c := range p.Changes {
		if d := c.Data; d != nil && (c.Action == Clear || c.Action == Delete) {
			n += d.Inactive
		}
	}
	return n
}

// Human writes the plan as a reviewer reads it in a terminal or CI log.
func Human(w io.Writer, p *Plan, o RenderOptions) {
	for _, n := range p.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	if len(p.Notes) > 0 {
		fmt.Fprintln(w)
	}
	writeInterrupted(w, p)
	if len(p.Changes) == 0 && len(p.Forget) == 0 && len(p.ForgetAliases) == 0 && len(p.DropAliases) == 0 {
		if p.Interrupted != nil {
			fmt.Fprintln(w, "No changes. Weaviate matches the configuration; apply only removes the journal of the interrupted apply.")
		} else {
			fmt.Fprintln(w, "No changes. Weaviate matches the configuration.")
		}
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
	for _, name := range p.ForgetAliases {
		fmt.Fprintf(w, "  alias %s is gone from Weaviate and the configuration: it will be dropped from the state\n\n", name)
	}
	for _, name := range p.DropAliases {
		fmt.Fprintf(w, "  %s alias %s will be deleted: the moved block that renamed collection %s is gone from the configuration, so the old name stops resolving (the collection stays)\n\n", o.mark(Delete), name, name)
	}
	fmt.Fprintf(w, "Plan: %s.\n", p.Summary())
	writeUnmanaged(w, p)
}

// writeInterrupted says what becomes of a pending journal: what is finished
// first, what is dropped, and how to abandon it instead.
func writeInterrupted(w io.Writer, p *Plan) {
	in := p.Interrupted
	if in == nil {
		return
	}
	fmt.Fprintf(w, "An interrupted apply is pending (journal %s, started %s, %s finished).\n",
		in.Journal, in.StartedAt.Format(time.RFC3339), plural(in.Finished, "step", "steps"))
	carried := 0
	for _, c := range p.Changes {
		if c.Resumes != nil {
			carried++
		}
	}
	if carried > 0 {
		fmt.Fprintf(w, "  %s cannot be left half done: finished first (marked \"finishes the interrupted apply\" below).\n", plural(carried, "change of it", "changes of it"))
	}
	for _, d := range in.Dropped {
		fmt.Fprintf(w, "  not carried on: %s\n", d)
	}
	fmt.Fprintln(w, "  Everything else below is planned afresh from the configuration and the live state.")
	fmt.Fprintln(w, "  To abandon the interrupted apply instead: colstate apply -abandon")
	fmt.Fprintln(w)
}

func writeChange(w io.Writer, c Change, o RenderOptions) {
	if c.Action.IsAlias() {
		writeAliasChange(w, c, o)
		return
	}
	sym := o.mark(c.Action)
	verb := c.Action.Verb()
	if b := c.BlueGreen; b != nil && b.Rename {
		verb = fmt.Sprintf("is moved from collection %s (copy, then alias %s → %s)", b.From, b.Alias, b.To)
	}
	fmt.Fprintf(w, "  %s collection %s %s%s\n", sym, o.paint(ansiBold, c.Collection), verb, unmanagedSuffix(c))
	defer writeWarnings(w, c, o) // under the details, whichever case prints them
	data := c.Data
	if data == nil {
		data = &DataChange{} // a data action read from a plan file without its data
	}
	if r := c.Resumes; r != nil {
		var left []string
		for _, s := range r.Steps {
			if !slices.Contains(r.Done, s) {
				left = append(left, s)
			}
		}
		fmt.Fprintf(w, "      finishes the interrupted apply (its change %d): done %s; remaining %s\n",
			r.Change, orNothing(r.Done), orNothing(left))
	}
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
			fmt.Fprintf(w, "      %s %-*s = %s\n", o.mark(Create), width, a.Path, collection.FormatValue(a.Value))
		}
		for _, p := range c.After.Properties {
			fmt.Fprintf(w, "      %s %-*s = %s\n", o.mark(Create), width, "property."+p.Name, p.String())
		}
		if n := len(collection.Attributes(*c.After)) - len(attrs) - countGroupLeaves(*c.After); n > 0 {
			fmt.Fprintf(w, "        (%d more settings at Weaviate's defaults)\n", n)
		}
		if r := c.Recreate; r != nil {
			fmt.Fprintf(w, "      note: colstate manages %s, but it was deleted outside colstate; apply creates it again, empty\n", c.Collection)
			if r.Snapshot != "" {
				fmt.Fprintf(w, "      note: its data is in snapshot %s in %s (%s, taken %s); to bring it back instead, run before apply: colstate restore --collection %s %s\n",
					r.Snapshot, r.Store, plural64(r.Objects, "object", "objects"), r.TakenAt.UTC().Format(time.RFC3339), c.Collection, r.Snapshot)
			} else {
				fmt.Fprintf(w, "      note: no snapshot in colstate's catalogue holds its data\n")
			}
		}
	case Delete:
		fmt.Fprintf(w, "      %s every object in the collection is deleted with it (%s)\n", o.mark(Delete), objectsPhrase(c))
		writeTenants(w, c.Data, "")
		if d := c.Data; d != nil && d.Snapshot != "" {
			fmt.Fprintf(w, "      %s first: backed up to snapshot %s in %s\n", Backup.Symbol(), d.Snapshot, d.Store)
		}
		if d := c.Data; d != nil && d.Reason == BeforeNativeRestore {
			fmt.Fprintf(w, "      why: %s\n", d.Reason)
		}
	case Update, Replace:
		for _, f := range c.Fields {
			writeField(w, o, f)
		}
		if d := c.Data; c.Action == Replace && d != nil {
			if c.BlueGreen != nil {
				writeBlueGreen(w, c, o)
			} else {
				fmt.Fprintf(w, "      steps: %s back up %s to snapshot %s → %s delete → %s create → %s restore the objects\n",
					Backup.Symbol(), objectCount(d), d.Snapshot, Delete.Symbol(), Create.Symbol(), Restore.Symbol())
			}
			writeTenants(w, d, "; each gets its status back")
			writeTenants(w, d, "; each gets its status back")
			for _, p := range d.DropProperties {
				if undeclared(c, "property."+p) {
					fmt.Fprintf(w, "      property %s exists in Weaviate but not in the configuration (added outside colstate, e.g. by auto-schema): the replace drops it and its values (they stay in the snapshot); declare it to keep it\n", p)
					continue
				}
				fmt.Fprintf(w, "      property %s is removed: its values are dropped from the restored objects (they stay in the snapshot)\n", p)
			}
			for _, v := range d.DropVectors {
				if v == "" && len(d.VectorFromIgnored) > 0 {
					var why []string
					for _, target := range slices.Sorted(maps.Keys(d.VectorFromIgnored)) {
						why = append(why, fmt.Sprintf("from_default = true in vector %s does not apply: %s", target, d.VectorFromIgnored[target]))
					}
					fmt.Fprintf(w, "      the class-level vector is removed: every object's class-level vector is dropped from the restored objects (it stays in the snapshot); %s\n", strings.Join(why, "; "))
					continue
				}
				if v == "" {
					fmt.Fprintf(w, "      the class-level vector is removed: every object's class-level vector is dropped from the restored objects (it stays in the snapshot); to keep it, set from_default = true in the vector block that should receive it\n")
					continue
				}
				fmt.Fprintf(w, "      vector %s is removed or changes kind: its values are dropped from the restored objects (they stay in the snapshot)\n", v)
			}
			for _, target := range slices.Sorted(maps.Keys(d.VectorFrom)) {
				src := "the class-level vector"
				if s := d.VectorFrom[target]; s != "" {
					src = "vector " + s
				}
				fmt.Fprintf(w, "      %s is carried into vector %s of the restored objects (from_default)\n", src, target)
			}
		}
	case Backup:
		d := data
		what := "schema and " + objectCount(d)
		if d.Objects < 0 {
			what = "schema and its objects as the changes above leave them"
		}
		if d.SchemaOnly {
			what = "schema only"
		} else if d.NoVectors {
			what += ", without vectors"
		}
		why := ""
		if d.Reason != "" {
			why = " — " + string(d.Reason)
			if d.Policy != "" {
				why = fmt.Sprintf(" — snapshot %q: %s", d.Policy, d.Reason)
			}
		}
		fmt.Fprintf(w, "      %s → snapshot %s in %s%s\n", what, d.Snapshot, d.Store, why)
		if !d.SchemaOnly {
			writeTenants(w, d, "")
		}
		if len(d.Prune) > 0 {
			var ids []string
			for _, s := range d.Prune {
				ids = append(ids, s.ID)
			}
			fmt.Fprintf(w, "      then removes %s of %q (keep): %s\n", plural(len(d.Prune), "older snapshot", "older snapshots"), d.Policy, strings.Join(ids, ", "))
		}
		writePicks(w, Backup, d)
		writeEngine(w, Backup, d)
		if len(d.SkipTenants) > 0 {
			fmt.Fprintf(w, "      left out (--skip-offloaded): %s, which colstate cannot read: %s\n",
				plural(len(d.SkipTenants), "offloaded (FROZEN) tenant", "offloaded (FROZEN) tenants"), strings.Join(d.SkipTenants, ", "))
		}
	case Restore:
		d := data
		fmt.Fprintf(w, "      from %s: %s\n", snapshotOf(c, d), objectCount(d))
		writeEngine(w, Restore, d)
		if d.CreateSchema {
			fmt.Fprintf(w, "      the collection is created from the snapshot's schema\n")
		}
		writeTenants(w, d, " in the snapshot; each gets that status back")
		writePicks(w, Restore, d)
	case Merge:
		if data.From != "" {
			writeContent(w, data, o)
			break
		}
		fmt.Fprintf(w, "      from %s: %s upserted by UUID; identical objects are skipped,\n", snapshotOf(c, data), objectCount(data))
		fmt.Fprintf(w, "      objects absent from the snapshot stay; missing properties are added\n")
		writeTenants(w, data, " in the snapshot; tenants it creates get that status, the others keep theirs")
		writePicks(w, Merge, data)
	case Clear:
		fmt.Fprintf(w, "      %s are deleted; the schema stays\n", objectCount(data))
		writeTenants(w, data, "; each keeps its status")
		writePicks(w, Clear, data)
	}
}

// snapshotOf names the snapshot a restore or merge reads, and the
// collection inside it when that is another.
func snapshotOf(c Change, d *DataChange) string {
	s := "snapshot " + d.Snapshot
	if c.SourceName() != c.Collection {
		s += " (collection " + c.SourceName() + ")"
	}
	return s
}

// unmanagedSuffix marks the heading of a change to a collection colstate
// does not manage.
func unmanagedSuffix(c Change) string {
	if c.Unmanaged {
		return " " + UnmanagedNote
	}
	return ""
}

// writeWarnings prints a change's warnings under it.
func writeWarnings(w io.Writer, c Change, o RenderOptions) {
	for _, s := range c.Warnings() {
		fmt.Fprintf(w, "      %s %s\n", o.paint(ansiRed, "warning:"), s)
	}
}

// objectCount renders a data change's object count, with its tenants and
// the inactive tenants whose objects it could not count.
func objectCount(d *DataChange) string {
	s := plural64(d.Objects, "object", "objects")
	switch {
	case d.Inactive > 0 && d.Tenants > 0:
		s += " in " + plural(d.Tenants-d.Inactive, "active tenant", "active tenants")
	case d.Tenants > 0:
		s += " in " + plural(d.Tenants, "tenant", "tenants")
	}
	if d.Inactive > 0 {
		s += fmt.Sprintf(" + the objects of %s (not counted: each is activated in turn, then set back)", plural(d.Inactive, "inactive tenant", "inactive tenants"))
	}
	return s
}

func objectsPhrase(c Change) string {
	if c.Data != nil && (c.Data.Objects > 0 || c.Data.Inactive > 0 || c.Before == nil) {
		return objectCount(c.Data)
	}
	return plural(len(c.Before.Properties), "property", "properties")
}

// writeContent shows a content change: counts and a few example ids.
func writeContent(w io.Writer, d *DataChange, o RenderOptions) {
	counts := []string{o.paint(Create.info().color, "+"+thousands(d.Add)+" to add"), o.paint(Update.info().color, "~"+thousands(d.Update)+" to update")}
	if d.Mode.Deletes() {
		counts = append(counts, o.paint(Delete.info().color, "-"+thousands(d.Delete)+" to delete"))
	}
	fmt.Fprintf(w, "      content from %s (mode %s)%s: %s\n", d.From, d.Mode, contentTenantsPhrase(d), strings.Join(counts, ", "))
	if d.Reason != "" {
		fmt.Fprintf(w, "      %s\n", d.Reason)
	}
	writeContentTenants(w, d)
	for _, k := range []struct{ key, sym string }{{"add", "+"}, {"update", "~"}, {"delete", "-"}} {
		if ids := d.Examples[k.key]; len(ids) > 0 && (k.key != "delete" || d.Mode.Deletes()) {
			fmt.Fprintf(w, "        e.g. %s %s\n", k.sym, strings.Join(ids, ", "))
		}
	}
}

func orNothing(steps []string) string {
	if len(steps) == 0 {
		return "nothing"
	}
	return strings.Join(steps, ", ")
}

// thousands formats n with thousands separators: 1,204.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func plural64(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
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

func writeUnmanaged(w io.Writer, p *Plan) {
	if len(p.Unmanaged) > 0 {
		fmt.Fprintf(w, "Not managed by colstate (left untouched): %s\n", strings.Join(p.Unmanaged, ", "))
	}
}

// undeclared reports whether the change drops a live-only group at path.
func undeclared(c Change, path string) bool {
	for _, f := range c.Fields {
		if f.Path == path {
			return f.Undeclared
		}
	}
	return false
}

func writeField(w io.Writer, o RenderOptions, f collection.FieldChange) {
	note := ""
	if f.Replace {
		note = o.paint(ansiRed, "  # forces replacement")
	}
	if f.Undeclared {
		note = o.paint(ansiRed, "  # live only, not in the configuration: dropped; forces replacement")
	}
	switch {
	case f.Before == nil:
		fmt.Fprintf(w, "      %s %s = %s%s\n", o.mark(Create), f.Path, collection.FormatValue(f.After), note)
	case f.After == nil:
		fmt.Fprintf(w, "      %s %s = %s%s\n", o.mark(Delete), f.Path, collection.FormatValue(f.Before), note)
	default:
		bs, bok := f.Before.(string)
		as, aok := f.After.(string)
		if bok && aok && longText(bs, as) {
			fmt.Fprintf(w, "      %s %s:%s\n", o.mark(Update), f.Path, note)
			fmt.Fprintf(w, "          %s\n", wordDiff(bs, as, o))
			return
		}
		fmt.Fprintf(w, "      %s %s = %s → %s%s\n", o.mark(Update), f.Path, collection.FormatValue(f.Before), collection.FormatValue(f.After), note)
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
	if in := p.Interrupted; in != nil {
		fmt.Fprintf(w, "An interrupted apply is pending (journal `%s`): this plan settles it; see the full plan.\n\n", in.Journal)
	}
	if len(p.Changes) > 0 {
		fmt.Fprintln(w, "| | collection | action | details |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, c := range p.Changes {
			detail := changeDetail(c)
			if c.Unmanaged {
				detail = strings.TrimSpace(UnmanagedNote + " " + detail)
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", c.Action.Symbol(), mdEscape(c.Collection), c.Action, mdEscape(detail))
		}
		fmt.Fprintln(w)
		warned := false
		for _, c := range p.Changes {
			for _, s := range c.Warnings() {
				fmt.Fprintf(w, "> **Warning** (%s): %s\n", mdEscape(c.Collection), mdEscape(s))
				warned = true
			}
		}
		if warned {
			fmt.Fprintln(w)
		}
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
	if c.Action.IsAlias() {
		return aliasDetail(c)
	}
	switch c.Action {
	case Create:
		if r := c.Recreate; r != nil {
			held := "no snapshot holds its data"
			if r.Snapshot != "" {
				held = "its data is in snapshot " + r.Snapshot
			}
			return fmt.Sprintf("%s; managed, deleted outside colstate: %s", plural(len(c.After.Properties), "property", "properties"), held)
		}
		return plural(len(c.After.Properties), "property", "properties")
	case Replace:
		if b := c.BlueGreen; b != nil && b.Rename {
			return fmt.Sprintf("moved from %s: copy, then alias %s → %s (%s briefly unavailable at the cutover)", b.From, b.Alias, b.To, b.Alias)
		}
		if b := c.BlueGreen; b != nil {
			how := fmt.Sprintf("blue/green into %s, alias %s retargeted from %s", b.To, b.Alias, b.From)
			if b.FirstAlias {
				how = fmt.Sprintf("blue/green into %s; %s becomes an alias (briefly unavailable at the cutover)", b.To, b.Alias)
			}
			return "forces replacement: " + strings.Join(c.Reasons(), "; ") + "; " + how
		}
		return "forces replacement: " + strings.Join(c.Reasons(), "; ")
	case Update:
		var paths []string
		for _, f := range c.Fields {
			paths = append(paths, f.Path)
		}
		return strings.Join(paths, ", ")
	case Delete:
		return "deletes every object"
	case Merge:
		if d := c.Data; d != nil && d.From != "" {
			return fmt.Sprintf("%s (%s)%s: +%s, ~%s, -%s", d.From, d.Mode, contentTenantsPhrase(d), thousands(d.Add), thousands(d.Update), thousands(d.Delete))
		}
	case Backup:
		if d := c.Data; d != nil && d.Reason != "" {
			return "snapshot " + d.Snapshot + ": " + string(d.Reason)
		}
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
	return thousands(int64(n)) + " " + many
}
