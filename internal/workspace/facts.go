package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// This file gathers the facts plans decide from: what a live collection
// holds, what the state and the configuration say of it, and what a
// snapshot holds. It reads and never decides.

// liveClass reads a collection's schema by its exact name. Weaviate
// matches names loosely (it capitalises the first letter); colstate does
// not: a name that is not exactly a live collection's is reported as
// absent, with the live name that differs only in case, if any. A name
// that is a Weaviate alias is read as the collection behind it only when
// colstate keeps the name for that collection (keptName); any other alias
// is refused (AliasNameError) rather than acted on under a name that is
// not its own.
func (ws *Workspace) liveClass(ctx context.Context, st *state.State, name string) (live.Class, error) {
	cl, err := ws.Client.Class(ctx, name)
	if err != nil && !errors.Is(err, live.ErrNotFound) {
		return nil, err
	}
	if err == nil {
		if got, _ := cl["class"].(string); got == name || got == "" {
			return cl, nil
		}
	}
	// Weaviate answered for another collection, or for none: the name may
	// be an alias (also one whose collection is gone).
	aliases, aerr := ws.Client.Aliases(ctx)
	if aerr != nil {
		return nil, aerr
	}
	if target, ok := aliases[name]; ok {
		if !keptName(st, name) {
			return nil, &AliasNameError{Name: name, Collection: target}
		}
		if err == nil && cl["class"] == target {
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

// liveData reads what a plan knows of a live collection's data without
// changing anything: its objects in the active tenants (when count), its
// tenants by status, and the vectors its objects bring.
func (ws *Workspace) liveData(ctx context.Context, st *state.State, name string, count bool) (plan.CollectionFacts, error) {
	return ws.liveDataOf(ctx, st, name, count, nil)
}

// liveDataOf is liveData counting, when only is not nil, only the objects
// of those tenants (a tenant-level command needs no other count; the
// others' objects are then -1 in TenantList and not in Objects).
func (ws *Workspace) liveDataOf(ctx context.Context, st *state.State, name string, count bool, only []string) (plan.CollectionFacts, error) {
	var f plan.CollectionFacts
	cl, err := ws.liveClass(ctx, st, name)
	if err != nil {
		return f, err
	}
	f.SelfVectors = live.SelfVectors(cl)
	s := live.SchemaOf(cl)
	tenants := []live.Tenant{{}}
	f.MultiTenant = s.MultiTenant
	if s.MultiTenant {
		ts, err := ws.Client.Tenants(ctx, name)
		if err != nil {
			return f, err
		}
		f.Tenants = len(ts)
		f.ByStatus = map[string]int{}
		tenants = tenants[:0]
		for _, t := range ts {
			f.ByStatus[statusName(t.ActivityStatus)]++
			objects := int64(-1)
			if t.Active() {
				objects = 0
			}
			f.TenantList = append(f.TenantList, plan.TenantFact{Name: t.Name, Status: statusName(t.ActivityStatus), Objects: objects})
			switch {
			case t.Offloaded():
				f.Offloaded = append(f.Offloaded, t.Name)
			case !t.Active():
				f.Inactive = append(f.Inactive, t.Name)
			case only != nil && !slices.Contains(only, t.Name):
				f.TenantList[len(f.TenantList)-1].Objects = -1 // not counted
			default:
				tenants = append(tenants, t)
			}
		}
	}
	if count {
		// The active tenants only: nothing is activated for a plan.
		counts := make([]int64, len(tenants))
		_, err := live.EachTenant(ctx, ws.Client, name, tenants, ws.tenantParallel(), func(ctx context.Context, i int, t live.Tenant) error {
			n, err := ws.Client.Count(ctx, name, t.Name)
			counts[i] = n
			return err
		})
		if err != nil {
			return f, err
		}
		for i, t := range tenants {
			f.Objects += counts[i]
			if j := slices.IndexFunc(f.TenantList, func(tf plan.TenantFact) bool { return tf.Name == t.Name }); j >= 0 {
				f.TenantList[j].Objects = counts[i]
			}
		}
	}
	return f, nil
}

// collectionFacts gathers what a data command's plan needs of one
// collection: its live data, whether colstate manages it, and its declared
// lifecycle. A collection that does not exist is a fact (Missing); any
// other failure to read it is an error.
func (ws *Workspace) collectionFacts(ctx context.Context, st *state.State, name string, count bool, only []string) (plan.CollectionFacts, error) {
	f, err := ws.liveDataOf(ctx, st, name, count, only)
	if errors.Is(err, live.ErrNotFound) {
		f = plan.CollectionFacts{Missing: err}
		if all, lerr := ws.Client.Collections(ctx); lerr == nil {
			for n := range all {
				if n != name && strings.EqualFold(n, name) {
					f.CaseTwin = n
				}
			}
		} else {
			return f, lerr
		}
	} else if err != nil {
		return f, err
	}
	f.Managed = st.Managed(name)
	if d := ws.Config.Collection(name); d != nil {
		f.Lifecycle = plan.Lifecycle{PreventDestroy: d.Lifecycle.PreventDestroy, NoBackupBeforeDestroy: !d.Lifecycle.BackupBeforeDestroy}
	}
	return f, nil
}

// gatherCollections gathers collectionFacts for each of names, once each,
// counting only the objects of tenants only when it is not nil.
func (ws *Workspace) gatherCollections(ctx context.Context, st *state.State, names []string, count bool, only []string) (map[string]plan.CollectionFacts, error) {
	out := map[string]plan.CollectionFacts{}
	for _, name := range names {
		if _, done := out[name]; done {
			continue
		}
		f, err := ws.collectionFacts(ctx, st, name, count, only)
		if err != nil {
			return nil, err
		}
		out[name] = f
	}
	return out, nil
}

// snapshotFacts is what a restore plan needs of a snapshot's manifest.
func snapshotFacts(storeDir string, m *snapshot.Manifest) plan.SnapshotFacts {
	f := plan.SnapshotFacts{ID: m.ID, Store: storeDir, NoVectors: m.NoVectors, Native: snapshotNative(m)}
	for _, c := range m.Collections {
		f.Collections = append(f.Collections, plan.SnapshotCollection{Name: c.Name, Objects: m.ObjectsOf(c.Name), Tenants: len(c.Tenants), TenantStatus: snapshotStatuses(c.Tenants),
			TenantList: snapshotTenants(c), TenantSubset: c.TenantSubset || len(c.SkippedOffloaded) > 0, SkippedOffloaded: c.SkippedOffloaded})
	}
	return f
}

// readRefers fills in, for the named collections of a snapshot, the
// collections their reference properties point to, from the schemas the
// snapshot holds.
func readRefers(r *snapshot.Reader, f *plan.SnapshotFacts, names []string) error {
	for _, name := range names {
		i := slices.IndexFunc(f.Collections, func(c plan.SnapshotCollection) bool { return c.Name == name })
		if i < 0 {
			return fmt.Errorf("snapshot %s has no collection %s", f.ID, name)
		}
		raw, err := r.Schema(name)
		if err != nil {
			return err
		}
		var cl live.Class
		if err := json.Unmarshal(raw, &cl); err != nil {
			return fmt.Errorf("snapshot schema of %s: %w", name, err)
		}
		var refers []string
		for _, p := range live.SchemaOf(cl).Properties {
			if live.IsReference(p.DataType) {
				refers = append(refers, p.DataType...)
			}
		}
		f.Collections[i].Refers = refers
	}
	return nil
}

// statusName is how the plan names a tenant's activity status: Weaviate
// reports an active tenant as HOT (ACTIVE before 1.26, or nothing).
func statusName(s string) string {
	switch s {
	case "", "ACTIVE":
		return "HOT"
	case "INACTIVE":
		return "COLD"
	}
	return s
}

// snapshotStatuses counts a snapshot's tenants by the status each had.
func snapshotStatuses(tenants []snapshot.Tenant) map[string]int {
	if len(tenants) == 0 {
		return nil
	}
	out := map[string]int{}
	for _, t := range tenants {
		out[statusName(t.ActivityStatus)]++
	}
	return out
}

// snapshotTenants lists a snapshot collection's tenants with their status
// and objects (counted from its chunks).
func snapshotTenants(c snapshot.Collection) []plan.TenantFact {
	objects := map[string]int64{}
	for _, ch := range c.Chunks {
		objects[ch.Tenant] += ch.Objects
	}
	var out []plan.TenantFact
	for _, t := range c.Tenants {
		out = append(out, plan.TenantFact{Name: t.Name, Status: statusName(t.ActivityStatus), Objects: objects[t.Name]})
	}
	return out
}
