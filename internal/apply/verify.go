package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
)

// verifyRestore compares the collection with the snapshot and prints the
// result: for a restore, object count and content digest; for a merge,
// that every snapshot object is present and identical.
func (d *Data) verifyRestore(ctx context.Context, c plan.Change, r objectSource, sc *snapshot.Collection, s *live.ObjectSchema, st writeStats) error {
	noVectors := c.Data.NoVectors || r.Manifest().NoVectors
	if c.Data.Verify == plan.VerifyCount && c.Action != plan.Merge {
		err := d.verifyCount(ctx, c, sc, s, st)
		if err == nil || st.extraWhy == "" || ctx.Err() != nil {
			return err
		}
		// Objects the snapshot does not have may be kept: only reading
		// them tells.
		fmt.Fprintf(d.Err, "%v: reading %s back to tell the snapshot's objects from others\n", err, c.Collection)
	}
	fmt.Fprintf(d.Err, "verify %s: reading it back to compare with the snapshot\n", c.Collection)
	if c.Action == plan.Merge {
		// The merged objects, not the snapshot's, are what was written:
		// read each back and compare it with what the merge made of it.
		var missing int64
		var got object.Digest
		gp, err := d.readPass(ctx, s, sc.Tenants)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		walk := d.walker(ctx, s, false)
		err = r.Objects(ctx, sc.Name, func(o *object.Object) error {
			if err := gp.enter(ctx, o.Tenant); err != nil {
				return err
			}
			lv, err := walk.find(o)
			if err != nil {
				return err
			}
			if lv == nil {
				missing++
				return nil
			}
			got.Add(asMerged(lv, o, s).Hash())
			return nil
		})
		walk.close()
		if err = errors.Join(err, gp.finish(ctx, err == nil)); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if missing > 0 {
			return fmt.Errorf("verify: %d of %d snapshot objects are missing from %s after the merge", missing, sc.Objects, c.Collection)
		}
		got.Sub(st.refsLeftOutWritten) // references left out on purpose, see below
		got.Merge(st.refsLeftOut)
		if got != st.merged {
			return fmt.Errorf("verify: the %d snapshot objects do not read back from %s as the merge wrote them (digest %.16s…, written %.16s…): a vector or property value was lost or changed meanwhile",
				sc.Objects, c.Collection, got.String(), st.merged.String())
		}
		kept := ""
		if st.kept > 0 {
			kept = fmt.Sprintf(" (%d of them kept live vectors or property values the snapshot does not carry)", st.kept)
		}
		fmt.Fprintf(d.Out, "Merged %s: %d objects written, %d already identical%s; verified: all %d snapshot objects present and identical to what was written.\n",
			c.Collection, st.written, st.identical, kept, sc.Objects)
		return nil
	}
	// Tenants the restore read back already, group by group as it set
	// them to their status (tenantGate, readBack), are not read again:
	// their digest is in st.readBack.
	got, err := d.readDigest(ctx, c.Collection, sc, s, noVectors, st.settled, st.readBack)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	// References left out on purpose (and said so, writeDangling): compare
	// those objects as the snapshot has them.
	got.Sub(st.refsLeftOutWritten)
	got.Merge(st.refsLeftOut)
	wantCount, wantDigest, what := sc.Objects, sc.Digest, "the snapshot"
	if c.Data.Reshape {
		// A replace: the objects as they were backed up before the delete,
		// fitted to the new schema — everything the change did not mean
		// to drop.
		wantCount, wantDigest, what = st.fitted.Count, st.fitted.String(), "the snapshot taken before the delete, fitted to the new schema"
	}
	why := st.extraWhy
	if why == "" && c.Data.Reshape {
		why = "written by an application while it was replaced"
	}
	if why != "" && got.Count > wantCount {
		// An application may have written into the new collection while
		// it was replaced (or while the apply was interrupted), or into
		// the one Weaviate restored before it was read back: its objects
		// are kept, never deleted, when every object of the snapshot is
		// present and identical and the others are not in the snapshot.
		var fit func(*object.Object)
		if c.Data.Reshape {
			fit = fitTo(s, c.Data.VectorFrom)
		}
		extra, ids, ok, err := d.extraObjects(ctx, r, sc, s, fit, noVectors)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		snap := got
		snap.Sub(extra)
		if ok && extra.Count > 0 && snap.Count == wantCount && snap.String() == wantDigest {
			more := ""
			if extra.Count > int64(len(ids)) {
				more = fmt.Sprintf(" and %d more", extra.Count-int64(len(ids)))
			}
			fmt.Fprintf(d.Out, "Restored %s: %d objects; verified: all objects of %s are present and identical.\n", c.Collection, wantCount, what)
			fmt.Fprintf(d.Out, "warning: %s also holds %d object(s) that are not in the snapshot, %s; colstate kept them: %s%s\n",
				c.Collection, extra.Count, why, strings.Join(ids, ", "), more)
			return nil
		}
	}
	if got.Count != wantCount || got.String() != wantDigest {
		err := fmt.Errorf("verify: %s holds %d objects with digest %.16s…, %s has %d with digest %.16s…",
			c.Collection, got.Count, got.String(), what, wantCount, wantDigest)
		if c.Data.Reshape {
			err = fmt.Errorf("%w; if an application wrote to %s while it was replaced, its objects are the difference: stop it, then run colstate apply again", err, c.Collection)
		}
		return err
	}
	fmt.Fprintf(d.Out, "Restored %s: %d objects; verified: object count and content digest match %s (%.16s…).\n",
		c.Collection, got.Count, what, got.String())
	return nil
}

// verifyCount is verifyRestore for restore --verify=count: it compares the
// object count (of the snapshot's tenants) with the snapshot's and reads
// no object, so it says that contents were not compared.
func (d *Data) verifyCount(ctx context.Context, c plan.Change, sc *snapshot.Collection, s *live.ObjectSchema, st writeStats) error {
	want, what := sc.Objects, "the snapshot"
	if c.Data.Reshape {
		want, what = st.fitted.Count, "the snapshot taken before the delete"
	}
	tenants := []live.Tenant{{}}
	if s.MultiTenant {
		var names []string
		for _, t := range sc.Tenants {
			names = append(names, t.Name)
		}
		var err error
		if tenants, err = d.liveStatuses(ctx, c.Collection, names); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
	}
	var got atomic.Int64
	_, err := d.eachTenant(ctx, c.Collection, tenants, nil, func(ctx context.Context, _ int, t live.Tenant) error {
		n, err := d.Client.Count(ctx, c.Collection, t.Name)
		got.Add(n)
		return err
	})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if got.Load() != want {
		return fmt.Errorf("verify: %s holds %d objects, %s has %d", c.Collection, got.Load(), what, want)
	}
	fmt.Fprintf(d.Out, "Restored %s: %d objects; verified: object count matches %s (--verify=count: contents were not read back; restore --verify=digest compares them too).\n",
		c.Collection, got.Load(), what)
	return nil
}

// verifyRanges is how many ranges of UUIDs readDigest reads at once from
// a collection without tenants: one cursor waits for the server to find
// and encode each page, several keep it (and colstate) busy.
const verifyRanges = 8

// readDigest reads the collection back and returns its count and digest.
// Tenants are read tenantParallel at once (an inactive one activated for
// it and set back); a collection without tenants is read
// as verifyRanges ranges of UUIDs at once. The digest is a sum, the same
// in any order; the ranges hold every UUID exactly once (live.UUIDRanges).
func (d *Data) readDigest(ctx context.Context, collection string, sc *snapshot.Collection, s *live.ObjectSchema, noVectors bool, settled map[string]bool, start object.Digest) (object.Digest, error) {
	var (
		mu  sync.Mutex
		got = start
	)
	read := func(ctx context.Context, opts live.ReadOptions) error {
		part, err := d.digestOf(ctx, s, opts, noVectors)
		mu.Lock()
		got.Merge(part)
		mu.Unlock()
		return err
	}
	if !s.MultiTenant {
		ranges := live.UUIDRanges(verifyRanges)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		errs := make([]error, len(ranges))
		var wg sync.WaitGroup
		for i, r := range ranges {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if errs[i] = read(ctx, live.ReadOptions{From: r[0], To: r[1]}); errs[i] != nil {
					cancel()
				}
			}()
		}
		wg.Wait()
		// The error that stopped the others, not their cancellation.
		for _, err := range errs {
			if err != nil && !errors.Is(err, context.Canceled) {
				return got, err
			}
		}
		for _, err := range errs {
			if err != nil {
				return got, err
			}
		}
		return got, nil
	}
	var names []string
	for _, t := range sc.Tenants {
		if !settled[t.Name] {
			names = append(names, t.Name)
		}
	}
	tenants, err := d.liveStatuses(ctx, collection, names)
	if err != nil {
		return got, err
	}
	part, err := d.tenantsDigest(ctx, collection, s, tenants, noVectors)
	got.Merge(part)
	return got, err
}

// tenantsDigest reads tenants of collection back, tenantParallel at once,
// and returns the digest of their objects.
func (d *Data) tenantsDigest(ctx context.Context, collection string, s *live.ObjectSchema, tenants []live.Tenant, noVectors bool) (object.Digest, error) {
	var (
		mu  sync.Mutex
		got object.Digest
	)
	_, err := d.eachTenant(ctx, collection, tenants, nil, func(ctx context.Context, _ int, t live.Tenant) error {
		part, err := d.digestOf(ctx, s, live.ReadOptions{Tenant: t.Name}, noVectors)
		mu.Lock()
		got.Merge(part)
		mu.Unlock()
		return err
	})
	return got, err
}

// digestOf reads what opts select (one tenant, one range of UUIDs) and
// returns its digest; timestamps, which the digest does not cover, are
// not read.
func (d *Data) digestOf(ctx context.Context, s *live.ObjectSchema, opts live.ReadOptions, noVectors bool) (object.Digest, error) {
	opts.NoVectors, opts.NoTimestamps, opts.PageSize = noVectors, true, d.PageSize
	var got object.Digest
	err := d.Client.ReadObjects(ctx, s, opts, func(o *object.Object) error {
		got.Add(o.Hash())
		return nil
	})
	return got, err
}

// extraObjects walks the snapshot's objects of sc (fitted by fit) and the
// live collection side by side, in UUID order per tenant, and returns the
// live objects that are not in the snapshot (their digest and the first
// ids). ok is false when a snapshot object is missing from the live
// collection or differs there, or the snapshot is out of UUID order: then
// the live collection is not the snapshot plus other objects.
func (d *Data) extraObjects(ctx context.Context, r objectSource, sc *snapshot.Collection, s *live.ObjectSchema, fit func(*object.Object), noVectors bool) (extra object.Digest, ids []string, ok bool, err error) {
	const maxIDs = 10
	notSuperset := errors.New("not the snapshot plus other objects")
	take := func(w *liveWalker, h *object.Object) {
		extra.Add(h.Hash())
		if len(ids) < maxIDs {
			id := h.ID
			if h.Tenant != "" {
				id += " (tenant " + h.Tenant + ")"
			}
			ids = append(ids, id)
		}
		w.pop()
	}
	gp, err := d.readPass(ctx, s, sc.Tenants)
	if err != nil {
		return extra, nil, false, err
	}
	defer func() { err = errors.Join(err, gp.finish(ctx, false)) }()
	walk := d.walker(ctx, s, noVectors)
	defer walk.close()
	// The live objects past the tenant's last snapshot object are extra.
	walk.finish = func(w *liveWalker) error {
		for {
			h, err := w.peek()
			if err != nil || h == nil {
				return err
			}
			take(w, h)
		}
	}
	err = r.Objects(ctx, sc.Name, func(o *object.Object) error {
		if err := gp.enter(ctx, o.Tenant); err != nil {
			return err
		}
		w, err := walk.of(o)
		if err != nil {
			return err
		}
		// The walk's last is the tenant's previous snapshot UUID.
		if o.ID <= w.last {
			return notSuperset
		}
		w.last = o.ID
		if fit != nil {
			fit(o)
		}
		for {
			h, err := w.peek()
			if err != nil {
				return err
			}
			if h == nil || h.ID > o.ID {
				return notSuperset // missing from the live collection
			}
			if h.ID == o.ID {
				w.pop()
				if h.Hash() != o.Hash() {
					return notSuperset
				}
				return nil
			}
			take(w, h)
		}
	})
	if err == nil {
		err = walk.end()
	}
	if errors.Is(err, notSuperset) {
		return extra, ids, false, nil
	}
	return extra, ids, err == nil, err
}

// onlySnapshotObjects reports whether every object of the live collection
// is in the snapshot with the same content (references aside): what an
// interrupted restore leaves behind. A live object changed since the
// restore wrote it makes the collection foreign, so that completing a
// restore never overwrites newer values. Both are walked in UUID order,
// tenant by tenant, in constant memory; inactive tenants are activated a
// group at a time (in the order of tenants, the snapshot's as the restore
// names them; nil: one at a time) and set back.
func (d *Data) onlySnapshotObjects(ctx context.Context, r objectSource, src string, s *live.ObjectSchema, tenants []snapshot.Tenant) (ok bool, err error) {
	noVectors := r.Manifest().NoVectors
	gp, err := d.readPass(ctx, s, tenants)
	if err != nil {
		return false, err
	}
	defer func() { err = errors.Join(err, gp.finish(ctx, false)) }()
	foreign := errors.New("a live object is not in the snapshot")
	walk := d.walker(ctx, s, noVectors)
	defer walk.close()
	// A live object past the tenant's last snapshot object is foreign.
	walk.finish = func(w *liveWalker) error {
		h, err := w.peek()
		if err == nil && h != nil {
			return foreign
		}
		return err
	}
	err = r.Objects(ctx, src, func(o *object.Object) error {
		if err := gp.enter(ctx, o.Tenant); err != nil {
			return err
		}
		w, err := walk.of(o)
		if err != nil {
			return err
		}
		h, err := w.peek()
		if err != nil {
			return err
		}
		if h != nil && h.ID < o.ID {
			return foreign
		}
		if h != nil && h.ID == o.ID {
			w.pop()
			if !restoredFrom(s, h, o, noVectors) {
				return foreign
			}
		}
		return nil
	})
	if err == nil && !walk.started {
		return false, nil // an empty snapshot: every live object is foreign
	}
	if err == nil {
		err = walk.end()
	}
	if errors.Is(err, foreign) {
		return false, nil
	}
	return err == nil, err
}

// readPass is a pass that only reads the live tenants of s (activating an
// inactive one a group at a time, in the order of tenants, and setting it
// back); nil for a collection without tenants.
func (d *Data) readPass(ctx context.Context, s *live.ObjectSchema, tenants []snapshot.Tenant) (*tenantPass, error) {
	g, err := d.newTenantGate(ctx, s.Collection, s.MultiTenant, false, tenants)
	if err != nil {
		return nil, err
	}
	return g.pass(nil, false), nil
}

// liveStatuses returns the tenants names of collection with their live
// status (active when a name is not live), for eachTenant to activate the
// inactive ones.
func (d *Data) liveStatuses(ctx context.Context, collection string, names []string) ([]live.Tenant, error) {
	ts, err := d.Client.Tenants(ctx, collection)
	if err != nil {
		return nil, err
	}
	status := map[string]string{}
	for _, t := range ts {
		status[t.Name] = t.ActivityStatus
	}
	out := make([]live.Tenant, len(names))
	for i, n := range names {
		out[i] = live.Tenant{Name: n, ActivityStatus: status[n]}
	}
	return out, nil
}
