package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/colstate/colstate/internal/content"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/plan"
)

// This file applies a content change on a multi-tenant collection: tenant
// by tenant, each tenant the plan names (plan.Content.TenantLoads) from
// its part of the source; no other tenant is read, written or deleted
// from. A tenant the load creates gets the status the source gave it
// once written; an inactive live tenant is activated to be written and
// set back to its status.

// liveTenantsOf reads a collection's tenants by name.
func (d *Data) liveTenantsOf(ctx context.Context, name string) (map[string]live.Tenant, error) {
	ts, err := d.Client.Tenants(ctx, name)
	if err != nil {
		return nil, err
	}
	out := map[string]live.Tenant{}
	for _, t := range ts {
		out[t.Name] = t
	}
	return out, nil
}

// tenantContent is the first pass of a content change on a multi-tenant
// collection.
func (r *Runner) tenantContent(ctx context.Context, key string, c plan.Change, src content.Source, s *live.ObjectSchema, pr *progress) (content.Stats, error) {
	var total content.Stats
	d := r.Data
	if len(c.Data.TenantLoads) == 0 {
		return total, fmt.Errorf("collection %s is multi-tenant, and the plan names no tenant for its content: plan again", c.Collection)
	}
	have, err := d.liveTenantsOf(ctx, c.Collection)
	if err != nil {
		return total, err
	}
	for _, t := range c.Data.TenantLoads {
		tsrc, err := content.ForTenant(src, t.Source, t.Name)
		if err != nil {
			return total, err
		}
		lt, exists := have[t.Name]
		if !exists {
			if err := d.Client.CreateTenants(ctx, c.Collection, []live.Tenant{{Name: t.Name}}); err != nil {
				return total, fmt.Errorf("create tenant %s of %s: %w", t.Name, c.Collection, err)
			}
			lt = live.Tenant{Name: t.Name, ActivityStatus: "HOT"}
		}
		var st content.Stats
		_, err = d.Client.WithTenantActive(ctx, c.Collection, lt, func() error {
			var err error
			st, err = r.load(ctx, key, c, tsrc, s, t.Name, pr)
			return err
		})
		total.Written += st.Written
		total.Skipped += st.Skipped
		total.Deleted += st.Deleted
		if err != nil {
			return total, fmt.Errorf("tenant %s: %w", t.Name, err)
		}
		if !exists && t.Status != "" && t.Status != "HOT" {
			// A tenant the load created gets the source's status, as a
			// restore gives it.
			if err := d.Client.UpdateTenants(ctx, c.Collection, []live.Tenant{{Name: t.Name, ActivityStatus: t.Status}}); err != nil {
				return total, fmt.Errorf("tenant %s of %s is written; setting it %s as in the source failed: %w", t.Name, c.Collection, t.Status, err)
			}
		}
	}
	return total, nil
}

// tenantContentReferences is the second pass of a content change on a
// multi-tenant collection: references, then verification, tenant by
// tenant (inactive ones activated and set back).
func (r *Runner) tenantContentReferences(ctx context.Context, key string, pc pendingContent, src content.Source, s *live.ObjectSchema) error {
	c := pc.change
	d := r.Data
	have, err := d.liveTenantsOf(ctx, c.Collection)
	if err != nil {
		return err
	}
	verified := 0
	for _, t := range c.Data.TenantLoads {
		tsrc, err := content.ForTenant(src, t.Source, t.Name)
		if err != nil {
			return err
		}
		lt, ok := have[t.Name]
		if !ok {
			return fmt.Errorf("verify: tenant %s of %s is gone: it was written by this apply; plan again", t.Name, c.Collection)
		}
		_, err = d.Client.WithTenantActive(ctx, c.Collection, lt, func() error {
			n, err := r.finishLoad(ctx, key, c, tsrc, s, t.Name)
			verified += n
			return err
		})
		if err != nil {
			return fmt.Errorf("tenant %s: %w", t.Name, err)
		}
		if err := r.setSeeding(c.Collection+"/"+t.Name, ""); err != nil {
			return errors.Join(fmt.Errorf("the content of tenant %s is loaded, but saving the state failed", t.Name), err)
		}
	}
	tenants := plural(len(c.Data.TenantLoads), "tenant", "tenants")
	if st := pc.stats; st != nil {
		fmt.Fprintf(r.Out, "Content of %s (%s): %d objects written, %d identical skipped, %d deleted; verified: all %d source objects present and identical.\n",
			c.Collection, tenants, st.Written, st.Skipped, st.Deleted, verified)
	} else {
		fmt.Fprintf(r.Out, "Content of %s (%s): verified: all %d source objects present and identical.\n", c.Collection, tenants, verified)
	}
	return nil
}
