// Package apply carries out a plan against Weaviate and records each
// finished change in the state as soon as it is done, so an interrupted
// apply leaves a state that matches what really happened.
package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/content"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// Schema is the part of Weaviate apply changes.
type Schema interface {
	Create(ctx context.Context, c collection.Collection) error
	Update(ctx context.Context, c collection.Collection) error
	Delete(ctx context.Context, name string) error
	// AddProperties adds the properties the collection lacks, in order.
	AddProperties(ctx context.Context, name string, props []collection.Property) error
}

// Runner executes plans.
type Runner struct {
	Schema Schema
	// Data carries out backups, restores and content changes; needed only
	// by plans that move data.
	Data *Data
	// Content resolves the source of a content change.
	Content func(c plan.Change) (content.Source, error)
	State   *state.State
	// Save persists the state; it is called after every finished change.
	Save func(*state.State) error
	// Journal, when set, records finished steps; steps it already holds
	// (those an interrupted apply finished, for carried changes) are skipped.
	Journal *Journal
	Out     io.Writer

	// deferred holds, by change index, the properties a create holds back
	// until the collections created after it exist (a reference cycle);
	// pending those of collections created so far.
	deferred map[int][]collection.Property
	pending  []pendingProperties
	// contentDone holds content changes whose objects are written but
	// whose references and verification wait for the other content
	// changes next to them (references between their collections).
	contentDone []pendingContent
}

// Refusal explains why apply will not run a plan at all.
type Refusal struct{ Reasons []string }

func (r *Refusal) Error() string { return strings.Join(r.Reasons, "\n") }

// Check returns a Refusal when the plan holds a change this version of
// colstate cannot carry out without losing data. Nothing has run yet then.
func Check(p *plan.Plan) error {
	var reasons []string
	for _, c := range p.Changes {
		if c.Action == plan.Replace && (c.Data == nil || c.Data.Snapshot == "") {
			reasons = append(reasons, fmt.Sprintf(
				"collection %s must be replaced (%s), but the plan has no snapshot to carry its objects across; make the plan again with this colstate",
				c.Collection, strings.Join(c.Reasons(), "; ")))
		}
	}
	if len(reasons) > 0 {
		return &Refusal{Reasons: reasons}
	}
	return nil
}

// Run applies every change in order. It stops at the first failure; what
// finished before it is already in the saved state and the journal.
func (r *Runner) Run(ctx context.Context, p *plan.Plan) error {
	if err := Check(p); err != nil {
		return err
	}
	if r.Data != nil && MovesObjects(p) {
		// Before the first write, schema writes included: a plan that
		// creates a collection and then fails to fill it over gRPC leaves
		// half its work done.
		if err := r.Data.Client.CheckEndpoints(ctx); err != nil {
			return fmt.Errorf("%w\nnothing was applied", err)
		}
	}
	for _, name := range p.Forget {
		delete(r.State.Collections, name)
	}
	if len(p.Forget) > 0 {
		if err := r.Save(r.State); err != nil {
			return fmt.Errorf("save state: %w", err)
		}
	}
	r.deferred, r.pending = deferredProperties(p), nil
	done := 0
	for i := 0; i < len(p.Changes); i++ {
		c := p.Changes[i]
		if err := ctx.Err(); err != nil {
			return r.interrupted(done, len(p.Changes), err)
		}
		if c.Action != plan.Create && len(r.pending) > 0 {
			if err := r.addDeferred(ctx); err != nil {
				return r.failed(ctx, done, len(p.Changes), err)
			}
		}
		if !isContent(c) && !isAutomaticBackup(c) && len(r.contentDone) > 0 {
			if err := r.finishContent(ctx); err != nil {
				return r.failed(ctx, done, len(p.Changes), err)
			}
		}
		n := 1
		var err error
		if c.Action == plan.Backup {
			// Consecutive backups into one snapshot id write one snapshot.
			for i+n < len(p.Changes) && p.Changes[i+n].Action == plan.Backup && p.Changes[i+n].Data.Snapshot == c.Data.Snapshot {
				n++
			}
			err = r.backup(ctx, i, p.Changes[i:i+n])
		} else {
			err = r.change(ctx, i, c)
		}
		if err != nil {
			if ctx.Err() != nil {
				return r.interrupted(done, len(p.Changes), err)
			}
			return fmt.Errorf("%s collection %s: %w (%d of %d changes were applied and recorded in the state%s)", c.Action, c.Collection, err, done, len(p.Changes), r.journalHint())
		}
		done += n
		i += n - 1
	}
	if err := r.addDeferred(ctx); err != nil {
		return r.failed(ctx, done, len(p.Changes), err)
	}
	if err := r.finishContent(ctx); err != nil {
		return r.failed(ctx, done, len(p.Changes), err)
	}
	fmt.Fprintf(r.Out, "\nApply complete: %d created, %d updated, %d replaced, %d deleted", p.Count(plan.Create), p.Count(plan.Update), p.Count(plan.Replace), p.Count(plan.Delete))
	if n := p.Count(plan.Backup) + p.Count(plan.Merge) + p.Count(plan.Restore) + p.Count(plan.Clear); n > 0 {
		fmt.Fprintf(r.Out, ", %d data changes", n)
	}
	fmt.Fprintln(r.Out, ".")
	if r.Journal != nil {
		return r.Journal.Remove()
	}
	return nil
}

func (r *Runner) failed(ctx context.Context, done, total int, err error) error {
	if ctx.Err() != nil {
		return r.interrupted(done, total, err)
	}
	return fmt.Errorf("%w (%d of %d changes were applied and recorded in the state%s)", err, done, total, r.journalHint())
}

// MovesObjects reports whether a plan reads or writes objects (over gRPC).
func MovesObjects(p *plan.Plan) bool {
	for _, c := range p.Changes {
		if c.Data != nil && !c.Data.SchemaOnly {
			return true
		}
	}
	return false
}

func (r *Runner) interrupted(done, total int, err error) error {
	return fmt.Errorf("interrupted after %d of %d changes%s: %w", done, total, r.journalHint(), err)
}

// journalHint tells what the journal left behind means for the next run.
func (r *Runner) journalHint() string {
	if r.Journal == nil {
		return ""
	}
	return fmt.Sprintf("; its journal is %s: colstate plan shows what is left of it — apply finishes what cannot be left half done and plans the rest again from the configuration; to abandon it instead, run colstate apply -abandon (snapshots it took are kept)", r.Journal.path)
}

// step runs fn unless the journal says it already ran, and records it.
func (r *Runner) step(key string, fn func() error) error {
	if r.Journal != nil && r.Journal.Done(key) {
		fmt.Fprintf(r.Out, "  (%s: done before the interruption)\n", key)
		return nil
	}
	if err := fn(); err != nil {
		return err
	}
	if r.Journal != nil {
		return r.Journal.Mark(key)
	}
	return nil
}

func stepKey(i int, c plan.Change, step string) string {
	return fmt.Sprintf("%d %s %s", i+1, c.Collection, step)
}

func (r *Runner) change(ctx context.Context, i int, c plan.Change) error {
	fmt.Fprintf(r.Out, "%s %s: %s...\n", c.Action.Symbol(), c.Collection, c.Action)
	key := func(step string) string { return stepKey(i, c, step) }
	var err error
	switch c.Action {
	case plan.Create:
		tail := r.deferred[i]
		err = r.step(key("create"), func() error { return r.create(ctx, withoutTail(*c.After, len(tail)), c.Resumes != nil) })
		if err == nil && len(tail) > 0 {
			r.pending = append(r.pending, pendingProperties{index: i, change: c, props: tail})
		}
	case plan.Update:
		err = r.step(key("update"), func() error { return r.Schema.Update(ctx, *c.After) })
	case plan.Delete:
		if c.Data != nil && c.Data.Snapshot != "" {
			err = r.step(key("backup"), func() error { return r.takeSnapshot(ctx, []plan.Change{backupOf(c)}) })
		}
		if err == nil {
			err = r.step(key("delete"), func() error { return r.delete(ctx, c.Collection) })
		}
	case plan.Replace:
		err = r.replace(ctx, c, key)
	case plan.Merge:
		if isContent(c) {
			pc := pendingContent{index: i, change: c}
			err = r.step(key("content"), func() error {
				st, err := r.content(ctx, key("content"), c)
				pc.stats = &st
				return err
			})
			if err == nil {
				r.contentDone = append(r.contentDone, pc)
			}
			break
		}
		fallthrough
	case plan.Restore, plan.Clear:
		if r.Data == nil {
			return fmt.Errorf("no data engine")
		}
		err = r.step(key(c.Action.String()), func() error { return r.Data.RunChange(ctx, c) })
	default:
		err = fmt.Errorf("action %s is not supported", c.Action)
	}
	if err != nil {
		return err
	}
	switch c.Action {
	case plan.Create, plan.Update, plan.Replace:
		r.State.Collections[c.Collection] = *c.After
	case plan.Delete:
		delete(r.State.Collections, c.Collection)
		delete(r.State.Seeding, c.Collection)
	default:
		return nil
	}
	if err := r.Save(r.State); err != nil {
		return fmt.Errorf("succeeded, but saving the state failed: %w", err)
	}
	return nil
}

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

func backupOf(c plan.Change) plan.Change {
	return plan.Change{Collection: c.Collection, Action: plan.Backup, Data: &plan.DataChange{
		Store: c.Data.Store, Snapshot: c.Data.Snapshot, Objects: c.Data.Objects, Reason: plan.BackupBefore(c.Action)}}
}

// backup takes one snapshot for consecutive backup changes.
func (r *Runner) backup(ctx context.Context, i int, changes []plan.Change) error {
	c := changes[0]
	fmt.Fprintf(r.Out, "%s %s: backup to snapshot %s...\n", c.Action.Symbol(), names(changes), c.Data.Snapshot)
	return r.step(stepKey(i, c, "backup"), func() error { return r.takeSnapshot(ctx, changes) })
}

func names(changes []plan.Change) string {
	var out []string
	for _, c := range changes {
		out = append(out, c.Collection)
	}
	return strings.Join(out, ", ")
}

// takeSnapshot writes the snapshot and records it in the state's catalogue.
// A snapshot that already exists under the planned id (taken before an
// interruption) is kept, after checking it holds the collections.
func (r *Runner) takeSnapshot(ctx context.Context, changes []plan.Change) error {
	if r.Data == nil {
		return fmt.Errorf("no data engine")
	}
	c := changes[0]
	m, err := r.existingSnapshot(c.Data.Store, c.Data.Snapshot, changes)
	if err != nil {
		return err
	}
	if m == nil {
		if m, err = r.Data.Backup(ctx, changes); err != nil {
			return err
		}
	}
	rec := state.SnapshotRecord{ID: m.ID, Store: c.Data.Store, Policy: c.Data.Policy, Reason: string(c.Data.Reason), TakenAt: time.Now().UTC(), Collections: map[string]state.DataMark{}}
	for _, mc := range m.Collections {
		rec.Collections[mc.Name] = state.DataMark{Objects: mc.Objects, Digest: mc.Digest}
	}
	r.State.Snapshots = append(r.State.Snapshots, rec)
	return r.Save(r.State)
}

func (r *Runner) existingSnapshot(store, id string, changes []plan.Change) (*snapshot.Manifest, error) {
	rd, err := (&snapshot.Store{Dir: store}).Open(id)
	if errors.Is(err, snapshot.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m := rd.Manifest()
	for _, c := range changes {
		if m.Collection(c.Collection) == nil {
			return nil, fmt.Errorf("snapshot %s exists but lacks collection %s", id, c.Collection)
		}
	}
	fmt.Fprintf(r.Out, "  snapshot %s was taken before the interruption: keeping it\n", id)
	return m, nil
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
	rd, err := (&snapshot.Store{Dir: c.Data.Store}).Open(c.Data.Snapshot)
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
	rd, err := r.Data.store(c).Open(c.Data.Snapshot)
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

func (r *Runner) exists(ctx context.Context, name string) error {
	if r.Data == nil {
		return errors.New("unknown")
	}
	_, err := r.Data.Client.Class(ctx, name)
	return err
}

func (r *Runner) delete(ctx context.Context, name string) error {
	err := r.Schema.Delete(ctx, name)
	if errors.Is(err, live.ErrNotFound) {
		return nil // already gone: a resumed apply
	}
	return err
}

// isContent reports whether c loads a collection's content source.
func isContent(c plan.Change) bool {
	return c.Action == plan.Merge && c.Data != nil && c.Data.From != ""
}

// isAutomaticBackup reports whether c is the backup guarding a change next
// to it (not a snapshot policy's).
func isAutomaticBackup(c plan.Change) bool {
	return c.Action == plan.Backup && c.Data != nil && c.Data.Policy == ""
}

// pendingContent is a content change whose first pass is done.
type pendingContent struct {
	index  int
	change plan.Change
	stats  *content.Stats // of the first pass; nil when it ran before an interruption
}

// content makes a collection hold its content source: the first pass.
// Objects holding references are written without them when they are new,
// and left as they are when they are live already; finishContent writes
// them whole once every content change next to this one has written its
// objects, so references between them (or within one collection) find
// their targets.
func (r *Runner) content(ctx context.Context, key string, c plan.Change) (content.Stats, error) {
	if r.Data == nil || r.Content == nil {
		return content.Stats{}, fmt.Errorf("no data engine")
	}
	src, err := r.Content(c)
	if err != nil {
		return content.Stats{}, err
	}
	d := r.Data
	cl, err := d.Client.Class(ctx, c.Collection)
	if err != nil {
		return content.Stats{}, err
	}
	s := live.SchemaOf(cl)
	// A seed records that it has begun before it writes, so a seed that is
	// interrupted is completed as a merge instead of refused as non-empty.
	mode := string(c.Data.Mode)
	if mode == content.Seed {
		if _, begun := r.State.Seeding[c.Collection]; begun {
			mode = content.Merge
			fmt.Fprintf(r.Out, "  completing the interrupted seed of %s as a merge (identical objects are skipped)\n", c.Collection)
		} else if err := r.setSeeding(c.Collection, c.Data.From); err != nil {
			return content.Stats{}, err
		}
	}
	var w content.Writer
	pr := d.newProgress("content "+c.Collection, c.Data.Add+c.Data.Update)
	bw := d.Client.NewBatchWriter(ctx, s, c.Collection, d.BatchSize, d.InFlight)
	bw.OnWritten = func(n int) {
		pr.Add(n)
		if r.Journal != nil {
			r.Journal.Progress(key, int64(n))
		}
	}
	// A source object without vectors keeps the live object's (unknown is
	// not empty).
	w = content.KeepVectors(ctx, bw, d.Client, s)
	if schemaHasReferences(s) {
		ids, err := d.liveIDs(ctx, s)
		if err != nil {
			bw.Close()
			return content.Stats{}, err
		}
		w = &referenceDeferrer{w: w, s: s, live: ids}
	}
	del := func(ctx context.Context, ids []string) (int64, error) {
		return d.Client.DeleteObjects(ctx, c.Collection, "", ids)
	}
	st, err := content.Apply(ctx, src, s, mode, content.ReadLive(ctx, d.Client, s), w, del, nil)
	pr.Done()
	if errors.Is(err, content.ErrNotEmpty) && st.Written == 0 {
		// Not begun after all: someone else filled the collection.
		if uerr := r.setSeeding(c.Collection, ""); uerr != nil {
			return st, errors.Join(err, uerr)
		}
	}
	return st, err
}

// setSeeding records in the state that a seed of name from source has begun
// ("" : that it is over), durably.
func (r *Runner) setSeeding(name, from string) error {
	if from == "" {
		if _, ok := r.State.Seeding[name]; !ok {
			return nil
		}
		delete(r.State.Seeding, name)
	} else {
		if r.State.Seeding == nil {
			r.State.Seeding = map[string]string{}
		}
		r.State.Seeding[name] = from
	}
	return r.Save(r.State)
}

// finishContent writes the references of the content changes whose first
// pass is done, and verifies each collection holds its source.
func (r *Runner) finishContent(ctx context.Context) error {
	pending := r.contentDone
	r.contentDone = nil
	for _, pc := range pending {
		c := pc.change
		key := stepKey(pc.index, c, "content references")
		if err := r.step(key, func() error { return r.contentReferences(ctx, key, pc) }); err != nil {
			return fmt.Errorf("%s collection %s: %w", c.Action, c.Collection, err)
		}
	}
	return nil
}

// contentReferences is the second pass of a content change: objects whose
// references were held back are written whole (every object differing from
// the source is, so a resumed apply converges too); then the collection is
// compared with its source.
func (r *Runner) contentReferences(ctx context.Context, key string, pc pendingContent) error {
	c := pc.change
	src, err := r.Content(c)
	if err != nil {
		return err
	}
	d := r.Data
	cl, err := d.Client.Class(ctx, c.Collection)
	if err != nil {
		return err
	}
	s := live.SchemaOf(cl)
	if schemaHasReferences(s) {
		pr := d.newProgress("references "+c.Collection, 0)
		bw := d.Client.NewBatchWriter(ctx, s, c.Collection, d.BatchSize, d.InFlight)
		bw.OnWritten = func(n int) {
			pr.Add(n)
			if r.Journal != nil {
				r.Journal.Progress(key, int64(n))
			}
		}
		// Merge: the first pass already deleted what exact mode deletes,
		// and a seed load is no longer into an empty collection.
		st, err := content.Apply(ctx, src, s, content.Merge, content.ReadLive(ctx, d.Client, s), content.KeepVectors(ctx, bw, d.Client, s), nil, nil)
		pr.Done()
		if err != nil {
			return err
		}
		if st.Written > 0 {
			fmt.Fprintf(r.Out, "Content of %s: %d objects written again with their references.\n", c.Collection, st.Written)
		}
	}
	// Verify: the collection now holds the source.
	idx, err := content.BuildIndex(ctx, src, s)
	if err != nil {
		return err
	}
	res, err := content.Compare(ctx, idx, content.ReadLive(ctx, d.Client, s), s)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if !res.Empty(string(c.Data.Mode)) {
		return fmt.Errorf("verify: after writing, %s still differs from %s: +%d ~%d -%d", c.Collection, src.Describe(), res.Add, res.Update, res.Delete)
	}
	// The collection holds its source now: a seed begun before is over,
	// whatever the mode.
	if err := r.setSeeding(c.Collection, ""); err != nil {
		return fmt.Errorf("the content is loaded, but saving the state failed: %w", err)
	}
	if st := pc.stats; st != nil {
		fmt.Fprintf(r.Out, "Content of %s: %d objects written, %d identical skipped, %d deleted; verified: all %d source objects present and identical.\n",
			c.Collection, st.Written, st.Skipped, st.Deleted, idx.Len())
	} else {
		fmt.Fprintf(r.Out, "Content of %s: verified: all %d source objects present and identical.\n", c.Collection, idx.Len())
	}
	return nil
}

// referenceDeferrer is the first pass's writer: an object holding
// references is written without them when it is new, and not at all when
// it is live already (it keeps its references until the second pass).
type referenceDeferrer struct {
	w    content.Writer
	s    *live.ObjectSchema
	live map[string]bool
}

func (rd *referenceDeferrer) Add(o *object.Object) error {
	if !hasReferences(rd.s, o) {
		return rd.w.Add(o)
	}
	if rd.live[o.ID] {
		return nil
	}
	return rd.w.Add(withoutReferences(rd.s, o))
}

func (rd *referenceDeferrer) Close() error { return rd.w.Close() }

// liveIDs reads the UUIDs of a (single-tenant) collection's objects.
func (d *Data) liveIDs(ctx context.Context, s *live.ObjectSchema) (map[string]bool, error) {
	ids := map[string]bool{}
	err := d.Client.ReadObjects(ctx, s, live.ReadOptions{IDsOnly: true, PageSize: d.PageSize}, func(o *object.Object) error {
		ids[o.ID] = true
		return nil
	})
	return ids, err
}
