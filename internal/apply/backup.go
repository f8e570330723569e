package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// Backup writes one snapshot holding the collections of changes, which all
// name the same snapshot id and store. The snapshot exists only once every
// collection is in it: an interrupted backup leaves nothing behind.
func (d *Data) Backup(ctx context.Context, changes []plan.Change) (*snapshot.Manifest, error) {
	// Offloaded tenants cannot be read: refuse by name before the
	// snapshot is started.
	for _, c := range changes {
		if c.Data.SchemaOnly {
			continue
		}
		if err := d.refuseOffloaded(ctx, c.Collection, c.Data); err != nil {
			return nil, err
		}
	}
	first := changes[0].Data
	st, err := d.snapshotStore(changes[0])
	if err != nil {
		return nil, err
	}
	w, err := st.Create(snapshot.Manifest{ID: first.Snapshot, Source: d.Source, SchemaOnly: first.SchemaOnly, NoVectors: first.NoVectors})
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	for _, c := range changes {
		if err := d.backupCollection(ctx, w, c.Collection, c.Data); err != nil {
			return nil, err
		}
	}
	m, err := w.Commit()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(d.Out, "Snapshot %s written: %d collection(s), %d objects, %s.\n", m.ID, len(m.Collections), m.Objects(), snapshot.ByteSize(m.Size()))
	return m, nil
}

func (d *Data) backupCollection(ctx context.Context, w *snapshot.Writer, name string, dc *plan.DataChange) error {
	raw, err := d.Client.ClassJSON(ctx, name)
	if errors.Is(err, live.ErrNotFound) {
		return fmt.Errorf("collection %s does not exist in Weaviate", name)
	}
	if err != nil {
		return err
	}
	cl, err := decodeClass(raw)
	if err != nil {
		return err
	}
	s := live.SchemaOf(cl)
	tenants, err := d.tenantsOf(ctx, name, s.MultiTenant)
	if err != nil {
		return err
	}
	if tenants, err = onlyPicked(name, tenants, dc); err != nil {
		return err
	}
	var snapTenants []snapshot.Tenant
	if s.MultiTenant {
		var skipped []string
		tenants, skipped = withoutSkipped(tenants, dc.SkipTenants)
		if len(skipped) > 0 {
			fmt.Fprintf(d.Out, "backup %s: left out %s (--skip-offloaded): %s.\n", name, plural(len(skipped), "offloaded tenant", "offloaded tenants"), strings.Join(skipped, ", "))
		}
		for _, t := range tenants {
			snapTenants = append(snapTenants, snapshot.Tenant{Name: t.Name, ActivityStatus: t.ActivityStatus})
		}
	}
	if err := w.AddCollection(name, raw, snapTenants); err != nil {
		return err
	}
	if len(dc.OnlyTenants) > 0 {
		if err := w.SetTenantSubset(name); err != nil {
			return err
		}
	}
	if dc.SchemaOnly {
		fmt.Fprintf(d.Err, "backup %s: schema only\n", name)
		return nil
	}
	activated, err := d.eachTenant(ctx, "backup", name, tenants, func(t live.Tenant, pr *progress) error {
		return d.Client.ReadObjects(ctx, s, live.ReadOptions{Tenant: t.Name, NoVectors: dc.NoVectors, PageSize: d.PageSize}, func(o *object.Object) error {
			if err := w.Write(name, t.Name, o); err != nil {
				return err
			}
			pr.Add(1)
			return nil
		})
	})
	if err != nil {
		return err
	}
	if activated > 0 {
		fmt.Fprintf(d.Out, "backup %s: activated %s one at a time to read them; each is back to its status.\n", name, plural(activated, "inactive tenant", "inactive tenants"))
	}
	return nil
}

// refuseOffloaded names the offloaded tenants of a collection, which
// colstate cannot read.
func (d *Data) refuseOffloaded(ctx context.Context, name string, dc *plan.DataChange) error {
	cl, err := d.Client.Class(ctx, name)
	if err != nil || !live.SchemaOf(cl).MultiTenant {
		return nil // backupCollection reports a missing collection
	}
	ts, err := d.Client.Tenants(ctx, name)
	if err != nil {
		return err
	}
	ts, _ = withoutSkipped(ts, dc.SkipTenants)
	ts, _ = pickedTenants(ts, dc)
	if off := live.OffloadedTenants(ts); len(off) > 0 {
		return fmt.Errorf("collection %s has offloaded (FROZEN) tenants colstate cannot read: %s; load them back (activityStatus HOT or COLD) and run the command again; nothing was written", name, strings.Join(off, ", "))
	}
	return nil
}

func backupOf(c plan.Change) plan.Change {
	return plan.Change{Collection: c.Collection, Action: plan.Backup, Data: &plan.DataChange{
		Store: c.Data.Store, Snapshot: c.Data.Snapshot, Objects: c.Data.Objects, Reason: plan.BackupBefore(c.Action)}}
}

// backup takes one snapshot for consecutive backup changes.
func (r *Runner) backup(ctx context.Context, i int, changes []plan.Change) error {
	c := changes[0]
	fmt.Fprintf(r.Out, "%s %s: backup to snapshot %s...\n", c.Action.Symbol(), names(changes), c.Data.Snapshot)
	return r.step(stepKey(i, c, "backup"), func() error { return r.takeSnapshot(ctx, changes) })
}

func names(changes []plan.Change) string {
	var out []string
	for _, c := range changes {
		out = append(out, c.Collection)
	}
	return strings.Join(out, ", ")
}

// takeSnapshot writes the snapshot and records it in the state's catalogue.
// A snapshot that already exists under the planned id (taken before an
// interruption) is kept, after checking it holds the collections.
func (r *Runner) takeSnapshot(ctx context.Context, changes []plan.Change) error {
	if r.Data == nil {
		return fmt.Errorf("no data engine")
	}
	c := changes[0]
	m, err := r.existingSnapshot(c, changes)
	if err != nil {
		return err
	}
	if m == nil {
		if m, err = r.Data.Backup(ctx, changes); err != nil {
			return err
		}
	}
	rec := state.SnapshotRecord{ID: m.ID, Store: c.Data.Store, Policy: c.Data.Policy, Reason: string(c.Data.Reason), TakenAt: time.Now().UTC(), Collections: map[string]state.DataMark{}}
	for _, mc := range m.Collections {
		rec.Collections[mc.Name] = state.DataMark{Objects: mc.Objects, Digest: mc.Digest}
	}
	r.State.Snapshots = append(r.State.Snapshots, rec)
	return r.Save(r.State)
}

func (r *Runner) existingSnapshot(first plan.Change, changes []plan.Change) (*snapshot.Manifest, error) {
	id := first.Data.Snapshot
	rd, err := r.Data.openSnapshot(first)
	if errors.Is(err, snapshot.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m := rd.Manifest()
	for _, c := range changes {
		if m.Collection(c.Collection) == nil {
			return nil, fmt.Errorf("snapshot %s exists but lacks collection %s", id, c.Collection)
		}
	}
	fmt.Fprintf(r.Out, "  snapshot %s was taken before the interruption: keeping it\n", id)
	return m, nil
}
