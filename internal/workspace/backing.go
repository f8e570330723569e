package workspace

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
)

// liveView is the live schema as plans see it: a collection name colstate
// turned into an alias (a blue/green replace) shows the collection behind
// it under that name, and the collections behind aliases are not listed
// on their own.
type liveView struct {
	cols    map[string]collection.Collection
	backing map[string]plan.Backing // by collection name that is an alias
	taken   map[string]bool         // every live collection and alias name
	aliases map[string]string       // every live alias → its collection
}

// liveCollections reads the live schema and the aliases. An alias is taken
// for a collection's name when the state manages that name (a blue/green
// replace made it): the differ then compares the declared collection with
// the live collection behind the alias. Any other alias is not a
// collection (plan refuses to create one under its name).
func (ws *Workspace) liveCollections(ctx context.Context, st *state.State) (*liveView, error) {
	cols, err := ws.Client.Collections(ctx)
	if err != nil {
		return nil, err
	}
	aliases, err := ws.Client.Aliases(ctx)
	if err != nil {
		return nil, err
	}
	v := &liveView{cols: cols, backing: map[string]plan.Backing{}, taken: map[string]bool{}, aliases: aliases}
	for name := range cols {
		v.taken[name] = true
	}
	for name := range aliases {
		v.taken[name] = true
	}
	// A name colstate turned into an alias whose alias is gone while the
	// collection behind it is still there: planning it as a collection
	// deleted by hand would create an empty one under the name and leave
	// the objects behind, so refuse with what to do while the configuration
	// declares it.
	for name, rec := range st.Backing {
		if _, alias := aliases[name]; alias {
			continue
		}
		if _, plain := cols[name]; plain || ws.Config.Collection(name) == nil {
			continue // a delete of it (perhaps cut short) is not refused
		}
		if _, ok := cols[rec.Collection]; ok && rec.Collection != "" {
			return nil, fmt.Errorf("collection %s is the alias %s → %s (a blue/green replace), but the alias is gone from Weaviate while %s still holds the objects; "+
				"nothing was changed. Create the alias again (POST /v1/aliases {\"alias\": %q, \"class\": %q}) and run colstate plan again; "+
				"or, to start over without them, run colstate state rm %s and delete %s by hand", name, name, rec.Collection, rec.Collection, name, rec.Collection, name, rec.Collection)
		}
	}
	hide := map[string]bool{}
	for name, target := range aliases {
		// An alias that merely shares a declared collection's name is an
		// alias: the alias planner refuses or moves it.
		if _, plain := cols[name]; plain || !keptName(st, name) {
			continue
		}
		b := plan.Backing{Collection: target}
		if rec, ok := st.Backing[name]; ok {
			b.Previous = rec.Previous
			if !rec.RolledBackAt.IsZero() {
				b.RolledBack = rec.RolledBackAt.UTC().Format(time.RFC3339)
			}
		}
		v.backing[name] = b
		if col, ok := cols[target]; ok {
			col.Name = name
			cols[name] = col
			hide[target] = true
		}
		if b.Previous != "" {
			hide[b.Previous] = true
		}
	}
	for name := range hide {
		if _, aliased := v.backing[name]; !aliased {
			delete(cols, name)
		}
	}
	return v, nil
}

// keptName reports whether name, a live alias, is a name colstate keeps
// for a collection: one the state records as a blue/green name, or the name
// of a collection colstate manages that is now an alias (a first cutover or
// a moved block's cutover cut short before the state was saved). This is
// the one rule for alias names: plans read a kept name as
// the collection behind it, and data commands act on that collection under
// the name. Any other alias — an alias block, a moved block's old name, one
// made outside colstate — is not a collection: plans refuse to create one
// under its name and data commands refuse it (AliasNameError).
func keptName(st *state.State, name string) bool {
	if _, aliasBlock := st.Aliases[name]; aliasBlock {
		return false
	}
	_, bg := st.Backing[name]
	return bg || st.Managed(name)
}

// AliasNameError is the refusal of a name that is a Weaviate alias colstate
// does not keep for a collection (keptName): Weaviate would resolve it, and
// the command would act on Collection under another name. Data commands
// say what to run instead (Refuse).
type AliasNameError struct {
	Name       string // the alias
	Collection string // what it resolves to
}

func (e *AliasNameError) Error() string {
	return e.Refuse("colstate acts on collections", "name the collection "+e.Collection)
}

// Refuse words the refusal for a command: what acts on collections, and the
// command line that names the collection instead.
func (e *AliasNameError) Refuse(what, instead string) string {
	msg := fmt.Sprintf("%s is a Weaviate alias of collection %s, not a collection: %s; %s to act on what the alias resolves to; nothing was changed", e.Name, e.Collection, what, instead)
	if plan.BlueGreenNamed(e.Name, e.Collection) {
		msg += fmt.Sprintf(". If %s is a blue/green name the state no longer records, adopt it again first: colstate import %s", e.Name, e.Name)
	}
	return msg
}

// AdoptBlueGreen is how colstate import adopts name when it is a live
// alias of collection target rather than a collection (cols: the live
// collections). An alias over NAME_vN is named as a blue/green replace
// names the collection behind it: a blue/green name whose record the state
// lost (colstate state rm, a lost state file). It is adopted as one: the
// collection to record under name (target's schema) and its backing record
// (the state's own record when it still names target, with its kept
// previous collection if that is still live). Any other alias is refused,
// naming the collection to import instead.
func AdoptBlueGreen(st *state.State, name, target string, cols map[string]collection.Collection) (collection.Collection, state.Backing, error) {
	if _, aliasBlock := st.Aliases[name]; aliasBlock {
		return collection.Collection{}, state.Backing{}, fmt.Errorf("%s is a Weaviate alias colstate manages from an alias block (colstate state list shows alias.%s), not a collection: import adopts collections; import %s, the collection it points at, instead; nothing was imported", name, name, target)
	}
	if !plan.BlueGreenNamed(name, target) {
		e := &AliasNameError{Name: name, Collection: target}
		return collection.Collection{}, state.Backing{}, errors.New(e.Refuse("import acts on collections", "name the collection (colstate import "+target+"; the aliases that point at it are imported with it)"))
	}
	col, ok := cols[target]
	if !ok {
		return collection.Collection{}, state.Backing{}, fmt.Errorf("%s is a Weaviate alias of collection %s, which does not exist: there is nothing to import; delete the alias (DELETE /v1/aliases/%s) and let colstate create the collection; nothing was imported", name, target, name)
	}
	if st.Managed(target) {
		return collection.Collection{}, state.Backing{}, fmt.Errorf("%s is a Weaviate alias of collection %s, which colstate manages under its own name: remove it from the state first (colstate state rm %s), then import %s; nothing was imported", name, target, target, name)
	}
	col.Name = name
	rec := state.Backing{Collection: target}
	if old, ok := st.Backing[name]; ok && old.Collection == target {
		rec = old
		if _, live := cols[rec.Previous]; !live {
			rec.Previous, rec.PreviousSchema = "", nil
		}
	}
	return col, rec, nil
}

// rollbackNotes explains a replace planned for a collection that colstate
// rollback pointed back at its previous collection: the configuration
// still declares the schema it rolled back from.
func rollbackNotes(p *plan.Plan, backing map[string]plan.Backing) []string {
	var out []string
	for _, c := range p.Changes {
		b, ok := backing[c.Collection]
		if !ok || b.RolledBack == "" || c.Action != plan.Replace {
			continue
		}
		out = append(out, "collection "+c.Collection+" was rolled back (colstate rollback, "+b.RolledBack+") to collection "+b.Collection+
			", whose schema differs from the configuration: this plan replaces it again with the configuration's schema; to keep the rollback, change the configuration back to the schema of "+b.Collection+" (plan then says No changes)")
	}
	return out
}
