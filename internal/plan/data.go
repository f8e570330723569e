package plan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// DataChange is the data half of a change: which snapshot, which store,
// what is copied. Which fields an action uses:
//
//	Action   Collection            Snapshot, Store               Objects                     also
//	backup   collection backed up  id the snapshot will get      live count (-1: known only  SchemaOnly, NoVectors, Policy, Reason,
//	                                                             once earlier changes ran)   Tenants, Inactive
//	restore  target collection     snapshot restored from        objects in the snapshot     Source, CreateSchema, NoVectors, Tenants
//	merge    target collection     snapshot merged from (or      objects in the snapshot,    Source, NoVectors, Tenants; or Content
//	                               none: Content's source)       or Add+Update of Content    (and Reason: SeedCompletes)
//	clear    collection emptied    -                             live count                  Tenants, Inactive
//	replace  collection replaced   its backup before the delete  live count                  Reshaping, Inactive
//	delete   collection deleted    its backup (none: no backup)  live count                  Reason (BeforeDelete), Inactive
//
// Consecutive backup changes with the same Snapshot id write one snapshot.
// The JSON form is flat: Reshaping's and Content's fields sit beside the
// others (docs/plan-json.md).
type DataChange struct {
	Store      string `json:"store,omitempty"`    // snapshot store directory
	Snapshot   string `json:"snapshot,omitempty"` // snapshot id (restore, merge; backup once taken)
	SchemaOnly bool   `json:"schema_only,omitempty"`
	NoVectors  bool   `json:"no_vectors,omitempty"`
	Source     string `json:"source,omitempty"` // collection name inside the snapshot when restoring under another name
	// Verify is how a restore is checked afterwards (restore --verify):
	// "" (digest) reads every object back and compares count and content
	// digest with the snapshot; VerifyCount compares the object count only.
	Verify string `json:"verify,omitempty"`

	Reshaping  // replace
	Content    // merge from a content source
	EnginePath // backup, restore: Weaviate's own backup or portable chunks (native.go)

	Reason Reason `json:"reason,omitempty"` // why: BeforeExactDeletes, a snapshot block's reason, SeedCompletes, ...
	Policy string `json:"policy,omitempty"` // the snapshot block a backup is taken for

	Objects int64 `json:"objects"`           // objects the change reads or writes
	Tenants int   `json:"tenants,omitempty"` // tenants of a multi-tenant collection
	// Inactive counts the tenants that were inactive (COLD) at plan time:
	// their objects are not in Objects; a backup or clear activates each in
	// turn and puts it back.
	Inactive     int  `json:"inactive_tenants,omitempty"`
	CreateSchema bool `json:"create_schema,omitempty"` // restore creates the collection from the snapshot's schema
	// TenantStatus counts a multi-tenant collection's tenants by activity
	// status ("HOT", "COLD", ...): the live ones for a backup, clear, replace
	// or delete, the snapshot's for a restore or merge.
	TenantStatus map[string]int `json:"tenant_status,omitempty"`
	// SkipTenants names the offloaded (FROZEN) tenants a backup leaves out
	// (backup --skip-offloaded): colstate cannot read them; for a restore,
	// those its snapshot left out, which it does not touch.
	SkipTenants []string `json:"skipped_tenants,omitempty"`
	// OnlyTenants limits the change to these tenants of the collection
	// (--tenant): the others are neither read nor written.
	OnlyTenants []TenantPick `json:"only_tenants,omitempty"`
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

// Reshaping is how a replace fits the objects it backed up to the schema
// it creates. Apply's own restore step carries Reshape and VectorFrom.
type Reshaping struct {
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
}

// Content is a merge of a collection's content block: its source and the
// object-level difference with the live collection. A merge without From
// merges a snapshot (colstate restore --mode=merge).
type Content struct {
	From     string              `json:"from,omitempty"` // source address, e.g. data.jsonl.items
	Mode     ContentMode         `json:"mode,omitempty"`
	Add      int64               `json:"add,omitempty"`
	Update   int64               `json:"update,omitempty"`
	Delete   int64               `json:"delete,omitempty"`   // only in exact mode
	Examples map[string][]string `json:"examples,omitempty"` // a few ids by "add", "update", "delete"
	// TenantLoads are, on a multi-tenant collection, the tenants the
	// change writes into, each with its own difference (Add, Update and
	// Delete are their sums); no other tenant is read or written.
	TenantLoads []ContentTenant `json:"content_tenants,omitempty"`
	// OtherTenants counts the live tenants the change leaves untouched.
	OtherTenants int `json:"untouched_tenants,omitempty"`
	// SeedSkipped names the tenants a seed leaves alone: they hold objects.
	SeedSkipped []string `json:"seed_skipped_tenants,omitempty"`
}

// ContentTenant is one tenant a content change on a multi-tenant
// collection fills, with its object-level difference.
type ContentTenant struct {
	Name string `json:"name"` // the live tenant written into
	// Source is the source's tenant read (absent: a source without tenants).
	Source string `json:"source_tenant,omitempty"`
	// Status is the source tenant's activity status: a tenant the load
	// creates is given it once written.
	Status string `json:"status,omitempty"`
	// Live is the live tenant's status ("": the load creates the tenant);
	// an inactive one is activated to be written and set back.
	Live   string `json:"live_status,omitempty"`
	Add    int64  `json:"add"`
	Update int64  `json:"update"`
	Delete int64  `json:"delete"` // only in exact mode
	// SeedCompletes: a seed of the tenant was interrupted; apply finishes
	// it as a merge.
	SeedCompletes bool `json:"seed_completes,omitempty"`
	// LiveObjects is the live tenant's object count at plan time, for the
	// backup before exact-mode deletes.
	LiveObjects int64 `json:"-"`
}

// Changes reports whether the tenant's load writes or deletes anything
// in mode m.
func (t ContentTenant) Changes(m ContentMode) bool {
	return t.Add > 0 || t.Update > 0 || (m.Deletes() && t.Delete > 0)
}

// Label names the tenant as the plan shows it: "acme", or "old → new"
// when a source tenant is written into a tenant of another name.
func (t ContentTenant) Label() string {
	if t.Source != "" && t.Source != t.Name {
		return t.Source + " → " + t.Name
	}
	return t.Name
}

// TenantsByStatus renders tenant counts by activity status as the plan
// shows them: "1,000 tenants: 120 HOT, 880 COLD" (HOT first, then COLD,
// then any other status by name); "" when there are none.
func TenantsByStatus(byStatus map[string]int) string {
	total := 0
	for _, n := range byStatus {
		total += n
	}
	if total == 0 {
		return ""
	}
	statuses := slices.SortedFunc(maps.Keys(byStatus), func(a, b string) int {
		rank := func(s string) int {
			switch s {
			case "HOT":
				return 0
			case "COLD":
				return 1
			}
			return 2
		}
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, st := range statuses {
		if byStatus[st] > 0 {
			parts = append(parts, thousands(int64(byStatus[st]))+" "+st)
		}
	}
	return plural64(int64(total), "tenant", "tenants") + ": " + strings.Join(parts, ", ")
}

// writeTenants prints a data change's tenants by status on a line of its
// own, followed by tail, when the collection is multi-tenant.
func writeTenants(w io.Writer, d *DataChange, tail string) {
	if d == nil {
		return
	}
	if s := TenantsByStatus(d.TenantStatus); s != "" {
		fmt.Fprintf(w, "      %s%s\n", s, tail)
	}
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
				s += fmt.Sprintf("; activate %s (at most --tenant-parallel at a time) to read them, then set each back", plural(d.Inactive, "inactive tenant", "inactive tenants"))
			}
			if len(d.SkipTenants) > 0 {
				s += "; leave out the offloaded tenants " + strings.Join(d.SkipTenants, ", ")
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
		case Delete:
			s = fmt.Sprintf("delete collection %s and its %d objects, for Weaviate's restore", c.Collection, d.Objects)
		case Clear:
			s = fmt.Sprintf("delete %d objects of %s", d.Objects, c.Collection)
			if d.Inactive > 0 {
				s += fmt.Sprintf(" and every object of its %s (activated at most --tenant-parallel at a time, then set back)", plural(d.Inactive, "inactive tenant", "inactive tenants"))
			}
		}
		if ts := d.TenantNames(); len(ts) > 0 {
			s += "; only tenant(s) " + strings.Join(ts, ", ") + ", no other tenant is touched"
		}
		if c.Unmanaged {
			s += " " + UnmanagedNote
		}
		out = append(out, s)
	}
	return out
}

// contentTenantsShown is how many tenants a content change names one by
// one before it counts the rest.
const contentTenantsShown = 10

// contentTenantsPhrase is ", tenants acme, globex" for a content change
// on a multi-tenant collection ("" otherwise).
func contentTenantsPhrase(d *DataChange) string {
	if len(d.TenantLoads) == 0 {
		return ""
	}
	var names []string
	for i, t := range d.TenantLoads {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %s more", thousands(int64(len(d.TenantLoads)-i))))
			break
		}
		names = append(names, t.Label())
	}
	word := "tenants "
	if len(d.TenantLoads) == 1 {
		word = "tenant "
	}
	return ", " + word + strings.Join(names, ", ")
}

// writeContentTenants shows a content change's tenants, one line each
// (at most contentTenantsShown), and the tenants it leaves alone.
func writeContentTenants(w io.Writer, d *DataChange) {
	if len(d.TenantLoads) == 0 && d.OtherTenants == 0 && len(d.SeedSkipped) == 0 {
		return
	}
	for i, t := range d.TenantLoads {
		if i == contentTenantsShown {
			fmt.Fprintf(w, "        … and %s\n", plural(len(d.TenantLoads)-i, "more tenant", "more tenants"))
			break
		}
		counts := []string{}
		if t.Add > 0 {
			counts = append(counts, "+"+thousands(t.Add)+" to add")
		}
		if t.Update > 0 {
			counts = append(counts, "~"+thousands(t.Update)+" to update")
		}
		if d.Mode.Deletes() && t.Delete > 0 {
			counts = append(counts, "-"+thousands(t.Delete)+" to delete")
		}
		var notes []string
		switch {
		case t.Live == "":
			note := "new tenant"
			if t.Status != "" && t.Status != "HOT" {
				note += ", set " + t.Status + " afterwards as in the source"
			}
			notes = append(notes, note)
		case t.Live != "HOT":
			notes = append(notes, t.Live+": activated to be written, then set back")
		}
		if t.SeedCompletes {
			notes = append(notes, "completes an interrupted seed as a merge")
		}
		line := "tenant " + t.Label() + ": " + strings.Join(counts, ", ")
		if len(notes) > 0 {
			line += " (" + strings.Join(notes, "; ") + ")"
		}
		fmt.Fprintf(w, "        %s\n", line)
	}
	if len(d.SeedSkipped) > 0 {
		fmt.Fprintf(w, "        seed leaves %s alone: not empty\n", plural(len(d.SeedSkipped), "tenant", "tenants")+" "+strings.Join(d.SeedSkipped, ", "))
	}
	if d.OtherTenants > 0 {
		fmt.Fprintf(w, "        %s of the collection left as they are\n", plural(d.OtherTenants, "other tenant", "other tenants"))
	}
}
