package plan

import (
	"fmt"
	"io"
	"maps"
	"slices"
)

// AliasChange says where an alias pointed and where it will point: the
// names of collections.
//
//	Action          Before                 After
//	create_alias    ""                     declared collection
//	retarget_alias  collection it names    declared collection
//	delete_alias    collection it names    ""
//	adopt_alias     collection it names    the same collection
type AliasChange struct {
	Before string `json:"before"`
	After  string `json:"after"`
	// Adopts: the alias exists in Weaviate, but colstate did not create
	// it; from this change on colstate manages it.
	Adopts bool `json:"adopts,omitempty"`
	// Recreate: colstate managed the alias and it was deleted outside
	// colstate.
	Recreate bool `json:"recreate,omitempty"`
}

// aliasTargeted reports whether an alias change is in the plan: -target
// names no collection, or names a collection the alias points at now or
// will point at.
func (in Input) aliasTargeted(cols ...string) bool {
	if len(in.Targets) == 0 {
		return true
	}
	for _, c := range cols {
		if c != "" && slices.Contains(in.Targets, c) {
			return true
		}
	}
	return false
}

// diffAliases plans the alias blocks against the live aliases, given the
// collection changes already planned: creations, retargets and adoptions
// of declared aliases, deletions of managed aliases no longer declared.
// An alias colstate never created or adopted is never touched. It also
// refuses a collection create under a name an alias keeps.
func diffAliases(in Input, changes []Change) (out []Change, forget, notes, problems []string) {
	created, deleted := createdDeleted(changes)
	freed := map[string]bool{} // aliases this plan deletes
	for _, name := range slices.Sorted(maps.Keys(in.ManagedAliases)) {
		if _, declared := in.Aliases[name]; declared {
			continue
		}
		have, live := in.LiveAliases[name]
		if !in.aliasTargeted(have, in.ManagedAliases[name]) {
			continue
		}
		if !live {
			forget = append(forget, name)
			continue
		}
		freed[name] = true
		out = append(out, Change{Collection: name, Action: DeleteAlias, Alias: &AliasChange{Before: have}})
	}
	blueGreen := map[string]bool{}
	for _, d := range in.Desired {
		if d.CreateBeforeDestroy {
			blueGreen[d.Collection.Name] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(in.Aliases)) {
		want := in.Aliases[name]
		have, live := in.LiveAliases[name]
		_, managed := in.ManagedAliases[name]
		if _, backed := in.Backing[want]; backed || blueGreen[want] {
			problems = append(problems, fmt.Sprintf("alias %s points at collection %s, which runs blue/green (lifecycle.create_before_destroy): its name is itself an alias that each replace retargets, and an alias block would stay on the old backing collection, which the replace then deletes; query %s directly (it already resolves to the current collection), or drop create_before_destroy from %s", name, want, want, want))
			continue
		}
		if _, backed := in.Backing[name]; backed {
			problems = append(problems, fmt.Sprintf("alias %s cannot be declared: %s is the alias colstate keeps for the blue/green collection %s; remove the alias block", name, name, name))
			continue
		}
		if to, ok := in.Moved[name]; ok {
			problems = append(problems, fmt.Sprintf("alias %s cannot be declared: a moved block renames collection %s to %s and keeps %s resolving as an alias; remove the alias block or the moved block", name, name, to, name))
			continue
		}
		if !in.aliasTargeted(want, have) {
			continue
		}
		if _, ok := in.Live[want]; !ok && !created[want] && !slices.Contains(in.Exclude, want) {
			problems = append(problems, fmt.Sprintf("alias %s resolves to collection %s, which does not exist in Weaviate and is not created by this plan: add -target=collection.%s", name, want, want))
			continue
		}
		switch {
		case !live:
			if _, isCol := in.Live[name]; isCol && !deleted[name] {
				whose := "that colstate does not manage"
				if _, ok := in.Managed[name]; ok {
					whose = "that colstate manages"
				}
				problems = append(problems, fmt.Sprintf("alias %s cannot be created: Weaviate has a collection named %s %s, and an alias cannot take a collection's name; rename the alias block, or delete the collection first (remove its collection block if colstate manages it)", name, name, whose))
				continue
			}
			out = append(out, Change{Collection: name, Action: CreateAlias, Alias: &AliasChange{After: want, Recreate: managed}})
		case have == want && managed:
		case have == want:
			out = append(out, Change{Collection: name, Action: AdoptAlias, Alias: &AliasChange{Before: have, After: want, Adopts: true}})
		default:
			out = append(out, Change{Collection: name, Action: RetargetAlias, Alias: &AliasChange{Before: have, After: want, Adopts: !managed}})
		}
	}
	for _, c := range changes {
		if target, ok := in.LiveAliases[c.Collection]; ok && c.Action == Create && !freed[c.Collection] {
			if BlueGreenNamed(c.Collection, target) {
				// Deleting the alias, as the message below advises, would
				// create the name empty next to the collection holding the
				// objects.
				problems = append(problems, fmt.Sprintf("collection %s cannot be created: %s is a Weaviate alias of collection %s, named as a blue/green replace names the collection behind it, but the state does not record it (colstate state rm, or a lost state); "+
					"adopt it again with colstate import %s, which records %s as the blue/green collection %s; nothing was changed", c.Collection, c.Collection, target, c.Collection, target, c.Collection))
				continue
			}
			problems = append(problems, fmt.Sprintf("collection %s cannot be created: %s is the name of a Weaviate alias of collection %s, and Weaviate cannot create a collection under a name an alias holds; "+
				"rename the collection block, or, if the alias is no longer wanted, delete it (DELETE /v1/aliases/%s) and plan again; nothing was changed", c.Collection, c.Collection, target, c.Collection))
		}
	}
	// An alias left pointing at a collection this plan deletes: Weaviate
	// deletes the collection and keeps the alias, which then resolves to
	// nothing (checked on 1.35.2).
	moved := map[string]bool{}
	for _, c := range out {
		moved[c.Collection] = true
	}
	for _, name := range slices.Sorted(maps.Keys(in.LiveAliases)) {
		if t := in.LiveAliases[name]; deleted[t] && !moved[name] {
			notes = append(notes, fmt.Sprintf("alias %s points at collection %s, which this plan deletes; colstate does not manage the alias and leaves it: Weaviate keeps it, resolving to nothing, until it is retargeted or deleted", name, t))
		}
	}
	return out, forget, notes, problems
}

// aliasPhase places an alias change among the collection changes (see
// orderChanges): after the collections it points at are created, before
// the collection it pointed at is deleted. An alias deleted to free its
// name for a collection goes first; one created under the name of a
// collection this plan deletes goes last.
func aliasPhase(c Change, created, deleted map[string]bool) int {
	switch {
	case c.Action == DeleteAlias && created[c.Collection]:
		return 5
	case c.Action == DeleteAlias:
		return 57
	case c.Action == CreateAlias && deleted[c.Collection]:
		return 70
	}
	return 55
}

// writeAliasChange shows an alias change in the human plan.
func writeAliasChange(w io.Writer, c Change, o RenderOptions) {
	a := c.Alias
	if a == nil {
		a = &AliasChange{}
	}
	fmt.Fprintf(w, "  %s alias %s %s\n", o.mark(c.Action), o.paint(ansiBold, c.Collection), c.Action.Verb())
	switch c.Action {
	case CreateAlias:
		fmt.Fprintf(w, "      %s collection = %s\n", o.mark(CreateAlias), a.After)
		if a.Recreate {
			fmt.Fprintf(w, "      note: colstate manages alias %s, but it was deleted outside colstate; apply creates it again\n", c.Collection)
		}
	case RetargetAlias:
		fmt.Fprintf(w, "      %s collection = %s → %s\n", o.mark(RetargetAlias), a.Before, a.After)
		fmt.Fprintf(w, "      queries through %s switch to %s at once (one call)\n", c.Collection, a.After)
		if a.Adopts {
			fmt.Fprintf(w, "      note: the alias exists in Weaviate but colstate did not create it; from this apply on colstate manages it\n")
		}
	case DeleteAlias:
		fmt.Fprintf(w, "      %s collection = %s (the collection itself stays)\n", o.mark(DeleteAlias), a.Before)
	case AdoptAlias:
		fmt.Fprintf(w, "      already points at collection %s in Weaviate, as declared: colstate records it in its state and changes nothing in Weaviate\n", a.After)
	}
}

// aliasDetail is an alias change's line in the markdown table.
func aliasDetail(c Change) string {
	a := c.Alias
	if a == nil {
		return ""
	}
	switch c.Action {
	case CreateAlias:
		return "alias → collection " + a.After
	case RetargetAlias:
		return fmt.Sprintf("alias → collection %s (was %s)", a.After, a.Before)
	case DeleteAlias:
		return fmt.Sprintf("alias of collection %s; the collection stays", a.Before)
	case AdoptAlias:
		return "alias → collection " + a.After + ", already live: recorded in the state only"
	}
	return ""
}

// fits reports whether the alias change holds what its action needs (a
// saved plan is checked with it).
func (a *AliasChange) fits(act Action) bool {
	switch act {
	case CreateAlias:
		return a.Before == "" && a.After != ""
	case RetargetAlias:
		return a.Before != "" && a.After != "" && a.Before != a.After
	case DeleteAlias:
		return a.Before != "" && a.After == ""
	case AdoptAlias:
		return a.Before != "" && a.Before == a.After
	}
	return false
}
