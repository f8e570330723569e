package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
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
		if err := d.refuseOffloaded(ctx, c.Collection); err != nil {
			return nil, err
		}
	}
	first := changes[0].Data
	w, err := d.store(changes[0]).Create(snapshot.Manifest{ID: first.Snapshot, Source: d.Source, SchemaOnly: first.SchemaOnly, NoVectors: first.NoVectors})
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
	var snapTenants []snapshot.Tenant
	if s.MultiTenant {
		for _, t := range tenants {
			snapTenants = append(snapTenants, snapshot.Tenant{Name: t.Name, ActivityStatus: t.ActivityStatus})
		}
	}
	if err := w.AddCollection(name, raw, snapTenants); err != nil {
		return err
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
func (d *Data) refuseOffloaded(ctx context.Context, name string) error {
	cl, err := d.Client.Class(ctx, name)
	if err != nil || !live.SchemaOf(cl).MultiTenant {
		return nil // backupCollection reports a missing collection
	}
	ts, err := d.Client.Tenants(ctx, name)
	if err != nil {
		return err
	}
	if off := live.OffloadedTenants(ts); len(off) > 0 {
		return fmt.Errorf("collection %s has offloaded (FROZEN) tenants colstate cannot read: %s; load them back (activityStatus HOT or COLD) and run the command again; nothing was written", name, strings.Join(off, ", "))
	}
	return nil
}
