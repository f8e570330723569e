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
	activated, err := d.eachTenant(ctx, "clear", name, tenants, func(t live.Tenant, pr *progress) error {
		_, err := d.Client.DeleteAllObjects(ctx, name, t.Name, pr.Add)
		return err
	})
	if err != nil {
		return err
	}
	if activated > 0 {
		fmt.Fprintf(d.Out, "clear %s: activated %s one at a time to clear them; each is back to its status.\n", name, plural(activated, "inactive tenant", "inactive tenants"))
	}
	return nil
}
