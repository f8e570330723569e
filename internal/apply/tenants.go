package apply

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

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

// tenantParallel is how many tenants are read or written at once.
func (d *Data) tenantParallel() int {
	if d.TenantParallel > 0 {
		return min(d.TenantParallel, live.MaxTenantParallel)
	}
	return live.DefaultTenantParallel
}

// eachTenant runs fn on every tenant of collection name, tenantParallel at
// once, through live.EachTenant, apply's one loop over a collection's
// tenants: an inactive tenant is activated for fn (recorded in the tenant
// log until it is set back) and set back to its status afterwards. When pr
// is set, an inactive tenant's objects are added to its total once it is
// activated (countTenants counted the active ones). fn is given t's index
// in tenants. It returns how many tenants it activated.
func (d *Data) eachTenant(ctx context.Context, name string, tenants []live.Tenant, pr *progress, fn func(ctx context.Context, i int, t live.Tenant) error) (int, error) {
	return live.EachTenant(ctx, d.Client, name, tenants, d.tenantParallel(), func(ctx context.Context, i int, t live.Tenant) error {
		if pr != nil && !t.Active() {
			n, err := d.Client.Count(ctx, name, t.Name)
			if err != nil {
				return err
			}
			pr.Grow(n)
		}
		return fn(ctx, i, t)
	})
}

// countTenants counts the objects of the active ones of tenants, for a
// progress bar's total; an inactive tenant is counted once eachTenant
// activates it.
func (d *Data) countTenants(ctx context.Context, name string, tenants []live.Tenant) (int64, error) {
	var active []live.Tenant
	for _, t := range tenants {
		if t.Active() {
			active = append(active, t)
		}
	}
	var total atomic.Int64
	_, err := d.eachTenant(ctx, name, active, nil, func(ctx context.Context, _ int, t live.Tenant) error {
		n, err := d.Client.Count(ctx, name, t.Name)
		total.Add(n)
		return err
	})
	return total.Load(), err
}

// tenantProgress counts the active tenants' objects of collection name and
// starts a progress bar labelled by what.
func (d *Data) tenantProgress(ctx context.Context, what, name string, tenants []live.Tenant) (*progress, error) {
	total, err := d.countTenants(ctx, name, tenants)
	if err != nil {
		return nil, err
	}
	return d.newProgress(what+" "+name, total), nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// activatedNote is what backup and clear say about the inactive tenants
// they activated.
func (d *Data) activatedNote(what, name string, activated int, to string) string {
	at := "one at a time"
	if p := d.tenantParallel(); p > 1 && activated > 1 {
		at = fmt.Sprintf("at most %d at a time", p)
	}
	return fmt.Sprintf("%s %s: activated %s %s to %s them; each is back to its status.\n", what, name, plural(activated, "inactive tenant", "inactive tenants"), at, to)
}

// liveCount counts a live collection's objects in every tenant; an
// inactive tenant is activated to be counted, and set back.
func (d *Data) liveCount(ctx context.Context, s *live.ObjectSchema) (int64, error) {
	ts, err := d.tenantsOf(ctx, s.Collection, s.MultiTenant)
	if err != nil {
		return 0, err
	}
	var total atomic.Int64
	_, err = d.eachTenant(ctx, s.Collection, ts, nil, func(ctx context.Context, _ int, t live.Tenant) error {
		n, err := d.Client.Count(ctx, s.Collection, t.Name)
		total.Add(n)
		return err
	})
	if err != nil {
		return 0, err
	}
	return total.Load(), nil
}

// refuseOffloadedTargets refuses, by name and before anything is written, a
// restore or merge into target whose snapshot holds tenants that are
// offloaded (FROZEN) live.
func (d *Data) refuseOffloadedTargets(ctx context.Context, target string, snap []snapshot.Tenant) error {
	have, err := d.Client.Tenants(ctx, target)
	if err != nil {
		return err
	}
	inSnap := map[string]bool{}
	for _, t := range snap {
		inSnap[t.Name] = true
	}
	var off []string
	for _, t := range have {
		if inSnap[t.Name] && t.Offloaded() {
			off = append(off, t.Name)
		}
	}
	if len(off) > 0 {
		return fmt.Errorf("collection %s has offloaded (FROZEN) tenants the snapshot would write into: %s; load them back (activityStatus HOT or COLD) first; nothing was written", target, strings.Join(off, ", "))
	}
	return nil
}

// ensureTenants creates the snapshot's tenants that the collection lacks,
// each with the status the snapshot recorded (an inactive one is
// activated by the restore's tenantGate while it is written, so a killed
// restore leaves no tenant active but those its tenant log records), and
// tells g about them.
func (d *Data) ensureTenants(ctx context.Context, target string, s *live.ObjectSchema, tenants []snapshot.Tenant, g *tenantGate) error {
	if !s.MultiTenant || len(tenants) == 0 {
		return nil
	}
	have, err := d.Client.Tenants(ctx, target)
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, t := range have {
		exists[t.Name] = true
	}
	var create []live.Tenant
	for _, t := range tenants {
		if !exists[t.Name] {
			nt := live.Tenant{Name: t.Name}
			if !activeStatus(t.ActivityStatus) {
				nt.ActivityStatus = t.ActivityStatus
			}
			create = append(create, nt)
		}
	}
	if err := d.Client.CreateTenants(ctx, target, create); err != nil {
		return err
	}
	g.created(create)
	return nil
}

func activeStatus(s string) bool { return s == "" || s == "HOT" || s == "ACTIVE" }
