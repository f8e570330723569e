package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/snapshot"
)

// tenantsOf lists the tenants of live collection name: one unnamed tenant
// when it is not multi-tenant, so every per-tenant loop also serves a
// collection without tenants.
func (d *Data) tenantsOf(ctx context.Context, name string, multiTenant bool) ([]live.Tenant, error) {
	if !multiTenant {
		return []live.Tenant{{}}, nil
	}
	return d.Client.Tenants(ctx, name)
}

// forEachTenant runs fn on every tenant of collection name in turn while it
// is active: an inactive one is activated first and set back to its status
// afterwards. It returns how many it activated. It is apply's one loop over
// a collection's tenants.
func (d *Data) forEachTenant(ctx context.Context, name string, tenants []live.Tenant, fn func(live.Tenant) error) (int, error) {
	activated := 0
	for _, t := range tenants {
		woke, err := d.Client.WithTenantActive(ctx, name, t, func() error { return fn(t) })
		if woke {
			activated++
		}
		if err != nil {
			return activated, err
		}
	}
	return activated, nil
}

// eachTenant runs fn on every tenant of collection name (forEachTenant)
// under one progress bar labelled by what: the active tenants are counted
// up front, an inactive one once it is activated. It returns how many it
// activated.
func (d *Data) eachTenant(ctx context.Context, what, name string, tenants []live.Tenant, fn func(live.Tenant, *progress) error) (int, error) {
	var total int64
	for _, t := range tenants {
		if !t.Active() {
			continue
		}
		n, err := d.Client.Count(ctx, name, t.Name)
		if err != nil {
			return 0, err
		}
		total += n
	}
	pr := d.newProgress(what+" "+name, total)
	defer pr.Done()
	return d.forEachTenant(ctx, name, tenants, func(t live.Tenant) error {
		if !t.Active() {
			n, err := d.Client.Count(ctx, name, t.Name)
			if err != nil {
				return err
			}
			pr.Grow(n)
		}
		return fn(t, pr)
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// liveCount counts a live collection's objects in every tenant; an
// inactive tenant is activated in turn to be counted, and set back.
func (d *Data) liveCount(ctx context.Context, s *live.ObjectSchema) (int64, error) {
	ts, err := d.tenantsOf(ctx, s.Collection, s.MultiTenant)
	if err != nil {
		return 0, err
	}
	var total int64
	_, err = d.forEachTenant(ctx, s.Collection, ts, func(t live.Tenant) error {
		n, err := d.Client.Count(ctx, s.Collection, t.Name)
		total += n
		return err
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// wakeTenants activates the snapshot's tenants that exist in target but
// are inactive, refusing offloaded ones by name before changing anything.
func (d *Data) wakeTenants(ctx context.Context, target string, snap []snapshot.Tenant) ([]*live.Activation, error) {
	have, err := d.Client.Tenants(ctx, target)
	if err != nil {
		return nil, err
	}
	inSnap := map[string]bool{}
	for _, t := range snap {
		inSnap[t.Name] = true
	}
	var sleeping []live.Tenant
	var off []string
	for _, t := range have {
		switch {
		case !inSnap[t.Name] || t.Active():
		case t.Offloaded():
			off = append(off, t.Name)
		default:
			sleeping = append(sleeping, t)
		}
	}
	if len(off) > 0 {
		return nil, fmt.Errorf("collection %s has offloaded (FROZEN) tenants the snapshot would write into: %s; load them back (activityStatus HOT or COLD) first; nothing was written", target, strings.Join(off, ", "))
	}
	var woken []*live.Activation
	for _, t := range sleeping {
		a, err := d.Client.ActivateTenant(ctx, target, t)
		if err != nil {
			for _, w := range woken {
				err = errors.Join(err, w.SetBack(ctx))
			}
			return nil, err
		}
		woken = append(woken, a)
	}
	if len(woken) > 0 {
		fmt.Fprintf(d.Out, "Activated %s of %s to write into them; each gets its status back afterwards.\n", plural(len(woken), "inactive tenant", "inactive tenants"), target)
	}
	return woken, nil
}

// ensureTenants creates the snapshot's tenants that the collection lacks,
// active, so they can be written to, and returns the snapshot's entries of
// those it created.
func (d *Data) ensureTenants(ctx context.Context, target string, s *live.ObjectSchema, tenants []snapshot.Tenant) ([]snapshot.Tenant, error) {
	if !s.MultiTenant || len(tenants) == 0 {
		return nil, nil
	}
	have, err := d.Client.Tenants(ctx, target)
	if err != nil {
		return nil, err
	}
	exists := map[string]bool{}
	for _, t := range have {
		exists[t.Name] = true
	}
	var create []live.Tenant
	var created []snapshot.Tenant
	for _, t := range tenants {
		if !exists[t.Name] {
			create = append(create, live.Tenant{Name: t.Name})
			created = append(created, t)
		}
	}
	return created, d.Client.CreateTenants(ctx, target, create)
}

// restoreTenantStatus puts back tenants that were inactive when backed up.
func (d *Data) restoreTenantStatus(ctx context.Context, target string, tenants []snapshot.Tenant) error {
	var update []live.Tenant
	for _, t := range tenants {
		switch t.ActivityStatus {
		case "", "HOT", "ACTIVE":
		default:
			update = append(update, live.Tenant{Name: t.Name, ActivityStatus: t.ActivityStatus})
		}
	}
	return d.Client.UpdateTenants(ctx, target, update)
}
