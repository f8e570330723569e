package apply_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// Alias changes against the real server: each is recorded in the state as
// it finishes; a create that already went through before a crash (the
// alias is there, pointing where planned) is finished, not failed, while
// an alias pointing elsewhere is never taken for colstate's own.
func TestRunnerAliases(t *testing.T) {
	e := newEnv(t)
	a, b := weaviatetest.Name(t, "AlA"), weaviatetest.Name(t, "AlB")
	x, y := weaviatetest.Name(t, "AlX"), weaviatetest.Name(t, "AlY")
	for _, n := range []string{a, b} {
		if err := e.c.CreateRaw(e.ctx, livetest.MultiTenantClass(n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.c.CreateAlias(e.ctx, x, a); err != nil { // created before the crash
		t.Fatal(err)
	}
	st := state.New()
	saves := 0
	r := &apply.Runner{Schema: e.c, Aliases: e.c, State: st, Save: func(*state.State) error { saves++; return nil }, Out: &e.out}
	run := func(changes ...plan.Change) error { return r.Run(e.ctx, &plan.Plan{Changes: changes}) }
	if err := run(plan.Change{Collection: x, Action: plan.CreateAlias, Alias: &plan.AliasChange{After: a}},
		plan.Change{Collection: y, Action: plan.CreateAlias, Alias: &plan.AliasChange{After: a}}); err != nil {
		t.Fatal(err)
	}
	if st.Aliases[x] != a || st.Aliases[y] != a || saves != 2 {
		t.Fatalf("state aliases %v after %d saves", st.Aliases, saves)
	}
	if err := run(plan.Change{Collection: y, Action: plan.RetargetAlias, Alias: &plan.AliasChange{Before: a, After: b}}); err != nil {
		t.Fatal(err)
	}
	aliases, err := e.c.Aliases(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if aliases[y] != b || st.Aliases[y] != b {
		t.Fatalf("after the retarget %s points at %q, the state says %q", y, aliases[y], st.Aliases[y])
	}
	// x points at a; a create planned for b must fail, not adopt it.
	delete(st.Aliases, x)
	err = run(plan.Change{Collection: x, Action: plan.CreateAlias, Alias: &plan.AliasChange{After: b}})
	if err == nil || !strings.Contains(err.Error(), "create_alias alias "+x) || !strings.Contains(err.Error(), "pointing at collection "+a) {
		t.Fatalf("create over an alias pointing elsewhere: %v", err)
	}
	if _, ok := st.Aliases[x]; ok {
		t.Fatal("the state took an alias colstate did not point for its own")
	}
	if err := run(plan.Change{Collection: y, Action: plan.DeleteAlias, Alias: &plan.AliasChange{Before: b}},
		plan.Change{Collection: x, Action: plan.AdoptAlias, Alias: &plan.AliasChange{Before: a, After: a}}); err != nil {
		t.Fatal(err)
	}
	aliases, err = e.c.Aliases(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := aliases[y]; ok || st.Aliases[x] != a || len(st.Aliases) != 1 {
		t.Fatalf("after delete and adopt: live %v, state %v", aliases, st.Aliases)
	}
	if !strings.Contains(e.out.String(), "2 alias changes.") {
		t.Fatalf("apply output:\n%s", e.out.String())
	}
	_ = e.c.DeleteAlias(e.ctx, x)
}

// An interrupted apply's alias changes are never carried on (each is one
// call, never half done): a finished one is neither carried nor dropped,
// an unfinished one is dropped and planned again from the configuration.
func TestJournalPendingAliases(t *testing.T) {
	p := &plan.Plan{Binding: &plan.Binding{StateLineage: "lineage"}, Changes: []plan.Change{
		{Collection: "Cur", Action: plan.CreateAlias, Alias: &plan.AliasChange{After: "A"}},
		{Collection: "Old", Action: plan.RetargetAlias, Alias: &plan.AliasChange{Before: "A", After: "B"}},
		{Collection: "Gone", Action: plan.DeleteAlias, Alias: &plan.AliasChange{Before: "A"}},
	}}
	files := state.Local(filepath.Join(t.TempDir(), "state.json"))
	j, err := apply.NewJournal(files, p, "lineage", 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Mark("1 Cur create_alias"); err != nil {
		t.Fatal(err)
	}
	if j, err = apply.LoadJournal(files); err != nil {
		t.Fatal(err)
	}
	carried, dropped, err := j.Pending(state.New(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(carried) + " | " + describe(dropped); got != " | 2: 3:" {
		t.Fatalf("carried | dropped = %q", got)
	}
	if got := apply.DescribeDropped(dropped[0], "why"); got != "~ retarget_alias Old (its change 2): why" {
		t.Fatalf("dropped: %q", got)
	}
}
