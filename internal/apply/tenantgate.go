package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/snapshot"
)

// settleGroup is how many tenants a restore activates, and sets to their
// status, at once (one request; Weaviate takes at most 100): small enough
// to keep few tenants active beyond the snapshot's own.
const settleGroup = 50

// tenantGate keeps a restore's inactive tenants inactive but for the few
// it is writing or reading: a server holds files open for each active
// tenant (about ten; with an open-files limit of 20,000 writes failed at
// about 1,950 active tenants), so a collection of 10,000 tenants of which
// 9,000 are COLD could be neither restored nor merged into while every
// one was active.
//
// Every pass over the snapshot's objects (the writes, the references, a
// merge's verification, the check whether a restore was interrupted)
// walks them tenant after tenant (a snapshot holds each tenant's objects
// together), so it enters each tenant through a tenantPass: an inactive
// tenant is activated when the pass reaches it, together with the next
// inactive ones in the snapshot's order (settleGroup in one request, each
// recorded in the tenant log first, so a killed run's are set back by the
// next colstate command). Once a group of tenants the pass has moved past
// is complete, the pass flushes its writer (their objects are written),
// reads the group back for the verification (a restore's last pass), and
// sets each to the status it ends with: the snapshot's for a restore, the
// live one for a merge (the status a merge created it with, the
// snapshot's, for a tenant it created); a pass that only reads (nothing
// decided yet) sets each back to the status it had. That runs in the
// background while the next tenants are written; at most one group waits,
// so about three groups (150 tenants) beyond the active ones are active at
// any time. A failed pass sets every tenant it activated back.
type tenantGate struct {
	d          *Data
	collection string
	restore    bool // a restore (statuses end as the snapshot's), not a merge

	mu    sync.Mutex
	now   map[string]live.Tenant      // live tenants, with the status colstate last saw or set
	final map[string]string           // the status each snapshot tenant ends with
	open  map[string]*live.Activation // activated and not yet set
	order []string                    // the snapshot's tenants in the order its objects come
	// activated counts activations, most the most held at once.
	activated, most int
	index           map[string]int // in order
}

// newTenantGate returns the gate of a restore (restore) or merge into
// collection from a snapshot with tenants snap (in the order its objects
// come), nil for a collection without tenants. Make it before anything
// reads or writes a tenant, and tell it (created) the tenants the restore
// creates. A gate only passes read with (final false) needs neither.
func (d *Data) newTenantGate(ctx context.Context, collection string, multiTenant, restore bool, snap []snapshot.Tenant) (*tenantGate, error) {
	if !multiTenant {
		return nil, nil
	}
	g := &tenantGate{d: d, collection: collection, restore: restore,
		now: map[string]live.Tenant{}, final: map[string]string{}, open: map[string]*live.Activation{}, index: map[string]int{}}
	if err := g.refresh(ctx); err != nil {
		return nil, err
	}
	for _, t := range snap {
		g.index[t.Name] = len(g.order)
		g.order = append(g.order, t.Name)
		if restore {
			g.final[t.Name] = t.ActivityStatus
		} else if lt, ok := g.now[t.Name]; ok {
			g.final[t.Name] = lt.ActivityStatus
		}
	}
	return g, nil
}

// refresh reads the live tenants' statuses.
func (g *tenantGate) refresh(ctx context.Context) error {
	ts, err := g.d.Client.Tenants(ctx, g.collection)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, t := range ts {
		g.now[t.Name] = t
	}
	return nil
}

// created notes tenants the restore created, with their status.
func (g *tenantGate) created(ts []live.Tenant) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, t := range ts {
		g.now[t.Name] = t
		if !g.restore {
			g.final[t.Name] = t.ActivityStatus
		}
	}
}

// status returns the live status of tenant (active when it is not live).
func (g *tenantGate) tenant(name string) live.Tenant {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t, ok := g.now[name]; ok {
		return t
	}
	return live.Tenant{Name: name}
}

// liveTenants returns tenants as live.Tenants with their live status, for
// eachTenant, which activates the inactive ones in turn.
func (g *tenantGate) liveTenants(names []string) []live.Tenant {
	out := make([]live.Tenant, len(names))
	for i, n := range names {
		if g == nil {
			out[i] = live.Tenant{Name: n}
		} else {
			out[i] = g.tenant(n)
		}
	}
	return out
}

// held counts the tenants the gate holds activated.
func (g *tenantGate) held() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.open)
}

// activate activates tenant (inactive), with the next inactive tenants of
// the snapshot's order that pass p has not passed yet, up to a group.
func (g *tenantGate) activate(ctx context.Context, p *tenantPass, tenant string) error {
	g.mu.Lock()
	batch := []live.Tenant{g.now[tenant]}
	if i, ok := g.index[tenant]; ok {
		room := min(settleGroup, 2*settleGroup-len(g.open))
		for _, n := range g.order[i+1:] {
			if len(batch) >= room {
				break
			}
			t, ok := g.now[n]
			if !ok || t.Active() || t.Offloaded() || p.passed[n] {
				continue
			}
			batch = append(batch, t)
		}
	}
	g.mu.Unlock()
	acts, err := g.d.Client.ActivateTenants(ctx, g.collection, batch)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, a := range acts {
		t := a.Tenant()
		g.open[t.Name] = a
		g.now[t.Name] = live.Tenant{Name: t.Name, ActivityStatus: "HOT"}
	}
	g.activated += len(acts)
	g.most = max(g.most, len(g.open))
	return nil
}

// set gives the tenants of group the status they end with (final), or,
// when not final, those this gate activated the status they had; it drops
// the records of their activations.
func (g *tenantGate) set(ctx context.Context, group []string, final bool) error {
	g.mu.Lock()
	var update []live.Tenant
	var acts []*live.Activation
	for _, n := range group {
		a := g.open[n]
		want, ok := g.final[n]
		if !final || !ok {
			if a == nil {
				continue
			}
			want = a.Tenant().ActivityStatus
		}
		if a != nil {
			acts = append(acts, a)
		}
		if want == "" {
			want = "HOT"
		}
		if g.now[n].ActivityStatus != want && !(activeStatus(want) && g.now[n].Active()) {
			update = append(update, live.Tenant{Name: n, ActivityStatus: want})
		}
	}
	g.mu.Unlock()
	if err := g.d.Client.UpdateTenants(context.WithoutCancel(ctx), g.collection, update); err != nil {
		return err
	}
	g.mu.Lock()
	for _, t := range update {
		g.now[t.Name] = t
	}
	for _, a := range acts {
		delete(g.open, a.Tenant().Name)
	}
	g.mu.Unlock()
	return live.KeepAll(acts)
}

// setBackOpen gives every tenant still activated the status it had.
func (g *tenantGate) setBackOpen(ctx context.Context) error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	acts := make([]*live.Activation, 0, len(g.open))
	for n, a := range g.open {
		acts = append(acts, a)
		delete(g.open, n)
		g.now[n] = a.Tenant()
	}
	g.mu.Unlock()
	return live.SetBackAll(ctx, acts)
}

// finish gives every snapshot tenant no pass has set the status it ends
// with (a restore's: the snapshot's; tenants without objects are in no
// pass), once the restore is verified.
func (g *tenantGate) finish(ctx context.Context) error {
	if g == nil {
		return nil
	}
	return g.set(ctx, g.order, true)
}

// note says how many tenants the gate activated, "" when none.
func (g *tenantGate) note() string {
	if g == nil || g.activated == 0 {
		return ""
	}
	ends := "each is back to its status"
	if g.restore {
		ends = "each has the status the snapshot recorded"
	}
	return fmt.Sprintf("Activated %s of %s to write into them, a group at a time (at most %d at once); %s.\n",
		plural(g.activated, "inactive tenant", "inactive tenants"), g.collection, g.most, ends)
}

// tenantPass is one pass over the snapshot's objects through the gate:
// enter each object's tenant before reading or writing it, finish at the
// end.
type tenantPass struct {
	g     *tenantGate
	bw    *live.BatchWriter // flushed before a group is set; nil when the pass writes nothing
	final bool              // set the status tenants end with, not the one they had
	// rb, when set, reads a group back for the verification before it is
	// set (a restore's last pass).
	rb *readBack

	started bool
	cur     string
	passed  map[string]bool
	group   []string
	busy    chan error // the group being read back and set; nil when none
}

// pass starts a pass of g; nil (which does nothing) when g is nil.
func (g *tenantGate) pass(bw *live.BatchWriter, final bool) *tenantPass {
	if g == nil {
		return nil
	}
	return &tenantPass{g: g, bw: bw, final: final, passed: map[string]bool{}}
}

// enter makes tenant active for the objects that follow, once the pass
// has moved on to it.
func (p *tenantPass) enter(ctx context.Context, tenant string) error {
	if p == nil || (p.started && tenant == p.cur) {
		return nil
	}
	if p.started {
		if err := p.done(ctx, p.cur); err != nil {
			return err
		}
	}
	p.started, p.cur = true, tenant
	if p.passed[tenant] && p.rb != nil {
		// Back to a tenant already passed (a snapshot out of tenant
		// order): it is written again, so read back again. Wait until
		// its group was read.
		if err := p.wait(); err != nil {
			return err
		}
		p.rb.unread(tenant)
		delete(p.passed, tenant)
		p.group = slices.DeleteFunc(p.group, func(n string) bool { return n == tenant })
	}
	t := p.g.tenant(tenant)
	if t.Active() {
		return nil
	}
	if p.g.held() >= 2*settleGroup {
		if err := p.wait(); err != nil { // makes room
			return err
		}
	}
	return p.g.activate(ctx, p, tenant)
}

// done adds tenant, which the pass has moved past, to the group, and sets
// the group once it is full.
func (p *tenantPass) done(ctx context.Context, tenant string) error {
	if !p.passed[tenant] {
		p.passed[tenant] = true
		p.group = append(p.group, tenant)
	}
	if len(p.group) < settleGroup {
		return nil
	}
	if p.bw != nil {
		if err := p.bw.Flush(); err != nil {
			return err
		}
	}
	if err := p.wait(); err != nil {
		return err
	}
	group := p.group
	p.group = nil
	p.busy = make(chan error, 1)
	go func(done chan<- error) { done <- p.settle(ctx, group) }(p.busy)
	return nil
}

func (p *tenantPass) wait() error {
	if p.busy == nil {
		return nil
	}
	err := <-p.busy
	p.busy = nil
	return err
}

// settle reads the group back (readBack) and sets its statuses.
func (p *tenantPass) settle(ctx context.Context, group []string) error {
	if p.rb != nil {
		if err := p.rb.read(ctx, p.g.liveTenants(group)); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
	}
	return p.g.set(ctx, group, p.final)
}

// finish ends the pass: once every object went through (ok; the caller
// has flushed or closed the writer) the last group is read back and set;
// either way every tenant the gate still holds active is set back to the
// status it had.
func (p *tenantPass) finish(ctx context.Context, ok bool) error {
	if p == nil {
		return nil
	}
	err := p.wait()
	if ok && err == nil {
		if p.started && !p.passed[p.cur] {
			p.passed[p.cur] = true
			p.group = append(p.group, p.cur)
		}
		if len(p.group) > 0 {
			err = p.settle(ctx, p.group)
			p.group = nil
		}
	}
	return errors.Join(err, p.g.setBackOpen(ctx))
}

// readBack reads the groups of a restore's last pass back for the
// verification: each tenant's digest is added to what the verification
// compares (writeStats.readBack), and it is not read again (settled).
type readBack struct {
	d  *Data
	j  *restoreJob
	mu sync.Mutex
	of map[string]object.Digest
}

func (d *Data) newReadBack(j *restoreJob) *readBack {
	j.stats.settled = map[string]bool{}
	return &readBack{d: d, j: j, of: map[string]object.Digest{}}
}

func (rb *readBack) read(ctx context.Context, tenants []live.Tenant) error {
	j := rb.j
	_, err := rb.d.eachTenant(ctx, j.c.Collection, tenants, nil, func(ctx context.Context, _ int, t live.Tenant) error {
		got, err := rb.d.digestOf(ctx, j.s, live.ReadOptions{Tenant: t.Name}, j.noVectors())
		if err != nil {
			return err
		}
		rb.mu.Lock()
		defer rb.mu.Unlock()
		j.stats.readBack.Merge(got)
		j.stats.settled[t.Name] = true
		rb.of[t.Name] = got
		return nil
	})
	return err
}

// unread takes back what was read of tenant: the pass writes into it
// again (a snapshot whose tenant's objects are not together).
func (rb *readBack) unread(tenant string) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	if got, ok := rb.of[tenant]; ok {
		rb.j.stats.readBack.Sub(got)
		delete(rb.j.stats.settled, tenant)
		delete(rb.of, tenant)
	}
}
