package plan

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// This file plans the data commands — backup, restore and clear — from
// facts the workspace gathers (live sizes and tenants, the snapshot's
// manifest, lifecycle settings, the state). Nothing here reads Weaviate,
// the store or a file, so every decision can be tested with plain values.

// Restore modes (`colstate restore --mode`).
const (
	RestoreCreate  = "create"
	RestoreMerge   = "merge"
	RestoreReplace = "replace"
)

// CollectionFacts is what a data command's plan knows of one collection,
// read without changing anything: inactive tenants cannot be read until
// they are activated, so their objects are not counted.
type CollectionFacts struct {
	// Missing is nil when the collection exists in Weaviate; otherwise it
	// says that it does not, as the user reads it (naming a live collection
	// whose name differs only in case).
	Missing error
	// CaseTwin, when Missing, names a live collection whose name differs
	// from this one only in case: Weaviate takes the two for one class.
	CaseTwin  string
	Managed   bool           // in colstate's state
	Objects   int64          // in the active tenants (every object of a single-tenant collection); 0 when not counted
	Tenants   int            // of a multi-tenant collection
	Inactive  []string       // inactive (COLD) tenants, not counted
	Offloaded []string       // offloaded (FROZEN) tenants, which colstate cannot read
	ByStatus  map[string]int // tenants by activity status, for the plan to show
	// MultiTenant: the collection has multi-tenancy on; TenantList is its
	// tenants, each with its status and objects (-1 when inactive).
	MultiTenant bool
	TenantList  []TenantFact
	// SelfVectors names the vectors its objects bring, which no vectorizer
	// module makes again ("" is the class-level vector).
	SelfVectors []string
	Lifecycle   Lifecycle
}

// Lifecycle is what a collection's lifecycle block says about destroying
// its data; the zero value is that of a collection the configuration does
// not declare (no guard, backed up first).
type Lifecycle struct {
	PreventDestroy        bool
	NoBackupBeforeDestroy bool // lifecycle { backup_before_destroy = false }
}

// mayHoldData reports whether the collection may hold objects: it has some,
// or inactive tenants whose objects were not counted.
func (f CollectionFacts) mayHoldData() bool {
	return f.Objects > 0 || len(f.Inactive) > 0 || len(f.Offloaded) > 0
}

// dataChange is a backup or clear of the live collection: its counts.
func (f CollectionFacts) dataChange() *DataChange {
	return &DataChange{Objects: f.Objects, Tenants: f.Tenants, Inactive: len(f.Inactive), TenantStatus: f.ByStatus}
}

// destroyGuard refuses destructive data changes to collections declared
// with lifecycle { prevent_destroy = true }, and reports whether one should
// be backed up first (lifecycle.backup_before_destroy, true by default).
func (f CollectionFacts) destroyGuard(name, what string) (backup bool, err error) {
	if f.Lifecycle.PreventDestroy {
		return false, fmt.Errorf("collection %s has lifecycle { prevent_destroy = true }: colstate refuses to %s it", name, what)
	}
	return !f.Lifecycle.NoBackupBeforeDestroy, nil
}

// refuseOffloaded refuses to back up a collection with offloaded tenants,
// naming them, before anything is written.
func (f CollectionFacts) refuseOffloaded(name string) error {
	if len(f.Offloaded) == 0 {
		return nil
	}
	return fmt.Errorf("collection %s has offloaded (FROZEN) tenants colstate cannot read: %s; load them back (activityStatus HOT or COLD) before backing it up", name, strings.Join(f.Offloaded, ", "))
}

// factsOf returns the gathered facts of name: a planner asked about a
// collection nobody read is a bug, not an empty collection.
func factsOf(live map[string]CollectionFacts, name string) (CollectionFacts, error) {
	f, ok := live[name]
	if !ok {
		return f, fmt.Errorf("internal error: no facts were gathered for collection %s; nothing was changed", name)
	}
	return f, nil
}

// BackupNames is the collections `colstate backup` backs up: those named,
// else every collection colstate manages.
func BackupNames(named, managed []string) ([]string, error) {
	if len(named) > 0 {
		return named, nil
	}
	if len(managed) == 0 {
		return nil, errors.New("colstate manages no collections yet: name the collections to back up")
	}
	return managed, nil
}

// BackupFacts is what PlanBackup decides from.
type BackupFacts struct {
	Names      []string // from BackupNames
	Store      string
	Snapshot   string // the id the snapshot will get
	SchemaOnly bool   // the objects were not counted
	NoVectors  bool
	// SkipOffloaded leaves offloaded (FROZEN) tenants out of the snapshot
	// instead of refusing the backup; the plan and the output name them.
	SkipOffloaded bool
	// Tenants limits the backup of the one named collection to these
	// tenants (backup --tenant).
	Tenants []TenantArg
	Live    map[string]CollectionFacts
	// Engine is backup --engine: portable (""), native or both; Server
	// what the server offers a native backup.
	Engine string
	Server ServerFacts
}

// PlanBackup plans one snapshot of the named collections.
func PlanBackup(f BackupFacts) (*Plan, error) {
	p := &Plan{}
	if len(f.Tenants) > 0 {
		if err := oneCollection(f.Names, "back up"); err != nil {
			return nil, err
		}
	}
	for _, name := range f.Names {
		lf, err := factsOf(f.Live, name)
		if err != nil {
			return nil, err
		}
		if lf.Missing != nil {
			return nil, lf.Missing
		}
		if f.Engine == EngineNative || f.Engine == EngineBoth {
			if err := checkNativeBackup(f, name, lf); err != nil {
				return nil, err
			}
		}
		if len(f.Tenants) > 0 {
			picks, err := pickLive(name, lf, f.Tenants, "read")
			if err != nil {
				return nil, err
			}
			dc := pickedChange(picks)
			dc.Store, dc.Snapshot, dc.SchemaOnly, dc.NoVectors = f.Store, f.Snapshot, f.SchemaOnly, f.NoVectors
			p.Changes = append(p.Changes, Change{Collection: name, Action: Backup, Data: dc})
			continue
		}
		var skip []string
		switch {
		case f.SchemaOnly:
		case f.SkipOffloaded:
			skip = lf.Offloaded
		default:
			if err := lf.refuseOffloaded(name); err != nil {
				return nil, fmt.Errorf("%w, or back up the other tenants without them: colstate backup --skip-offloaded", err)
			}
		}
		dc := lf.dataChange()
		dc.Store, dc.Snapshot, dc.SchemaOnly, dc.NoVectors = f.Store, f.Snapshot, f.SchemaOnly, f.NoVectors
		dc.SkipTenants = skip
		if f.Engine == EngineNative || f.Engine == EngineBoth {
			dc.Engine = f.Engine
		}
		p.Changes = append(p.Changes, Change{Collection: name, Action: Backup, Data: dc})
	}
	return p, nil
}

// ClearFacts is what PlanClear decides from.
type ClearFacts struct {
	Names    []string
	NoBackup bool   // --no-backup
	Store    string // where the backups before clearing go
	BackupID string // the id those backups get
	// Tenants limits the clear of the one named collection to these
	// tenants (clear --tenant).
	Tenants []TenantArg
	Live    map[string]CollectionFacts
}

// PlanClear plans deleting every object of the named collections, after a
// snapshot of them unless NoBackup or their lifecycle says otherwise. A
// collection colstate does not manage is cleared too (the command line
// names it), and the plan marks it.
func PlanClear(f ClearFacts) (*Plan, error) {
	if len(f.Names) == 0 {
		return nil, errors.New("name the collections to clear")
	}
	if len(f.Tenants) > 0 {
		if err := oneCollection(f.Names, "clear"); err != nil {
			return nil, err
		}
	}
	p := &Plan{}
	var clears []Change
	for _, name := range f.Names {
		lf, err := factsOf(f.Live, name)
		if err != nil {
			return nil, err
		}
		if lf.Missing != nil {
			return nil, lf.Missing
		}
		backup, err := lf.destroyGuard(name, "clear")
		if err != nil {
			return nil, err
		}
		if len(f.Tenants) > 0 {
			picks, err := pickLive(name, lf, f.Tenants, "clear")
			if err != nil {
				return nil, err
			}
			if backup && !f.NoBackup {
				dc := pickedChange(picks)
				dc.Store, dc.Snapshot = f.Store, f.BackupID
				p.Changes = append(p.Changes, Change{Collection: name, Action: Backup, Data: dc})
			}
			clears = append(clears, Change{Collection: name, Action: Clear, Data: pickedChange(picks), Unmanaged: !lf.Managed})
			continue
		}
		if len(lf.Offloaded) > 0 {
			return nil, fmt.Errorf("collection %s has offloaded (FROZEN) tenants colstate cannot read or clear: %s; load them back (activityStatus HOT or COLD) first", name, strings.Join(lf.Offloaded, ", "))
		}
		if backup && !f.NoBackup {
			dc := lf.dataChange()
			dc.Store, dc.Snapshot = f.Store, f.BackupID
			p.Changes = append(p.Changes, Change{Collection: name, Action: Backup, Data: dc})
		}
		clears = append(clears, Change{Collection: name, Action: Clear, Data: lf.dataChange(), Unmanaged: !lf.Managed})
	}
	p.Changes = append(p.Changes, clears...)
	return p, nil
}

// SnapshotFacts is what a restore plan knows of a snapshot: its manifest,
// and the references of the collections it restores.
type SnapshotFacts struct {
	ID          string
	Store       string // the store's directory; replace backs up into it too
	NoVectors   bool   // taken with --no-vectors
	Collections []SnapshotCollection
	// Native is the snapshot's native part (Weaviate's own backup), nil
	// when it has none.
	Native *SnapshotNative
}

// SnapshotCollection is one collection of a snapshot's manifest.
type SnapshotCollection struct {
	Name    string
	Objects int64
	Tenants int
	// TenantStatus counts its tenants by the activity status each had.
	TenantStatus map[string]int
	// Refers names the collections its reference properties point to (read
	// from the snapshot's schema for the collections restored).
	Refers []string
	// TenantList is its tenants with their status and objects;
	// TenantSubset: it holds only some of the collection's tenants
	// (backup --tenant), so a restore touches only those.
	TenantList   []TenantFact
	TenantSubset bool
	// SkippedOffloaded names the offloaded tenants its backup left out
	// (--skip-offloaded); it is then a TenantSubset too.
	SkippedOffloaded []string
}

func (s SnapshotFacts) names() []string {
	out := make([]string, len(s.Collections))
	for i, c := range s.Collections {
		out[i] = c.Name
	}
	return out
}

func (s SnapshotFacts) collection(name string) *SnapshotCollection {
	for i := range s.Collections {
		if s.Collections[i].Name == name {
			return &s.Collections[i]
		}
	}
	return nil
}

// RestoreOptions are the choices of `colstate restore`.
type RestoreOptions struct {
	Collections []string // default: every collection in the snapshot
	As          string   // restore the one selected collection under this name
	Mode        string   // create (default), merge, replace
	NoBackup    bool     // replace: do not back the cleared collections up first
	// Tenants limits the restore of the one selected collection to these
	// tenants of the snapshot, each written into its As when set.
	Tenants []TenantArg
	// Engine forces the path (restore --engine): native or portable;
	// empty lets ChooseRestorePath pick.
	Engine string
	// Verify is restore --verify: VerifyDigest ("" too) or VerifyCount.
	Verify string
}

// How a restore is verified (restore --verify).
const (
	// VerifyDigest reads every restored object back and compares the
	// object count and the content digest with the snapshot's: the default.
	VerifyDigest = "digest"
	// VerifyCount compares only the object count: it does not read the
	// objects, so it does not notice an object whose content differs.
	VerifyCount = "count"
)

// mode is the restore mode, create when none is given.
func (o RestoreOptions) mode() string {
	if o.Mode == "" {
		return RestoreCreate
	}
	return o.Mode
}

// target is the collection a snapshot's collection src is restored into.
func (o RestoreOptions) target(src string) string {
	if o.As != "" {
		return o.As
	}
	return src
}

// RestoreSelection checks the options against the snapshot and returns the
// collections of the snapshot to restore and, for each, the live
// collection it is restored into: the facts a restore plan needs.
func RestoreSelection(s SnapshotFacts, o RestoreOptions) (sources, targets []string, err error) {
	sources = o.Collections
	if len(sources) == 0 {
		sources = s.names()
	}
	for _, n := range sources {
		if s.collection(n) == nil {
			return nil, nil, fmt.Errorf("snapshot %s has no collection %s (it has %v)", s.ID, n, s.names())
		}
	}
	if o.As != "" && len(sources) != 1 {
		return nil, nil, fmt.Errorf("--as renames one collection: choose it with --collection (the snapshot has %v)", s.names())
	}
	if len(o.Tenants) > 0 {
		if len(sources) != 1 {
			return nil, nil, fmt.Errorf("--tenant picks tenants of one collection: choose it with --collection (the snapshot has %v)", s.names())
		}
		if _, err := snapshotPicks(s, s.collection(sources[0]), o.Tenants); err != nil {
			return nil, nil, err
		}
	}
	if m := o.mode(); m != RestoreCreate && m != RestoreMerge && m != RestoreReplace {
		return nil, nil, fmt.Errorf("--mode=%s: use create, merge or replace", m)
	}
	switch o.Verify {
	case "", VerifyDigest:
	case VerifyCount:
		if o.mode() == RestoreMerge {
			return nil, nil, fmt.Errorf("--verify=count with --mode=merge: a merge verifies every object it wrote; leave --verify out")
		}
	default:
		return nil, nil, fmt.Errorf("--verify=%s: use digest (the default: read every object back and compare count and content digest) or count (compare the object count only)", o.Verify)
	}
	for _, n := range sources {
		targets = append(targets, o.target(n))
	}
	return sources, targets, nil
}

// RestoreFacts is what PlanRestore decides from.
type RestoreFacts struct {
	Snapshot SnapshotFacts
	Options  RestoreOptions
	BackupID string                     // the id of the backups replace takes
	Live     map[string]CollectionFacts // by target collection
	Server   ServerFacts                // what the server offers a native restore
	// Replace holds, by target, what decides whether a replace of a live
	// collection can take Weaviate's backup (see RestorePathFacts); a
	// target without an entry takes the portable path.
	Replace map[string]ReplaceFacts
}

// ReplaceFacts is what a replace of one live collection needs to know to
// delete it for Weaviate's restore: whether the snapshot's schema is its
// own, and what points at it.
type ReplaceFacts struct {
	SameSchema bool
	SchemaDiff string   // how the schemas differ, when not the same
	Referrers  []string // live collections with references to it
	Aliases    []string // live aliases that point at it
}

// PlanRestore plans loading collections of a snapshot. Collections created
// from the snapshot come after the collections they refer to.
//
// A live collection colstate does not manage is written into only when the
// command line names it (--collection or --as), and the plan marks it;
// restoring a whole snapshot never changes one unasked.
func PlanRestore(f RestoreFacts) (*Plan, error) {
	o, s := f.Options, f.Snapshot
	names, _, err := RestoreSelection(s, o)
	if err != nil {
		return nil, err
	}
	mode := o.mode()
	names = OrderByReferences(names, func(from, to string) bool {
		return slices.Contains(s.collection(from).Refers, to)
	})
	p := &Plan{}
	var backups, clears []Change
	for _, src := range names {
		sc := s.collection(src)
		target := o.target(src)
		dc := &DataChange{Store: s.Store, Snapshot: s.ID, Objects: sc.Objects, Tenants: sc.Tenants, NoVectors: s.NoVectors, TenantStatus: sc.TenantStatus,
			SkipTenants: sc.SkippedOffloaded}
		if o.Verify == VerifyCount {
			dc.Verify = VerifyCount
		}
		if target != src {
			dc.Source = src
		}
		lf, err := factsOf(f.Live, target)
		if err != nil {
			return nil, err
		}
		exists := lf.Missing == nil
		if !exists && lf.CaseTwin != "" {
			// Weaviate answers 404 for the name yet compares class names
			// case-insensitively: a create or a native restore under it
			// fails or shares the twin's index, and a later replace
			// would delete the twin's objects as the target's own.
			return nil, fmt.Errorf("restore into collection %s refused: Weaviate holds collection %s, whose name differs only in case, and takes the two for the same collection; nothing was changed. "+
				"Restore under a name no live collection has in any case with --collection %s --as NEW_NAME, or, to restore into %s, name it exactly: --collection %s --as %s",
				target, lf.CaseTwin, src, lf.CaseTwin, src, lf.CaseTwin)
		}
		unmanaged := exists && !lf.Managed
		if unmanaged && len(o.Collections) == 0 && o.As == "" {
			return nil, fmt.Errorf("restore --mode=%s would write into collection %s, which colstate does not manage; nothing was changed. "+
				"colstate changes a collection it does not manage only when the command names it: add --collection %s "+
				"(or restore it under another name with --collection %s --as NEW_NAME)", mode, target, src, src)
		}
		rf := f.Replace[target]
		pf := RestorePathFacts{
			Forced: o.Engine, Snapshot: s.ID, Native: s.Native, Source: src, Target: target, Mode: mode,
			Exists: exists, Tenants: len(o.Tenants) > 0, Subset: sc.TenantSubset, Server: f.Server,
			SameSchema: rf.SameSchema, SchemaDiff: rf.SchemaDiff, Referrers: rf.Referrers, Aliases: rf.Aliases, Offloaded: lf.Offloaded,
		}
		path, err := ChooseRestorePath(pf)
		if err != nil {
			return nil, err
		}
		dc.EnginePath = path
		picks, err := snapshotPicks(s, sc, o.Tenants)
		if err != nil {
			return nil, err
		}
		if picks != nil {
			tc, err := planTenantRestore(f, target, lf, picks, dc, unmanaged)
			if err != nil {
				return nil, err
			}
			backups = append(backups, tc.backups...)
			clears = append(clears, tc.clears...)
			p.Changes = append(p.Changes, Change{Collection: target, Action: tc.action, Data: dc, Unmanaged: unmanaged})
			continue
		}
		action := Restore
		switch mode {
		case RestoreCreate:
			dc.CreateSchema = !exists
		case RestoreMerge:
			if !exists {
				return nil, fmt.Errorf("collection %s does not exist: --mode=merge needs a live collection (restore without --mode creates it)", target)
			}
			action = Merge
		case RestoreReplace:
			dc.CreateSchema = !exists
			if exists {
				backup, err := lf.destroyGuard(target, "clear and replace")
				if err != nil {
					return nil, err
				}
				if s.NoVectors && lf.mayHoldData() {
					if err := refuseDroppingVectors(s.ID, target, lf.SelfVectors); err != nil {
						return nil, err
					}
				}
				if backup && !o.NoBackup && lf.mayHoldData() {
					if err := lf.refuseOffloaded(target); err != nil {
						return nil, err
					}
					bc := lf.dataChange()
					bc.Store, bc.Snapshot = s.Store, f.BackupID
					backups = append(backups, Change{Collection: target, Action: Backup, Data: bc})
				}
				if pf.DeletesFirst(path) {
					// Weaviate restores only into an absent collection:
					// the live one goes, objects and schema, and the
					// restore brings the same schema back.
					dd := lf.dataChange()
					dd.Reason = BeforeNativeRestore
					dc.CreateSchema = true
					clears = append(clears, Change{Collection: target, Action: Delete, Data: dd, Unmanaged: unmanaged})
					break
				}
				clears = append(clears, Change{Collection: target, Action: Clear, Data: lf.dataChange(), Unmanaged: unmanaged})
			}
		}
		p.Changes = append(p.Changes, Change{Collection: target, Action: action, Data: dc, Unmanaged: unmanaged})
	}
	// Replace backs up and clears everything first, so that
	// cross-references written by the restores are never cleared again.
	p.Changes = append(append(backups, clears...), p.Changes...)
	return p, nil
}

// refuseDroppingVectors refuses replacing a live collection's objects with
// those of a snapshot taken without vectors when some of its vectors come
// with the objects (no vectorizer module recomputes them): the replace
// would leave every object without them.
func refuseDroppingVectors(snap, target string, self []string) error {
	if len(self) == 0 {
		return nil // a vectorizer module makes every vector again
	}
	var names []string
	for _, n := range self {
		if n == "" {
			n = "its vector"
		} else {
			n = "named vector " + n
		}
		names = append(names, n)
	}
	return fmt.Errorf("snapshot %s was taken with --no-vectors, and no vectorizer module makes the vectors of collection %s (%s: the objects bring them): restore --mode=replace would clear %s and write its objects back without vectors; nothing was changed. "+
		"Use --mode=merge, which writes the snapshot's objects and keeps the vectors of the live ones, or restore a snapshot taken with vectors",
		snap, target, strings.Join(names, ", "), target)
}
