package apply_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// Two new collections referring to each other are created, the held-back
// reference property of the first added once the second exists; an apply
// interrupted after both creates adds it when resumed from its journal,
// and the collections end with their properties in the planned order.
func TestApplyReferenceCycleResumes(t *testing.T) {
	e := newEnv(t)
	a, b := weaviatetest.Name(t, "A"), weaviatetest.Name(t, "B")
	col := func(name string, props ...collection.Property) *collection.Collection {
		c := collection.Collection{Name: name, Vectorizer: "none", Properties: props}
		collection.Normalize(&c)
		return &c
	}
	ca := col(a, collection.NewProperty("b", b), collection.NewProperty("name", "text"))
	cb := col(b, collection.NewProperty("a", a), collection.NewProperty("self", b))
	p := &plan.Plan{Changes: []plan.Change{
		{Collection: a, Action: plan.Create, After: ca},
		{Collection: b, Action: plan.Create, After: cb},
	}}
	dir := t.TempDir()
	journal, err := apply.NewJournal(state.Local(filepath.Join(dir, "state.json")), p, "l", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	saves := 0
	var out bytes.Buffer
	r := &apply.Runner{Schema: e.c, Data: e.data(), State: state.New(), Journal: journal, Out: &out,
		Save: func(*state.State) error {
			if saves++; saves == 2 {
				cancel() // both collections created, the held-back property not yet added
			}
			return nil
		}}
	if err := r.Run(ctx, p); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("err = %v\n%s", err, out.String())
	}
	if props := propertyNames(e.schema(a)); strings.Join(props, ",") != "" {
		t.Fatalf("%s was created with %v before %s existed", a, props, b)
	}

	journal, err = apply.LoadJournal(state.Local(filepath.Join(dir, "state.json")))
	if err != nil || journal == nil {
		t.Fatalf("journal: %v", err)
	}
	out.Reset()
	r = &apply.Runner{Schema: e.c, Data: e.data(), State: state.New(), Journal: journal, Out: &out,
		Save: func(*state.State) error { return nil }}
	if err := r.Run(e.ctx, p); err != nil {
		t.Fatalf("resume: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "done before the interruption") || !strings.Contains(out.String(), a+": added b, name once") {
		t.Fatalf("resume output:\n%s", out.String())
	}
	if got := strings.Join(propertyNames(e.schema(a)), ","); got != "b,name" {
		t.Fatalf("%s has properties %s, want b,name", a, got)
	}
	if got := strings.Join(propertyNames(e.schema(b)), ","); got != "a,self" {
		t.Fatalf("%s has properties %s, want a,self", b, got)
	}
	live, err := e.c.Collections(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := collection.Diff(live[a], *ca); len(d) > 0 {
		t.Fatalf("%s differs from the plan: %+v", a, d)
	}
}

func propertyNames(cl live.Class) []string {
	var out []string
	for _, p := range live.SchemaOf(cl).Properties {
		out = append(out, p.Name)
	}
	return out
}
