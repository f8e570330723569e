package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// StoreDir resolves the snapshot store directory of a command: the --store
// flag (a directory, a bucket URL, or the name of a snapshot_store block),
// else the one snapshot_store the configuration declares, else the default
// store. Relative paths are relative to the configuration directory; a URL
// is kept as it is (snapshot.Store reads both).
func StoreDir(configDir, flag string) string {
	cfg, err := LoadConfig(configDir)
	if err != nil {
		cfg = nil // a command on the store alone works without a valid configuration
	}
	return resolveStore(cfg, configDir, flag)
}

// Store is the snapshot store of a command, as StoreDir resolves it, named
// after its snapshot_store block when it comes from one (for messages). A
// configuration that does not load is ignored, as by StoreDir, unless a
// snapshot_store block is what is wrong: then the store is not known, and
// the default store must not be taken for it.
func Store(configDir, flag string) (*snapshot.Store, error) {
	cfg, err := LoadConfig(configDir)
	if err != nil {
		if msg := err.Error(); strings.Contains(msg, "snapshot store") || strings.Contains(msg, "snapshot_store") {
			return nil, err
		}
		cfg = nil
	}
	s := &snapshot.Store{Dir: resolveStore(cfg, configDir, flag)}
	if cfg != nil {
		for _, st := range cfg.Stores {
			if flag == st.Name || (flag == "" && len(cfg.Stores) == 1) {
				s.Name = st.Name
			}
		}
	}
	return s, nil
}

// resolveStore is StoreDir with the configuration at hand (cfg may be nil).
// The result is absolute: the state, saved plans and the apply journal
// record it, and it must mean the same store from any working directory.
func resolveStore(cfg *config.Config, configDir, flag string) string {
	dir := flag
	if cfg != nil {
		for _, st := range cfg.Stores {
			if flag == st.Name || (flag == "" && len(cfg.Stores) == 1) {
				dir = st.Location()
			}
		}
	}
	if dir == "" {
		dir = snapshot.DefaultStore
	}
	if snapshot.IsURL(dir) {
		return dir
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(configDir, dir)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// DataRunner returns the engine that carries out data plans.
func (ws *Workspace) DataRunner(out, progress io.Writer, terminal bool) *apply.Data {
	src := snapshot.Source{URL: ws.Client.URL(), Tool: "colstate"}
	return &apply.Data{Client: ws.Client, Out: out, Err: progress, Terminal: terminal, Source: src}
}

// BackupOptions are the choices of `colstate backup`.
type BackupOptions struct {
	Store      string
	ID         string // snapshot id; a fresh one when empty
	SchemaOnly bool
	NoVectors  bool
}

// BackupPlan plans one snapshot of the named collections, or of every
// collection colstate manages when names is empty.
func (ws *Workspace) BackupPlan(ctx context.Context, st *state.State, names []string, o BackupOptions) (*plan.Plan, error) {
	if len(names) == 0 {
		names = st.Names()
		if len(names) == 0 {
			return nil, errors.New("colstate manages no collections yet: name the collections to back up")
		}
	}
	id := o.ID
	if id == "" {
		id = snapshot.NewID(time.Now())
	}
	store := ws.storeDir(o.Store)
	if snapshot.IsURL(store) {
		// Refused before the plan is shown: a URL with credentials would
		// be recorded in the plan and the state.
		if err := snapshot.CheckURL(store); err != nil {
			return nil, err
		}
	}
	p := &plan.Plan{}
	for _, name := range names {
		sz, err := ws.liveSize(ctx, name, !o.SchemaOnly)
		if err != nil {
			return nil, err
		}
		if !o.SchemaOnly {
			if err := refuseOffloaded(name, sz); err != nil {
				return nil, err
			}
		}
		p.Changes = append(p.Changes, plan.Change{Collection: name, Action: plan.Backup, Data: &plan.DataChange{
			Store: store, Snapshot: id, SchemaOnly: o.SchemaOnly, NoVectors: o.NoVectors, Objects: sz.objects, Tenants: sz.tenants, Inactive: len(sz.inactive),
		}})
	}
	return p, nil
}

// liveClass reads a collection's schema by its exact name. Weaviate
// matches names loosely (it capitalises the first letter); colstate does
// not: a name that is not exactly a live collection's is reported as
// absent, with the live name that differs only in case, if any.
func (ws *Workspace) liveClass(ctx context.Context, name string) (live.Class, error) {
	cl, err := ws.Client.Class(ctx, name)
	if err != nil && !errors.Is(err, live.ErrNotFound) {
		return nil, err
	}
	if err == nil {
		if got, _ := cl["class"].(string); got == name || got == "" {
			return cl, nil
		}
	}
	var hint string
	if all, lerr := ws.Client.Collections(ctx); lerr == nil {
		for n := range all {
			if strings.EqualFold(n, name) {
				hint = n
			}
		}
	}
	msg := fmt.Sprintf("collection %s does not exist in Weaviate at %s", name, ws.Client.URL())
	if hint != "" {
		msg += fmt.Sprintf("; names are case-sensitive: did you mean %s?", hint)
	}
	if err == nil {
		// Weaviate answered for another name: it must not be taken as this one.
		return nil, errors.New(msg)
	}
	return nil, fmt.Errorf("%s (%w)", msg, live.ErrNotFound)
}

// size is what a plan knows of a live collection's data without changing
// anything: inactive tenants cannot be read until they are activated, so
// their objects are not counted.
type size struct {
	objects   int64    // in the active tenants (every object of a single-tenant collection)
	tenants   int      // of a multi-tenant collection
	inactive  []string // inactive (COLD) tenants, not counted
	offloaded []string // offloaded (FROZEN) tenants, which colstate cannot read
}

// mayHoldData reports whether the collection may hold objects: it has some,
// or inactive tenants whose objects were not counted.
func (s size) mayHoldData() bool { return s.objects > 0 || len(s.inactive) > 0 || len(s.offloaded) > 0 }

// liveSize counts a live collection's objects in its active tenants (when
// count) and lists its tenants by status.
func (ws *Workspace) liveSize(ctx context.Context, name string, count bool) (size, error) {
	var sz size
	cl, err := ws.liveClass(ctx, name)
	if err != nil {
		return sz, err
	}
	s := live.SchemaOf(cl)
	tenants := []string{""}
	if s.MultiTenant {
		ts, err := ws.Client.Tenants(ctx, name)
		if err != nil {
			return sz, err
		}
		sz.tenants = len(ts)
		tenants = tenants[:0]
		for _, t := range ts {
			switch {
			case t.Offloaded():
				sz.offloaded = append(sz.offloaded, t.Name)
			case !t.Active():
				sz.inactive = append(sz.inactive, t.Name)
			default:
				tenants = append(tenants, t.Name)
			}
		}
	}
	if count {
		for _, t := range tenants {
			n, err := ws.Client.Count(ctx, name, t)
			if err != nil {
				return sz, err
			}
			sz.objects += n
		}
	}
	return sz, nil
}

// refuseOffloaded refuses to back up a collection with offloaded tenants,
// naming them, before anything is written.
func refuseOffloaded(name string, sz size) error {
	if len(sz.offloaded) == 0 {
		return nil
	}
	return fmt.Errorf("collection %s has offloaded (FROZEN) tenants colstate cannot read: %s; load them back (activityStatus HOT or COLD) before backing it up", name, strings.Join(sz.offloaded, ", "))
}

// destroyGuard refuses destructive data changes to collections declared
// with lifecycle { prevent_destroy = true }, and reports whether one should
// be backed up first (lifecycle.backup_before_destroy, true by default).
func (ws *Workspace) destroyGuard(name, what string) (backup bool, err error) {
	d := ws.Config.Collection(name)
	if d == nil {
		return true, nil
	}
	if d.Lifecycle.PreventDestroy {
		return false, fmt.Errorf("collection %s has lifecycle { prevent_destroy = true }: colstate refuses to %s it", name, what)
	}
	return d.Lifecycle.BackupBeforeDestroy, nil
}

// Restore modes.
const (
	ModeCreate  = "create"
	ModeMerge   = "merge"
	ModeReplace = "replace"
)

// RestoreOptions are the choices of `colstate restore`.
type RestoreOptions struct {
	Store       string
	Snapshot    string
	Collections []string // default: every collection in the snapshot
	As          string   // restore the one selected collection under this name
	Mode        string   // create (default), merge, replace
	NoBackup    bool     // replace: do not back the cleared collections up first
}

// RestorePlan plans loading collections of a snapshot. Collections created
// from the snapshot come after the collections they refer to.
//
// A live collection colstate does not manage (absent from st) is written
// into only when the command line names it (--collection or --as), and the
// plan marks it; restoring a whole snapshot never changes one unasked.
func (ws *Workspace) RestorePlan(ctx context.Context, st *state.State, o RestoreOptions) (*plan.Plan, error) {
	store := &snapshot.Store{Dir: ws.storeDir(o.Store)}
	r, err := store.Open(o.Snapshot)
	if err != nil {
		return nil, err
	}
	m := r.Manifest()
	names := o.Collections
	if len(names) == 0 {
		names = m.Names()
	}
	for _, n := range names {
		if m.Collection(n) == nil {
			return nil, fmt.Errorf("snapshot %s has no collection %s (it has %v)", o.Snapshot, n, m.Names())
		}
	}
	if o.As != "" && len(names) != 1 {
		return nil, fmt.Errorf("--as renames one collection: choose it with --collection (the snapshot has %v)", m.Names())
	}
	mode := o.Mode
	if mode == "" {
		mode = ModeCreate
	}
	if mode != ModeCreate && mode != ModeMerge && mode != ModeReplace {
		return nil, fmt.Errorf("--mode=%s: use create, merge or replace", mode)
	}
	names, err = refOrder(r, names)
	if err != nil {
		return nil, err
	}
	p := &plan.Plan{}
	var backups, clears []plan.Change
	backupID := snapshot.NewID(time.Now())
	for _, src := range names {
		sc := m.Collection(src)
		target := src
		if o.As != "" {
			target = o.As
		}
		dc := &plan.DataChange{Store: store.Dir, Snapshot: m.ID, Objects: sc.Objects, Tenants: len(sc.Tenants), NoVectors: m.NoVectors}
		if target != src {
			dc.Source = src
		}
		sz, err := ws.liveSize(ctx, target, true)
		liveN := sz.objects
		exists := err == nil
		if err != nil && !errors.Is(err, live.ErrNotFound) {
			return nil, err
		}
		unmanaged := exists && !st.Managed(target)
		if unmanaged && len(o.Collections) == 0 && o.As == "" {
			return nil, fmt.Errorf("restore --mode=%s would write into collection %s, which colstate does not manage; nothing was changed. "+
				"colstate changes a collection it does not manage only when the command names it: add --collection %s "+
				"(or restore it under another name with --collection %s --as NEW_NAME)", mode, target, src, src)
		}
		action := plan.Restore
		switch mode {
		case ModeCreate:
			dc.CreateSchema = !exists
		case ModeMerge:
			if !exists {
				return nil, fmt.Errorf("collection %s does not exist: --mode=merge needs a live collection (restore without --mode creates it)", target)
			}
			action = plan.Merge
		case ModeReplace:
			dc.CreateSchema = !exists
			if exists {
				backup, err := ws.destroyGuard(target, "clear and replace")
				if err != nil {
					return nil, err
				}
				if m.NoVectors && sz.mayHoldData() {
					if err := ws.refuseDroppingVectors(ctx, m.ID, target); err != nil {
						return nil, err
					}
				}
				if backup && !o.NoBackup && sz.mayHoldData() {
					if err := refuseOffloaded(target, sz); err != nil {
						return nil, err
					}
					backups = append(backups, plan.Change{Collection: target, Action: plan.Backup, Data: &plan.DataChange{
						Store: store.Dir, Snapshot: backupID, Objects: liveN, Tenants: sz.tenants, Inactive: len(sz.inactive),
					}})
				}
				clears = append(clears, plan.Change{Collection: target, Action: plan.Clear, Data: &plan.DataChange{Objects: liveN, Tenants: sz.tenants, Inactive: len(sz.inactive)}, Unmanaged: unmanaged})
			}
		}
		p.Changes = append(p.Changes, plan.Change{Collection: target, Action: action, Data: dc, Unmanaged: unmanaged})
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
func (ws *Workspace) refuseDroppingVectors(ctx context.Context, snap, target string) error {
	cl, err := ws.Client.Class(ctx, target)
	if err != nil {
		return err
	}
	self := live.SelfVectors(cl)
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

// refOrder sorts names so that a collection comes after those it refers
// to (plan.OrderByReferences); a reference cycle keeps the remaining order.
func refOrder(r *snapshot.Reader, names []string) ([]string, error) {
	refs := map[string]map[string]bool{}
	for _, n := range names {
		raw, err := r.Schema(n)
		if err != nil {
			return nil, err
		}
		var cl live.Class
		if err := jsonUnmarshal(raw, &cl); err != nil {
			return nil, fmt.Errorf("snapshot schema of %s: %w", n, err)
		}
		refs[n] = map[string]bool{}
		for _, p := range live.SchemaOf(cl).Properties {
			if live.IsReference(p.DataType) {
				for _, t := range p.DataType {
					refs[n][t] = true
				}
			}
		}
	}
	return plan.OrderByReferences(names, func(from, to string) bool { return refs[from][to] }), nil
}

// ClearPlan plans deleting every object of the named collections, after a
// snapshot of them unless noBackup. A collection colstate does not manage
// is cleared too (the command line names it), and the plan marks it.
func (ws *Workspace) ClearPlan(ctx context.Context, st *state.State, names []string, noBackup bool, storeDir string) (*plan.Plan, error) {
	if len(names) == 0 {
		return nil, errors.New("name the collections to clear")
	}
	p := &plan.Plan{}
	var clears []plan.Change
	id := snapshot.NewID(time.Now())
	for _, name := range names {
		sz, err := ws.liveSize(ctx, name, true)
		if err != nil {
			return nil, err
		}
		backup, err := ws.destroyGuard(name, "clear")
		if err != nil {
			return nil, err
		}
		if len(sz.offloaded) > 0 {
			return nil, fmt.Errorf("collection %s has offloaded (FROZEN) tenants colstate cannot read or clear: %s; load them back (activityStatus HOT or COLD) first", name, strings.Join(sz.offloaded, ", "))
		}
		if backup && !noBackup {
			p.Changes = append(p.Changes, plan.Change{Collection: name, Action: plan.Backup, Data: &plan.DataChange{
				Store: ws.storeDir(storeDir), Snapshot: id, Objects: sz.objects, Tenants: sz.tenants, Inactive: len(sz.inactive),
			}})
		}
		clears = append(clears, plan.Change{Collection: name, Action: plan.Clear, Data: &plan.DataChange{Objects: sz.objects, Tenants: sz.tenants, Inactive: len(sz.inactive)}, Unmanaged: !st.Managed(name)})
	}
	p.Changes = append(p.Changes, clears...)
	return p, nil
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
