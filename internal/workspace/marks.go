package workspace

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/state"
)

// This file reads the data marks (count and digest) of live collections.

// DataMark reads a collection (every tenant) and returns its object count
// and content digest, as a snapshot's manifest records them.
func (ws *Workspace) DataMark(ctx context.Context, name string) (state.DataMark, error) {
	m, _, err := ws.dataMarks(ctx, name)
	return m, err
}

// dataMarks is DataMark with each tenant's digest too (nil for a
// collection without multi-tenancy): the digest leaves the tenant out, so
// only these tell objects moved from one tenant to another.
func (ws *Workspace) dataMarks(ctx context.Context, name string) (state.DataMark, map[string]object.Digest, error) {
	if m, ok := ws.marks[name]; ok {
		return m, ws.tenantMarks[name], nil // read once per plan: due snapshots and the binding both need it
	}
	m, byTenant, err := ws.readMarks(ctx, name, nil)
	if err == nil && ws.marks != nil {
		ws.marks[name] = m
		if ws.tenantMarks == nil {
			ws.tenantMarks = map[string]map[string]object.Digest{}
		}
		ws.tenantMarks[name] = byTenant
	}
	return m, byTenant, err
}

func (ws *Workspace) readMark(ctx context.Context, name string) (state.DataMark, error) {
	return ws.readMarkOf(ctx, name, nil)
}

// readMarkOf is readMark of only the tenants named in only (nil: every
// tenant); the others are not read.
func (ws *Workspace) readMarkOf(ctx context.Context, name string, only []string) (state.DataMark, error) {
	m, _, err := ws.readMarks(ctx, name, only)
	return m, err
}

// readMarks is readMarkOf with each tenant's digest.
func (ws *Workspace) readMarks(ctx context.Context, name string, only []string) (state.DataMark, map[string]object.Digest, error) {
	cl, err := ws.Client.Class(ctx, name)
	if err != nil {
		return state.DataMark{}, nil, err
	}
	s := live.SchemaOf(cl)
	tenants, err := ws.Client.CollectionTenants(ctx, s)
	if err != nil {
		return state.DataMark{}, nil, err
	}
	if only != nil {
		tenants = slices.DeleteFunc(tenants, func(t live.Tenant) bool { return !slices.Contains(only, t.Name) })
	}
	if off := live.OffloadedTenants(tenants); len(off) > 0 {
		return state.DataMark{}, nil, fmt.Errorf("collection %s: its data must be read for this plan, but it has offloaded (FROZEN) tenants colstate cannot read: %s; load them back (activityStatus HOT or COLD) first", name, strings.Join(off, ", "))
	}
	// An inactive tenant is activated to be read and set back: its objects
	// belong in the digest a snapshot of it records. The digest is a sum,
	// the same whatever order the tenants are read in.
	var (
		mu       sync.Mutex
		d        object.Digest
		byTenant map[string]object.Digest
	)
	if len(tenants) > 0 && tenants[0].Name != "" { // multi-tenant
		byTenant = make(map[string]object.Digest, len(tenants))
	}
	activated, err := live.EachTenant(ctx, ws.Client, name, tenants, ws.tenantParallel(), func(ctx context.Context, _ int, t live.Tenant) error {
		var part object.Digest
		err := ws.Client.ReadObjects(ctx, s, live.ReadOptions{Tenant: t.Name}, func(o *object.Object) error {
			part.Add(o.Hash())
			return nil
		})
		mu.Lock()
		d.Merge(part)
		if byTenant != nil {
			byTenant[t.Name] = part
		}
		mu.Unlock()
		return err
	})
	if err != nil {
		return state.DataMark{}, nil, err
	}
	if activated > 0 {
		fmt.Fprintf(ws.log, "read %d inactive tenant(s) of %s by activating them, at most %d at a time; each is back to its status\n", activated, name, ws.tenantParallel())
	}
	return state.DataMark{Objects: d.Count, Digest: d.String()}, byTenant, nil
}
