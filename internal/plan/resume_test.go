package plan

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/collection"
)

func TestWithDependenciesAddsReferencedCollections(t *testing.T) {
	ref := func(name string, targets ...string) collection.Collection {
		var props []collection.Property
		for _, tg := range targets {
			props = append(props, collection.NewProperty("to"+tg, tg))
		}
		return col(name, "", props...)
	}
	// Review -> Book -> Author, Book -> Review (a cycle), Other alone.
	desired := des(ref("Review", "Book"), ref("Book", "Author", "Review"), col("Author", ""), col("Other", ""))
	got, notes := WithDependencies(desired, []string{"Review"})
	if strings.Join(got, ",") != "Review,Book,Author" {
		t.Fatalf("targets = %v", got)
	}
	want := []string{
		"-target includes collection Book: collection Review refers to it",
		"-target includes collection Author: collection Book refers to it",
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Fatalf("notes = %q", notes)
	}
	p, err := Diff(Input{Desired: desired, Targets: got})
	if err != nil {
		t.Fatal(err)
	}
	if n := names(p); len(p.Changes) != 3 || !strings.HasPrefix(n, "Author,") {
		t.Fatalf("changes = %s", names(p))
	}
	if got, notes := WithDependencies(desired, nil); got != nil || notes != nil {
		t.Fatalf("no targets became %v %v", got, notes)
	}
	if got, notes := WithDependencies(desired, []string{"Other", "Nope"}); strings.Join(got, ",") != "Other,Nope" || notes != nil {
		t.Fatalf("targets without references became %v %v", got, notes)
	}
}

// An excluded collection (an interrupted apply's carried change finishes it)
// is neither created, deleted, forgotten nor listed as unmanaged.
func TestDiffExclude(t *testing.T) {
	a, b, gone, half := col("A", ""), col("B", ""), col("Gone", ""), col("Half", "")
	p, err := Diff(Input{
		Desired: des(a, b),
		Live:    set(half),
		Managed: set(gone),
		Exclude: []string{"A", "Gone", "Half"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if names(p) != "B" || len(p.Forget) != 0 || len(p.Unmanaged) != 0 {
		t.Fatalf("changes %s, forget %v, unmanaged %v", names(p), p.Forget, p.Unmanaged)
	}
}

func TestPendingJournalIsAChange(t *testing.T) {
	p := &Plan{Interrupted: &Interrupted{Journal: "s.journal", PlanID: "ab", StartedAt: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), Finished: 2,
		Dropped: []string{"- delete Keep (its change 2): the configuration and the live state no longer ask for it, so it is not run"}}}
	if p.Empty() {
		t.Fatal("a plan that settles a pending journal is empty")
	}
	var b bytes.Buffer
	Human(&b, p, RenderOptions{})
	for _, want := range []string{
		"An interrupted apply is pending (journal s.journal, started 2026-12-05T10:00:00Z, 2 steps finished).",
		"  not carried on: - delete Keep (its change 2): the configuration and the live state no longer ask for it, so it is not run",
		"colstate apply -abandon",
		"No changes. Weaviate matches the configuration; apply only removes the journal of the interrupted apply.",
	} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("missing %q in:\n%s", want, b.String())
		}
	}
	big := col("Big", "")
	p.Changes = []Change{{Collection: "Big", Action: Replace, Before: &big, After: &big, Data: &DataChange{Snapshot: "s1"},
		Resumes: &Resumes{Change: 1, Done: []string{"backup", "delete"}, Steps: []string{"backup", "delete", "create", "restore"}}}}
	b.Reset()
	Human(&b, p, RenderOptions{})
	for _, want := range []string{
		"1 change of it cannot be left half done",
		"finishes the interrupted apply (its change 1): done backup, delete; remaining create, restore",
	} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("missing %q in:\n%s", want, b.String())
		}
	}
	// A saved plan keeps the journal it settles.
	p.Binding = &Binding{StateLineage: "l"}
	data, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(data, "x")
	if err != nil {
		t.Fatal(err)
	}
	if back.Interrupted == nil || back.Interrupted.PlanID != "ab" || back.Changes[0].Resumes == nil || back.Changes[0].Resumes.Change != 1 {
		t.Fatalf("round trip lost the journal: %+v", back)
	}
}
