package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/content"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// This file plans a content block on a multi-tenant collection: the
// source is read and compared tenant by tenant, each tenant of the source
// against the live tenant it fills; no other tenant is read or written.

// tenantLoad is one tenant a content block fills.
type tenantLoad struct {
	into   string // the live tenant
	source string // the source's tenant ("": a source without tenants)
	status string // the source tenant's status
}

// contentTenantLoads lists the tenants a content block on a multi-tenant
// collection fills, from its source: each picked tenant of a snapshot of
// a multi-tenant collection (all of them when tenants is not set), or the
// one tenant a source without tenants fills.
func contentTenantLoads(src content.Source, d config.Declared) ([]tenantLoad, error) {
	ct := d.Content
	at := func() string {
		r := ct.TenantsRange
		if r.Filename == "" {
			r = ct.Range
		}
		return where(r)
	}
	snap, ok := src.(content.Snapshot)
	if !ok {
		return []tenantLoad{{into: ct.Tenant}}, nil // checked by config: a JSONL source names its tenant
	}
	r, err := (&snapshot.Store{Dir: snap.Store}).Open(snap.ID)
	if err != nil {
		return nil, err
	}
	sc := r.Manifest().Collection(snap.Collection)
	if sc == nil {
		return nil, fmt.Errorf("snapshot %s has no collection %s", snap.ID, snap.Collection)
	}
	raw, err := r.Schema(snap.Collection)
	if err != nil {
		return nil, err
	}
	var cl live.Class
	if err := json.Unmarshal(raw, &cl); err != nil {
		return nil, fmt.Errorf("snapshot schema of %s: %w", snap.Collection, err)
	}
	if !live.SchemaOf(cl).MultiTenant {
		if ct.Tenants != nil || ct.TenantMap != nil {
			return nil, fmt.Errorf("%scollection %s in snapshot %s has no tenants, so tenants and tenant_map have nothing to pick: write tenant = \"NAME\" for the tenant of %s it fills", at(), snap.Collection, snap.ID, d.Name)
		}
		if ct.Tenant == "" {
			return nil, fmt.Errorf("%scollection %s in snapshot %s has no tenants, and %s is multi-tenant: set tenant = \"NAME\" in the content block for the tenant it fills", where(ct.Range), snap.Collection, snap.ID, d.Name)
		}
		return []tenantLoad{{into: ct.Tenant}}, nil
	}
	if ct.Tenant != "" {
		return nil, fmt.Errorf("%scollection %s in snapshot %s is multi-tenant: tenant = %q names the tenant a source without tenants fills; pick its tenants with tenants = [...] and rename them with tenant_map = { %s = %q }", where(ct.Range), snap.Collection, snap.ID, ct.Tenant, "SOURCE_TENANT", ct.Tenant)
	}
	var have []string
	status := map[string]string{}
	for _, t := range sc.Tenants {
		have = append(have, t.Name)
		status[t.Name] = statusName(t.ActivityStatus)
	}
	picks := have
	if ct.Tenants != nil {
		picks = ct.Tenants
	}
	var unknown []string
	for _, t := range append(slices.Clone(picks), mapKeys(ct.TenantMap)...) {
		if _, ok := status[t]; !ok && !slices.Contains(unknown, t) {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%ssnapshot %s holds no tenant %s of collection %s; it holds %s; nothing was written", at(), snap.ID, strings.Join(unknown, ", "), snap.Collection, listSome(have))
	}
	var out []tenantLoad
	for _, t := range picks {
		out = append(out, tenantLoad{into: ct.TenantOf(t), source: t, status: status[t]})
	}
	for i, a := range out {
		for _, b := range out[:i] {
			if a.into == b.into {
				return nil, fmt.Errorf("%stenants %s and %s would both be written into tenant %s: give each a tenant of its own in tenant_map", at(), b.source, a.source, a.into)
			}
		}
	}
	return out, nil
}

// where is an HCL source position as diagnostics show it: "main.hcl:12:5: ".
func where(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d: ", r.Filename, r.Start.Line, r.Start.Column)
}

func mapKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// listSome names up to 20 of names, then counts the rest.
func listSome(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	if len(names) <= 20 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:20], ", "), len(names)-20)
}

// tenantContentPlan is contentPlan for a multi-tenant collection.
func (ws *Workspace) tenantContentPlan(ctx context.Context, st *state.State, d config.Declared, liveCols map[string]collection.Collection, cp plan.ContentPlan) (plan.ContentPlan, error) {
	src, err := ws.ContentSource(st, d.Name, d.Content.From)
	if err != nil {
		return cp, err
	}
	loads, err := contentTenantLoads(src, d)
	if err != nil {
		return cp, err
	}
	_, exists := liveCols[d.Name]
	s, err := ws.objectSchema(ctx, d, exists)
	if err != nil {
		return cp, err
	}
	liveTenants := map[string]live.Tenant{}
	if exists {
		ts, err := ws.Client.Tenants(ctx, d.Name)
		if err != nil {
			return cp, err
		}
		for _, t := range ts {
			liveTenants[t.Name] = t
		}
	}
	var off []string
	for _, l := range loads {
		if t, ok := liveTenants[l.into]; ok && t.Offloaded() {
			off = append(off, l.into)
		}
	}
	if len(off) > 0 {
		return cp, fmt.Errorf("tenants %s of %s are offloaded (FROZEN): colstate cannot read or write them; load them back (activityStatus HOT or COLD) first; nothing was written", strings.Join(off, ", "), d.Name)
	}
	// Each tenant is compared on its own, ws.tenantParallel() at once
	// (live.EachTenant: an inactive live tenant is activated for it and
	// set back, at most that many at a time). The results are put
	// together in the order of loads, so the plan reads the same at any
	// parallelism.
	type compared struct {
		ct   plan.ContentTenant
		res  content.Result
		skip bool
	}
	results := make([]compared, len(loads))
	visit := make([]live.Tenant, len(loads))
	for i, l := range loads {
		// A tenant the load creates is not live: nothing to activate.
		visit[i] = live.Tenant{Name: l.into}
		if lt, ok := liveTenants[l.into]; ok {
			visit[i] = lt
		}
	}
	_, err = live.EachTenant(ctx, ws.Client, d.Name, visit, ws.tenantParallel(), func(ctx context.Context, i int, _ live.Tenant) error {
		l := loads[i]
		tsrc, err := content.ForTenant(src, l.source, l.into)
		if err != nil {
			return err
		}
		idx, err := content.BuildIndex(ctx, tsrc, s)
		if err != nil {
			return err
		}
		r := compared{ct: plan.ContentTenant{Name: l.into, Source: l.source, Status: l.status}}
		lt, isLive := liveTenants[l.into]
		if !isLive {
			if err := ws.checkSelfReferences(ctx, tsrc, s, idx, d.Content.Mode, false, l.into); err != nil {
				return err
			}
			r.ct.Add = int64(idx.Len())
		} else {
			r.ct.Live = statusName(lt.ActivityStatus)
			if r.ct, r.res, r.skip, err = ws.compareTenant(ctx, st, d, s, tsrc, idx, r.ct); err != nil {
				return err
			}
		}
		results[i] = r
		return nil
	})
	var te *live.TenantError
	if errors.As(err, &te) {
		// Said as before the tenants were compared in parallel: a live
		// tenant's failure prefixed with its name, any other as it is.
		err = te.Err
		if _, isLive := liveTenants[te.Tenant]; isLive {
			err = fmt.Errorf("tenant %s: %w", te.Tenant, te.Err)
		}
	}
	if err != nil {
		return cp, err
	}
	picked := map[string]bool{}
	for i, l := range loads {
		picked[l.into] = true
		ct, res := results[i].ct, results[i].res
		if results[i].skip {
			cp.SeedSkipped = append(cp.SeedSkipped, l.into)
			continue
		}
		cp.Add, cp.Update, cp.Delete = cp.Add+ct.Add, cp.Update+ct.Update, cp.Delete+ct.Delete
		for k, ids := range map[string][]string{"add": res.AddIDs, "update": res.UpdateIDs, "delete": res.DeleteIDs} {
			cp.Examples[k] = append(cp.Examples[k], ids[:min(len(ids), max(0, 3-len(cp.Examples[k])))]...)
		}
		cp.Tenants = append(cp.Tenants, ct)
	}
	for name := range liveTenants {
		if !picked[name] {
			cp.OtherTenants++
		}
	}
	return cp, nil
}

// seedKey is the state's Seeding key of one tenant's seed.
func seedKey(collection, tenant string) string { return collection + "/" + tenant }

// compareTenant compares one live (active) tenant with its source;
// skip: a seed leaves the tenant alone, it holds objects.
func (ws *Workspace) compareTenant(ctx context.Context, st *state.State, d config.Declared, s *live.ObjectSchema, src content.Source, idx *content.Index, ct plan.ContentTenant) (plan.ContentTenant, content.Result, bool, error) {
	var r content.Result
	if d.Content.Mode == content.Seed {
		n, err := ws.Client.Count(ctx, d.Name, ct.Name)
		if err != nil {
			return ct, r, false, err
		}
		_, begun := st.Seeding[seedKey(d.Name, ct.Name)]
		switch {
		case n > 0 && begun:
			ct.SeedCompletes = true
		case n > 0:
			return ct, r, true, nil
		}
	}
	if err := ws.checkSelfReferences(ctx, src, s, idx, d.Content.Mode, true, ct.Name); err != nil {
		return ct, r, false, err
	}
	// The vector lengths of the tenant's first objects, checked against
	// the source's as the walk goes: Weaviate refuses another length.
	dims := map[string]int{}
	read := content.ReadLiveTenant(ctx, ws.Client, s, ct.Name)
	walk := func(fn func(*object.Object) error) error {
		return read(func(o *object.Object) error {
			for name, v := range o.Vectors {
				if _, ok := dims[name]; !ok && len(v) > 0 {
					dims[name] = len(v)
					if err := idx.CheckDims(src.Describe(), dims); err != nil {
						return err
					}
				}
			}
			return fn(o)
		})
	}
	r, err := content.Compare(ctx, idx, walk, s)
	if err != nil {
		return ct, r, false, err
	}
	ct.Add, ct.Update, ct.Delete = r.Add, r.Update, r.Delete
	ct.LiveObjects = r.Same + r.Update + r.Delete
	return ct, r, false, nil
}
