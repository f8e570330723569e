package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// This file serves the data commands (backup, restore, clear): it gathers
// their facts (facts.go) and hands them to the planners in internal/plan,
// which decide.

// DataRunner returns the engine that carries out data plans.
func (ws *Workspace) DataRunner(out, progress io.Writer, terminal bool) *apply.Data {
	src := snapshot.Source{URL: ws.Client.URL(), Tool: "colstate"}
	d := &apply.Data{Client: ws.Client, Out: out, Err: progress, Terminal: terminal, Source: src}
	if nc, err := ws.nativeClient(); err == nil {
		d.Native = nc
	}
	return d
}

// BackupOptions are the choices of `colstate backup`.
type BackupOptions struct {
	Store      string
	ID         string // snapshot id; a fresh one when empty
	SchemaOnly bool
	NoVectors  bool
	// SkipOffloaded leaves offloaded (FROZEN) tenants out of the snapshot
	// instead of refusing the backup; the plan and the output name them.
	SkipOffloaded bool
	// Tenants limits the backup of the one named collection to these
	// tenants (backup --tenant).
	Tenants []plan.TenantArg
	// Engine is backup --engine: portable (default), native or both.
	Engine string
}

// BackupPlan plans one snapshot of the named collections, or of every
// collection colstate manages when names is empty.
func (ws *Workspace) BackupPlan(ctx context.Context, st *state.State, names []string, o BackupOptions) (*plan.Plan, error) {
	names, err := plan.BackupNames(names, st.Names())
	if err != nil {
		return nil, err
	}
	f := plan.BackupFacts{Names: names, Store: ws.storeDir(o.Store), Snapshot: o.ID, SchemaOnly: o.SchemaOnly, NoVectors: o.NoVectors, SkipOffloaded: o.SkipOffloaded, Tenants: o.Tenants}
	if f.Snapshot == "" {
		f.Snapshot = snapshot.NewID(time.Now())
	}
	if err := plan.CheckEngine(o.Engine, true); err != nil {
		return nil, err
	}
	if o.Engine == plan.EngineNative || o.Engine == plan.EngineBoth {
		f.Engine, f.Server = o.Engine, ws.serverFacts(ctx)
	}
	if snapshot.IsURL(f.Store) {
		// Refused before the plan is shown: a URL with credentials would
		// be recorded in the plan and the state.
		if err := snapshot.CheckURL(f.Store); err != nil {
			return nil, err
		}
	}
	if f.Live, err = ws.gatherCollections(ctx, st, names, !o.SchemaOnly, argNames(o.Tenants)); err != nil {
		return nil, refuseAlias(err, "backup", func(e *AliasNameError) string { return "colstate backup " + e.Collection })
	}
	return plan.PlanBackup(f)
}

// Restore modes.
const (
	ModeCreate  = plan.RestoreCreate
	ModeMerge   = plan.RestoreMerge
	ModeReplace = plan.RestoreReplace
)

// RestoreOptions are the choices of `colstate restore`.
type RestoreOptions struct {
	Store       string
	Snapshot    string
	Collections []string // default: every collection in the snapshot
	As          string   // restore the one selected collection under this name
	Mode        string   // create (default), merge, replace
	NoBackup    bool     // replace: do not back the cleared collections up first
	// Tenants limits the restore to these tenants of the one selected
	// collection, each written into its As when set (restore --tenant).
	Tenants []plan.TenantArg
	// Engine forces the restore path (restore --engine): native or
	// portable; empty lets the plan choose.
	Engine string
	// Verify is restore --verify: digest (default) or count.
	Verify string
}

// RestorePlan plans loading collections of a snapshot (see plan.PlanRestore).
func (ws *Workspace) RestorePlan(ctx context.Context, st *state.State, o RestoreOptions) (*plan.Plan, error) {
	store := &snapshot.Store{Dir: ws.storeDir(o.Store)}
	r, err := store.Open(o.Snapshot)
	if err != nil {
		return nil, err
	}
	f := plan.RestoreFacts{
		Snapshot: snapshotFacts(store.Dir, r.Manifest()),
		Options:  plan.RestoreOptions{Collections: o.Collections, As: o.As, Mode: o.Mode, NoBackup: o.NoBackup, Tenants: o.Tenants, Engine: o.Engine, Verify: o.Verify},
	}
	if err := plan.CheckEngine(o.Engine, false); err != nil {
		return nil, err
	}
	if f.Snapshot.Native != nil {
		f.Server = ws.serverFacts(ctx)
	}
	sources, targets, err := plan.RestoreSelection(f.Snapshot, f.Options)
	if err != nil {
		return nil, err
	}
	if err := readRefers(r, &f.Snapshot, sources); err != nil {
		return nil, err
	}
	f.BackupID = snapshot.NewID(time.Now())
	if f.Live, err = ws.gatherCollections(ctx, st, targets, true, plan.RestoreTenantTargets(f.Snapshot, sources, o.Tenants)); err != nil {
		return nil, refuseAlias(err, "restore", func(e *AliasNameError) string {
			src := sources[slices.Index(targets, e.Name)]
			mode := ""
			if o.Mode != "" && o.Mode != ModeCreate {
				mode = " --mode=" + o.Mode
			}
			return fmt.Sprintf("colstate restore --collection %s --as %s%s %s", src, e.Collection, mode, o.Snapshot)
		})
	}
	if err := ws.checkServerVersion(ctx, r, sources, targets, f.Live, o.Mode == ModeReplace); err != nil {
		return nil, err
	}
	if o.Mode == ModeReplace && f.Snapshot.Native != nil && len(o.Tenants) == 0 {
		if f.Replace, err = ws.replaceFacts(ctx, r, sources, targets, f.Live); err != nil {
			return nil, err
		}
	}
	return plan.PlanRestore(f)
}

// checkServerVersion refuses, before anything is written, a restore that
// would create a collection from a snapshot schema using settings the
// target server is too old for (plan.CheckServerVersion). A target that
// exists keeps its own schema (merge), unless replace recreates it.
func (ws *Workspace) checkServerVersion(ctx context.Context, r *snapshot.Reader, sources, targets []string, lv map[string]plan.CollectionFacts, replace bool) error {
	var create []plan.SchemaToCreate
	for i, src := range sources {
		if lf, ok := lv[targets[i]]; ok && lf.Missing == nil && !replace {
			continue
		}
		raw, err := r.Schema(src)
		if err != nil {
			return err
		}
		var cl map[string]any
		if err := json.Unmarshal(raw, &cl); err != nil {
			return fmt.Errorf("snapshot schema of %s: %w", src, err)
		}
		create = append(create, plan.SchemaToCreate{Collection: targets[i], Class: cl})
	}
	if len(create) == 0 {
		return nil
	}
	server, err := ws.Client.Version(ctx)
	if err != nil {
		return fmt.Errorf("read the server's version to check the snapshot's schemas against it: %w", err)
	}
	return plan.CheckServerVersion(server, r.Manifest().Source.Version, create)
}

// ClearPlan plans deleting every object of the named collections, after a
// snapshot of them unless noBackup (see plan.PlanClear); with tenants, only
// the objects of those tenants of the one named collection.
func (ws *Workspace) ClearPlan(ctx context.Context, st *state.State, names []string, noBackup bool, storeDir string, tenants []plan.TenantArg) (*plan.Plan, error) {
	f := plan.ClearFacts{Names: names, NoBackup: noBackup, Store: ws.storeDir(storeDir), BackupID: snapshot.NewID(time.Now()), Tenants: tenants}
	var err error
	if f.Live, err = ws.gatherCollections(ctx, st, names, true, argNames(tenants)); err != nil {
		return nil, refuseAlias(err, "clear", func(e *AliasNameError) string { return "colstate clear " + e.Collection })
	}
	return plan.PlanClear(f)
}

// argNames names the tenants of --tenant arguments; nil when there are
// none (every tenant is counted).
func argNames(args []plan.TenantArg) []string {
	var out []string
	for _, a := range args {
		out = append(out, a.Name)
	}
	return out
}

// refuseAlias words an AliasNameError met while gathering the facts of a
// data command's collections for that command (verb); instead is the
// command line that names the collection behind the alias.
func refuseAlias(err error, verb string, instead func(e *AliasNameError) string) error {
	var an *AliasNameError
	if errors.As(err, &an) {
		return errors.New(an.Refuse(verb+" acts on collections", "name the collection ("+instead(an)+")"))
	}
	return err
}
