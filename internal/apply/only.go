package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
)

// This file limits data changes to the tenants they pick (--tenant,
// plan.DataChange.OnlyTenants): the other tenants of the collection are
// neither read, written, cleared nor verified.

// pickedTenants keeps of ts the tenants dc is limited to (every one when
// it is not), and names the picked ones ts lacks.
func pickedTenants(ts []live.Tenant, dc *plan.DataChange) (out []live.Tenant, missing []string) {
	names := dc.TenantNames()
	if len(names) == 0 {
		return ts, nil
	}
	for _, t := range ts {
		if slices.Contains(names, t.Name) {
			out = append(out, t)
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(out, func(t live.Tenant) bool { return t.Name == n }) {
			missing = append(missing, n)
		}
	}
	return out, missing
}

// onlyPicked is pickedTenants for a backup or clear, which refuses picked
// tenants that no longer exist.
func onlyPicked(name string, ts []live.Tenant, dc *plan.DataChange) ([]live.Tenant, error) {
	out, missing := pickedTenants(ts, dc)
	if len(missing) > 0 {
		return nil, fmt.Errorf("collection %s has no tenant %s (any more): plan again; nothing was written", name, strings.Join(missing, ", "))
	}
	return out, nil
}

// pickedCount counts the objects of the live tenants dc is limited to
// (every tenant when it is not), activating inactive ones in turn.
func (d *Data) pickedCount(ctx context.Context, s *live.ObjectSchema, dc *plan.DataChange) (int64, error) {
	if len(dc.OnlyTenants) == 0 {
		return d.liveCount(ctx, s)
	}
	ts, err := d.tenantsOf(ctx, s.Collection, s.MultiTenant)
	if err != nil {
		return 0, err
	}
	ts, _ = pickedTenants(ts, dc) // the absent ones the restore creates: empty
	var total atomic.Int64
	_, err = d.eachTenant(ctx, s.Collection, ts, nil, func(ctx context.Context, _ int, t live.Tenant) error {
		n, err := d.Client.Count(ctx, s.Collection, t.Name)
		total.Add(n)
		return err
	})
	return total.Load(), err
}

// refuseFilledTenants refuses a restore limited to some tenants (no
// --mode: create) when a picked live tenant already holds objects, naming
// the tenant and its status, as the plan does for the tenants it could
// count: an inactive tenant is counted only here, activated for it and set
// back before the refusal. It runs before anything is activated for the
// restore, by a dry run too. Offloaded tenants are left to the refusal
// that names them (refuseOffloadedTargets).
func (d *Data) refuseFilledTenants(ctx context.Context, c plan.Change) error {
	ts, err := d.Client.Tenants(ctx, c.Collection)
	if err != nil {
		return err
	}
	ts, _ = pickedTenants(ts, c.Data) // the absent ones the restore creates: empty
	ts = slices.DeleteFunc(ts, live.Tenant.Offloaded)
	counts := make([]int64, len(ts))
	if _, err := d.eachTenant(ctx, c.Collection, ts, nil, func(ctx context.Context, i int, t live.Tenant) error {
		n, err := d.Client.Count(ctx, c.Collection, t.Name)
		counts[i] = n
		return err
	}); err != nil {
		return err
	}
	var filled []string
	for i, t := range ts {
		if counts[i] == 0 {
			continue
		}
		status := t.ActivityStatus
		if !t.Active() {
			status += ", activated to count them and set back"
		}
		filled = append(filled, fmt.Sprintf("tenant %s of collection %s already holds %s (%s)", t.Name, c.Collection, plural(int(counts[i]), "object", "objects"), status))
	}
	if len(filled) == 0 {
		return nil
	}
	return fmt.Errorf("%s: --mode=create restores only into an absent or empty tenant; nothing was written. "+
		"Use --mode=merge to upsert into it (which also completes an interrupted restore of it), or --mode=replace to clear that tenant (only) first", strings.Join(filled, "; "))
}

// objectSource is what a restore reads objects from: a snapshot, or the
// tenants of it a restore --tenant picks.
type objectSource interface {
	Manifest() *snapshot.Manifest
	Objects(ctx context.Context, name string, fn func(*object.Object) error) error
}

// tenantSource is the objects of the picked tenants of a snapshot, each
// under the tenant it is written into.
type tenantSource struct {
	*snapshot.Reader
	to map[string]string // snapshot tenant → live tenant
}

func (t tenantSource) Objects(ctx context.Context, name string, fn func(*object.Object) error) error {
	keep := func(tenant string) bool { _, ok := t.to[tenant]; return ok }
	return t.Reader.TenantObjects(ctx, name, keep, func(o *object.Object) error {
		o.Tenant = t.to[o.Tenant]
		return fn(o)
	})
}

// pickedSource is what change c restores from r: every object of the
// snapshot, or only those of the tenants it picks.
func pickedSource(r *snapshot.Reader, c plan.Change) objectSource {
	if len(c.Data.OnlyTenants) == 0 {
		return r
	}
	to := map[string]string{}
	for _, p := range c.Data.OnlyTenants {
		to[p.Name] = p.Target()
	}
	return tenantSource{r, to}
}

// pickedCollection is the snapshot's collection sc as change c restores
// it: only the picked tenants, under the names they are written into (with
// the snapshot's status), and the count and digest of their objects (read
// from src), which the verification compares with.
func pickedCollection(ctx context.Context, src objectSource, sc *snapshot.Collection, c plan.Change) (*snapshot.Collection, error) {
	if len(c.Data.OnlyTenants) == 0 {
		return sc, nil
	}
	out := *sc
	out.Tenants, out.Chunks = nil, nil
	for _, p := range c.Data.OnlyTenants {
		i := slices.IndexFunc(sc.Tenants, func(t snapshot.Tenant) bool { return t.Name == p.Name })
		if i < 0 {
			return nil, fmt.Errorf("snapshot %s has no tenant %s of collection %s; nothing was written", c.Data.Snapshot, p.Name, sc.Name)
		}
		out.Tenants = append(out.Tenants, snapshot.Tenant{Name: p.Target(), ActivityStatus: sc.Tenants[i].ActivityStatus})
	}
	var dg object.Digest
	if err := src.Objects(ctx, sc.Name, func(o *object.Object) error { dg.Add(o.Hash()); return nil }); err != nil {
		return nil, err
	}
	out.Objects, out.Digest = dg.Count, dg.String()
	return &out, nil
}
