package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/colstate/colstate/internal/collection"
)

// A moved block (moved { from = collection.Old, to = collection.New })
// renames a collection. Weaviate cannot rename one, so colstate carries it
// out as a blue/green replace into a collection named New (BlueGreen with
// Rename set): New is created with its declared schema, every object is
// copied across and caught up, then Old is deleted and at once the alias
// Old → New is created, so the old name keeps resolving. The alias stays
// while the moved block does; once the configuration drops the block, the
// plan deletes the alias (Plan.DropAliases).

// renames returns the moved blocks that still have to run, by the name
// they move to: from is managed and live, to is neither.
func (in Input) renames() map[string]string {
	out := map[string]string{}
	for from, to := range in.Moved {
		_, fromLive := in.Live[from]
		_, fromManaged := in.Managed[from]
		_, toLive := in.Live[to]
		_, toManaged := in.Managed[to]
		if fromLive && fromManaged && !toLive && !toManaged && !in.Taken[to] {
			out[to] = from
		}
	}
	return out
}

// renameChange is the change that moves collection from to d.
func (in Input) renameChange(from string, d Desired) Change {
	want := d.Collection
	have := in.Live[from]
	have.Name = want.Name
	c := Change{Collection: want.Name, Action: Replace, Before: &have, After: &want, Fields: collection.Diff(have, want)}
	c.Data = &DataChange{Store: in.Store, Snapshot: in.newID(), Objects: in.Counts[from],
		Reshaping: Reshaping{Reshape: true, DropProperties: removedProperties(c.Fields)}}
	c.Data.DropVectors, c.Data.VectorFrom, c.Data.VectorFromIgnored = droppedVectors(in.Live[from], want, d.VectorFrom)
	if d.NoBackupBeforeDestroy {
		c.Data.Snapshot = ""
	}
	c.BlueGreen = &BlueGreen{Alias: from, From: from, To: want.Name, FirstAlias: true, Rename: true}
	return c
}

// renameProblems refuses a rename colstate cannot carry out.
func (in Input) renameProblems(to, from string) []string {
	have, want := in.Live[from], in.desired(to)
	if want == nil {
		return nil
	}
	var out []string
	if have.MultiTenancy.Enabled || want.MultiTenancy.Enabled {
		out = append(out, fmt.Sprintf("moved from collection.%s to collection.%s: renaming a multi-tenant collection is not supported yet; remove the moved block and restore a snapshot under the new name instead (colstate restore --as %s)", from, to, to))
	}
	if refs := in.referrers(from); len(refs) > 0 {
		out = append(out, fmt.Sprintf("moved from collection.%s to collection.%s: cross-references point at collection %s (%s), and the rename turns its name into an alias, which Weaviate does not resolve in a reference property's data type: "+
			"those references could no longer be queried or written; remove the moved block and restore a snapshot under the new name instead (colstate restore --as %s), then change the references' data types", from, to, from, strings.Join(refs, ", "), to))
	}
	if want.PreventDestroy {
		out = append(out, fmt.Sprintf("moved from collection.%s to collection.%s: the rename deletes collection %s (its name becomes an alias), and collection %s has lifecycle.prevent_destroy set", from, to, from, to))
	}
	return out
}

func (in Input) desired(name string) *Desired {
	for i := range in.Desired {
		if in.Desired[i].Name == name {
			return &in.Desired[i]
		}
	}
	return nil
}

// dropAliases lists the aliases moved blocks made (MovedAliases) whose
// block the configuration no longer has.
func (in Input) dropAliases() []string {
	var out []string
	for _, alias := range slices.Sorted(maps.Keys(in.MovedAliases)) {
		if _, still := in.Moved[alias]; !still && in.Targeted(alias) {
			out = append(out, alias)
		}
	}
	return out
}
