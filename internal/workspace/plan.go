package workspace

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// This file builds the plan of `colstate plan` and `apply`: it gathers
// the plan's input (live schemas, counts, content diffs, due snapshots) for
// plan.Diff, which decides.

// Plan reads the live schema and computes the plan against st, limited to
// targets when there are any. The plan is bound to the state and to the live
// schema of every collection it changes, so it can be saved and checked
// for staleness.
func (ws *Workspace) Plan(ctx context.Context, st *state.State, targets []string) (*plan.Plan, error) {
	ws.marks = map[string]state.DataMark{}
	defer func() { ws.marks, ws.tenantMarks = nil, nil }()
	view, err := ws.liveCollections(ctx, st)
	if err != nil {
		return nil, err
	}
	liveCols := view.cols
	j, err := ws.PendingJournal(st)
	if err != nil {
		return nil, err
	}
	var carried, dropped []plan.Change
	if j != nil {
		if carried, dropped, err = j.Pending(st, liveCols); err != nil {
			return nil, fmt.Errorf("the pending apply journal %s: %w; run colstate apply -abandon to drop it", j.Path(), err)
		}
	}
	desired := make([]plan.Desired, 0, len(ws.Config.Collections))
	for _, d := range ws.Config.Collections {
		desired = append(desired, plan.Desired{
			Collection:     d.Collection,
			PreventDestroy: d.Lifecycle.PreventDestroy,
			IgnoreChanges:  d.Lifecycle.IgnoreChanges,
			VectorFrom:     d.VectorFrom,

			NoBackupBeforeDestroy: !d.Lifecycle.BackupBeforeDestroy,
			CreateBeforeDestroy:   d.Lifecycle.CreateBeforeDestroy,
			KeepPrevious:          d.Lifecycle.KeepPrevious > 0,
		})
	}
	modules, err := ws.Client.Modules(ctx)
	if err != nil {
		return nil, err
	}
	liveAliases := view.aliases
	targets, notes := plan.WithDependencies(desired, targets)
	in := plan.Input{Desired: desired, Live: liveCols, Managed: st.Collections, Targets: targets, Held: held(st), Modules: modules,
		Aliases: ws.Config.AliasTargets(), LiveAliases: liveAliases, ManagedAliases: st.Aliases,
		Backing: view.backing, Taken: view.taken, Moved: map[string]string{}, MovedAliases: st.Moved}
	for _, m := range ws.Config.Moved {
		in.Moved[m.From] = m.To
	}
	for _, c := range carried {
		in.Exclude = append(in.Exclude, c.Collection)
	}
	if err := ws.dataInput(ctx, st, liveCols, &in); err != nil {
		return nil, err
	}
	p, err := plan.Diff(in)
	if err != nil {
		return nil, err
	}
	p.Notes = append(append(notes, p.Notes...), rollbackNotes(p, view.backing)...)
	if j != nil {
		p.Changes = append(carried, p.Changes...)
		p.Interrupted = &plan.Interrupted{Journal: j.Path(), PlanID: j.PlanID, StartedAt: j.StartedAt, Finished: j.Finished()}
		for _, c := range dropped {
			why := "the configuration and the live state no longer ask for it, so it is not run"
			switch {
			case slices.ContainsFunc(p.Changes, func(n plan.Change) bool { return n.Resumes == nil && n.Collection == c.Collection }):
				why = "planned again below from the current configuration"
			case len(targets) > 0 && !slices.Contains(targets, c.Collection):
				why = "left out by -target; an apply without -target plans it again if the configuration still asks for it"
			}
			p.Interrupted.Dropped = append(p.Interrupted.Dropped, apply.DescribeDropped(c, why))
		}
	}
	p.CreatedAt = time.Now().UTC()
	data, err := ws.bindData(ctx, st, p, liveCols)
	if err != nil {
		return nil, err
	}
	p.Binding = &plan.Binding{StateLineage: st.Lineage, StateSerial: st.Serial, Live: fingerprints(p, liveCols), Data: data, Aliases: aliasBinding(p, liveAliases)}
	return p, nil
}

// held finds, for each collection, the newest snapshot in the state's
// catalogue that holds it.
func held(st *state.State) map[string]plan.Recreate {
	out := map[string]plan.Recreate{}
	for _, r := range st.Snapshots { // oldest first: later ones win
		for name, m := range r.Collections {
			out[name] = plan.Recreate{Snapshot: r.ID, Store: r.Store, Objects: m.Objects, TakenAt: r.TakenAt}
		}
	}
	return out
}

// dataInput fills the data half of a plan's input: live object counts,
// content diffs, due snapshots, and where planned snapshots go.
func (ws *Workspace) dataInput(ctx context.Context, st *state.State, liveCols map[string]collection.Collection, in *plan.Input) error {
	in.Store = ws.storeDir("")
	in.NewID = func() string { return snapshot.NewID(time.Now()) }
	in.Counts = map[string]int64{}
	in.Tenants = map[string]plan.TenantStatus{}
	for name := range st.Collections {
		if _, ok := liveCols[name]; !ok {
			continue
		}
		sz, err := ws.liveData(ctx, st, name, true)
		if err != nil {
			return err
		}
		in.Counts[name] = sz.Objects
		if sz.Tenants > 0 {
			in.Tenants[name] = plan.TenantStatus{Inactive: sz.Inactive, Offloaded: sz.Offloaded, ByStatus: sz.ByStatus}
		}
	}
	in.Content = map[string]plan.ContentPlan{}
	for _, d := range ws.Config.Collections {
		if d.Content == nil || !in.Targeted(d.Name) {
			continue
		}
		cp, err := ws.contentPlan(ctx, st, d, liveCols)
		if err != nil {
			return fmt.Errorf("collection %s content: %w", d.Name, err)
		}
		in.Content[d.Name] = cp
	}
	due, err := ws.dueSnapshots(ctx, st, liveCols)
	if err != nil {
		return err
	}
	in.Due = due
	return nil
}

// dueSnapshots lists the snapshot blocks whose snapshot is due: none taken
// yet, the newest older than max_age, or the data changed since.
func (ws *Workspace) dueSnapshots(ctx context.Context, st *state.State, liveCols map[string]collection.Collection) ([]plan.DueSnapshot, error) {
	var out []plan.DueSnapshot
	for _, p := range ws.Config.Snapshots {
		due := plan.DueSnapshot{Policy: p.Name, Collections: p.Collections, Store: ws.storeDir(p.Store), SchemaOnly: p.SchemaOnly}
		if p.Engine == plan.EngineNative || p.Engine == plan.EngineBoth {
			due.Engine = p.Engine
		}
		if p.Keep > 0 {
			// Once the new one is committed, the oldest beyond keep go.
			var recs []state.SnapshotRecord
			for _, r := range st.Snapshots {
				if r.Policy == p.Name {
					recs = append(recs, r)
				}
			}
			for _, r := range recs[:max(0, len(recs)+1-int(p.Keep))] {
				if ws.pinned(r.ID) {
					continue // a data "snapshot" block reads it: never pruned
				}
				due.Prune = append(due.Prune, plan.PrunedSnapshot{ID: r.ID, Store: r.Store, TakenAt: r.TakenAt})
			}
		}
		rec := st.Newest(p.Name)
		switch {
		case rec == nil:
			due.Reason = plan.NoSnapshotYet
		case p.MaxAge > 0 && time.Since(rec.TakenAt) > p.MaxAge:
			due.Reason = plan.SnapshotAged(rec.ID, roundAge(time.Since(rec.TakenAt)), p.MaxAge)
		default:
			rd, err := (&snapshot.Store{Dir: rec.Store}).Open(rec.ID)
			if err != nil {
				due.Reason = plan.SnapshotGone(rec.ID)
				break
			}
			if p.SchemaOnly {
				break
			}
			for _, name := range p.Collections {
				if _, ok := liveCols[name]; !ok {
					continue
				}
				mark, byTenant, err := ws.dataMarks(ctx, name)
				if err != nil {
					return nil, err
				}
				was, ok := rec.Collections[name]
				if ok && was.Digest == "" {
					// A native-only snapshot records no digest, only
					// its count: objects added or deleted since are
					// seen, objects changed in place are not (a
					// weaker check; max_age bounds it).
					mark.Digest = ""
				}
				if !ok || was != mark || (mark.Digest != "" && tenantsMoved(rd.Manifest().Collection(name), byTenant)) {
					due.Reason = plan.DataChangedSince(name, rec.ID)
					break
				}
			}
		}
		// A policy with no reason yet is passed on too: the plan makes it
		// due when the same apply changes the data of its collections.
		out = append(out, due)
	}
	return out, nil
}

// tenantsMoved reports whether the tenants of a multi-tenant collection
// differ from those snapshot mc holds, though the count and digest of the
// whole collection match: the digest leaves the tenant out, so objects
// moved to another tenant (a tenant renamed) look unchanged. Each tenant
// is compared by name and by its own digest; a manifest written by an
// older build records no per-tenant digest, so its tenants are compared by
// name and by the object count of their chunks. A snapshot of some tenants
// only (backup --tenant) is not compared.
func tenantsMoved(mc *snapshot.Collection, byTenant map[string]object.Digest) bool {
	if mc == nil || mc.TenantSubset || len(mc.Tenants) == 0 && len(byTenant) == 0 {
		return false
	}
	if len(mc.Tenants) != len(byTenant) {
		return true
	}
	for _, t := range mc.Tenants {
		d, ok := byTenant[t.Name]
		if !ok {
			return true
		}
		if t.Digest != "" {
			if d.Count != t.Objects || d.String() != t.Digest {
				return true
			}
			continue
		}
		var n int64
		for _, ch := range mc.Chunks {
			if ch.Tenant == t.Name {
				n += ch.Objects
			}
		}
		if n != d.Count {
			return true
		}
	}
	return false
}

func roundAge(d time.Duration) time.Duration {
	if d > time.Hour {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}

// pinned reports whether a data "snapshot" block of the configuration
// names snapshot id: retention must not remove a content source.
func (ws *Workspace) pinned(id string) bool {
	for _, src := range ws.Config.Sources {
		if src.Kind == "snapshot" && src.ID == id {
			return true
		}
	}
	return false
}
