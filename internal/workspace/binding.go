package workspace

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
)

// This file binds a plan to the state, live schemas and data it was
// computed from, and checks a saved plan against them before it is applied.

// fingerprints records the live schema of every collection a plan changes
// ("" for one that does not exist).
func fingerprints(p *plan.Plan, liveCols map[string]collection.Collection) map[string]string {
	out := map[string]string{}
	for _, c := range p.Changes {
		if c.Action.IsAlias() {
			continue // aliasBinding
		}
		if have, ok := liveCols[c.Collection]; ok {
			out[c.Collection] = collection.Fingerprint(have)
		} else {
			out[c.Collection] = ""
		}
	}
	return out
}

// CheckFresh returns an error when a saved plan no longer fits: the state
// moved on (lineage or serial) or the live schema of a collection it changes
// differs from what the plan saw.
func (ws *Workspace) CheckFresh(ctx context.Context, p *plan.Plan, st *state.State) error {
	b := p.Binding
	again := "; run colstate plan again and review the new plan"
	// Serial 0 on both sides: the plan was made before any state was
	// written, and none has been since (a missing state file gets a new
	// random lineage each time it is read).
	if b.StateLineage != st.Lineage && (b.StateSerial != 0 || st.Serial != 0) {
		return fmt.Errorf("saved plan is stale: it was made for state lineage %s, but %s has lineage %s%s", b.StateLineage, ws.StatePath(), st.Lineage, again)
	}
	if b.StateSerial != st.Serial {
		return fmt.Errorf("saved plan is stale: the state changed since it was made (serial %d, now %d)%s", b.StateSerial, st.Serial, again)
	}
	view, err := ws.liveCollections(ctx, st)
	if err != nil {
		return err
	}
	liveCols := view.cols
	now := fingerprints(p, liveCols)
	for _, name := range slices.Sorted(maps.Keys(b.Live)) {
		if now[name] != b.Live[name] {
			return fmt.Errorf("saved plan is stale: the live schema of collection %s changed since the plan was made%s", name, again)
		}
	}
	if len(b.Aliases) > 0 {
		liveAliases, err := ws.Client.Aliases(ctx)
		if err != nil {
			return err
		}
		now := aliasBinding(p, liveAliases)
		for _, name := range slices.Sorted(maps.Keys(b.Aliases)) {
			if now[name] != b.Aliases[name] {
				return fmt.Errorf("saved plan is stale: alias %s pointed at %s when the plan was made and points at %s now%s", name, orNone(b.Aliases[name]), orNone(now[name]), again)
			}
		}
	}
	data, err := ws.bindData(ctx, st, p, liveCols)
	if err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(b.Data)) {
		if data[key] != b.Data[key] {
			return fmt.Errorf("saved plan is stale: the data of %s changed since the plan was made (then %s, now %s)%s", key, b.Data[key], orNone(data[key]), again)
		}
	}
	return nil
}

// aliasBinding records the collection each alias a plan changes points at
// ("" for an absent alias).
func aliasBinding(p *plan.Plan, liveAliases map[string]string) map[string]string {
	var out map[string]string
	for _, c := range p.Changes {
		if c.Action.IsAlias() {
			if out == nil {
				out = map[string]string{}
			}
			out[c.Collection] = liveAliases[c.Collection]
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// bindData records, for a saved plan, the data it was computed from: the
// count and digest of every live collection a data-moving change touches,
// and the fingerprint of every content source.
func (ws *Workspace) bindData(ctx context.Context, st *state.State, p *plan.Plan, liveCols map[string]collection.Collection) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range p.Changes {
		if c.Action == plan.Create || c.Action == plan.Update || c.Action.IsAlias() {
			continue
		}
		if names := bindTenants(c); names != nil {
			// A change on some tenants: only those are read.
			if _, ok := liveCols[c.Collection]; ok {
				key := "collection " + c.Collection + " tenants " + strings.Join(names, ",")
				m, err := ws.readMarkOf(ctx, c.Collection, names)
				if err != nil {
					return nil, err
				}
				out[key] = fmt.Sprintf("%d objects, digest %s", m.Objects, m.Digest)
			}
		} else if _, ok := liveCols[c.Collection]; ok {
			if _, done := out["collection "+c.Collection]; !done {
				m, byTenant, err := ws.dataMarks(ctx, c.Collection)
				if err != nil {
					return nil, err
				}
				out["collection "+c.Collection] = fmt.Sprintf("%d objects, digest %s", m.Objects, m.Digest) + tenantsPrint(byTenant)
			}
		}
		if c.Action == plan.Merge && c.Data != nil && c.Data.From != "" {
			src, err := ws.ContentSource(st, c.Collection, c.Data.From)
			if err != nil {
				return nil, err
			}
			fp, err := src.Fingerprint()
			if err != nil {
				return nil, err
			}
			out["source "+c.Data.From] = fp
		}
	}
	return out, nil
}

// bindTenants names the tenants a content change on a multi-tenant
// collection writes, or a backup limited to some tenants reads; nil for
// a change on the whole collection.
func bindTenants(c plan.Change) []string {
	if c.Data == nil {
		return nil
	}
	var names []string
	for _, t := range c.Data.TenantLoads {
		names = append(names, t.Name)
	}
	if c.Action == plan.Backup {
		for _, t := range c.Data.OnlyTenants {
			names = append(names, t.Name)
		}
	}
	return names
}

// tenantsPrint fingerprints the tenants of a multi-tenant collection, each
// by name and digest ("" without multi-tenancy): the collection's digest
// leaves the tenant out, so without it a saved plan would not see objects
// moved from one tenant to another since it was made.
func tenantsPrint(byTenant map[string]object.Digest) string {
	if byTenant == nil {
		return ""
	}
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(byTenant)) {
		d := byTenant[name]
		fmt.Fprintf(h, "%q %d %s\n", name, d.Count, d)
	}
	return fmt.Sprintf(", %d tenants %x", len(byTenant), h.Sum(nil)[:8])
}
