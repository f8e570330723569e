package apply_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
)

// TestJournalPending: of an interrupted apply's unfinished changes, only
// those that cannot be left half done are carried on (a replace past its
// delete step, a create or delete done in Weaviate but not in the state);
// every other one is dropped, to be planned again from the configuration if
// it still asks for it. The next journal records the carried steps as done.
func TestJournalPending(t *testing.T) {
	oldBig := collection.Collection{Name: "Big", Description: "v1"}
	newBig := collection.Collection{Name: "Big", Description: "v2"}
	keep := collection.Collection{Name: "Keep"}
	fresh := collection.Collection{Name: "Fresh"}
	p := &plan.Plan{Binding: &plan.Binding{StateLineage: "lineage"}, Changes: []plan.Change{
		{Collection: "Fresh", Action: plan.Create, After: &fresh},
		{Collection: "Big", Action: plan.Replace, Before: &oldBig, After: &newBig, Data: &plan.DataChange{Snapshot: "s1"}},
		{Collection: "Big", Action: plan.Merge, Data: &plan.DataChange{Content: plan.Content{From: "data.jsonl.big", Mode: plan.ContentSeed}}},
		{Collection: "Keep", Action: plan.Delete, Before: &keep, Data: &plan.DataChange{Snapshot: "s2"}},
	}}
	cases := []struct {
		name    string
		done    []string
		live    []string // live collections
		managed []collection.Collection
		carried string // "change:done,done ..."
		dropped string
	}{
		{name: "nothing ran", live: []string{"Big", "Keep"}, managed: []collection.Collection{oldBig, keep},
			dropped: "1: 2: 3: 4:"},
		{name: "replace backed up, not deleted", done: []string{"2 Big backup"}, live: []string{"Big", "Keep"}, managed: []collection.Collection{oldBig, keep},
			dropped: "1: 2:backup 3: 4:"},
		{name: "replace killed inside its delete", done: []string{"2 Big backup"}, live: []string{"Keep"}, managed: []collection.Collection{oldBig, keep},
			carried: "2:backup", dropped: "1: 3: 4:"},
		{name: "replace mid-restore", done: []string{"2 Big backup", "2 Big delete", "2 Big create"}, live: []string{"Big", "Keep"}, managed: []collection.Collection{oldBig, keep},
			carried: "2:backup,delete,create", dropped: "1: 3: 4:"},
		{name: "replace done, state not saved", done: []string{"2 Big backup", "2 Big delete", "2 Big create", "2 Big restore"}, live: []string{"Big", "Keep"}, managed: []collection.Collection{oldBig, keep},
			carried: "2:backup,delete,create,restore", dropped: "1: 3: 4:"},
		{name: "replace finished", done: []string{"2 Big backup", "2 Big delete", "2 Big create", "2 Big restore"}, live: []string{"Big", "Keep"}, managed: []collection.Collection{newBig, keep},
			dropped: "1: 3: 4:"},
		{name: "create done in Weaviate only", live: []string{"Fresh", "Big", "Keep"}, managed: []collection.Collection{oldBig, keep},
			carried: "1:", dropped: "2: 3: 4:"},
		{name: "create finished, delete backed up and killed inside the delete", done: []string{"1 Fresh create", "2 Big backup", "2 Big delete", "2 Big create", "2 Big restore", "4 Keep backup"}, live: []string{"Fresh", "Big"}, managed: []collection.Collection{fresh, newBig, keep},
			carried: "4:backup", dropped: "3:"},
		{name: "delete finished", done: []string{"1 Fresh create", "2 Big backup", "2 Big delete", "2 Big create", "2 Big restore", "4 Keep backup", "4 Keep delete"}, live: []string{"Fresh", "Big"}, managed: []collection.Collection{fresh, newBig},
			dropped: "3:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := state.Local(filepath.Join(t.TempDir(), "state.json"))
			j, err := apply.NewJournal(path, p, "lineage", 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tc.done {
				if err := j.Mark(k); err != nil {
					t.Fatal(err)
				}
			}
			j, err = apply.LoadJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			st := state.New()
			for _, c := range tc.managed {
				st.Collections[c.Name] = c
			}
			live := map[string]collection.Collection{}
			for _, n := range tc.live {
				live[n] = collection.Collection{Name: n}
			}
			carried, dropped, err := j.Pending(st, live)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(carried); got != tc.carried {
				t.Errorf("carried %q, want %q", got, tc.carried)
			}
			if got := describe(dropped); got != tc.dropped {
				t.Errorf("dropped %q, want %q", got, tc.dropped)
			}
			// The journal of the plan that carries them on records their
			// finished steps under its own numbering.
			next := &plan.Plan{Binding: p.Binding, Changes: append(append([]plan.Change{}, carried...), plan.Change{Collection: "Other", Action: plan.Create, After: &collection.Collection{Name: "Other"}})}
			nj, err := apply.NewJournal(path, next, "lineage", 4)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range carried {
				for _, s := range apply.Steps(next, i) {
					key := strings.Join([]string{strconv.Itoa(i + 1), c.Collection, s}, " ")
					want := strings.Contains(","+strings.Join(c.Resumes.Done, ",")+",", ","+s+",")
					if nj.Done(key) != want {
						t.Errorf("new journal: %s done = %v, want %v", key, nj.Done(key), want)
					}
				}
			}
			if nj.Done(strconv.Itoa(len(carried)+1) + " Other create") {
				t.Error("a fresh change is recorded as done")
			}
		})
	}
}

func describe(cs []plan.Change) string {
	var out []string
	for _, c := range cs {
		out = append(out, strconv.Itoa(c.Resumes.Change)+":"+strings.Join(c.Resumes.Done, ","))
	}
	return strings.Join(out, " ")
}
