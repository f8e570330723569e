package plan

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// A blue/green replace (lifecycle.create_before_destroy) never leaves the
// collection's name without its objects. The applications' name becomes a
// Weaviate alias; the objects live in a backing collection with a visible
// generated name (Article_v2, Article_v3, ...). A replace creates the next
// backing collection with the new schema, copies every object across while
// the old one keeps serving, catches up with what was written meanwhile,
// and retargets the alias in one call.

// BlueGreen is how a replace runs blue/green.
//
// The first such replace of a plain collection cannot retarget: the name is
// a collection's, and Weaviate cannot create an alias under it. Its cutover
// deletes the collection and at once creates the alias, and between those
// two calls the name is unavailable. Every later replace retargets.
type BlueGreen struct {
	Alias string `json:"alias"` // the name applications use: the collection block's label
	From  string `json:"from"`  // the collection the name resolves to now
	To    string `json:"to"`    // the backing collection created with the new schema
	// FirstAlias: From is a plain collection named Alias; its cutover
	// deletes it and creates the alias.
	FirstAlias bool `json:"first_alias,omitempty"`
	// KeepPrevious keeps From after the retarget, for colstate rollback
	// (not possible on a first cutover: From's name becomes the alias).
	KeepPrevious bool `json:"keep_previous,omitempty"`
	// DropPrevious is an older kept collection deleted by the last step
	// (keep_previous keeps one).
	DropPrevious string `json:"drop_previous,omitempty"`
	// LeftRolledBack is the collection colstate rollback pointed the
	// alias away from: it may hold writes no other collection has, so the
	// replace leaves it untouched (and unmanaged) instead of deleting it.
	LeftRolledBack string `json:"left_rolled_back,omitempty"`
	// Rename: a moved block; To is the collection's new name and Alias
	// (= From) its old one, which keeps resolving (moved.go).
	Rename bool `json:"rename,omitempty"`
}

// Blue/green steps, in order (the apply journal records each).
const (
	StepBackup   = "backup"   // optional automatic snapshot of From
	StepCreate   = "create"   // To, with the new schema
	StepCopy     = "copy"     // every object of From into To, fitted
	StepCatchUp  = "catchup"  // what was written to From meanwhile
	StepCutover  = "cutover"  // first time: final pass, delete From, create alias
	StepRetarget = "retarget" // later: PUT the alias to To
	StepSettle   = "settle"   // later: writes From took before the retarget; verify
	StepDrop     = "drop"     // later: delete From (unless kept) and DropPrevious
)

// Steps lists the blue/green steps; backup is there when the replace
// takes a snapshot first.
func (b *BlueGreen) Steps(backup bool) []string {
	var out []string
	if backup {
		out = append(out, StepBackup)
	}
	out = append(out, StepCreate, StepCopy, StepCatchUp)
	if b.FirstAlias {
		return append(out, StepCutover)
	}
	out = append(out, StepRetarget, StepSettle)
	if !b.KeepPrevious || b.DropPrevious != "" {
		out = append(out, StepDrop)
	}
	return out
}

// Backing is what stands behind a collection name that is an alias, as the
// caller found it in Weaviate and the state.
type Backing struct {
	Collection string // the collection the alias points at
	Previous   string // the collection kept for rollback, "" when none
	// RolledBack, when set, says colstate rollback pointed the alias back
	// (when, RFC 3339); the plan says why it replaces again.
	RolledBack string
}

// blueGreen turns replace c of d into a blue/green replace; it returns a
// refusal when it cannot run one.
func (in Input) blueGreen(c *Change, d Desired) string {
	name := c.Collection
	if c.Before.MultiTenancy.Enabled || c.After.MultiTenancy.Enabled {
		return fmt.Sprintf("collection %s: lifecycle.create_before_destroy does not support multi-tenant collections yet (the live copy reads one collection without tenants); "+
			"remove create_before_destroy to replace it with backup, delete, create and restore", name)
	}
	if refs := in.referrers(name); len(refs) > 0 {
		return fmt.Sprintf("collection %s: lifecycle.create_before_destroy cannot replace a collection that cross-references point at (%s): "+
			"the replace turns the name %s into an alias, and Weaviate does not resolve an alias in a reference property's data type: "+
			"those references could no longer be queried or written, and a later replace of a referring collection could not create it again; "+
			"remove create_before_destroy to replace it with backup, delete, create and restore", name, strings.Join(refs, ", "), name)
	}
	b := &BlueGreen{Alias: name, From: name, FirstAlias: true, KeepPrevious: d.KeepPrevious}
	back, aliased := in.Backing[name]
	if aliased {
		b.From, b.FirstAlias = back.Collection, false
		if back.Previous != "" && back.Previous != b.From {
			if back.RolledBack != "" {
				// The collection rolled back from holds the writes made
				// through the alias before the rollback: never deleted.
				b.LeftRolledBack = back.Previous
			} else {
				b.DropPrevious = back.Previous
			}
		}
	}
	if b.FirstAlias {
		b.KeepPrevious = false
	}
	var others []string
	for alias, target := range in.LiveAliases {
		if target == b.From && alias != name {
			others = append(others, alias)
		}
	}
	for alias, target := range in.MovedAliases {
		if target == b.From && alias != name && !slices.Contains(others, alias) {
			others = append(others, alias)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		return fmt.Sprintf("collection %s: lifecycle.create_before_destroy cannot replace collection %s while other aliases point at it (%s): the replace moves only the alias %s to the new collection, and would leave them resolving to nothing; "+
			"drop them first (a moved block's alias goes when the block does), or remove create_before_destroy", name, b.From, strings.Join(others, ", "), name)
	}
	b.To = in.nextBacking(name, b.From)
	c.BlueGreen = b
	if d.NoBackupBeforeDestroy {
		c.Data.Snapshot = ""
	}
	return ""
}

// referrers lists the collections, declared or live, with a cross-reference
// property pointing at name (name itself included when it refers to
// itself), sorted and without duplicates.
func (in Input) referrers(name string) []string {
	seen := map[string]bool{}
	note := func(from string, targets []string) {
		for _, t := range targets {
			if t == name {
				seen[from] = true
			}
		}
	}
	for _, d := range in.Desired {
		note(d.Name, d.References())
	}
	for n, c := range in.Live {
		note(n, c.References())
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// BlueGreenNamed reports whether target is named as a blue/green replace
// names the collection behind alias (NAME_vN, N ≥ 2): what import and the
// plan take for a blue/green name the state no longer records.
func BlueGreenNamed(alias, target string) bool {
	rest, ok := strings.CutPrefix(target, alias+"_v")
	if !ok || rest == "" || rest[0] == '0' {
		return false
	}
	k, err := strconv.Atoi(rest)
	return err == nil && k >= 2 && strconv.Itoa(k) == rest
}

// nextBacking is the first free name NAME_vN after from's number (2 when
// from has none).
func (in Input) nextBacking(name, from string) string {
	n := 2
	if rest, ok := strings.CutPrefix(from, name+"_v"); ok {
		if k, err := strconv.Atoi(rest); err == nil && k >= 2 {
			n = k + 1
		}
	}
	for in.Taken[fmt.Sprintf("%s_v%d", name, n)] {
		n++
	}
	return fmt.Sprintf("%s_v%d", name, n)
}

// warnings are what a reviewer must know about a blue/green replace.
func (b *BlueGreen) warnings() []string {
	if !b.FirstAlias {
		return nil
	}
	out := []string{fmt.Sprintf("this first blue/green replace turns the name %s into an alias: its cutover step deletes collection %s and creates alias %s → %s the moment Weaviate frees the name (asked for every 2 ms while the delete runs), "+
		"so the name %s is unavailable between those two calls (up to the length of the delete request: milliseconds to about a second, more for a large collection on a busy server): requests in that moment fail, and a write made after the cutover's final catch-up pass and before the delete is lost. "+
		"Pause writers that cannot retry for this step. Later replaces only retarget the alias in one call and never make the name unavailable",
		b.Alias, b.From, b.Alias, b.To, b.Alias)}
	return out
}

// writeBlueGreen prints the steps of a blue/green replace.
func writeBlueGreen(w interface{ Write([]byte) (int, error) }, c Change, o RenderOptions) {
	b, d := c.BlueGreen, c.Data
	fmt.Fprintf(w, "      blue/green (lifecycle.create_before_destroy): %s keeps serving reads and writes through every step", b.Alias)
	if b.FirstAlias {
		fmt.Fprintf(w, " but the cutover")
	}
	fmt.Fprintln(w)
	n := 0
	step := func(sym, format string, args ...any) {
		n++
		fmt.Fprintf(w, "        %d. %s %s\n", n, sym, fmt.Sprintf(format, args...))
	}
	if d != nil && d.Snapshot != "" {
		step(o.mark(Backup), "back up %s (%s) to snapshot %s in %s", b.From, objectCount(d), d.Snapshot, d.Store)
	}
	if b.Rename {
		step(o.mark(Create), "create collection %s with the declared schema", b.To)
	} else {
		step(o.mark(Create), "create collection %s with the new schema", b.To)
	}
	step(o.mark(Merge), "copy every object of %s into %s, fitted to the new schema", b.From, b.To)
	step(o.mark(Merge), "catch up: copy into %s what was written to %s meanwhile, and delete from it what was deleted there (compared by content hash per uuid)", b.To, b.From)
	if b.FirstAlias {
		step(o.mark(Replace), "cutover: a final catch-up pass that must find nothing left to copy, then delete collection %s and at once create alias %s → %s: the name %s is unavailable between these two calls",
			b.From, b.Alias, b.To, b.Alias)
		if d := c.Data; d != nil && d.Snapshot == "" {
			fmt.Fprintf(w, "           (backup_before_destroy = false: no snapshot holds %s once it is deleted)\n", b.From)
		}
		if !b.Rename {
			fmt.Fprintf(w, "      keep_previous cannot keep %s: its name becomes the alias\n", b.From)
		} else {
			fmt.Fprintf(w, "      the alias %s → %s stays while the moved block does; drop the block once nothing uses the old name\n", b.Alias, b.To)
		}
		return
	}
	step(o.mark(Update), "retarget alias %s: %s → %s, in one call (the name never goes away)", b.Alias, b.From, b.To)
	step(o.mark(Merge), "settle: copy into %s the writes %s took before the retarget (never over a newer write through the alias), then verify every object of %s is in %s",
		b.To, b.From, b.From, b.To)
	var drop []string
	if !b.KeepPrevious {
		drop = append(drop, b.From)
	}
	if b.DropPrevious != "" {
		drop = append(drop, b.DropPrevious+" (kept by the previous replace)")
	}
	if len(drop) > 0 {
		step(o.mark(Delete), "delete collection %s", strings.Join(drop, " and "))
	}
	if b.KeepPrevious {
		fmt.Fprintf(w, "      %s is kept (keep_previous = 1): colstate rollback %s points the alias back at it\n", b.From, b.Alias)
	}
	if b.LeftRolledBack != "" {
		fmt.Fprintf(w, "      %s (rolled back from) is left untouched and no longer managed: it may hold writes made through the alias %s before the rollback; copy what you need from it, then delete it by hand\n", b.LeftRolledBack, b.Alias)
	}
}
