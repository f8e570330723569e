package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// DataChange describes the data half of a backup, restore, merge or clear
// change: which snapshot, which store, what is copied.
//
//	Action   Collection            Snapshot                     Objects
//	backup   collection backed up  id the snapshot will get     objects to copy (live count)
//	restore  target collection     snapshot restored from       objects in the snapshot
//	merge    target collection     snapshot merged from         objects in the snapshot
//	clear    collection emptied    (unused)                     objects to delete (live count)
//
// Consecutive backup changes with the same Snapshot id write one snapshot.
type DataChange struct {
	Store      string `json:"store,omitempty"`    // snapshot store directory
	Snapshot   string `json:"snapshot,omitempty"` // snapshot id (restore, merge; backup once taken)
	SchemaOnly bool   `json:"schema_only,omitempty"`
	NoVectors  bool   `json:"no_vectors,omitempty"`
	Source     string `json:"source,omitempty"` // collection name inside the snapshot when restoring under another name

	// Reshape: a replace restores into the collection it just created with
	// its new schema; properties and named vectors it lacks are dropped.
	Reshape        bool     `json:"reshape,omitempty"`
	DropProperties []string `json:"drop_properties,omitempty"` // shown in the plan
	// DropVectors names the vectors a replace drops ("" is the class-level
	// vector); VectorFrom carries a vector onto a named vector of the new
	// schema instead (target → source, "" is the class-level vector).
	DropVectors []string          `json:"drop_vectors,omitempty"`
	VectorFrom  map[string]string `json:"vector_from,omitempty"`
	// VectorFromIgnored: the from_default vectors that cannot be filled,
	// and why (target → reason), for the plan to say so.
	VectorFromIgnored map[string]string `json:"vector_from_ignored,omitempty"`

	// Content changes (a collection's content block).
	From     string              `json:"from,omitempty"` // source address, e.g. data.jsonl.items
	Mode     string              `json:"mode,omitempty"` // merge, exact or seed
	Add      int64               `json:"add,omitempty"`
	Update   int64               `json:"update,omitempty"`
	Delete   int64               `json:"delete,omitempty"`
	Examples map[string][]string `json:"examples,omitempty"` // a few ids by "add", "update", "delete"

	// Why a backup is planned: "before replace", "snapshot nightly: none yet", ...
	Reason string `json:"reason,omitempty"`
	Policy string `json:"policy,omitempty"` // the snapshot block a backup is taken for

	Objects int64 `json:"objects"`           // objects the change reads or writes
	Tenants int   `json:"tenants,omitempty"` // tenants of a multi-tenant collection
	// Inactive counts the tenants that were inactive (COLD) at plan time:
	// their objects are not in Objects; a backup or clear activates each in
	// turn and puts it back.
	Inactive     int  `json:"inactive_tenants,omitempty"`
	CreateSchema bool `json:"create_schema,omitempty"` // restore creates the collection from the snapshot's schema
	// Prune: the older snapshots of the backup's policy that its keep
	// removes once this backup is committed (on the policy's first
	// backup change only).
	Prune []PrunedSnapshot `json:"prune,omitempty"`
}

// PrunedSnapshot is a snapshot a retention policy removes.
type PrunedSnapshot struct {
	ID      string    `json:"id"`
	Store   string    `json:"store"`
	TakenAt time.Time `json:"taken_at"`
}

// MarshalJSON writes a content change (one with From) with all its counts,
// zeros included, and examples as arrays for add, update and delete, so a
// reader never has to tell a missing count from zero or null from none.
func (d DataChange) MarshalJSON() ([]byte, error) {
	type plain DataChange
	if d.From == "" {
		return json.Marshal(plain(d))
	}
	ex := map[string][]string{}
	for _, k := range []string{"add", "update", "delete"} {
		ex[k] = nonNil(d.Examples[k])
	}
	return json.Marshal(struct {
		plain
		Add      int64               `json:"add"`
		Update   int64               `json:"update"`
		Delete   int64               `json:"delete"`
		Examples map[string][]string `json:"examples"`
	}{plain(d), d.Add, d.Update, d.Delete, ex})
}

// SourceName is the collection's name inside the snapshot.
func (c Change) SourceName() string {
	if c.Data != nil && c.Data.Source != "" {
		return c.Data.Source
	}
	return c.Collection
}

// IsData reports whether the action moves data rather than schema.
func (a Action) IsData() bool {
	return a == Backup || a == Restore || a == Merge || a == Clear
}

// DataSummary is the one-line tally of a plan of data changes.
func (p *Plan) DataSummary() string {
	return fmt.Sprintf("%d to back up, %d to restore, %d to merge, %d to clear",
		p.Count(Backup), p.Count(Restore), p.Count(Merge), p.Count(Clear))
}

// HumanData writes a plan of data changes (backup, restore, merge, clear)
// as a reviewer reads it: for each change, what it touches.
func HumanData(w io.Writer, p *Plan, o RenderOptions) {
	if len(p.Changes) == 0 {
		fmt.Fprintln(w, "No changes.")
		return
	}
	fmt.Fprintln(w, "colstate will perform the following actions:")
	fmt.Fprintln(w)
	for _, c := range p.Changes {
		d := c.Data
		if d == nil {
			d = &DataChange{}
		}
		color := ansiGreen
		if c.Action == Clear || c.Action == Merge {
			color = ansiRed
		}
		sym := o.paint(color, c.Action.Symbol())
		name := o.paint(ansiBold, c.Collection)
		tenants := ""
		if d.Tenants > 0 {
			tenants = fmt.Sprintf(" in %d tenants", d.Tenants)
		}
		note := unmanagedSuffix(c)
		if d.Inactive > 0 {
			tenants = fmt.Sprintf(" in %d active tenants, + the objects of %s (not counted: each is activated in turn, then set back)",
				d.Tenants-d.Inactive, plural(d.Inactive, "inactive tenant", "inactive tenants"))
		}
		switch c.Action {
		case Backup:
			what := fmt.Sprintf("schema and %d objects%s", d.Objects, tenants)
			if d.SchemaOnly {
				what = "schema only"
			} else if d.NoVectors {
				what += ", without vectors"
			}
			fmt.Fprintf(w, "  %s collection %s will be backed up%s\n", sym, name, note)
			fmt.Fprintf(w, "      %s → snapshot %s in %s\n", what, d.Snapshot, d.Store)
		case Restore:
			fmt.Fprintf(w, "  %s collection %s will be restored%s\n", sym, name, note)
			from := d.Snapshot
			if c.SourceName() != c.Collection {
				from += " (collection " + c.SourceName() + ")"
			}
			fmt.Fprintf(w, "      from snapshot %s: %d objects%s\n", from, d.Objects, tenants)
			if d.CreateSchema {
				fmt.Fprintf(w, "      the collection is created from the snapshot's schema\n")
			}
		case Merge:
			fmt.Fprintf(w, "  %s collection %s will be merged into%s\n", sym, name, note)
			fmt.Fprintf(w, "      from snapshot %s: %d objects%s upserted by UUID; identical objects are skipped,\n", d.Snapshot, d.Objects, tenants)
			fmt.Fprintf(w, "      objects absent from the snapshot stay; missing properties are added\n")
		case Clear:
			fmt.Fprintf(w, "  %s collection %s will be cleared%s\n", sym, name, note)
			fmt.Fprintf(w, "      %d objects%s are deleted; the schema stays\n", d.Objects, tenants)
		default:
			fmt.Fprintf(w, "  %s collection %s: %s%s\n", sym, name, c.Action, note)
		}
		writeWarnings(w, c, o)
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Plan: %s.\n", p.DataSummary())
}

// Touches lists, one line per change, what a data plan would read and
// write: the --dry-run report.
func Touches(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		d := c.Data
		if d == nil {
			continue
		}
		var s string
		switch c.Action {
		case Backup:
			s = fmt.Sprintf("read %d objects of %s; write snapshot %s under %s", d.Objects, c.Collection, d.Snapshot, d.Store)
			if d.Inactive > 0 {
				s += fmt.Sprintf("; activate %s one at a time to read them, then set each back", plural(d.Inactive, "inactive tenant", "inactive tenants"))
			}
			if d.SchemaOnly {
				s = fmt.Sprintf("read the schema of %s; write snapshot %s under %s", c.Collection, d.Snapshot, d.Store)
			}
		case Restore, Merge:
			parts := []string{fmt.Sprintf("read %d objects of %s from snapshot %s", d.Objects, c.SourceName(), d.Snapshot)}
			if d.CreateSchema {
				parts = append(parts, "create collection "+c.Collection)
			}
			parts = append(parts, "write into collection "+c.Collection)
			s = strings.Join(parts, "; ")
		case Clear:
			s = fmt.Sprintf("delete %d objects of %s", d.Objects, c.Collection)
			if d.Inactive > 0 {
				s += fmt.Sprintf(" and every object of its %s (activated one at a time, then set back)", plural(d.Inactive, "inactive tenant", "inactive tenants"))
			}
		}
		if c.Unmanaged {
			s += " " + UnmanagedNote
		}
		out = append(out, s)
	}
	return out
}
