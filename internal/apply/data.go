package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
)

// Data carries out the data changes of a plan: backup, restore, merge and
// clear.
//
// Restore and merge verify every chunk of every collection they will read
// (SHA-256 and size against the manifest, every record decoded, object
// count and content digest) before they write anything to
// Weaviate, so a damaged snapshot is refused while the collections are
// still untouched. Chunks are hashed again while they are streamed, which
// catches a file that changes in between.
type Data struct {
	Client *live.Client
	Out    io.Writer // results
	Err    io.Writer // progress
	// Terminal selects the progress bar; otherwise a plain line is printed
	// every ProgressEvery.
	Terminal      bool
	ProgressEvery time.Duration
	BatchSize     int // objects per gRPC batch (default 200)
	InFlight      int // batches in flight (default 4)
	PageSize      int // objects per cursor page (default 500)
	// OnWritten, when set, is told of objects a restore has written (the
	// apply journal records progress with it).
	OnWritten func(n int)
	Source    snapshot.Source
}

func (d *Data) store(c plan.Change) *snapshot.Store {
	return &snapshot.Store{Dir: c.Data.Store}
}

// RunData carries out a plan made only of data changes, in order.
func (d *Data) RunData(ctx context.Context, p *plan.Plan) error {
	for _, c := range p.Changes {
		if !c.Action.IsData() || c.Data == nil {
			return fmt.Errorf("change %s %s is not a data change", c.Action, c.Collection)
		}
	}
	if MovesObjects(p) {
		if err := d.Client.CheckEndpoints(ctx); err != nil {
			return fmt.Errorf("%w\nnothing was written", err)
		}
	}
	if err := d.verifySources(ctx, p); err != nil {
		return err
	}
	for i := 0; i < len(p.Changes); i++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted after %d of %d changes: %w", i, len(p.Changes), err)
		}
		c := p.Changes[i]
		var err error
		switch c.Action {
		case plan.Backup:
			j := i + 1
			for j < len(p.Changes) && p.Changes[j].Action == plan.Backup && p.Changes[j].Data.Snapshot == c.Data.Snapshot {
				j++
			}
			_, err = d.Backup(ctx, p.Changes[i:j])
			i = j - 1
		case plan.Restore, plan.Merge:
			// Consecutive restores and merges run together, so references
			// between their collections find their targets.
			j := i + 1
			for j < len(p.Changes) && (p.Changes[j].Action == plan.Restore || p.Changes[j].Action == plan.Merge) {
				j++
			}
			if err := d.restoreAll(ctx, p.Changes[i:j]); err != nil {
				return err
			}
			i = j - 1
			continue
		case plan.Clear:
			err = d.Clear(ctx, c.Collection)
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", c.Action, c.Collection, err)
		}
	}
	return nil
}

// Check runs, without writing anything, every check RunData makes before
// it writes: what a --dry-run must report so that it never shows a plan
// the real run refuses.
func (d *Data) Check(ctx context.Context, p *plan.Plan) error {
	if err := d.verifySources(ctx, p); err != nil {
		return err
	}
	cleared := map[string]bool{}
	for _, c := range p.Changes {
		switch c.Action {
		case plan.Clear:
			cleared[c.Collection] = true
		case plan.Merge:
			if _, err := d.Client.Class(ctx, c.Collection); errors.Is(err, live.ErrNotFound) {
				return fmt.Errorf("collection %s does not exist: merge needs a live collection (use restore to create it)", c.Collection)
			}
		case plan.Restore:
			if cleared[c.Collection] || c.Data.Reshape {
				continue
			}
			if err := d.checkRestoreTarget(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkRestoreTarget refuses a restore into a live collection that holds
// objects other than the snapshot's (Restore makes the same check).
func (d *Data) checkRestoreTarget(ctx context.Context, c plan.Change) error {
	liveClass, err := d.Client.Class(ctx, c.Collection)
	if errors.Is(err, live.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s := live.SchemaOf(liveClass)
	n, err := d.liveCount(ctx, s)
	if err != nil || n == 0 {
		return err
	}
	r, err := d.store(c).Open(c.Data.Snapshot)
	if err != nil {
		return err
	}
	partial, err := d.onlySnapshotObjects(ctx, r, c.SourceName(), s)
	if err != nil {
		return err
	}
	if !partial {
		return errNotOnlySnapshot(c.Collection, n)
	}
	return nil
}

func errNotOnlySnapshot(target string, n int64) error {
	return fmt.Errorf("collection %s already holds %d objects, not all from this snapshot as it holds them (some are not in it, or were changed since): restore loads only into an absent or empty collection (or completes an interrupted restore); use --mode=merge to upsert or --mode=replace to clear it first", target, n)
}

// RunChange carries out one data change: what apply.Runner delegates
// backup, restore, merge and clear changes to.
func (d *Data) RunChange(ctx context.Context, c plan.Change) error {
	return d.RunData(ctx, &plan.Plan{Changes: []plan.Change{c}})
}

// verifySources checks, before anything is written, every snapshot chunk
// the plan will read and that the snapshot's schema fits every live
// collection it will write into.
func (d *Data) verifySources(ctx context.Context, p *plan.Plan) error {
	// Collections the plan creates from a snapshot's schema, and the
	// targets of their references, which must exist or be created too.
	creating := map[string]bool{}
	wanted := map[string][]string{} // reference target → the changes' sources needing it
	for _, c := range p.Changes {
		if c.Action != plan.Restore && c.Action != plan.Merge {
			continue
		}
		r, err := d.store(c).Open(c.Data.Snapshot)
		if err != nil {
			return err
		}
		if err := r.VerifyContent(ctx, c.SourceName()); err != nil {
			return fmt.Errorf("%w\nnothing was written to Weaviate", err)
		}
		// A live collection the snapshot does not fit is refused now, not
		// after a replace has cleared it.
		snapClass, err := snapshotClass(r, c.SourceName())
		if err != nil {
			return err
		}
		liveClass, err := d.Client.Class(ctx, c.Collection)
		if errors.Is(err, live.ErrNotFound) {
			if c.Action == plan.Restore {
				creating[c.Collection] = true
				for _, t := range referenceTargets(snapClass) {
					wanted[t] = append(wanted[t], c.SourceName())
				}
			}
			continue
		}
		if err != nil {
			return err
		}
		if _, _, err := schemaDiff(c.Collection, snapClass, liveClass); err != nil {
			return err
		}
	}
	for _, t := range slices.Sorted(maps.Keys(wanted)) {
		if creating[t] {
			continue
		}
		_, err := d.Client.Class(ctx, t)
		if errors.Is(err, live.ErrNotFound) {
			src := wanted[t][0]
			if src == t {
				// Restored under another name (--as), a collection that
				// refers to itself still refers to the original name.
				return fmt.Errorf("the snapshot's schema of %s refers to %s itself, and restored under another name its references still point at %s, which does not exist: restore it under its own name (without --as), or create %s first; nothing was written",
					src, t, t, t)
			}
			return fmt.Errorf("the snapshot's schema of %s refers to collection %s, which does not exist and is not restored with it: restore both (--collection %s --collection %s), or create %s first; nothing was written",
				src, t, src, t, t)
		}
		if err != nil {
			return err
		}
	}
	return d.checkReferenceTargets(ctx, p)
}

// Backup writes one snapshot holding the collections of changes, which all
// name the same snapshot id and store. The snapshot exists only once every
// collection is in it: an interrupted backup leaves nothing behind.
func (d *Data) Backup(ctx context.Context, changes []plan.Change) (*snapshot.Manifest, error) {
	// Offloaded tenants cannot be read: refuse by name before the
	// snapshot is started.
	for _, c := range changes {
		if c.Data.SchemaOnly {
			continue
		}
		if err := d.refuseOffloaded(ctx, c.Collection, c.Data.SkipTenants); err != nil {
			return nil, err
		}
	}
	first := changes[0].Data
	w, err := d.store(changes[0]).Create(snapshot.Manifest{ID: first.Snapshot, Source: d.Source, SchemaOnly: first.SchemaOnly, NoVectors: first.NoVectors})
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	for _, c := range changes {
		if err := d.backupCollection(ctx, w, c.Collection, c.Data); err != nil {
			return nil, err
		}
	}
	m, err := w.Commit()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(d.Out, "Snapshot %s written: %d collection(s), %d objects, %s.\n", m.ID, len(m.Collections), m.Objects(), snapshot.ByteSize(m.Size()))
	return m, nil
}

func (d *Data) backupCollection(ctx context.Context, w *snapshot.Writer, name string, dc *plan.DataChange) error {
	raw, err := d.Client.ClassJSON(ctx, name)
	if errors.Is(err, live.ErrNotFound) {
		return fmt.Errorf("collection %s does not exist in Weaviate", name)
	}
	if err != nil {
		return err
	}
	cl, err := decodeClass(raw)
	if err != nil {
		return err
	}
	s := live.SchemaOf(cl)
	tenants := []live.Tenant{{}}
	var snapTenants []snapshot.Tenant
	if s.MultiTenant {
		ts, err := d.Client.Tenants(ctx, name)
		if err != nil {
			return err
		}
		ts, skipped := withoutSkipped(ts, dc.SkipTenants)
		if len(skipped) > 0 {
			fmt.Fprintf(d.Out, "backup %s: left out %s (--skip-offloaded): %s.\n", name, plural(len(skipped), "offloaded tenant", "offloaded tenants"), strings.Join(skipped, ", "))
		}
		tenants = ts
		for _, t := range ts {
			snapTenants = append(snapTenants, snapshot.Tenant{Name: t.Name, ActivityStatus: t.ActivityStatus})
		}
	}
	if err := w.AddCollection(name, raw, snapTenants); err != nil {
		return err
	}
	if dc.SchemaOnly {
		fmt.Fprintf(d.Err, "backup %s: schema only\n", name)
		return nil
	}
	activated, err := d.eachTenant(ctx, "backup", name, tenants, func(t live.Tenant, pr *progress) error {
		return d.Client.ReadObjects(ctx, s, live.ReadOptions{Tenant: t.Name, NoVectors: dc.NoVectors, PageSize: d.PageSize}, func(o *object.Object) error {
			if err := w.Write(name, t.Name, o); err != nil {
				return err
			}
			pr.Add(1)
			return nil
		})
	})
	if err != nil {
		return err
	}
	if activated > 0 {
		fmt.Fprintf(d.Out, "backup %s: activated %s one at a time to read them; each is back to its status.\n", name, plural(activated, "inactive tenant", "inactive tenants"))
	}
	return nil
}

// eachTenant runs fn on every tenant of collection name under one progress
// bar labelled by what: the active tenants are counted up front; an
// inactive one is activated in turn, counted, and set back to its status
// afterwards. It returns how many it activated.
func (d *Data) eachTenant(ctx context.Context, what, name string, tenants []live.Tenant, fn func(live.Tenant, *progress) error) (int, error) {
	var active []string
	for _, t := range tenants {
		if t.Active() {
			active = append(active, t.Name)
		}
	}
	total, err := d.count(ctx, name, active)
	if err != nil {
		return 0, err
	}
	pr := d.newProgress(what+" "+name, total)
	defer pr.Done()
	activated := 0
	for _, t := range tenants {
		woke, err := d.Client.WithTenantActive(ctx, name, t, func() error {
			if !t.Active() {
				n, err := d.Client.Count(ctx, name, t.Name)
				if err != nil {
					return err
				}
				pr.Grow(n)
			}
			return fn(t, pr)
		})
		if woke {
			activated++
		}
		if err != nil {
			return activated, err
		}
	}
	return activated, nil
}

// refuseOffloaded names the offloaded tenants of a collection, which
// colstate cannot read.
func (d *Data) refuseOffloaded(ctx context.Context, name string, skip []string) error {
	cl, err := d.Client.Class(ctx, name)
	if err != nil || !live.SchemaOf(cl).MultiTenant {
		return nil // backupCollection reports a missing collection
	}
	ts, err := d.Client.Tenants(ctx, name)
	if err != nil {
		return err
	}
	ts, _ = withoutSkipped(ts, skip)
	if off := live.OffloadedTenants(ts); len(off) > 0 {
		return fmt.Errorf("collection %s has offloaded (FROZEN) tenants colstate cannot read: %s; load them back (activityStatus HOT or COLD) and run the command again; nothing was written", name, strings.Join(off, ", "))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (d *Data) count(ctx context.Context, name string, tenants []string) (int64, error) {
	var total int64
	for _, t := range tenants {
		n, err := d.Client.Count(ctx, name, t)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func decodeClass(raw []byte) (live.Class, error) {
	var cl live.Class
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&cl); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return cl, nil
}

// snapshotClass reads and decodes the schema a snapshot holds for a
// collection.
func snapshotClass(r *snapshot.Reader, name string) (live.Class, error) {
	raw, err := r.Schema(name)
	if err != nil {
		return nil, err
	}
	return decodeClass(raw)
}

// Clear deletes every object of a collection (every tenant) and keeps the
// schema.
func (d *Data) Clear(ctx context.Context, name string) error {
	cl, err := d.Client.Class(ctx, name)
	if err != nil {
		return err
	}
	tenants := []live.Tenant{{}}
	if live.SchemaOf(cl).MultiTenant {
		if tenants, err = d.Client.Tenants(ctx, name); err != nil {
			return err
		}
		if off := live.OffloadedTenants(tenants); len(off) > 0 {
			return fmt.Errorf("collection %s has offloaded (FROZEN) tenants colstate cannot clear: %s; load them back (activityStatus HOT or COLD) first", name, strings.Join(off, ", "))
		}
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

// Restore loads one collection of a snapshot: into an absent (or empty)
// collection for a restore, into a live one for a merge.
func (d *Data) Restore(ctx context.Context, c plan.Change) error {
	return d.restoreAll(ctx, []plan.Change{c})
}

// restoreJob is one collection of a restore or merge.
type restoreJob struct {
	c         plan.Change
	r         *snapshot.Reader
	sc        *snapshot.Collection
	snapClass live.Class
	s         *live.ObjectSchema // the target's schema, once it exists
	created   bool               // created by this restore
	resume    bool               // completing an interrupted restore
	fit       func(*object.Object)
	stats     writeStats
	// newTenants are the snapshot's tenants the target lacked, which this
	// restore created.
	newTenants []snapshot.Tenant
	// withRefs counts the objects holding references: the second pass
	// writes them whole, once every object they can point at exists.
	withRefs int64
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
	jobs := make([]*restoreJob, 0, len(changes))
	for _, c := range changes {
		j := &restoreJob{c: c}
		if err := d.openRestore(j); err != nil {
			return j.wrap(err)
		}
		jobs = append(jobs, j)
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
		// The snapshot's tenants that are inactive live are written and
		// read back: activate them now, and give each back its live status
		// when the restore fails or merges (a restore sets the snapshot's).
		woken, werr := d.wakeTenants(ctx, j.c.Collection, j.sc.Tenants)
		if werr != nil {
			return j.wrap(werr)
		}
		merge := j.c.Action == plan.Merge
		defer func() {
			for _, a := range woken {
				if err != nil || merge {
					err = errors.Join(err, a.SetBack(ctx))
				} else {
					err = errors.Join(err, a.Keep())
				}
			}
		}()
	}
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
		if err := d.writeReferences(ctx, j); err != nil {
			return j.wrap(err)
		}
	}
	for _, j := range jobs {
		// Verify while every tenant is still active, then put back the
		// statuses the snapshot recorded: a restore's every tenant, a
		// merge's only those it created (the others keep their live
		// status).
		if err := d.verifyRestore(ctx, j.c, j.r, j.sc, j.s, j.stats); err != nil {
			return j.wrap(err)
		}
		statuses := j.sc.Tenants
		if j.c.Action == plan.Merge {
			statuses = j.newTenants
		}
		if err := d.restoreTenantStatus(ctx, j.c.Collection, statuses); err != nil {
			return j.wrap(err)
		}
	}
	return nil
}

func (d *Data) openRestore(j *restoreJob) error {
	r, err := d.store(j.c).Open(j.c.Data.Snapshot)
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
	j.r, j.sc, j.snapClass = r, sc, snapClass
	return nil
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

// referenceTargets lists the collections a class's references point at.
func referenceTargets(cl live.Class) []string {
	var out []string
	for _, p := range live.SchemaOf(cl).Properties {
		if live.IsReference(p.DataType) {
			for _, t := range p.DataType {
				if !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		}
	}
	return out
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
			n, err := d.liveCount(ctx, live.SchemaOf(liveClass))
			if err != nil {
				return err
			}
			if n > 0 {
				// A restore that was interrupted left some of the snapshot's
				// objects: running it again completes it, skipping those.
				partial, err := d.onlySnapshotObjects(ctx, j.r, c.SourceName(), live.SchemaOf(liveClass))
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
	j.newTenants, err = d.ensureTenants(ctx, target, j.s, j.sc.Tenants)
	return err
}

type writeStats struct {
	written, identical int64
	kept               int64         // merged objects that kept live values the snapshot lacks
	fitted             object.Digest // of the objects as written, when they were fitted to a new schema
	merged             object.Digest // of every snapshot object as a merge wrote (or found) it
}

// fitTo returns what a replace does to each restored object: vectors
// mapped onto another (from: target → source, "" is the class-level
// vector) are copied to it when the object has none there; then
// properties and vectors the new schema no longer has are dropped.
func fitTo(s *live.ObjectSchema, from map[string]string) func(*object.Object) {
	named := map[string]bool{}
	for _, n := range s.Named {
		named[n] = true
	}
	return func(o *object.Object) {
		for name := range o.Properties {
			if s.Property(name) == nil {
				delete(o.Properties, name)
			}
		}
		for target, src := range from {
			if !named[target] {
				continue
			}
			if v, ok := o.Vectors[src]; ok && !s.Multi[target] {
				if _, has := o.Vectors[target]; !has {
					o.Vectors[target] = v
				}
			}
			if v, ok := o.Multi[src]; ok && s.Multi[target] {
				if _, has := o.Multi[target]; !has {
					o.Multi[target] = v
				}
			}
		}
		for name := range o.Vectors {
			if (name == "" && !s.Legacy) || (name != "" && (!named[name] || s.Multi[name])) {
				delete(o.Vectors, name)
			}
		}
		for name := range o.Multi {
			if !s.Multi[name] {
				delete(o.Multi, name)
			}
		}
	}
}

// writeObjects streams the snapshot's objects into the target: the first
// pass. For a merge (or a resumed restore) it walks the live collection
// alongside (both are in UUID order per tenant) and skips objects whose
// content is already identical. An object holding references is written
// without them when it is new, and left for writeReferences when it is
// live already (so it keeps its references until then).
func (d *Data) writeObjects(ctx context.Context, j *restoreJob) error {
	st := &j.stats
	src, target, s, merge := j.sc.Name, j.c.Collection, j.s, j.merge()
	refs := schemaHasReferences(s)
	pr := d.newProgress(j.c.Action.String()+" "+target, j.sc.Objects)
	defer pr.Done()
	bw := d.Client.NewBatchWriter(ctx, s, target, d.BatchSize, d.InFlight)
	bw.OnWritten = pr.Add
	if d.OnWritten != nil {
		bw.OnWritten = func(n int) { pr.Add(n); d.OnWritten(n) }
	}
	walk := d.walker(ctx, s, j.walkNoVectors())
	defer walk.close()
	err := j.r.Objects(ctx, src, func(o *object.Object) error {
		if j.fit != nil {
			j.fit(o)
			st.fitted.Add(o.Hash())
		}
		var have *object.Object
		if merge {
			h, same, err := j.lookup(walk, o, true)
			if err != nil {
				return err
			}
			if same {
				st.identical++
				pr.Skip(1)
				return nil
			}
			have = h
		}
		if refs && hasReferences(s, o) {
			j.withRefs++
			if have != nil {
				pr.Add(1)
				return nil
			}
			return bw.Add(withoutReferences(s, o))
		}
		st.written++
		return bw.Add(o)
	})
	if cerr := bw.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeReferences is the second pass: every object holding references is
// written whole, now that the objects it points at exist. For a merge or
// a resumed restore, objects already identical are skipped, so running it
// again after an interruption finishes the job; the first pass counted
// them as identical already.
func (d *Data) writeReferences(ctx context.Context, j *restoreJob) error {
	st := &j.stats
	s, merge := j.s, j.merge()
	pr := d.newProgress("references "+j.c.Collection, j.withRefs)
	defer pr.Done()
	bw := d.Client.NewBatchWriter(ctx, s, j.c.Collection, d.BatchSize, d.InFlight)
	bw.OnWritten = pr.Add
	walk := d.walker(ctx, s, j.walkNoVectors())
	defer walk.close()
	err := j.r.Objects(ctx, j.sc.Name, func(o *object.Object) error {
		if j.fit != nil {
			j.fit(o)
		}
		if !hasReferences(s, o) {
			return nil
		}
		if merge {
			_, same, err := j.lookup(walk, o, false)
			if err != nil {
				return err
			}
			if same {
				return nil
			}
		}
		st.written++
		return bw.Add(o)
	})
	if cerr := bw.Close(); err == nil {
		err = cerr
	}
	return err
}

// tenantWalker walks the live collection next to a snapshot stream, one
// tenant at a time.
type tenantWalker struct {
	d         *Data
	ctx       context.Context
	s         *live.ObjectSchema
	noVectors bool
	w         *liveWalker
}

func (d *Data) walker(ctx context.Context, s *live.ObjectSchema, noVectors bool) *tenantWalker {
	return &tenantWalker{d: d, ctx: ctx, s: s, noVectors: noVectors}
}

// of returns the walker of o's tenant, starting it when the snapshot
// stream has moved on to that tenant.
func (t *tenantWalker) of(o *object.Object) *liveWalker {
	if t.w == nil || t.w.tenant != o.Tenant {
		t.close()
		t.w = t.d.walkLive(t.ctx, t.s, o.Tenant, t.noVectors)
	}
	return t.w
}

// lookup returns the live object with o's UUID (nil when there is none)
// and whether it is identical to o.
func (t *tenantWalker) lookup(o *object.Object) (*object.Object, bool, error) {
	return t.of(o).lookup(o)
}

// find returns the live object with o's UUID, nil when there is none.
func (t *tenantWalker) find(o *object.Object) (*object.Object, error) {
	return t.of(o).find(o)
}

func (t *tenantWalker) close() {
	if t.w != nil {
		t.w.close()
		t.w = nil
	}
}

// mergeLive fills o, a snapshot object a merge is about to write over its
// live copy lv (nil when there is none), with what the snapshot does not
// carry: a write replaces the whole object, and what the snapshot lacks is
// unknown, not empty. Live property values o has no value for are kept
// (properties added after the snapshot, values it records as absent), and
// so are live vectors o has none for, except those a vectorizer makes,
// which Weaviate computes again from the written properties. It reports
// whether anything was kept.
func mergeLive(o, lv *object.Object, s *live.ObjectSchema) bool {
	for name, v := range o.Properties {
		if v == nil {
			delete(o.Properties, name) // a write leaves it out: absent
		}
	}
	if lv == nil {
		return false
	}
	kept := false
	for name, v := range lv.Properties {
		if _, ok := o.Properties[name]; !ok {
			if o.Properties == nil {
				o.Properties = map[string]any{}
			}
			o.Properties[name], kept = v, true
		}
	}
	for name, v := range lv.Vectors {
		if _, ok := o.Vectors[name]; !ok && !s.Vectorized[name] {
			if o.Vectors == nil {
				o.Vectors = map[string][]float32{}
			}
			o.Vectors[name], kept = v, true
		}
	}
	for name, v := range lv.Multi {
		if _, ok := o.Multi[name]; !ok && !s.Vectorized[name] {
			if o.Multi == nil {
				o.Multi = map[string][][]float32{}
			}
			o.Multi[name], kept = v, true
		}
	}
	return kept
}

// asMerged is lv as a merge of the snapshot object o compares it: without
// the vectors and multi-vectors o lacks that a vectorizer makes (Weaviate
// computes those, so their values are not the merge's to check).
func asMerged(lv, o *object.Object, s *live.ObjectSchema) *object.Object {
	drop := func(name string, has bool) bool { return !has && s.Vectorized[name] }
	var vectors, multi []string
	for name := range lv.Vectors {
		if _, ok := o.Vectors[name]; drop(name, ok) {
			vectors = append(vectors, name)
		}
	}
	for name := range lv.Multi {
		if _, ok := o.Multi[name]; drop(name, ok) {
			multi = append(multi, name)
		}
	}
	if len(vectors) == 0 && len(multi) == 0 {
		return lv
	}
	cp := *lv
	cp.Vectors = maps.Clone(lv.Vectors)
	for _, name := range vectors {
		delete(cp.Vectors, name)
	}
	cp.Multi = maps.Clone(lv.Multi)
	for _, name := range multi {
		delete(cp.Multi, name)
	}
	return &cp
}

// liveWalker reads a live collection (one tenant) in UUID order next to a
// snapshot stream in the same order, so a merge compares objects in
// constant memory.
type liveWalker struct {
	tenant    string
	noVectors bool
	ch        chan *object.Object
	errc      chan error
	cancel    context.CancelFunc
	head      *object.Object // next live object, nil before the first peek
	end       bool
	last      string // last snapshot UUID compared
	// byID reads one live object by UUID, for a snapshot object out of
	// UUID order.
	byID func(id string) (*object.Object, error)
}

func (d *Data) walkLive(ctx context.Context, s *live.ObjectSchema, tenant string, noVectors bool) *liveWalker {
	ctx, cancel := context.WithCancel(ctx)
	w := &liveWalker{tenant: tenant, noVectors: noVectors, ch: make(chan *object.Object, 256), errc: make(chan error, 1), cancel: cancel}
	w.byID = func(id string) (*object.Object, error) {
		found, err := d.Client.ReadObjectsByID(ctx, s, live.ReadOptions{Tenant: tenant, NoVectors: noVectors}, []string{id})
		return found[id], err
	}
	go func() {
		defer close(w.ch)
		err := d.Client.ReadObjects(ctx, s, live.ReadOptions{Tenant: tenant, NoVectors: noVectors, PageSize: d.PageSize}, func(o *object.Object) error {
			select {
			case w.ch <- o:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if err != nil && ctx.Err() == nil {
			w.errc <- err
		}
	}()
	return w
}

// peek returns the next live object without consuming it; nil at the end.
func (w *liveWalker) peek() (*object.Object, error) {
	if w.head != nil || w.end {
		return w.head, nil
	}
	o, ok := <-w.ch
	if !ok {
		w.end = true
		select {
		case err := <-w.errc:
			return nil, err
		default:
			return nil, nil
		}
	}
	w.head = o
	return o, nil
}

func (w *liveWalker) pop() { w.head = nil }

func (w *liveWalker) close() {
	w.cancel()
	for range w.ch {
	}
}

// find returns the live object with o's UUID, or nil when there is none.
func (w *liveWalker) find(o *object.Object) (*object.Object, error) {
	if o.ID <= w.last {
		return w.byID(o.ID) // out of UUID order: the walk is past it
	}
	w.last = o.ID
	for {
		h, err := w.peek()
		if err != nil || h == nil {
			return nil, err
		}
		if h.ID >= o.ID {
			break
		}
		w.pop()
	}
	h, _ := w.peek()
	if h.ID != o.ID {
		return nil, nil
	}
	w.pop()
	return h, nil
}

// lookup returns the live object with o's UUID, nil when there is none,
// and whether its content is identical to o's.
func (w *liveWalker) lookup(o *object.Object) (*object.Object, bool, error) {
	h, err := w.find(o)
	if err != nil || h == nil {
		return nil, false, err
	}
	cmp := o
	if w.noVectors {
		cp := *o
		cp.Vectors, cp.Multi = nil, nil
		cmp = &cp
	}
	return h, h.Hash() == cmp.Hash(), nil
}

// liveCount counts a live collection's objects in every tenant; an
// inactive tenant is activated in turn to be counted, and set back.
func (d *Data) liveCount(ctx context.Context, s *live.ObjectSchema) (int64, error) {
	if !s.MultiTenant {
		return d.Client.Count(ctx, s.Collection, "")
	}
	ts, err := d.Client.Tenants(ctx, s.Collection)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, t := range ts {
		if _, err := d.Client.WithTenantActive(ctx, s.Collection, t, func() error {
			n, err := d.Client.Count(ctx, s.Collection, t.Name)
			total += n
			return err
		}); err != nil {
			return 0, err
		}
	}
	return total, nil
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

// restoreTenantStatus puts back tenants that were inactive when backed up.
func (d *Data) restoreTenantStatus(ctx context.Context, target string, tenants []snapshot.Tenant) error {
	var update []live.Tenant
	for _, t := range tenants {
		switch t.ActivityStatus {
		case "", "HOT", "ACTIVE":
		default:
			update = append(update, live.Tenant{Name: t.Name, ActivityStatus: t.ActivityStatus})
		}
	}
	return d.Client.UpdateTenants(ctx, target, update)
}

// reconcileSchema checks that the snapshot's objects fit the live
// collection: properties the live one lacks are added, properties whose
// types differ are refused, all listed at once.
func (d *Data) reconcileSchema(ctx context.Context, target string, snapClass, liveClass live.Class) ([]string, error) {
	missing, added, err := schemaDiff(target, snapClass, liveClass)
	if err != nil {
		return nil, err
	}
	for i, p := range missing {
		if err := d.Client.AddRawProperty(ctx, target, p); err != nil {
			return nil, fmt.Errorf("add property %s to %s: %w", added[i], target, err)
		}
	}
	return added, nil
}

// schemaDiff returns the snapshot's properties the live collection lacks
// (raw, and their names), or an error listing every conflict.
func schemaDiff(target string, snapClass, liveClass live.Class) ([]any, []string, error) {
	snap, lv := live.SchemaOf(snapClass), live.SchemaOf(liveClass)
	var conflicts []string
	var missing []any
	var added []string
	snapProps, _ := snapClass["properties"].([]any)
	for i, p := range snap.Properties {
		lp := lv.Property(p.Name)
		if lp == nil {
			missing = append(missing, snapProps[i])
			added = append(added, p.Name)
			continue
		}
		conflicts = append(conflicts, propertyConflicts(p.Name, p, *lp)...)
	}
	if snap.MultiTenant != lv.MultiTenant {
		conflicts = append(conflicts, fmt.Sprintf("multi-tenancy: snapshot %v, live %v", snap.MultiTenant, lv.MultiTenant))
	}
	liveVectors := map[string]bool{}
	for _, n := range lv.Named {
		liveVectors[n] = true
	}
	for _, n := range snap.Named {
		switch {
		case !liveVectors[n]:
			conflicts = append(conflicts, fmt.Sprintf("named vector %s: in the snapshot, not in the live collection", n))
		case snap.Multi[n] && !lv.Multi[n]:
			conflicts = append(conflicts, fmt.Sprintf("named vector %s: multi-vectors in the snapshot, single vectors in the live collection", n))
		case !snap.Multi[n] && lv.Multi[n]:
			conflicts = append(conflicts, fmt.Sprintf("named vector %s: single vectors in the snapshot, multi-vectors in the live collection", n))
		}
	}
	if snap.Legacy && !lv.Legacy {
		conflicts = append(conflicts, "class-level vector: in the snapshot, not in the live collection")
	}
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return nil, nil, fmt.Errorf("the snapshot's schema conflicts with collection %s; nothing was written:\n  %s", target, strings.Join(conflicts, "\n  "))
	}
	return missing, added, nil
}

func propertyConflicts(path string, snap, lv live.PropertySchema) []string {
	if strings.Join(snap.DataType, "|") != strings.Join(lv.DataType, "|") {
		return []string{fmt.Sprintf("property %s: snapshot %s, live %s", path, strings.Join(snap.DataType, "|"), strings.Join(lv.DataType, "|"))}
	}
	var out []string
	for _, n := range snap.Nested {
		var ln *live.PropertySchema
		for i := range lv.Nested {
			if lv.Nested[i].Name == n.Name {
				ln = &lv.Nested[i]
			}
		}
		if ln == nil {
			out = append(out, fmt.Sprintf("property %s.%s: in the snapshot, not in the live collection (nested properties cannot be added)", path, n.Name))
			continue
		}
		out = append(out, propertyConflicts(path+"."+n.Name, n, *ln)...)
	}
	return out
}

// verifyRestore compares the collection with the snapshot and prints the
// result: for a restore, object count and content digest; for a merge,
// that every snapshot object is present and identical.
func (d *Data) verifyRestore(ctx context.Context, c plan.Change, r *snapshot.Reader, sc *snapshot.Collection, s *live.ObjectSchema, st writeStats) error {
	noVectors := c.Data.NoVectors || r.Manifest().NoVectors
	fmt.Fprintf(d.Err, "verify %s: reading it back to compare with the snapshot\n", c.Collection)
	if c.Action == plan.Merge {
		// The merged objects, not the snapshot's, are what was written:
		// read each back and compare it with what the merge made of it.
		var missing int64
		var got object.Digest
		var cmp *liveWalker
		err := r.Objects(ctx, sc.Name, func(o *object.Object) error {
			if cmp == nil || cmp.tenant != o.Tenant {
				if cmp != nil {
					cmp.close()
				}
				cmp = d.walkLive(ctx, s, o.Tenant, false)
			}
			lv, err := cmp.find(o)
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
		if cmp != nil {
			cmp.close()
		}
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if missing > 0 {
			return fmt.Errorf("verify: %d of %d snapshot objects are missing from %s after the merge", missing, sc.Objects, c.Collection)
		}
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
	tenants := []string{""}
	if s.MultiTenant {
		tenants = tenants[:0]
		for _, t := range sc.Tenants {
			tenants = append(tenants, t.Name)
		}
	}
	var got object.Digest
	for _, t := range tenants {
		err := d.Client.ReadObjects(ctx, s, live.ReadOptions{Tenant: t, NoVectors: noVectors, PageSize: d.PageSize}, func(o *object.Object) error {
			got.Add(o.Hash())
			return nil
		})
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
	}
	wantCount, wantDigest, what := sc.Objects, sc.Digest, "the snapshot"
	if c.Data.Reshape {
		// A replace: the objects as they were backed up before the delete,
		// fitted to the new schema — everything the change did not mean
		// to drop.
		wantCount, wantDigest, what = st.fitted.Count, st.fitted.String(), "the snapshot taken before the delete, fitted to the new schema"
	}
	if c.Data.Reshape && got.Count > wantCount {
		// An application may have written into the new collection while
		// it was replaced (or while the apply was interrupted): its objects
		// are kept, never deleted, when every object of the snapshot is
		// present and identical and the others are not in the snapshot.
		extra, ids, ok, err := d.extraObjects(ctx, r, sc, s, fitTo(s, c.Data.VectorFrom), noVectors)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		sum := st.fitted
		sum.Merge(extra)
		if ok && extra.Count > 0 && sum.Count == got.Count && sum.String() == got.String() {
			more := ""
			if extra.Count > int64(len(ids)) {
				more = fmt.Sprintf(" and %d more", extra.Count-int64(len(ids)))
			}
			fmt.Fprintf(d.Out, "Restored %s: %d objects; verified: all objects of %s are present and identical.\n", c.Collection, wantCount, what)
			fmt.Fprintf(d.Out, "warning: %s also holds %d object(s) that are not in the snapshot, written by an application while it was replaced; colstate kept them: %s%s\n",
				c.Collection, extra.Count, strings.Join(ids, ", "), more)
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

// extraObjects walks the snapshot's objects of sc (fitted by fit) and the
// live collection side by side, in UUID order per tenant, and returns the
// live objects that are not in the snapshot (their digest and the first
// ids). ok is false when a snapshot object is missing from the live
// collection or differs there, or the snapshot is out of UUID order: then
// the live collection is not the snapshot plus other objects.
func (d *Data) extraObjects(ctx context.Context, r *snapshot.Reader, sc *snapshot.Collection, s *live.ObjectSchema, fit func(*object.Object), noVectors bool) (extra object.Digest, ids []string, ok bool, err error) {
	const maxIDs = 10
	notSuperset := errors.New("not the snapshot plus other objects")
	var w *liveWalker
	last := ""
	take := func(h *object.Object) {
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
	drain := func() error {
		defer w.close()
		for {
			h, err := w.peek()
			if err != nil || h == nil {
				return err
			}
			take(h)
		}
	}
	err = r.Objects(ctx, sc.Name, func(o *object.Object) error {
		if w == nil || w.tenant != o.Tenant {
			if w != nil {
				if err := drain(); err != nil {
					return err
				}
			}
			w = d.walkLive(ctx, s, o.Tenant, noVectors)
			last = ""
		}
		if o.ID <= last {
			return notSuperset
		}
		last = o.ID
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
			take(h)
		}
	})
	if err == nil && w != nil {
		err = drain()
		w = nil
	}
	if w != nil {
		w.close()
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
// tenant by tenant, in constant memory.
func (d *Data) onlySnapshotObjects(ctx context.Context, r *snapshot.Reader, src string, s *live.ObjectSchema) (bool, error) {
	noVectors := r.Manifest().NoVectors
	var w *liveWalker
	foreign := errors.New("a live object is not in the snapshot")
	finish := func() error {
		defer w.close()
		h, err := w.peek()
		if err == nil && h != nil {
			return foreign
		}
		return err
	}
	err := r.Objects(ctx, src, func(o *object.Object) error {
		if w == nil || w.tenant != o.Tenant {
			if w != nil {
				if err := finish(); err != nil {
					return err
				}
			}
			w = d.walkLive(ctx, s, o.Tenant, noVectors)
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
	if err == nil && w == nil {
		return false, nil // an empty snapshot: every live object is foreign
	}
	if err == nil {
		err = finish()
		w = nil
	}
	if w != nil {
		w.close()
	}
	if errors.Is(err, foreign) {
		return false, nil
	}
	return err == nil, err
}

// restoredFrom reports whether the live object lv is what a restore of the
// snapshot object o writes: the same content, references aside (the first
// pass writes an object without them). An object changed since is not:
// completing a restore must never overwrite it.
func restoredFrom(s *live.ObjectSchema, lv, o *object.Object, noVectors bool) bool {
	a, b := withoutReferences(s, lv), withoutReferences(s, o)
	if noVectors {
		a.Vectors, a.Multi, b.Vectors, b.Multi = nil, nil, nil, nil
	}
	return a.Hash() == b.Hash()
}

// classForCreate turns a class as Weaviate returned it into a body its
// create endpoint accepts: the same settings, under the target name. The
// server reports a sharding config for multi-tenant collections but refuses
// one on create.
func classForCreate(cl live.Class, name string) live.Class {
	out := live.Class{}
	for k, v := range cl {
		out[k] = v
	}
	out["class"] = name
	if mt, ok := out["multiTenancyConfig"].(map[string]any); ok && mt["enabled"] == true {
		delete(out, "shardingConfig")
	}
	return out
}
