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
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// Schema is the part of Weaviate apply changes.
type Schema interface {
	Create(ctx context.Context, c collection.Collection) error
	Update(ctx context.Context, c collection.Collection) error
	Delete(ctx context.Context, name string) error
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
	// are skipped. Resumed says the journal comes from an interrupted run.
	Journal *Journal
	Resumed bool
	Out     io.Writer
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
	done := 0
	for i := 0; i < len(p.Changes); i++ {
		c := p.Changes[i]
		if err := ctx.Err(); err != nil {
			return r.interrupted(done, len(p.Changes), err)
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
	return fmt.Sprintf("; colstate apply resumes this plan where it stopped; to abandon it instead and plan afresh, remove %s (snapshots it took are kept)", r.Journal.path)
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
		err = r.step(key("create"), func() error { return r.create(ctx, *c.After) })
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
		if c.Data != nil && c.Data.From != "" {
			err = r.step(key("content"), func() error { return r.content(ctx, key("content"), c) })
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
		{"delete", func() error { return r.delete(ctx, c.Collection) }},
		{"create", func() error { return r.create(ctx, *c.After) }},
		{"restore", func() error {
			if r.Journal != nil {
				r.Data.OnWritten = func(n int) { r.Journal.Progress(key("restore"), int64(n)) }
				defer func() { r.Data.OnWritten = nil }()
			}
			return r.Data.Restore(ctx, plan.Change{Collection: c.Collection, Action: plan.Restore,
				Data: &plan.DataChange{Store: c.Data.Store, Snapshot: c.Data.Snapshot, Reshape: true}})
		}},
	}
	for _, s := range steps {
		fmt.Fprintf(r.Out, "  %s %s\n", c.Collection, s.name)
		if err := r.step(key(s.name), s.fn); err != nil {
			if s.name != "backup" {
				err = fmt.Errorf("%s step: %w; the objects are safe in snapshot %s: run colstate apply again to resume, or colstate restore --mode=replace %s", s.name, err, c.Data.Snapshot, c.Data.Snapshot)
			}
			return err
		}
	}
	return nil
}

func backupOf(c plan.Change) plan.Change {
	reason := "before " + c.Action.String()
	return plan.Change{Collection: c.Collection, Action: plan.Backup, Data: &plan.DataChange{
		Store: c.Data.Store, Snapshot: c.Data.Snapshot, Objects: c.Data.Objects, Reason: reason}}
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
	rec := state.SnapshotRecord{ID: m.ID, Store: c.Data.Store, Policy: c.Data.Policy, Reason: c.Data.Reason, TakenAt: time.Now().UTC(), Collections: map[string]state.DataMark{}}
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

func (r *Runner) create(ctx context.Context, c collection.Collection) error {
	err := r.Schema.Create(ctx, c)
	if err != nil && r.Resumed && r.exists(ctx, c.Name) == nil {
		// A resumed apply: the collection was created before the crash.
		return nil
	}
	return err
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

// content makes a collection hold its content source.
func (r *Runner) content(ctx context.Context, key string, c plan.Change) error {
	if r.Data == nil || r.Content == nil {
		return fmt.Errorf("no data engine")
	}
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
	pr := d.newProgress("content "+c.Collection, c.Data.Add+c.Data.Update)
	bw := d.Client.NewBatchWriter(ctx, s, c.Collection, d.BatchSize, d.InFlight)
	bw.OnWritten = func(n int) {
		pr.Add(n)
		if r.Journal != nil {
			r.Journal.Progress(key, int64(n))
		}
	}
	del := func(ctx context.Context, ids []string) (int64, error) {
		return d.Client.DeleteObjects(ctx, c.Collection, "", ids)
	}
	w := content.KeepVectors(ctx, bw, d.Client, s)
	st, err := content.Apply(ctx, src, s, c.Data.Mode, content.ReadLive(ctx, d.Client, s), w, del, nil)
	pr.Done()
	if err != nil {
		return err
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
	if !res.Empty(c.Data.Mode) {
		return fmt.Errorf("verify: after writing, %s still differs from %s: +%d ~%d -%d", c.Collection, src.Describe(), res.Add, res.Update, res.Delete)
	}
	fmt.Fprintf(r.Out, "Content of %s: %d objects written, %d identical skipped, %d deleted; verified: all %d source objects present and identical.\n",
		c.Collection, st.Written, st.Skipped, st.Deleted, idx.Len())
	return nil
}
