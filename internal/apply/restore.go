package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
)

// Restore loads one collection of a snapshot: into an absent (or empty)
// collection for a restore, into a live one for a merge.
func (d *Data) Restore(ctx context.Context, c plan.Change) error {
	return d.restoreAll(ctx, []plan.Change{c})
}

// restoreJob is one collection of a restore or merge.
type restoreJob struct {
	c         plan.Change
	r         objectSource // the snapshot, or the tenants of it the change picks
	sc        *snapshot.Collection
	snapClass live.Class
	s         *live.ObjectSchema // the target's schema, once it exists
	created   bool               // created by this restore
	resume    bool               // completing an interrupted restore
	repair    bool               // completing from the chunks what Weaviate restored, which did not verify (restoreNatively)
	fit       func(*object.Object)
	stats     writeStats
	// withRefs counts the objects holding references: the second pass
	// writes them whole, once every object they can point at exists.
	withRefs int64
	// gate keeps the target's inactive tenants inactive but for the few
	// being written or read; nil for a collection without tenants.
	gate *tenantGate
}

func (j *restoreJob) wrap(err error) error {
	return fmt.Errorf("%s %s: %w", j.c.Action, j.c.Collection, err)
}

// merge reports whether objects already live are compared and identical
// ones skipped.
func (j *restoreJob) merge() bool { return j.c.Action == plan.Merge || j.resume }

func (j *restoreJob) noVectors() bool { return j.c.Data.NoVectors || j.r.Manifest().NoVectors }

// walkNoVectors says whether the live walk can leave vectors out: a merge
// reads them whatever the snapshot holds, to keep them where it has none.
func (j *restoreJob) walkNoVectors() bool { return j.noVectors() && j.c.Action != plan.Merge }

// lookup finds o's live copy and whether writing o would change nothing.
// For a merge, o is first filled from the live copy with what the snapshot
// does not carry (mergeLive), so what is written and compared is the
// merged object.
// The first pass (count) adds each merged object to the digest the
// verification compares with and counts the objects to be written that
// kept live values.
func (j *restoreJob) lookup(walk *tenantWalker, o *object.Object, count bool) (*object.Object, bool, error) {
	if j.c.Action != plan.Merge {
		return walk.lookup(o)
	}
	lv, err := walk.find(o)
	if err != nil {
		return nil, false, err
	}
	kept := mergeLive(o, lv, j.s)
	h := o.Hash()
	same := lv != nil && asMerged(lv, o, j.s).Hash() == h
	if count {
		j.stats.merged.Add(h)
		if kept && !same {
			j.stats.kept++
		}
	}
	return lv, same, nil
}

// restoreAll loads collections of snapshots together, so that references
// between them (in either direction, or within one collection) find their
// targets: absent collections are created first, reference properties of
// a cycle added once all exist; then every collection's objects are written
// without their references, then the objects holding references are
// written whole; then each collection is verified.
func (d *Data) restoreAll(ctx context.Context, changes []plan.Change) (err error) {
	// Those Weaviate restores from its own backup come first: a portable
	// restore after them finds the objects its references point at.
	changes, repair, err := d.restoreNatively(ctx, changes)
	if err != nil || len(changes) == 0 {
		return err
	}
	jobs := make([]*restoreJob, 0, len(changes))
	for _, c := range changes {
		j := &restoreJob{c: c, repair: repair[c.Collection]}
		if j.repair {
			j.stats.extraWhy = nativeExtra
		}
		if err := d.openRestore(ctx, j); err != nil {
			return j.wrap(err)
		}
		jobs = append(jobs, j)
	}
	targets := map[string]live.Class{}
	for _, j := range jobs {
		cl, err := d.Client.Class(ctx, j.c.Collection)
		if err != nil {
			cl = j.snapClass
		}
		targets[j.c.Collection] = cl
	}
	if err := d.checkAllReplicas(ctx, targets); err != nil {
		return err
	}
	if err := d.createCollections(ctx, jobs); err != nil {
		return err
	}
	for _, j := range jobs {
		if j.created {
			continue
		}
		liveClass, err := d.Client.Class(ctx, j.c.Collection)
		if err != nil || !live.SchemaOf(liveClass).MultiTenant {
			continue // prepareRestore reports a missing collection
		}
		// Tenants picked for a restore must be empty: refused by name
		// before any is activated to be written into.
		if j.c.Action == plan.Restore && len(j.c.Data.OnlyTenants) > 0 && !j.c.Data.Reshape {
			if err := d.refuseFilledTenants(ctx, j.c); err != nil {
				return j.wrap(err)
			}
		}
		// Offloaded tenants cannot be written into: refused by name
		// before anything is written. Inactive ones are activated a group
		// at a time while they are written (tenantGate).
		if err := d.refuseOffloadedTargets(ctx, j.c.Collection, j.sc.Tenants); err != nil {
			return j.wrap(err)
		}
	}
	// Whatever fails, no tenant stays activated.
	defer func() {
		for _, j := range jobs {
			err = errors.Join(err, j.gate.setBackOpen(ctx))
		}
	}()
	for _, j := range jobs {
		if err := d.prepareRestore(ctx, j); err != nil {
			return j.wrap(err)
		}
	}
	for _, j := range jobs {
		if err := d.writeObjects(ctx, j); err != nil {
			return j.wrap(err)
		}
	}
	for _, j := range jobs {
		if j.withRefs == 0 {
			continue
		}
		if err := d.writeReferencesAwake(ctx, j, jobs); err != nil {
			return j.wrap(err)
		}
	}
	for _, j := range jobs {
		// Verify (activating the inactive tenants the writes did not read
		// back, in turn), then give every tenant the status it ends with:
		// a restore's every tenant the snapshot's, a merge's the live one
		// (those it created, the snapshot's).
		if j.repair {
			fmt.Fprintf(d.Out, "Repaired %s from the snapshot's portable chunks: %d objects written, %d already identical.\n", j.c.Collection, j.stats.written, j.stats.identical)
		}
		if err := d.verifyRestore(ctx, j.c, j.r, j.sc, j.s, j.stats); err != nil {
			if j.repair {
				err = fmt.Errorf("%w\ncolstate deleted nothing from %s: it holds what Weaviate's backup restored, the snapshot's objects written from its portable chunks, and what was written to it since. "+
					"If an application writes to it, stop it; then run colstate restore --mode=merge --collection %s %s, which writes the snapshot's objects again and keeps the others", err, j.c.Collection, j.c.Collection, j.c.Data.Snapshot)
			}
			return j.wrap(err)
		}
		if err := j.gate.finish(ctx); err != nil {
			return j.wrap(err)
		}
		fmt.Fprint(d.Out, j.gate.note())
	}
	return nil
}

func (d *Data) openRestore(ctx context.Context, j *restoreJob) error {
	r, err := d.openSnapshot(j.c)
	if err != nil {
		return err
	}
	src := j.c.SourceName()
	sc := r.Manifest().Collection(src)
	if sc == nil {
		return fmt.Errorf("snapshot %s has no collection %s", j.c.Data.Snapshot, src)
	}
	snapClass, err := snapshotClass(r, src)
	if err != nil {
		return err
	}
	j.r, j.snapClass = pickedSource(r, j.c), snapClass
	j.sc, err = pickedCollection(ctx, j.r, sc, j.c)
	return err
}

// createCollections creates the absent targets of restores from the
// snapshots' schemas, in order. A reference property to a collection
// created after it (a cycle) is held back, with the properties after it,
// and added once every collection exists.
func (d *Data) createCollections(ctx context.Context, jobs []*restoreJob) error {
	var create []*restoreJob
	for _, j := range jobs {
		if j.c.Action != plan.Restore {
			continue
		}
		_, err := d.Client.Class(ctx, j.c.Collection)
		if errors.Is(err, live.ErrNotFound) {
			create = append(create, j)
			continue
		}
		if err != nil {
			return j.wrap(err)
		}
	}
	tails := make([][]any, len(create))
	for i, j := range create {
		later := map[string]bool{}
		for _, k := range create[i+1:] {
			later[k.c.Collection] = true
		}
		cl := classForCreate(j.snapClass, j.c.Collection)
		props, _ := cl["properties"].([]any)
		var types [][]string
		for _, p := range live.SchemaOf(cl).Properties {
			types = append(types, p.DataType)
		}
		if k := splitAtReference(types, func(t string) bool { return later[t] }); k < len(props) && len(types) == len(props) {
			cl["properties"], tails[i] = props[:k], props[k:]
		}
		if err := d.Client.CreateRaw(ctx, cl); err != nil {
			return j.wrap(fmt.Errorf("create collection %s from the snapshot's schema: %w", j.c.Collection, err))
		}
		j.created = true
		fmt.Fprintf(d.Out, "Created collection %s from the snapshot's schema.\n", j.c.Collection)
	}
	for i, j := range create {
		for _, p := range tails[i] {
			name, _ := p.(map[string]any)["name"].(string)
			if err := d.Client.AddRawProperty(ctx, j.c.Collection, p); err != nil {
				return j.wrap(fmt.Errorf("add property %s to %s once the collections it refers to exist: %w", name, j.c.Collection, err))
			}
		}
	}
	return nil
}

// prepareRestore checks that the snapshot fits the target collection (and
// makes it fit by adding properties), and finds out whether an interrupted
// restore is being completed.
func (d *Data) prepareRestore(ctx context.Context, j *restoreJob) error {
	c, target := j.c, j.c.Collection
	liveClass, err := d.Client.Class(ctx, target)
	switch {
	case errors.Is(err, live.ErrNotFound):
		if c.Action == plan.Merge {
			return fmt.Errorf("collection %s does not exist: merge needs a live collection (use restore to create it)", target)
		}
		return err
	case err != nil:
		return err
	}
	if j.gate, err = d.newTenantGate(ctx, target, live.SchemaOf(liveClass).MultiTenant, c.Action != plan.Merge, j.sc.Tenants); err != nil {
		return err
	}
	switch {
	case j.created:
	case c.Data.Reshape:
		// A replace created the collection with its new schema: the objects
		// are fitted to it (see fitTo), nothing is added to the schema.
		n, err := d.liveCount(ctx, live.SchemaOf(liveClass))
		if err != nil {
			return err
		}
		if j.resume = n > 0; j.resume {
			fmt.Fprintf(d.Out, "Collection %s already holds %d objects: completing an interrupted restore (identical objects are skipped).\n", target, n)
		}
	default:
		if _, _, err := schemaDiff(target, j.snapClass, liveClass); err != nil {
			return err
		}
		if c.Action == plan.Restore {
			n, err := d.pickedCount(ctx, live.SchemaOf(liveClass), c.Data)
			if err != nil {
				return err
			}
			if n > 0 && j.repair {
				// What Weaviate restored: the snapshot's objects it lacks
				// or holds otherwise are written, the others kept.
				fmt.Fprintf(d.Out, "Collection %s holds %d objects after Weaviate's restore: writing the snapshot's objects that are missing or differ.\n", target, n)
				j.resume = true
			} else if n > 0 {
				// A restore that was interrupted left some of the snapshot's
				// objects: running it again completes it, skipping those.
				partial, err := d.onlySnapshotObjects(ctx, j.r, c.SourceName(), live.SchemaOf(liveClass), j.sc.Tenants)
				if err != nil {
					return err
				}
				if !partial {
					return errNotOnlySnapshot(target, n)
				}
				fmt.Fprintf(d.Out, "Collection %s holds %d objects, all from this snapshot: completing an interrupted restore.\n", target, n)
				j.resume = true
			}
		}
		added, err := d.reconcileSchema(ctx, target, j.snapClass, liveClass)
		if err != nil {
			return err
		}
		if len(added) > 0 {
			fmt.Fprintf(d.Out, "Added properties to %s: %s.\n", target, strings.Join(added, ", "))
			if liveClass, err = d.Client.Class(ctx, target); err != nil {
				return err
			}
		}
	}
	j.s = live.SchemaOf(liveClass)
	if c.Data.Reshape {
		j.fit = fitTo(j.s, c.Data.VectorFrom)
	}
	return d.ensureTenants(ctx, target, j.s, j.sc.Tenants, j.gate)
}
