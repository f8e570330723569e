package state_test

import (
	"context"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/s3test"
	"github.com/colstate/colstate/internal/state"
)

// TestJournalBesideRemoteState: the apply journal lives beside a state in a
// bucket, so an apply that dies with its CI job is found, with its finished
// steps, by the next job on another machine (another Backend of the same
// URL), and carried on from there; apply's end removes it for everyone.
func TestJournalBesideRemoteState(t *testing.T) {
	gw := s3test.Server(t)
	gw.SetEnv(t)
	ctx := context.Background()
	url := gw.URL(s3test.Prefix(t) + "/prod.json")
	open := func() *state.Backend {
		b, err := state.OpenURL(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	oldBig := collection.Collection{Name: "Big", Description: "v1"}
	newBig := collection.Collection{Name: "Big", Description: "v2"}
	p := &plan.Plan{Binding: &plan.Binding{StateLineage: "lineage"}, Changes: []plan.Change{
		{Collection: "Big", Action: plan.Replace, Before: &oldBig, After: &newBig, Data: &plan.DataChange{Snapshot: "s1"}},
	}}

	job1 := open()
	j, err := apply.NewJournal(job1, p, "lineage", 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"1 Big backup", "1 Big delete"} {
		if err := j.Mark(step); err != nil {
			t.Fatal(err)
		}
	}
	// Job 1 dies here. Job 2 runs elsewhere.
	job2 := open()
	found, err := apply.LoadJournal(job2)
	if err != nil || found == nil {
		t.Fatalf("job 2 finds no journal: %v", err)
	}
	if !strings.HasPrefix(found.Path(), "s3://"+s3test.Bucket+"/") || !strings.HasSuffix(found.Path(), "/prod.json.journal") {
		t.Fatalf("journal path %s", found.Path())
	}
	st := state.New()
	st.Collections["Big"] = oldBig
	carried, _, err := found.Pending(st, map[string]collection.Collection{})
	if err != nil {
		t.Fatal(err)
	}
	if len(carried) != 1 || strings.Join(carried[0].Resumes.Done, ",") != "backup,delete" {
		t.Fatalf("carried %+v", carried)
	}
	if err := found.Remove(); err != nil {
		t.Fatal(err)
	}
	if again, err := apply.LoadJournal(open()); err != nil || again != nil {
		t.Fatalf("after Remove: %+v, %v", again, err)
	}
}
