package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/plan"
)

// replace carries a collection's objects across a schema change Weaviate
// cannot make in place: back up, delete, create with the new schema,
// restore the objects fitted to it. Each step is journaled; the snapshot id
// is fixed in the plan, so a resumed replace restores from the same snapshot.
func (r *Runner) replace(ctx context.Context, c plan.Change, key func(string) string) error {
	if r.Data == nil {
		return fmt.Errorf("no data engine")
	}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"backup", func() error { return r.takeSnapshot(ctx, []plan.Change{backupOf(c)}) }},
		{"delete", func() error {
			if err := r.unchangedSinceBackup(ctx, c); err != nil {
				return err
			}
			return r.delete(ctx, c.Collection)
		}},
		{"create", func() error { return r.createReplacement(ctx, c) }},
		{"restore", func() error {
			// Never restore into a collection colstate did not create: a
			// writer with auto-schema can create it between the delete and
			// the create, and a resumed apply would otherwise take it.
			// Gone since the create (deleted by hand after such a refusal):
			// create it again.
			if err := r.exists(ctx, c.Collection); errors.Is(err, live.ErrNotFound) {
				if err := r.createReplacement(ctx, c); err != nil {
					return err
				}
			}
			if err := r.ownCollection(ctx, *c.After); err != nil {
				return err
			}
			if r.Journal != nil {
				r.Data.OnWritten = func(n int) { r.Journal.Progress(key("restore"), int64(n)) }
				defer func() { r.Data.OnWritten = nil }()
			}
			return r.Data.Restore(ctx, plan.Change{Collection: c.Collection, Action: plan.Restore,
				Data: &plan.DataChange{Store: c.Data.Store, Snapshot: c.Data.Snapshot, Reshaping: plan.Reshaping{Reshape: true, VectorFrom: c.Data.VectorFrom}}})
		}},
	}
	for _, s := range steps {
		fmt.Fprintf(r.Out, "  %s %s\n", c.Collection, s.name)
		if err := r.step(key(s.name), s.fn); err != nil {
			var foreign *ForeignCollectionError
			if errors.As(err, &foreign) {
				foreign.Snapshot = c.Data.Snapshot
				return err
			}
			var written *writtenSinceBackupError
			if errors.As(err, &written) {
				return err
			}
			if s.name != "backup" {
				err = fmt.Errorf("%s step: %w; the objects are safe in snapshot %s: run colstate apply again to resume, or colstate restore --mode=replace %s", s.name, err, c.Data.Snapshot, c.Data.Snapshot)
			}
			return err
		}
	}
	return nil
}

func (r *Runner) create(ctx context.Context, c collection.Collection, resumed bool) error {
	return r.adoptCreated(ctx, r.Schema.Create(ctx, c), c, resumed)
}

// adoptCreated settles a create that failed with err: when the collection
// exists, a resumed apply may have created it before the interruption; it
// is taken as colstate's own only when its schema is exactly the one
// colstate asks for.
func (r *Runner) adoptCreated(ctx context.Context, err error, c collection.Collection, resumed bool) error {
	if err == nil || r.exists(ctx, c.Name) != nil {
		return err
	}
	if ferr := r.ownCollection(ctx, c); ferr != nil {
		return ferr
	}
	if resumed {
		return nil
	}
	return fmt.Errorf("%w; collection %s exists already although this apply has not created it: another client created it with the same schema, and it may hold that client's objects; colstate will not write into it", err, c.Name)
}

// ForeignCollectionError says a live collection is not the one colstate
// created: its schema differs from what colstate asked for.
type ForeignCollectionError struct {
	Collection string
	Diffs      []string // how the live schema differs from colstate's
	Snapshot   string   // where a replace's objects are kept, when known
}

func (e *ForeignCollectionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "collection %s in Weaviate is not the one colstate created: its schema differs from the one colstate asked for (%s). "+
		"Another client probably created it between colstate's delete and create — an application writing with Weaviate's auto-schema on (its default) — so it may hold that client's objects. "+
		"colstate will not restore into a collection it did not create; nothing was written to it.", e.Collection, strings.Join(e.Diffs, "; "))
	if e.Snapshot != "" {
		fmt.Fprintf(&b, " The objects from before the replace are safe in snapshot %s.", e.Snapshot)
	}
	fmt.Fprintf(&b, " To go on: stop the writers; keep what they wrote (colstate backup --id %s-writes %s); delete the collection (DELETE /v1/schema/%s); "+
		"run colstate apply to resume; then bring the writers' objects back (colstate restore --mode=merge --collection %s %s-writes)",
		e.Collection, e.Collection, e.Collection, e.Collection, e.Collection)
	return b.String()
}

// ownCollection checks that the live collection is the one colstate
// created from want: its schema, normalised, equals want's. Weaviate's
// class JSON has no creation time, so the schema is the identity.
func (r *Runner) ownCollection(ctx context.Context, want collection.Collection) error {
	if r.Data == nil {
		return errors.New("no data engine to read the live schema with")
	}
	cl, err := r.Data.Client.Class(ctx, want.Name)
	if err != nil {
		return err
	}
	fields := collection.Diff(want, live.FromClass(cl))
	if len(fields) == 0 {
		return nil
	}
	e := &ForeignCollectionError{Collection: want.Name}
	for _, f := range fields {
		e.Diffs = append(e.Diffs, f.Reason())
	}
	return e
}

// unchangedSinceBackup refuses to delete a collection that holds a
// different number of objects than the snapshot just taken of it:
// something wrote to it after the backup, and the delete would lose that.
func (r *Runner) unchangedSinceBackup(ctx context.Context, c plan.Change) error {
	cl, err := r.Data.Client.Class(ctx, c.Collection)
	if errors.Is(err, live.ErrNotFound) {
		return nil // deleted before an interruption
	}
	if err != nil {
		return err
	}
	rd, err := r.Data.openSnapshot(c)
	if err != nil {
		return err
	}
	sc := rd.Manifest().Collection(c.Collection)
	if sc == nil {
		return fmt.Errorf("snapshot %s lacks collection %s", c.Data.Snapshot, c.Collection)
	}
	n, err := r.Data.liveCount(ctx, live.SchemaOf(cl))
	if err != nil {
		return err
	}
	if n != sc.Objects {
		return &writtenSinceBackupError{fmt.Sprintf("collection %s holds %d objects, but the snapshot %s taken before the delete has %d: something wrote to it after the backup, and deleting it now would lose those writes; nothing was deleted. "+
			"Stop the writers, then run colstate apply again: the replace is planned afresh and backs the collection up as it is then (snapshot %s is kept)",
			c.Collection, n, c.Data.Snapshot, sc.Objects, c.Data.Snapshot)}
	}
	return nil
}

// writtenSinceBackupError is unchangedSinceBackup's refusal. It is not
// given the advice of a failed replace step: the snapshot lacks the late
// writes, so restoring it over the collection would lose them.
type writtenSinceBackupError struct{ msg string }

func (e *writtenSinceBackupError) Error() string { return e.msg }

// createReplacement creates the collection of a replace from the class
// JSON the snapshot holds (Weaviate's own, taken just before the delete)
// with only the settings colstate models set from the configuration, so a
// setting colstate does not model survives the replace.
func (r *Runner) createReplacement(ctx context.Context, c plan.Change) error {
	rd, err := r.Data.openSnapshot(c)
	if err != nil {
		return err
	}
	base, err := snapshotClass(rd, c.Collection)
	if err != nil {
		return err
	}
	err = r.Data.Client.CreateRaw(ctx, classForCreate(live.ForReplace(base, *c.After), c.Collection))
	return r.adoptCreated(ctx, err, *c.After, c.Resumes != nil)
}
