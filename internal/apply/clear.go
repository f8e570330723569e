package apply

import (
	"context"
	"fmt"
	"strings"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/plan"
)

// Clear deletes every object of a collection (every tenant, or those dc
// is limited to) and keeps the schema.
func (d *Data) Clear(ctx context.Context, name string, dc *plan.DataChange) error {
	cl, err := d.Client.Class(ctx, name)
	if err != nil {
		return err
	}
	tenants, err := d.tenantsOf(ctx, name, live.SchemaOf(cl).MultiTenant)
	if err != nil {
		return err
	}
	if tenants, err = onlyPicked(name, tenants, dc); err != nil {
		return err
	}
	if off := live.OffloadedTenants(tenants); len(off) > 0 {
		return fmt.Errorf("collection %s has offloaded (FROZEN) tenants colstate cannot clear: %s; load them back (activityStatus HOT or COLD) first", name, strings.Join(off, ", "))
	}
	pr, err := d.tenantProgress(ctx, "clear", name, tenants)
	if err != nil {
		return err
	}
	defer pr.Done()
	activated, err := d.eachTenant(ctx, name, tenants, pr, func(ctx context.Context, _ int, t live.Tenant) error {
		_, err := d.Client.DeleteAllObjects(ctx, name, t.Name, pr.Add)
		return err
	})
	pr.Done()
	if err != nil {
		return err
	}
	if activated > 0 {
		fmt.Fprint(d.Out, d.activatedNote("clear", name, activated, "clear"))
	}
	return nil
}
