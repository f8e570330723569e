package apply

import (
	"context"
	"fmt"

	"github.com/colstate/colstate/internal/plan"
)

// Aliases is the part of Weaviate alias changes need (live.Client).
type Aliases interface {
	Aliases(ctx context.Context) (map[string]string, error)
	CreateAlias(ctx context.Context, alias, collection string) error
	RetargetAlias(ctx context.Context, alias, collection string) error
	DeleteAlias(ctx context.Context, alias string) error
}

// alias carries out an alias change in one step (each is one call to
// Weaviate) and records it in the state.
func (r *Runner) alias(ctx context.Context, c plan.Change, key func(string) string) error {
	a := c.Alias
	if a == nil {
		return fmt.Errorf("%s of alias %s says nothing of its collection; make the plan again", c.Action, c.Collection)
	}
	if r.Aliases == nil && c.Action != plan.AdoptAlias {
		return fmt.Errorf("no alias client")
	}
	var err error
	switch c.Action {
	case plan.CreateAlias:
		err = r.step(key("create_alias"), func() error {
			err := r.Aliases.CreateAlias(ctx, c.Collection, a.After)
			if err == nil {
				return nil
			}
			// A resumed apply whose create went through before the crash
			// finds the alias already there, as planned.
			now, lerr := r.Aliases.Aliases(ctx)
			if lerr != nil {
				return err
			}
			if target, ok := now[c.Collection]; ok {
				if target == a.After {
					return nil
				}
				return fmt.Errorf("%w: alias %s exists in Weaviate already, pointing at collection %s (made since the plan, outside colstate); nothing was changed for it: run colstate plan again", err, c.Collection, target)
			}
			return err
		})
	case plan.RetargetAlias:
		err = r.step(key("retarget_alias"), func() error { return r.Aliases.RetargetAlias(ctx, c.Collection, a.After) })
	case plan.DeleteAlias:
		err = r.step(key("delete_alias"), func() error { return r.Aliases.DeleteAlias(ctx, c.Collection) })
	case plan.AdoptAlias:
		// Nothing changes in Weaviate: the state records the alias.
		err = r.step(key("adopt_alias"), func() error { return nil })
	default:
		return fmt.Errorf("action %s is not supported", c.Action)
	}
	if err != nil {
		return err
	}
	if r.State.Aliases == nil {
		r.State.Aliases = map[string]string{}
	}
	if c.Action == plan.DeleteAlias {
		delete(r.State.Aliases, c.Collection)
	} else {
		r.State.Aliases[c.Collection] = a.After
	}
	if err := r.Save(r.State); err != nil {
		return fmt.Errorf("succeeded, but saving the state failed: %w", err)
	}
	return nil
}

// noun names what a change changes, for messages: "collection" or "alias".
func noun(c plan.Change) string {
	if c.Action.IsAlias() {
		return "alias"
	}
	return "collection"
}
