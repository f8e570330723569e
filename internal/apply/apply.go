// Package apply carries out a plan against Weaviate and records each
// finished change in the state as soon as it is done, so an interrupted
// apply leaves a state that matches what really happened.
//
// Runner (apply.go) runs a plan change by change, with the journal;
// replace.go, content.go and backup.go hold its multi-step changes. Data
// (run.go) carries out the data changes: backup.go, restore.go (then
// write.go and verify.go), clear.go; walker.go walks a live collection
// beside a snapshot, merge.go decides what a merge writes, tenants.go
// loops over tenants, schemacheck.go fits a snapshot's schema to a live
// one. weaviate.go declares what apply needs of Weaviate and of a
// snapshot store.
package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/content"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/plan"
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
	// Events, when set, is told of each change started, its progress and
	// its end (docs/apply-json.md); it is passed on to Data.
	Events func(Event)
	// Aliases carries out alias changes; needed only by plans that have some.
	Aliases Aliases
	// OnCutover, when set, is told how long a blue/green replace's switch
	// took: the name's unavailability on a first cutover, the retarget
	// call otherwise.
	OnCutover func(name string, took time.Duration)

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
		if c.Action == plan.Replace && c.BlueGreen == nil && (c.Data == nil || c.Data.Snapshot == "") {
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
	if r.Data != nil {
		// Before the first write, schema writes included: a plan that
		// creates a collection and then fails to fill it over gRPC leaves
		// half its work done.
		if err := r.Data.checkEndpoints(ctx, p, "nothing was applied"); err != nil {
			return err
		}
	}
	for _, name := range p.Forget {
		delete(r.State.Collections, name)
	}
	for _, name := range p.ForgetAliases {
		delete(r.State.Aliases, name)
	}
	if err := r.dropAliases(ctx, p.DropAliases); err != nil {
		return err
	}
	if len(p.Forget) > 0 || len(p.ForgetAliases) > 0 || len(p.DropAliases) > 0 {
		if err := r.Save(r.State); err != nil {
			return fmt.Errorf("save state: %w", err)
		}
	}
	r.deferred, r.pending = deferredProperties(p), nil
	ev := &events{fn: r.Events}
	if r.Data != nil && r.Events != nil {
		r.Data.ev = ev
	}
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
		if c.Action == plan.Backup {
			n = backupRun(p.Changes, i)
		}
		finish := ev.start(i, p.Changes[i:i+n])
		var err error
		if c.Action == plan.Backup {
			err = r.backup(ctx, i, p.Changes[i:i+n])
		} else {
			err = r.change(ctx, i, c)
		}
		finish(err)
		if err != nil {
			if ctx.Err() != nil {
				return r.interrupted(done, len(p.Changes), err)
			}
			return fmt.Errorf("%s %s %s: %w (%d of %d changes were applied and recorded in the state%s)", c.Action, noun(c), c.Collection, err, done, len(p.Changes), r.journalHint())
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
	if n := p.Count(plan.CreateAlias) + p.Count(plan.RetargetAlias) + p.Count(plan.DeleteAlias) + p.Count(plan.AdoptAlias); n > 0 {
		fmt.Fprintf(r.Out, ", %d alias changes", n)
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
		want := *c.After
		if b, ok := r.State.Backing[c.Collection]; ok {
			want.Name = b.Collection // the name is an alias: update the collection behind it
		}
		err = r.step(key("update"), func() error { return r.Schema.Update(ctx, want) })
	case plan.Delete:
		if c.Data != nil && c.Data.Snapshot != "" {
			bc := backupOf(c)
			if b, ok := r.State.Backing[c.Collection]; ok {
				bc.Collection = b.Collection // a snapshot holds collections, not aliases
			}
			err = r.step(key("backup"), func() error { return r.takeSnapshot(ctx, []plan.Change{bc}) })
		}
		if err == nil {
			err = r.step(key("delete"), func() error {
				if _, aliased := r.State.Backing[c.Collection]; aliased {
					return r.deleteAliased(ctx, c.Collection)
				}
				return r.delete(ctx, c.Collection)
			})
		}
	case plan.Replace:
		if c.BlueGreen != nil {
			err = r.blueGreen(ctx, c, key)
			break
		}
		err = r.replace(ctx, c, key)
	case plan.CreateAlias, plan.RetargetAlias, plan.DeleteAlias, plan.AdoptAlias:
		return r.alias(ctx, c, key)
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
		maps.DeleteFunc(r.State.Seeding, func(k, _ string) bool { return strings.HasPrefix(k, c.Collection+"/") }) // its tenants' seeds
		delete(r.State.Backing, c.Collection)
	default:
		return nil
	}
	if err := r.Save(r.State); err != nil {
		return fmt.Errorf("succeeded, but saving the state failed: %w", err)
	}
	return nil
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
