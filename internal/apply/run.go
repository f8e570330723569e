package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/colstate/colstate/internal/live"
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
	Client Weaviate
	Out    io.Writer // results
	Err    io.Writer // progress
	// Terminal selects the progress bar; otherwise a plain line is printed
	// every ProgressEvery.
	Terminal      bool
	ProgressEvery time.Duration
	BatchSize     int // objects per gRPC batch (default 200)
	InFlight      int // batches in flight (default 4)
	PageSize      int // objects per cursor page (default 500)
	// TenantParallel is how many tenants of a multi-tenant collection are
	// read, cleared or verified at once (default live.DefaultTenantParallel).
	TenantParallel int
	// OnWritten, when set, is told of objects a restore has written (the
	// apply journal records progress with it).
	OnWritten func(n int)
	Source    snapshot.Source
	// OpenStore opens the snapshot store a change names (its Store); nil
	// opens it as a local directory.
	OpenStore func(ref string) (SnapshotStore, error)
	// Events, when set, is told of each change started, its progress and
	// its end (docs/apply-json.md). It may be called from several
	// goroutines, one call at a time.
	Events func(Event)
	// Native is Weaviate's own backup API, for backups and restores that
	// take it (plan.EngineNative); nil when none do.
	Native NativeBackups

	ev *events // shared with the Runner that delegates to this Data
	// deletedForRestore names the collections this run deleted for
	// Weaviate's restore, each with the snapshot that holds the objects it
	// held ("" when it was not backed up): one whose restore fails is
	// restored from the snapshot's portable chunks instead
	// (restoreNatively).
	deletedForRestore map[string]string
}

func (d *Data) eventSink() *events {
	if d.ev == nil {
		d.ev = &events{fn: d.Events}
	}
	return d.ev
}

// RunData carries out a plan made only of data changes, in order.
func (d *Data) RunData(ctx context.Context, p *plan.Plan) error {
	return d.runData(ctx, p, true)
}

// runData is RunData; announce sends the started and finished events of
// its changes (not when a Runner, which announces them, delegates).
func (d *Data) runData(ctx context.Context, p *plan.Plan, announce bool) error {
	ev := d.eventSink()
	end := func(i int, changes []plan.Change) func(error) {
		if !announce {
			return func(error) {}
		}
		return ev.start(i, changes)
	}
	for _, c := range p.Changes {
		if (!c.Action.IsData() && !deletesForRestore(c)) || c.Data == nil {
			return fmt.Errorf("change %s %s is not a data change", c.Action, c.Collection)
		}
	}
	deleted := map[string]string{} // for Weaviate's restore, by this run
	d.deletedForRestore = deleted
	defer func() { d.deletedForRestore = nil }()
	if err := d.checkEndpoints(ctx, p, "nothing was written"); err != nil {
		return err
	}
	if err := d.verifySources(ctx, p); err != nil {
		return err
	}
	// Weaviate's restores are checked before anything (the backup before
	// a delete first of all) is written.
	for i, c := range p.Changes {
		if c.Action == plan.Restore && c.Data.Engine == plan.EngineNative {
			if err := d.checkNativeRestore(ctx, c); err != nil {
				return fmt.Errorf("restore %s: %w\nnothing was written", c.Collection, err)
			}
		}
		if deletesForRestore(c) {
			if _, err := d.checkDeleteForRestore(ctx, p, i); err != nil {
				return fmt.Errorf("%w\nnothing was written", err)
			}
		}
	}
	for i := 0; i < len(p.Changes); i++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted after %d of %d changes: %w", i, len(p.Changes), err)
		}
		c := p.Changes[i]
		var err error
		switch c.Action {
		case plan.Backup:
			n := backupRun(p.Changes, i)
			finish := end(i, p.Changes[i:i+n])
			_, err = d.Backup(ctx, p.Changes[i:i+n])
			finish(err)
			i += n - 1
		case plan.Restore, plan.Merge:
			n := restoreRun(p.Changes, i)
			finish := end(i, p.Changes[i:i+n])
			err := d.restoreAll(ctx, p.Changes[i:i+n])
			finish(err)
			if err != nil {
				for _, rc := range p.Changes[i : i+n] {
					if _, ok := deleted[rc.Collection]; ok {
						err = fmt.Errorf("%w%s", err, deletedHint(p, rc.Collection))
					}
				}
				return err
			}
			i += n - 1
			continue
		case plan.Clear:
			finish := end(i, p.Changes[i:i+1])
			err = d.Clear(ctx, c.Collection, c.Data)
			finish(err)
		case plan.Delete:
			finish := end(i, p.Changes[i:i+1])
			err = d.deleteForNativeRestore(ctx, p, i)
			finish(err)
			if err == nil {
				deleted[c.Collection] = backupBefore(p, c.Collection)
			}
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", c.Action, c.Collection, err)
		}
	}
	return nil
}

// backupRun returns how many changes from i on are backups into the
// snapshot id of changes[i] (at least 1): they write one snapshot.
func backupRun(changes []plan.Change, i int) int {
	n := 1
	for i+n < len(changes) && changes[i+n].Action == plan.Backup && changes[i+n].Data.Snapshot == changes[i].Data.Snapshot {
		n++
	}
	return n
}

// restoreRun returns how many changes from i on are restores or merges (at
// least 1): they run together, so references between their collections
// find their targets.
func restoreRun(changes []plan.Change, i int) int {
	n := 1
	for i+n < len(changes) && (changes[i+n].Action == plan.Restore || changes[i+n].Action == plan.Merge) {
		n++
	}
	return n
}

// checkEndpoints checks, before the first write of a plan that moves
// objects, that Weaviate's REST and gRPC endpoints are one server; done
// says what the refusal left untouched.
func (d *Data) checkEndpoints(ctx context.Context, p *plan.Plan, done string) error {
	if !MovesObjects(p) {
		return nil
	}
	if err := d.Client.CheckEndpoints(ctx); err != nil {
		return fmt.Errorf("%w\n%s", err, done)
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
		case plan.Delete:
			if _, err := d.checkDeleteForRestore(ctx, p, slices.IndexFunc(p.Changes, func(o plan.Change) bool { return o.Collection == c.Collection && o.Action == plan.Delete })); err != nil {
				return err
			}
			cleared[c.Collection] = true
		case plan.Merge:
			if _, err := d.Client.Class(ctx, c.Collection); errors.Is(err, live.ErrNotFound) {
				return fmt.Errorf("collection %s does not exist: merge needs a live collection (use restore to create it)", c.Collection)
			}
		case plan.Restore:
			if c.Data.Engine == plan.EngineNative {
				if err := d.checkNativeRestore(ctx, c); err != nil {
					return fmt.Errorf("restore %s: %w", c.Collection, err)
				}
			}
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
// objects other than the snapshot's (prepareRestore makes the same check
// before a restore writes).
func (d *Data) checkRestoreTarget(ctx context.Context, c plan.Change) error {
	liveClass, err := d.Client.Class(ctx, c.Collection)
	if errors.Is(err, live.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s := live.SchemaOf(liveClass)
	if len(c.Data.OnlyTenants) > 0 && s.MultiTenant {
		return d.refuseFilledTenants(ctx, c)
	}
	n, err := d.pickedCount(ctx, s, c.Data)
	if err != nil || n == 0 {
		return err
	}
	r, err := d.openSnapshot(c)
	if err != nil {
		return err
	}
	partial, err := d.onlySnapshotObjects(ctx, pickedSource(r, c), c.SourceName(), s, nil)
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
	return d.runData(ctx, &plan.Plan{Changes: []plan.Change{c}}, false)
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
		r, err := d.openSnapshot(c)
		if err != nil {
			return err
		}
		// Weaviate's own restore does not read the chunks: their digest,
		// in the manifest, is what its result is compared with.
		if c.Data.Engine != plan.EngineNative {
			if err := r.VerifyContent(ctx, c.SourceName()); err != nil {
				return fmt.Errorf("%w\nnothing was written to Weaviate", err)
			}
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
