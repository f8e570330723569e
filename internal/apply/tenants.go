package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
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

// restoreTenantStatus puts back tenants that were inactive when backed up,
// but those settled already (tenantSettler).
func (d *Data) restoreTenantStatus(ctx context.Context, target string, tenants []snapshot.Tenant, settled map[string]bool) error {
	var update []live.Tenant
	for _, t := range tenants {
		switch {
		case activeStatus(t.ActivityStatus), settled[t.Name]:
		default:
			update = append(update, live.Tenant{Name: t.Name, ActivityStatus: t.ActivityStatus})
		}
	}
	return d.Client.UpdateTenants(ctx, target, update)
}

// settleGroup is how many tenants a restore sets to their inactive status
// at once (one request; Weaviate takes at most 100), small enough to keep
// few tenants active beyond the snapshot's own.
const settleGroup = 50

// tenantSettler gives the tenants a restore creates their inactive
// (COLD) status as soon as their objects are written, instead of once the
// whole collection is: a server holds files open for each active tenant
// (about ten; with an open-files limit of 20,000 writes failed at about
// 1,950 active tenants), so a snapshot of 10,000 tenants of which 9,000
// are COLD could not be restored otherwise. Objects come tenant after
// tenant; once the last object of a group of such tenants is added, the
// writer is flushed, and the group is read back for the verification
// (while still active: read later, each would have to be activated again)
// and set to its status, in the background while the next tenants are
// written. At most two groups wait, so about 100 tenants beyond the
// snapshot's active ones are active at any time.
type tenantSettler struct {
	d      *Data
	j      *restoreJob
	bw     *live.BatchWriter
	left   map[string]int64  // objects not yet added, per tenant to settle
	status map[string]string // the snapshot's status of each
	group  []string
	busy   chan error // the group being read back and set; nil when none
}

// newTenantSettler returns a settler for a restore's first pass, or nil
// when tenants keep the old order (written, verified, then set): not a
// plain restore into created tenants (a merge, resume, replace, picked
// tenants), or objects holding references (the second pass writes into
// every tenant again).
func (d *Data) newTenantSettler(j *restoreJob, bw *live.BatchWriter) *tenantSettler {
	if !j.s.MultiTenant || j.c.Action != plan.Restore || j.c.Data.Reshape || j.resume || j.fit != nil ||
		len(j.c.Data.OnlyTenants) > 0 || schemaHasReferences(j.s) {
		return nil
	}
	st := &tenantSettler{d: d, j: j, bw: bw, left: map[string]int64{}, status: map[string]string{}}
	for _, t := range j.newTenants {
		if !activeStatus(t.ActivityStatus) {
			st.status[t.Name] = t.ActivityStatus
			st.left[t.Name] = 0
		}
	}
	if len(st.status) == 0 {
		return nil
	}
	for _, c := range j.sc.Chunks {
		if _, ok := st.left[c.Tenant]; ok {
			st.left[c.Tenant] += c.Objects
		}
	}
	j.stats.settled = map[string]bool{}
	// Tenants without objects are settled with the first group.
	for name, n := range st.left {
		if n == 0 {
			st.group = append(st.group, name)
			delete(st.left, name)
		}
	}
	return st
}

func activeStatus(s string) bool { return s == "" || s == "HOT" || s == "ACTIVE" }

// added counts o as written (queued); the group is settled once it is
// full.
func (st *tenantSettler) added(ctx context.Context, o *object.Object) error {
	n, ok := st.left[o.Tenant]
	if !ok {
		return nil
	}
	if n > 1 {
		st.left[o.Tenant] = n - 1
		return nil
	}
	delete(st.left, o.Tenant)
	st.group = append(st.group, o.Tenant)
	if len(st.group) < settleGroup {
		return nil
	}
	return st.settle(ctx)
}

// settle flushes the writer, so the group's objects are written, and
// starts reading back and setting the group (after the one before).
func (st *tenantSettler) settle(ctx context.Context) error {
	if err := st.bw.Flush(); err != nil {
		return err
	}
	if err := st.wait(); err != nil {
		return err
	}
	group := st.group
	st.group = nil
	st.busy = make(chan error, 1)
	go func(done chan<- error) { done <- st.readAndSet(ctx, group) }(st.busy)
	return nil
}

func (st *tenantSettler) wait() error {
	if st.busy == nil {
		return nil
	}
	err := <-st.busy
	st.busy = nil
	return err
}

// finish settles the last group once every object is written (ok), and
// waits for the group in the background either way.
func (st *tenantSettler) finish(ctx context.Context, ok bool) error {
	err := st.wait()
	if ok && err == nil && len(st.group) > 0 {
		group := st.group
		st.group = nil
		err = st.readAndSet(ctx, group)
	}
	return err
}

// readAndSet reads the group's tenants back into the verification's
// digest and sets each to its snapshot status. The group's objects are
// written already (the writer was flushed).
func (st *tenantSettler) readAndSet(ctx context.Context, group []string) error {
	j := st.j
	ts := make([]live.Tenant, len(group))
	for i, name := range group {
		ts[i] = live.Tenant{Name: name}
	}
	got, err := st.d.tenantsDigest(ctx, j.c.Collection, j.s, ts, j.noVectors())
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	update := make([]live.Tenant, len(group))
	for i, name := range group {
		update[i] = live.Tenant{Name: name, ActivityStatus: st.status[name]}
	}
	if err := st.d.Client.UpdateTenants(ctx, j.c.Collection, update); err != nil {
		return err
	}
	// The first pass reads these two only after wait (or finish) returns.
	j.stats.readBack.Merge(got)
	for _, name := range group {
		j.stats.settled[name] = true
	}
	return nil
}
