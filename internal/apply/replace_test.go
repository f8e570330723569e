package apply_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
)

// replaceOf plans the replace of an AuthorClass collection whose "name"
// property changes tokenization, carrying its objects in snapshot id.
func (e *env) replaceOf(name, id string, objects int64) *plan.Plan {
	e.t.Helper()
	before := live.FromClass(e.schema(name))
	after := live.FromClass(e.schema(name))
	after.Properties = append([]collection.Property(nil), after.Properties...)
	for i, p := range after.Properties {
		if p.Name == "name" {
			after.Properties[i].Tokenization = "field"
		}
	}
	fields := collection.Diff(before, after)
	if !collection.NeedsReplace(fields) {
		e.t.Fatalf("not a replace: %v", fields)
	}
	return &plan.Plan{Changes: []plan.Change{{Collection: name, Action: plan.Replace, Before: &before, After: &after, Fields: fields,
		Data: &plan.DataChange{Store: e.store, Snapshot: id, Objects: objects, Reshaping: plan.Reshaping{Reshape: true}}}}}
}

func (e *env) runner(j *apply.Journal) *apply.Runner {
	return &apply.Runner{Schema: e.c, Data: e.data(), State: state.New(), Save: func(*state.State) error { return nil },
		Journal: j, Out: &e.out}
}

// autoSchemaClass is what Weaviate's auto-schema makes of a writer's
// insert into an absent AuthorClass collection: default settings.
func autoSchemaClass(name string) live.Class {
	return live.Class{"class": name, "vectorizer": "none", "properties": []any{
		map[string]any{"name": "name", "dataType": []any{"text"}},
		map[string]any{"name": "born", "dataType": []any{"number"}},
	}}
}

// A writer with auto-schema recreates the collection between the
// replace's delete and its create. The resumed apply must not take that
// collection as its own: it refuses before restoring anything into it,
// naming the snapshot that holds the objects, and the writer's object
// stays the only one there.
func TestReplaceNeverAdoptsACollectionItDidNotCreate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		createDone bool // the journal recorded the create step before the crash
	}{
		{"create not journaled", false},
		{"create journaled", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			name := "RpForeign"
			if tc.createDone {
				name += "J"
			}
			t.Cleanup(func() { _ = e.c.Delete(e.ctx, name) })
			e.create(livetest.AuthorClass(name), livetest.Authors(1, 7))
			p := e.replaceOf(name, "pre", 7)
			e.backup("pre", false, name)
			j, err := apply.NewJournal(state.Local(filepath.Join(t.TempDir(), "state.json")), p, "L", 1)
			if err != nil {
				t.Fatal(err)
			}
			steps := []string{"backup", "delete"}
			if tc.createDone {
				steps = append(steps, "create")
			}
			for _, s := range steps {
				if err := j.Mark("1 " + name + " " + s); err != nil {
					t.Fatal(err)
				}
			}
			// The crash came after the delete; then the writer's insert made
			// the collection again.
			if err := e.c.Delete(e.ctx, name); err != nil {
				t.Fatal(err)
			}
			writer := []*object.Object{{ID: livetest.UUID(9, 1), Properties: map[string]any{"name": "written meanwhile", "born": 2000.0}}}
			e.create(autoSchemaClass(name), writer)

			// The next plan carries the half-done replace on (see Journal.Pending).
			p.Changes[0].Resumes = &plan.Resumes{Change: 1, Steps: []string{"backup", "delete", "create", "restore"}, Done: steps}
			err = e.runner(j).Run(e.ctx, p)
			var foreign *apply.ForeignCollectionError
			if !errors.As(err, &foreign) {
				t.Fatalf("resumed replace into a collection it did not create: err = %v\n%s", err, e.out.String())
			}
			for _, want := range []string{"is not the one colstate created", "auto-schema", "safe in snapshot pre", "nothing was written to it"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q: %v", want, err)
				}
			}
			got, err := livetest.ReadAll(e.ctx, e.c, name)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got["/"+writer[0].ID] == nil {
				t.Fatalf("the collection holds %d objects, want only the writer's", len(got))
			}

			// As the error says: with the collection out of the way, the
			// resumed replace completes from its snapshot.
			if err := e.c.Delete(e.ctx, name); err != nil {
				t.Fatal(err)
			}
			if err := e.runner(j).Run(e.ctx, p); err != nil {
				t.Fatalf("resume after the foreign collection was removed: %v\n%s", err, e.out.String())
			}
			e.same(name, livetest.Authors(1, 7))
			if fields := collection.Diff(*p.Changes[0].After, live.FromClass(e.schema(name))); len(fields) > 0 {
				t.Fatalf("the replaced collection differs from the plan: %v", fields)
			}
		})
	}
}

// An object written after the replace's backup is not in the snapshot:
// the delete would lose it, so the replace stops before deleting.
func TestReplaceRefusesToDeleteWhatChangedSinceTheBackup(t *testing.T) {
	e := newEnv(t)
	name := "RpWritten"
	t.Cleanup(func() { _ = e.c.Delete(e.ctx, name) })
	e.create(livetest.AuthorClass(name), livetest.Authors(1, 7))
	p := e.replaceOf(name, "pre", 7)
	e.backup("pre", false, name) // as if the replace's backup step had just run
	late := livetest.Authors(2, 1)
	if err := livetest.Insert(e.ctx, e.c, name, late); err != nil {
		t.Fatal(err)
	}
	err := e.runner(nil).Run(e.ctx, p)
	if err == nil || !strings.Contains(err.Error(), "something wrote to it after the backup") || !strings.Contains(err.Error(), "nothing was deleted") {
		t.Fatalf("replace after a late write: err = %v\n%s", err, e.out.String())
	}
	// Restoring the older snapshot over the collection (--mode=replace)
	// would lose the late write too: the advice must not suggest it.
	if strings.Contains(err.Error(), "restore --mode=replace") {
		t.Fatalf("the refusal suggests a restore that would lose the late write: %v", err)
	}
	got, err := livetest.ReadAll(e.ctx, e.c, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 8 {
		t.Fatalf("%s holds %d objects, want the 8 it had", name, len(got))
	}
}
