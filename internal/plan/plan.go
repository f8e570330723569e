// Package plan computes what colstate must do to make Weaviate match the
// configuration, and renders it for people and programs. It works on plain
// values: the caller reads the configuration, the live schema and the state
// and hands them in, so the differ never touches the network. The data
// commands (backup, restore, clear) are planned the same way, from facts the
// workspace gathers (datacmd.go).
package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/collection"
)

// Change is one action on one collection.
//
//	Action   Before                After                 Fields
//	create   nil                   declared collection   nil
//	update   live collection       declared collection   mutable differences
//	replace  live collection       declared collection   all differences; some force replacement
//	delete   live collection       nil                   nil
//	backup, restore, merge, clear: Data says what moves where (see DataChange)
//	create_alias, retarget_alias, delete_alias, adopt_alias: Collection is
//	the alias's name; Alias says where it points (see AliasChange)
type Change struct {
	Collection string                   `json:"collection"`
	Action     Action                   `json:"-"` // encoded by the document
	Before     *collection.Collection   `json:"before"`
	After      *collection.Collection   `json:"after"`
	Fields     []collection.FieldChange `json:"fields,omitempty"`
	Data       *DataChange              `json:"data,omitempty"`
	// Unmanaged marks a change to a live collection colstate does not
	// manage: only the imperative data commands make one, and only for a
	// collection named explicitly on their command line.
	Unmanaged bool `json:"unmanaged,omitempty"`
	// Resumes, when set, says the change finishes one an interrupted apply
	// began and cannot leave half done (a replace past its delete step).
	Resumes *Resumes `json:"resumes,omitempty"`
	// Recreate, on a create, says the collection was managed by colstate
	// and deleted outside it; it names the newest snapshot holding its data.
	Recreate *Recreate `json:"recreate,omitempty"`
	// Alias is set on the alias actions.
	Alias *AliasChange `json:"alias,omitempty"`
	// BlueGreen, on a replace, says it runs blue/green
	// (lifecycle.create_before_destroy): see bluegreen.go.
	BlueGreen *BlueGreen `json:"blue_green,omitempty"`
}

// UnmanagedNote is how every plan format marks a change to a collection
// colstate does not manage.
const UnmanagedNote = "(not managed by colstate)"

// Warnings are what a reviewer must know about a change beyond what it
// does: the same sentences in every plan format.
func (c Change) Warnings() []string {
	var out []string
	if c.Unmanaged {
		out = append(out, fmt.Sprintf("%s %s: it is changed only because the command line named it", c.Collection, UnmanagedNote))
	}
	if c.Action == Replace && c.BlueGreen != nil {
		out = append(out, c.BlueGreen.warnings()...)
	} else if c.Action == Replace {
		out = append(out, fmt.Sprintf("writes to %s while this replace runs are at risk: objects written after the backup are lost with the delete, "+
			"and a writer with auto-schema can create %s again before colstate does (apply then stops rather than restore into it); "+
			"stop writers first, or set lifecycle { create_before_destroy = true } to replace it blue/green without this risk", c.Collection, c.Collection))
	}
	return out
}

// Resumes ties a change to the interrupted apply it finishes.
type Resumes struct {
	Change int      `json:"change"` // its number in the interrupted plan, from 1
	Done   []string `json:"done"`   // steps that finished before the interruption
	Steps  []string `json:"steps"`  // all its steps, in order
}

// Interrupted describes an apply that stopped part-way, as the next plan
// finds it in the journal: the changes it cannot leave half done are carried
// on (marked Resumes); every other step it had not finished is dropped, and
// planned again from the configuration only if the configuration still asks
// for it.
type Interrupted struct {
	Journal   string    `json:"journal"`
	PlanID    string    `json:"plan_id"`
	StartedAt time.Time `json:"started_at"`
	Finished  int       `json:"finished_steps"`
	// Dropped describes each unfinished change that is not carried on.
	Dropped []string `json:"dropped"`
}

// Recreate describes a managed collection that is gone from Weaviate.
type Recreate struct {
	Snapshot string    `json:"snapshot,omitempty"` // newest snapshot in the state's catalogue holding it; "" when none
	Store    string    `json:"store,omitempty"`
	Objects  int64     `json:"objects"`
	TakenAt  time.Time `json:"taken_at,omitzero"`
}

// Reasons lists the differences that force a replacement.
func (c Change) Reasons() []string {
	var out []string
	for _, f := range c.Fields {
		if f.Replace {
			out = append(out, f.Reason())
		}
	}
	return out
}

// Plan is everything colstate will do in one apply.
type Plan struct {
	Changes []Change
	// Forget lists collections in the state that are gone from both Weaviate
	// and the configuration: apply drops them from the state and nothing else.
	Forget []string
	// ForgetAliases lists aliases in the state that are gone from both
	// Weaviate and the configuration: apply drops them from the state.
	ForgetAliases []string
	// DropAliases lists aliases moved blocks made whose block the
	// configuration dropped: apply deletes them (the collections they
	// resolve to stay).
	DropAliases []string
	// Unmanaged lists live collections colstate does not manage and leaves alone.
	Unmanaged []string
	// Interrupted, when set, is the pending journal of an apply that
	// stopped part-way: applying this plan settles it.
	Interrupted *Interrupted
	// Notes are said above the changes (e.g. what -target added).
	Notes []string
	// CreatedAt and Binding are set for plans that are saved or printed as JSON.
	CreatedAt time.Time
	Binding   *Binding
}

// Empty reports whether applying the plan would change nothing at all. A
// pending journal is a change: apply removes it.
func (p *Plan) Empty() bool {
	return len(p.Changes) == 0 && len(p.Forget) == 0 && len(p.ForgetAliases) == 0 && len(p.DropAliases) == 0 && p.Interrupted == nil
}

// Count returns how many changes have the given action.
func (p *Plan) Count(a Action) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// Desired is a collection as the configuration declares it, with its
// lifecycle settings.
type Desired struct {
	collection.Collection
	PreventDestroy bool     // refuse any plan that deletes or replaces it
	IgnoreChanges  []string // attribute paths whose live value is kept
	// VectorFrom: named vectors a replace fills from a vector the new
	// schema drops (target → source, "" is the class-level vector).
	VectorFrom map[string]string
	// NoBackupBeforeDestroy turns off the automatic snapshot before a
	// delete or exact-mode deletes (lifecycle.backup_before_destroy = false).
	NoBackupBeforeDestroy bool
	// CreateBeforeDestroy makes a replace blue/green; KeepPrevious keeps
	// the collection it retargets away from (bluegreen.go).
	CreateBeforeDestroy bool
	KeepPrevious        bool
}

// ContentPlan is the object-level difference between a collection's
// content source and the live collection, computed by the caller.
type ContentPlan struct {
	From                string // source address, e.g. data.jsonl.items
	Mode                ContentMode
	Add, Update, Delete int64
	Examples            map[string][]string // a few ids by "add", "update", "delete"
	// Skip, when set, says why nothing is planned (seed into a non-empty
	// collection).
	Skip string
	// Reason, when set, is said with the change (SeedCompletes).
	Reason Reason
	// Tenants: on a multi-tenant collection, the tenants the source fills,
	// each with its difference (Add, Update, Delete are their sums);
	// OtherTenants counts the live tenants left untouched, SeedSkipped
	// the tenants a seed leaves alone because they hold objects.
	Tenants      []ContentTenant
	OtherTenants int
	SeedSkipped  []string
}

// DueSnapshot is a snapshot block whose snapshot is due.
type DueSnapshot struct {
	Policy      string
	Collections []string
	Store       string
	SchemaOnly  bool
	Engine      string // portable (""), native or both
	Reason      Reason // NoSnapshotYet, SnapshotAged, SnapshotGone, DataChangedSince; "" when not due
	// Prune lists the policy's snapshots its keep removes once a new one
	// is committed, oldest first.
	Prune []PrunedSnapshot
}

// Input is what the differ compares.
type Input struct {
	Desired []Desired                        // from the configuration, normalised
	Live    map[string]collection.Collection // from Weaviate, normalised
	Managed map[string]collection.Collection // from the state: what colstate applied last

	// Aliases are the alias blocks (alias → collection); LiveAliases the
	// server's aliases; ManagedAliases those the state records.
	Aliases, LiveAliases, ManagedAliases map[string]string
	// Targets limits the plan to these collections (-target); empty means all.
	Targets []string
	// Exclude leaves collections out of the plan: an interrupted apply's
	// carried changes finish them first.
	Exclude []string

	// Data planning; all optional.
	Content map[string]ContentPlan // by collection
	Counts  map[string]int64       // live object counts of collections a plan may destroy
	// Tenants lists, by collection, the tenants that are not active: their
	// objects are not in Counts.
	Tenants map[string]TenantStatus
	// Modules are the modules the server has enabled; nil skips the check
	// that every vectorizer and module a change needs is among them.
	Modules map[string]bool
	// Held is, by collection, the newest snapshot in the state's catalogue
	// that holds it: named when a managed collection was deleted by hand.
	Held map[string]Recreate
	Due  []DueSnapshot
	// Backing is, by collection name, what stands behind a name that is a
	// Weaviate alias (Live holds the backing collection under the name);
	// Taken holds every live collection and alias name, for new names.
	Backing map[string]Backing
	Taken   map[string]bool
	// Moved holds the configuration's moved blocks, from → to;
	// MovedAliases the aliases applied moved blocks made (alias → the
	// collection it resolves to), from the state (moved.go).
	Moved        map[string]string
	MovedAliases map[string]string

	Store string        // snapshot store for automatic backups
	NewID func() string // ids of planned snapshots
}

// TenantStatus names a multi-tenant collection's tenants that cannot be
// read as they are: inactive (COLD) ones, which a backup activates one at a
// time and puts back, and offloaded (FROZEN) ones, which colstate cannot
// read at all.
type TenantStatus struct {
	Inactive  []string
	Offloaded []string
	// ByStatus counts every tenant by activity status, for the plan to
	// show ("1,000 tenants: 120 HOT, 880 COLD").
	ByStatus map[string]int
}

// mayHoldData reports whether the collection may hold objects: counted
// ones, or tenants whose objects could not be counted.
func (in Input) mayHoldData(name string) bool {
	ts := in.Tenants[name]
	return in.Counts[name] > 0 || len(ts.Inactive) > 0 || len(ts.Offloaded) > 0
}

// holds renders what a collection holds for a refusal: "12 objects", or
// "12 objects in its active tenants and 3 inactive tenants not counted".
func (in Input) holds(name string) string {
	s := fmt.Sprintf("%d objects", in.Counts[name])
	if n := len(in.Tenants[name].Inactive) + len(in.Tenants[name].Offloaded); n > 0 {
		s += fmt.Sprintf(" in its active tenants and %d inactive or offloaded tenants not counted", n)
	}
	return s
}

// offloadedProblem refuses a backup of a collection with offloaded tenants.
func (in Input) offloadedProblem(name, why string) string {
	off := in.Tenants[name].Offloaded
	if len(off) == 0 {
		return ""
	}
	return fmt.Sprintf("collection %s must be backed up %s, but it has offloaded (FROZEN) tenants colstate cannot read: %s; load them back (activityStatus HOT or COLD) first",
		name, why, strings.Join(off, ", "))
}

// Targeted reports whether the plan covers collection name: -target names
// it (or there is no -target) and it is not excluded.
func (in Input) Targeted(name string) bool {
	return !slices.Contains(in.Exclude, name) && (len(in.Targets) == 0 || slices.Contains(in.Targets, name))
}

// Error lists every reason a plan cannot be made.
type Error struct{ Problems []string }

func (e *Error) Error() string { return strings.Join(e.Problems, "\n") }

// Diff computes the plan that makes Live match Desired, touching only
// collections that are declared or managed.
func Diff(in Input) (*Plan, error) {
	p := &Plan{}
	var problems []string
	targeted := in.Targeted
	declared := map[string]bool{}
	renames := in.renames()
	for _, d := range in.Desired {
		declared[d.Name] = true
		if !targeted(d.Name) {
			continue
		}
		if from, ok := renames[d.Name]; ok {
			if msgs := in.renameProblems(d.Name, from); len(msgs) > 0 {
				problems = append(problems, msgs...)
				continue
			}
			p.Changes = append(p.Changes, in.renameChange(from, d))
			continue
		}
		want := d.Collection
		have, live := in.Live[want.Name]
		_, managed := in.Managed[want.Name]
		switch {
		case !live:
			c := Change{Collection: want.Name, Action: Create, After: &want}
			if managed {
				held := in.Held[want.Name]
				c.Recreate = &held
			}
			p.Changes = append(p.Changes, c)
		case !managed:
			problems = append(problems, fmt.Sprintf(
				"collection %s already exists in Weaviate but colstate does not manage it: "+
					"adopt it with `colstate import %s`, or rename the collection in the configuration",
				want.Name, want.Name))
		default:
			if err := collection.CopyPaths(&want, have, d.IgnoreChanges); err != nil {
				problems = append(problems, fmt.Sprintf("collection %s: %v", want.Name, err))
				continue
			}
			fields := collection.Diff(have, want)
			if len(fields) == 0 {
				continue
			}
			markUndeclared(fields, in.Managed[want.Name])
			action := Update
			if collection.NeedsReplace(fields) {
				action = Replace
			}
			if action == Replace && d.PreventDestroy {
				c := Change{Fields: fields}
				problems = append(problems, fmt.Sprintf(
					"collection %s has lifecycle.prevent_destroy = true, but this plan would replace it (%s); "+
						"undo that change, or remove prevent_destroy deliberately in its own change",
					want.Name, strings.Join(c.Reasons(), "; ")))
				continue
			}
			if action == Replace && in.mayHoldData(want.Name) {
				var retyped []string
				for _, f := range fields {
					if strings.HasSuffix(f.Path, ".data_type") && f.Before != nil && f.After != nil {
						retyped = append(retyped, f.Reason())
					}
				}
				if len(retyped) > 0 {
					problems = append(problems, fmt.Sprintf(
						"collection %s holds %s and a property changes its data type (%s): colstate does not convert values, so the restore after the replace would fail; "+
							"add a new property instead, or empty the collection first (colstate clear %s)",
						want.Name, in.holds(want.Name), strings.Join(retyped, "; "), want.Name))
					continue
				}
			}
			if action == Replace && in.mayHoldData(want.Name) && have.MultiTenancy.Enabled != want.MultiTenancy.Enabled {
				problems = append(problems, fmt.Sprintf(
					"collection %s holds %s and multi_tenancy.enabled changes (%v → %v): colstate cannot move objects between tenants and a single collection; "+
						"empty it first (colstate clear %s), or create a new collection and restore into it",
					want.Name, in.holds(want.Name), have.MultiTenancy.Enabled, want.MultiTenancy.Enabled, want.Name))
				continue
			}
			if action == Replace {
				if msg := in.offloadedProblem(want.Name, "before it is replaced"); msg != "" {
					problems = append(problems, msg)
					continue
				}
			}
			have := have
			c := Change{Collection: want.Name, Action: action, Before: &have, After: &want, Fields: fields}
			if action == Replace {
				c.Data = &DataChange{Store: in.Store, Snapshot: in.newID(), Objects: in.Counts[want.Name], Inactive: len(in.Tenants[want.Name].Inactive), TenantStatus: in.Tenants[want.Name].ByStatus,
					Reshaping: Reshaping{Reshape: true, DropProperties: removedProperties(fields)}}
				c.Data.DropVectors, c.Data.VectorFrom, c.Data.VectorFromIgnored = droppedVectors(have, want, d.VectorFrom)
				if d.CreateBeforeDestroy {
					if msg := in.blueGreen(&c, d); msg != "" {
						problems = append(problems, msg)
						continue
					}
				}
			}
			p.Changes = append(p.Changes, c)
		}
	}
	for _, d := range in.Desired {
		cp, ok := in.Content[d.Name]
		if !ok || !targeted(d.Name) || cp.Skip != "" || (cp.Add == 0 && cp.Update == 0 && (!cp.Mode.Deletes() || cp.Delete == 0)) {
			continue
		}
		if !cp.Mode.Valid() {
			problems = append(problems, fmt.Sprintf("collection %s: content mode %q: use %s", d.Name, cp.Mode, joinModes()))
			continue
		}
		dc := &DataChange{Content: Content{From: cp.From, Mode: cp.Mode, Add: cp.Add, Update: cp.Update, Examples: cp.Examples,
			OtherTenants: cp.OtherTenants, SeedSkipped: cp.SeedSkipped}, Objects: cp.Add + cp.Update, Reason: cp.Reason}
		for _, t := range cp.Tenants {
			if t.Changes(cp.Mode) {
				if !cp.Mode.Deletes() {
					t.Delete = 0
				}
				dc.TenantLoads = append(dc.TenantLoads, t)
			} else if t.Live != "" {
				dc.OtherTenants++ // holds its source already: not written
			}
		}
		if !cp.Mode.Deletes() && len(cp.Examples["delete"]) > 0 {
			// Only exact mode deletes: live objects absent from the source stay.
			dc.Examples = maps.Clone(cp.Examples)
			delete(dc.Examples, "delete")
		}
		if cp.Mode.Deletes() {
			dc.Delete = cp.Delete
			if cp.Delete > 0 && !d.NoBackupBeforeDestroy {
				bd := &DataChange{Objects: in.Counts[d.Name]}
				if len(dc.TenantLoads) > 0 {
					// Only the tenants that lose objects: no other is read.
					var picks []TenantPick
					for _, t := range dc.TenantLoads {
						if t.Delete > 0 {
							picks = append(picks, TenantPick{Name: t.Name, Objects: t.LiveObjects, Status: t.Live})
						}
					}
					bd = pickedChange(picks)
				}
				bd.Store, bd.Snapshot, bd.Reason = in.Store, in.newID(), BeforeExactDeletes
				p.Changes = append(p.Changes, Change{Collection: d.Name, Action: Backup, Data: bd})
			}
		}
		p.Changes = append(p.Changes, Change{Collection: d.Name, Action: Merge, Data: dc})
	}
	for _, due := range in.Due {
		if due.Reason == "" {
			for _, c := range p.Changes {
				if (c.Action == Merge || c.Action == Replace || c.Action == Create) && slices.Contains(due.Collections, c.Collection) {
					due.Reason = DataChangesInApply(c.Collection)
					break
				}
			}
		}
		if due.Reason == "" {
			continue
		}
		partial := false
		for _, name := range due.Collections {
			partial = partial || !targeted(name)
		}
		if partial {
			continue // a policy's snapshot holds all its collections, or is not taken
		}
		if !due.SchemaOnly {
			for _, name := range due.Collections {
				if msg := in.offloadedProblem(name, fmt.Sprintf("for snapshot %q (%s)", due.Policy, due.Reason)); msg != "" {
					problems = append(problems, msg)
				}
				if msg := in.nativeTenantsProblem(due, name); msg != "" {
					problems = append(problems, msg)
				}
			}
		}
		id := in.newID()
		prune := due.Prune
		for _, name := range due.Collections {
			if !targeted(name) {
				continue
			}
			objects := in.Counts[name]
			for _, c := range p.Changes {
				if c.Collection == name && (c.Action == Merge || c.Action == Replace || c.Action == Create) {
					objects = -1 // known once the changes before it have run
				}
			}
			p.Changes = append(p.Changes, Change{Collection: name, Action: Backup, Data: &DataChange{
				Store: due.Store, Snapshot: id, SchemaOnly: due.SchemaOnly, Objects: objects, Inactive: len(in.Tenants[name].Inactive), TenantStatus: in.Tenants[name].ByStatus, Policy: due.Policy, Reason: due.Reason,
				Prune: prune, EnginePath: EnginePath{Engine: due.Engine}}})
			prune = nil // once per snapshot
		}
	}
	noBackup := map[string]bool{}
	for _, d := range in.Desired {
		noBackup[d.Name] = d.NoBackupBeforeDestroy
	}
	for _, name := range slices.Sorted(maps.Keys(in.Managed)) {
		if to, renamed := in.Moved[name]; renamed && renames[to] == name {
			continue // moved: the rename deletes it
		}
		if declared[name] || !targeted(name) {
			continue
		}
		if have, live := in.Live[name]; live {
			have := have
			c := Change{Collection: name, Action: Delete, Before: &have}
			if in.NewID != nil && !noBackup[name] {
				if msg := in.offloadedProblem(name, "before it is deleted"); msg != "" {
					problems = append(problems, msg)
					continue
				}
				c.Data = &DataChange{Store: in.Store, Snapshot: in.newID(), Objects: in.Counts[name], Inactive: len(in.Tenants[name].Inactive), TenantStatus: in.Tenants[name].ByStatus, Reason: BeforeDelete}
			}
			p.Changes = append(p.Changes, c)
		} else {
			p.Forget = append(p.Forget, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(in.Live)) {
		if _, managed := in.Managed[name]; !managed && !declared[name] && !slices.Contains(in.Exclude, name) {
			p.Unmanaged = append(p.Unmanaged, name)
		}
	}
	aliasChanges, forget, notes, aliasProblems := diffAliases(in, p.Changes)
	p.Changes = append(p.Changes, aliasChanges...)
	p.ForgetAliases, p.Notes = forget, notes
	problems = append(problems, aliasProblems...)
	p.DropAliases = in.dropAliases()
	problems = append(problems, missingTargets(p.Changes, in.Live)...)
	for _, t := range in.Targets {
		if !declared[t] && in.Managed[t].Name == "" {
			problems = append(problems, fmt.Sprintf("-target=%s names no declared or managed collection", t))
		}
	}
	problems = append(problems, missingModules(p.Changes, in.Modules)...)
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	orderChanges(p.Changes)
	return p, nil
}

// WithDependencies adds to targets every declared collection a targeted one
// refers to, directly or through others, as Terraform's -target includes
// what a targeted resource depends on: a collection cannot be created before
// the collections its references point to. It returns the targets and a note
// for each collection added. No targets means all, and stays so.
func WithDependencies(desired []Desired, targets []string) ([]string, []string) {
	if len(targets) == 0 {
		return targets, nil
	}
	byName := map[string]*collection.Collection{}
	for i := range desired {
		byName[desired[i].Name] = &desired[i].Collection
	}
	out := slices.Clone(targets)
	var notes []string
	for i := 0; i < len(out); i++ {
		c := byName[out[i]]
		if c == nil {
			continue
		}
		for _, ref := range c.References() {
			if byName[ref] == nil || slices.Contains(out, ref) {
				continue
			}
			out = append(out, ref)
			notes = append(notes, fmt.Sprintf("-target includes collection %s: collection %s refers to it", ref, out[i]))
		}
	}
	return out, notes
}

// orderChanges puts the changes in the order apply runs them: creations
// (targets of cross-references first), updates, replacements, content
// changes (each after its own backup), snapshot backups, alias changes
// (aliasPhase), and deletions last (referrers first).
func orderChanges(changes []Change) {
	rank := map[Action]int{Create: 10, Update: 20, Replace: 30, Merge: 40, Backup: 50, Delete: 60}
	created, deleted := createdDeleted(changes)
	phase := func(i int) int {
		c := changes[i]
		if c.Action == Backup && c.Data != nil && c.Data.Policy == "" {
			return rank[Merge] // an automatic backup stays with the change it guards
		}
		if c.Action.IsAlias() {
			return aliasPhase(c, created, deleted)
		}
		return rank[c.Action]
	}
	sort.SliceStable(changes, func(i, j int) bool { return phase(i) < phase(j) })
	lo := 0
	for lo < len(changes) {
		hi := lo
		for hi < len(changes) && changes[hi].Action == changes[lo].Action {
			hi++
		}
		switch changes[lo].Action {
		case Create:
			topo(changes[lo:hi], func(c Change) *collection.Collection { return c.After }, false)
		case Delete:
			topo(changes[lo:hi], func(c Change) *collection.Collection { return c.Before }, true)
		}
		lo = hi
	}
}

// missingTargets reports collections the plan creates or changes whose
// references point at a collection that neither exists in Weaviate nor is
// created by the plan (one -target leaves out): apply would fail there.
func missingTargets(changes []Change, liveCols map[string]collection.Collection) []string {
	created := map[string]bool{}
	for _, c := range changes {
		if c.Action == Create {
			created[c.Collection] = true
		}
	}
	var out []string
	for _, c := range changes {
		if c.After == nil || (c.Action != Create && c.Action != Update && c.Action != Replace) {
			continue
		}
		seen := map[string]bool{}
		for _, t := range c.After.References() {
			if _, live := liveCols[t]; !live && !created[t] && t != c.Collection && !seen[t] {
				seen[t] = true
				out = append(out, fmt.Sprintf("collection %s refers to collection %s, which does not exist in Weaviate and is not created by this plan: add -target=collection.%s", c.Collection, t, t))
			}
		}
	}
	return out
}

// missingModules lists the vectorizers and modules the collections a plan
// creates or changes need but the server has not enabled: Weaviate would
// refuse them mid-apply.
func missingModules(changes []Change, enabled map[string]bool) []string {
	if enabled == nil {
		return nil
	}
	var out []string
	for _, c := range changes {
		if c.After == nil || (c.Action != Create && c.Action != Replace && c.Action != Update) {
			continue
		}
		var need []string
		add := func(m string) {
			if m != "" && m != collection.DefaultVectorizer && !enabled[m] && !slices.Contains(need, m) {
				need = append(need, m)
			}
		}
		if len(c.After.Vectors) == 0 {
			add(c.After.Vectorizer)
		}
		for _, v := range c.After.Vectors {
			add(v.Vectorizer)
		}
		for _, m := range slices.Sorted(maps.Keys(c.After.ModuleConfig)) {
			add(m)
		}
		if len(need) > 0 {
			out = append(out, fmt.Sprintf("collection %s needs modules this Weaviate has not enabled: %s (enabled: %s); enable them on the server (ENABLE_MODULES) or change the configuration",
				c.Collection, strings.Join(need, ", "), orNone(slices.Sorted(maps.Keys(enabled)))))
		}
	}
	return out
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// markUndeclared marks the removed properties and named vectors colstate
// never applied (absent from its last applied schema): they were added
// outside colstate, e.g. by Weaviate's auto-schema on an insert.
func markUndeclared(fields []collection.FieldChange, applied collection.Collection) {
	for i, f := range fields {
		if f.After != nil || strings.Count(f.Path, ".") != 1 {
			continue
		}
		kind, name, _ := strings.Cut(f.Path, ".")
		switch {
		case kind == "property" && applied.Property(name) == nil,
			kind == "vector" && applied.Vector(name) == nil:
			fields[i].Undeclared = true
		}
	}
}

// removedProperties names the properties a replace drops.
func removedProperties(fields []collection.FieldChange) []string {
	var out []string
	for _, f := range fields {
		if f.After == nil && strings.HasPrefix(f.Path, "property.") && strings.Count(f.Path, ".") == 1 {
			out = append(out, strings.TrimPrefix(f.Path, "property."))
		}
	}
	return out
}

// droppedVectors names the vectors of have that a replace into want drops
// ("" is the class-level vector): gone from the schema, or turned from a
// single vector into a multi-vector or back. A vector that from carries
// onto a vector of want is listed in carried (target → source) instead.
func droppedVectors(have, want collection.Collection, from map[string]string) (dropped []string, carried, ignored map[string]string) {
	gone := map[string]bool{}
	if have.VectorIndex != nil && want.VectorIndex == nil {
		gone[""] = true
	}
	for _, v := range have.Vectors {
		w := want.Vector(v.Name)
		if w == nil || (w.Index.MultiVector == nil) != (v.Index.MultiVector == nil) {
			gone[v.Name] = true
		}
	}
	wasGone := maps.Clone(gone)
	for target, src := range from {
		w := want.Vector(target)
		if !wasGone[src] || w == nil {
			continue // nothing to carry
		}
		why := ""
		srcMulti := src != "" && have.Vector(src) != nil && have.Vector(src).Index.MultiVector != nil
		switch {
		case have.Vector(target) != nil && !gone[target]:
			why = "vector " + target + " exists already and keeps its own vectors"
		case srcMulti && w.Index.MultiVector == nil:
			why = "a multi-vector cannot fill vector " + target + ", which holds single vectors"
		case !srcMulti && w.Index.MultiVector != nil:
			why = "a single vector cannot fill vector " + target + ", which holds multi-vectors"
		}
		if why != "" {
			if ignored == nil {
				ignored = map[string]string{}
			}
			ignored[target] = why
			continue
		}
		if carried == nil {
			carried = map[string]string{}
		}
		carried[target] = src
		delete(gone, src)
	}
	return slices.Sorted(maps.Keys(gone)), carried, ignored
}

func (in Input) newID() string {
	if in.NewID == nil {
		return ""
	}
	return in.NewID()
}

// topo orders group so each collection comes after the collections of the
// group it refers to (or before them, when reverse). A cycle keeps the
// remaining changes in their original order.
func topo(group []Change, schema func(Change) *collection.Collection, reverse bool) {
	order := referenceOrder(len(group), func(i, j int) bool {
		if reverse {
			i, j = j, i
		}
		return refersTo(schema(group[i]), group[j].Collection)
	})
	out := make([]Change, len(group))
	for k, i := range order {
		out[k] = group[i]
	}
	copy(group, out)
}

// OrderByReferences returns names so that each comes after the names it
// refers to (refers(a, b): a has a cross-reference to b). Names in a
// reference cycle keep their original order; apply and restore create such
// collections without the cycle's reference properties and add them once
// every target exists.
func OrderByReferences(names []string, refers func(from, to string) bool) []string {
	out := make([]string, 0, len(names))
	for _, i := range referenceOrder(len(names), func(i, j int) bool { return refers(names[i], names[j]) }) {
		out = append(out, names[i])
	}
	return out
}

// referenceOrder orders 0..n-1 so that i comes after every j it refers to
// (i != j); what a cycle leaves keeps its order.
func referenceOrder(n int, refers func(i, j int) bool) []int {
	out := make([]int, 0, n)
	placed := make([]bool, n)
	for len(out) < n {
		progress := false
		for i := range n {
			if placed[i] {
				continue
			}
			ready := true
			for j := range n {
				if i != j && !placed[j] && refers(i, j) {
					ready = false
					break
				}
			}
			if ready {
				out, placed[i], progress = append(out, i), true, true
			}
		}
		if !progress { // a reference cycle
			for i := range n {
				if !placed[i] {
					out, placed[i] = append(out, i), true
				}
			}
		}
	}
	return out
}

// refersTo reports whether c has a cross-reference property to target.
func refersTo(c *collection.Collection, target string) bool {
	if c == nil {
		return false
	}
	return slices.Contains(c.References(), target)
}

// createdDeleted names the collections changes create and delete.
func createdDeleted(changes []Change) (created, deleted map[string]bool) {
	created, deleted = map[string]bool{}, map[string]bool{}
	for _, c := range changes {
		switch c.Action {
		case Create:
			created[c.Collection] = true
		case Delete:
			deleted[c.Collection] = true
		}
	}
	return created, deleted
}
