// Package apply carries out a plan against Weaviate and records each
// finished change in the state as soon as it is done, so an interrupted
// apply leaves a state that matches what really happened.
package apply

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/plan"
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
	State  *state.State
	// Save persists the state; it is called after every finished change.
	Save func(*state.State) error
	Out  io.Writer
}

// Refusal explains why apply will not run a plan at all.
type Refusal struct{ Reasons []string }

func (r *Refusal) Error() string { return strings.Join(r.Reasons, "\n") }

// Check returns a Refusal when the plan holds a change this version of
// colstate cannot carry out without losing data. Nothing has run yet then.
func Check(p *plan.Plan) error {
	var reasons []string
	for _, c := range p.Changes {
		if c.Action == plan.Replace {
			reasons = append(reasons, fmt.Sprintf(
				"collection %s must be replaced (%s), which deletes and recreates it; colstate cannot yet carry its objects across, so it refuses rather than lose them. "+
					"Revert that change in the configuration, or back the data up, delete the collection by hand and apply again.",
				c.Collection, strings.Join(c.Reasons(), "; ")))
		}
	}
	if len(reasons) > 0 {
		return &Refusal{Reasons: reasons}
	}
	return nil
}

// Run applies every change in order. It stops at the first failure; what
// finished before it is already in the saved state.
func (r *Runner) Run(ctx context.Context, p *plan.Plan) error {
	if err := Check(p); err != nil {
		return err
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
	for _, c := range p.Changes {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted after %d of %d changes: %w", done, len(p.Changes), err)
		}
		fmt.Fprintf(r.Out, "%s %s: %s...\n", c.Action.Symbol(), c.Collection, c.Action)
		var err error
		switch c.Action {
		case plan.Create:
			err = r.Schema.Create(ctx, *c.After)
		case plan.Update:
			err = r.Schema.Update(ctx, *c.After)
		case plan.Delete:
			err = r.Schema.Delete(ctx, c.Collection)
		default:
			err = fmt.Errorf("action %s is not supported", c.Action)
		}
		if err != nil {
			return fmt.Errorf("%s collection %s: %w (%d of %d changes were applied and recorded in the state)", c.Action, c.Collection, err, done, len(p.Changes))
		}
		if c.After != nil {
			r.State.Collections[c.Collection] = *c.After
		} else {
			delete(r.State.Collections, c.Collection)
		}
		if err := r.Save(r.State); err != nil {
			return fmt.Errorf("%s collection %s succeeded but saving the state failed: %w", c.Action, c.Collection, err)
		}
		done++
	}
	fmt.Fprintf(r.Out, "\nApply complete: %d created, %d updated, %d deleted.\n", p.Count(plan.Create), p.Count(plan.Update), p.Count(plan.Delete))
	return nil
}
