package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// missing is how the workspace reports a collection absent from Weaviate.
var missing = errors.New("collection X does not exist in Weaviate at http://wv")

// snap is a snapshot "s1" in store "st" holding A (3 objects), B (5
// objects in 2 tenants, refers to C) and C (0 objects).
func snap() SnapshotFacts {
	return SnapshotFacts{ID: "s1", Store: "st", Collections: []SnapshotCollection{
		{Name: "A", Objects: 3},
		{Name: "B", Objects: 5, Tenants: 2, Refers: []string{"C"}},
		{Name: "C"},
	}}
}

// absent is the facts of a collection that does not exist.
func absent() CollectionFacts { return CollectionFacts{Missing: missing} }

func TestPlanRestore(t *testing.T) {
	managed := func(objects int64) CollectionFacts { return CollectionFacts{Managed: true, Objects: objects} }
	tests := []struct {
		name string
		opts RestoreOptions
		live map[string]CollectionFacts
		snap func(*SnapshotFacts)
		want []Change
		err  string
	}{{
		name: "create into absent collections, referenced ones first",
		live: map[string]CollectionFacts{"A": absent(), "B": absent(), "C": absent()},
		want: []Change{
			{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3, CreateSchema: true}},
			{Collection: "C", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", CreateSchema: true}},
			{Collection: "B", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 5, Tenants: 2, CreateSchema: true}},
		},
	}, {
		name: "create into an existing managed collection keeps its schema",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreCreate},
		live: map[string]CollectionFacts{"A": managed(0)},
		want: []Change{{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3}}},
	}, {
		name: "whole snapshot never writes into an unmanaged collection",
		opts: RestoreOptions{Mode: RestoreMerge},
		live: map[string]CollectionFacts{"A": {Objects: 7}, "B": absent(), "C": absent()},
		err:  "restore --mode=merge would write into collection A, which colstate does not manage; nothing was changed. colstate changes a collection it does not manage only when the command names it: add --collection A (or restore it under another name with --collection A --as NEW_NAME)",
	}, {
		name: "an unmanaged collection named on the command line is marked",
		opts: RestoreOptions{Collections: []string{"A"}},
		live: map[string]CollectionFacts{"A": {}},
		want: []Change{{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3}, Unmanaged: true}},
	}, {
		name: "merge into a live collection",
		opts: RestoreOptions{Collections: []string{"B"}, Mode: RestoreMerge},
		live: map[string]CollectionFacts{"B": managed(9)},
		want: []Change{{Collection: "B", Action: Merge, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 5, Tenants: 2}}},
	}, {
		name: "merge needs a live collection",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreMerge},
		live: map[string]CollectionFacts{"A": absent()},
		err:  "collection A does not exist: --mode=merge needs a live collection (restore without --mode creates it)",
	}, {
		name: "replace backs up and clears every collection before any restore",
		opts: RestoreOptions{Mode: RestoreReplace},
		live: map[string]CollectionFacts{
			"A": managed(4),
			"B": {Managed: true, Objects: 1, Tenants: 3, Inactive: []string{"t2", "t3"}},
			"C": absent(),
		},
		want: []Change{
			{Collection: "A", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "b1", Objects: 4}},
			{Collection: "B", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "b1", Objects: 1, Tenants: 3, Inactive: 2}},
			{Collection: "A", Action: Clear, Data: &DataChange{Objects: 4}},
			{Collection: "B", Action: Clear, Data: &DataChange{Objects: 1, Tenants: 3, Inactive: 2}},
			{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3}},
			{Collection: "C", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", CreateSchema: true}},
			{Collection: "B", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 5, Tenants: 2}},
		},
	}, {
		name: "replace of an empty collection takes no backup",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreReplace},
		live: map[string]CollectionFacts{"A": managed(0)},
		want: []Change{
			{Collection: "A", Action: Clear, Data: &DataChange{}},
			{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3}},
		},
	}, {
		name: "replace --no-backup",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreReplace, NoBackup: true},
		live: map[string]CollectionFacts{"A": managed(4)},
		want: []Change{
			{Collection: "A", Action: Clear, Data: &DataChange{Objects: 4}},
			{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3}},
		},
	}, {
		name: "replace with backup_before_destroy = false",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreReplace},
		live: map[string]CollectionFacts{"A": {Managed: true, Objects: 4, Lifecycle: Lifecycle{NoBackupBeforeDestroy: true}}},
		want: []Change{
			{Collection: "A", Action: Clear, Data: &DataChange{Objects: 4}},
			{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3}},
		},
	}, {
		name: "replace refuses prevent_destroy",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreReplace},
		live: map[string]CollectionFacts{"A": {Managed: true, Lifecycle: Lifecycle{PreventDestroy: true}}},
		err:  "collection A has lifecycle { prevent_destroy = true }: colstate refuses to clear and replace it",
	}, {
		name: "replace refuses to back up offloaded tenants",
		opts: RestoreOptions{Collections: []string{"B"}, Mode: RestoreReplace},
		live: map[string]CollectionFacts{"B": {Managed: true, Tenants: 2, Offloaded: []string{"f1", "f2"}}},
		err:  "collection B has offloaded (FROZEN) tenants colstate cannot read: f1, f2; load them back (activityStatus HOT or COLD) before backing it up",
	}, {
		name: "replace --no-backup does not read offloaded tenants",
		opts: RestoreOptions{Collections: []string{"B"}, Mode: RestoreReplace, NoBackup: true},
		live: map[string]CollectionFacts{"B": {Managed: true, Tenants: 2, Offloaded: []string{"f1"}}},
		want: []Change{
			{Collection: "B", Action: Clear, Data: &DataChange{Tenants: 2}},
			{Collection: "B", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 5, Tenants: 2}},
		},
	}, {
		name: "replace from a snapshot without vectors refuses to drop vectors the objects bring",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreReplace},
		snap: func(s *SnapshotFacts) { s.NoVectors = true },
		live: map[string]CollectionFacts{"A": {Managed: true, Objects: 1, SelfVectors: []string{"", "img"}}},
		err:  "snapshot s1 was taken with --no-vectors, and no vectorizer module makes the vectors of collection A (its vector, named vector img: the objects bring them): restore --mode=replace would clear A and write its objects back without vectors; nothing was changed. Use --mode=merge",
	}, {
		name: "replace from a snapshot without vectors, vectors made by a module",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreReplace, NoBackup: true},
		snap: func(s *SnapshotFacts) { s.NoVectors = true },
		live: map[string]CollectionFacts{"A": {Managed: true, Objects: 1}},
		want: []Change{
			{Collection: "A", Action: Clear, Data: &DataChange{Objects: 1}},
			{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3, NoVectors: true}},
		},
	}, {
		name: "replace from a snapshot without vectors into an empty collection",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreReplace},
		snap: func(s *SnapshotFacts) { s.NoVectors = true },
		live: map[string]CollectionFacts{"A": {Managed: true, SelfVectors: []string{""}}},
		want: []Change{
			{Collection: "A", Action: Clear, Data: &DataChange{}},
			{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3, NoVectors: true}},
		},
	}, {
		name: "replace into an absent collection creates it",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreReplace},
		live: map[string]CollectionFacts{"A": absent()},
		want: []Change{{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3, CreateSchema: true}}},
	}, {
		name: "--as restores under another name",
		opts: RestoreOptions{Collections: []string{"B"}, As: "B2"},
		live: map[string]CollectionFacts{"B2": absent()},
		want: []Change{{Collection: "B2", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Source: "B", Objects: 5, Tenants: 2, CreateSchema: true}}},
	}, {
		name: "--as into an unmanaged live collection is marked",
		opts: RestoreOptions{Collections: []string{"A"}, As: "Other", Mode: RestoreReplace, NoBackup: true},
		live: map[string]CollectionFacts{"Other": {Objects: 2}},
		want: []Change{
			{Collection: "Other", Action: Clear, Data: &DataChange{Objects: 2}, Unmanaged: true},
			{Collection: "Other", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Source: "A", Objects: 3}, Unmanaged: true},
		},
	}, {
		name: "--as needs one collection",
		opts: RestoreOptions{As: "X"},
		err:  "--as renames one collection: choose it with --collection (the snapshot has [A B C])",
	}, {
		name: "--as same name is no rename",
		opts: RestoreOptions{Collections: []string{"A"}, As: "A"},
		live: map[string]CollectionFacts{"A": absent()},
		want: []Change{{Collection: "A", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3, CreateSchema: true}}},
	}, {
		name: "a collection the snapshot lacks",
		opts: RestoreOptions{Collections: []string{"A", "Z"}},
		err:  "snapshot s1 has no collection Z (it has [A B C])",
	}, {
		name: "an unknown mode",
		opts: RestoreOptions{Mode: "upsert"},
		err:  "--mode=upsert: use create, merge or replace",
	}, {
		name: "facts not gathered",
		opts: RestoreOptions{Collections: []string{"A"}},
		err:  "internal error: no facts were gathered for collection A",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snap()
			if tt.snap != nil {
				tt.snap(&s)
			}
			p, err := PlanRestore(RestoreFacts{Snapshot: s, Options: tt.opts, BackupID: "b1", Live: tt.live})
			check(t, p, err, tt.want, tt.err)
		})
	}
}

// check compares a planner's result with the wanted changes, or its error
// with the wanted error's beginning.
func check(t *testing.T, p *Plan, err error, want []Change, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.HasPrefix(err.Error(), wantErr) {
			t.Fatalf("error = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Changes, want) {
		t.Errorf("changes:\n%s\nwant:\n%s", describe(p.Changes), describe(want))
	}
}

func describe(changes []Change) string {
	var b strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&b, "%v %s", c.Action, c.Collection)
		if c.Unmanaged {
			b.WriteString(" (unmanaged)")
		}
		if c.Data != nil {
			j, _ := json.Marshal(c.Data)
			b.WriteString(" " + string(j))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestRestoreSelection(t *testing.T) {
	sources, targets, err := RestoreSelection(snap(), RestoreOptions{})
	if err != nil || strings.Join(sources, ",") != "A,B,C" || strings.Join(targets, ",") != "A,B,C" {
		t.Fatalf("whole snapshot: %v %v %v", sources, targets, err)
	}
	sources, targets, err = RestoreSelection(snap(), RestoreOptions{Collections: []string{"B"}, As: "B2", Mode: RestoreMerge})
	if err != nil || strings.Join(sources, ",") != "B" || strings.Join(targets, ",") != "B2" {
		t.Fatalf("--as: %v %v %v", sources, targets, err)
	}
}

func TestPlanRestoreReferenceOrder(t *testing.T) {
	// Referrers come after what they refer to; a self-reference and a
	// reference to a collection not restored do not count; a cycle comes
	// last, in the snapshot's order.
	s := SnapshotFacts{ID: "s1", Collections: []SnapshotCollection{
		{Name: "Post", Refers: []string{"Author", "Tag"}},
		{Name: "Tag", Refers: []string{"Tag"}},
		{Name: "Author", Refers: []string{"Org", "Elsewhere"}},
		{Name: "X", Refers: []string{"Y"}},
		{Name: "Y", Refers: []string{"X"}},
		{Name: "Org"},
	}}
	live := map[string]CollectionFacts{}
	for _, c := range s.Collections {
		live[c.Name] = absent()
	}
	p, err := PlanRestore(RestoreFacts{Snapshot: s, Live: live})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, c.Collection)
	}
	if want := "Tag,Org,Author,Post,X,Y"; strings.Join(got, ",") != want {
		t.Errorf("order = %s, want %s", strings.Join(got, ","), want)
	}
}

func TestPlanBackup(t *testing.T) {
	tests := []struct {
		name  string
		facts BackupFacts
		want  []Change
		err   string
	}{{
		name: "counts, tenants and inactive tenants",
		facts: BackupFacts{Names: []string{"B", "A"}, Store: "st", Snapshot: "s2", NoVectors: true, Live: map[string]CollectionFacts{
			"A": {Objects: 3},
			"B": {Objects: 4, Tenants: 3, Inactive: []string{"cold"}},
		}},
		want: []Change{
			{Collection: "B", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "s2", NoVectors: true, Objects: 4, Tenants: 3, Inactive: 1}},
			{Collection: "A", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "s2", NoVectors: true, Objects: 3}},
		},
	}, {
		name: "a missing collection",
		facts: BackupFacts{Names: []string{"A", "X"}, Live: map[string]CollectionFacts{
			"A": {}, "X": absent(),
		}},
		err: missing.Error(),
	}, {
		name:  "offloaded tenants are refused",
		facts: BackupFacts{Names: []string{"A"}, Live: map[string]CollectionFacts{"A": {Tenants: 1, Offloaded: []string{"frozen"}}}},
		err:   "collection A has offloaded (FROZEN) tenants colstate cannot read: frozen;",
	}, {
		name:  "schema only reads no tenant",
		facts: BackupFacts{Names: []string{"A"}, Store: "st", Snapshot: "s2", SchemaOnly: true, Live: map[string]CollectionFacts{"A": {Tenants: 1, Offloaded: []string{"frozen"}}}},
		want:  []Change{{Collection: "A", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "s2", SchemaOnly: true, Tenants: 1}}},
	}, {
		name:  "prevent_destroy does not stop a backup",
		facts: BackupFacts{Names: []string{"A"}, Store: "st", Snapshot: "s2", Live: map[string]CollectionFacts{"A": {Objects: 1, Lifecycle: Lifecycle{PreventDestroy: true}}}},
		want:  []Change{{Collection: "A", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "s2", Objects: 1}}},
	}, {
		name:  "facts not gathered",
		facts: BackupFacts{Names: []string{"A"}},
		err:   "internal error: no facts were gathered for collection A",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PlanBackup(tt.facts)
			check(t, p, err, tt.want, tt.err)
		})
	}
}

func TestBackupNames(t *testing.T) {
	if got, err := BackupNames([]string{"B"}, []string{"A"}); err != nil || strings.Join(got, ",") != "B" {
		t.Errorf("named: %v %v", got, err)
	}
	if got, err := BackupNames(nil, []string{"A", "C"}); err != nil || strings.Join(got, ",") != "A,C" {
		t.Errorf("managed: %v %v", got, err)
	}
	if _, err := BackupNames(nil, nil); err == nil || !strings.Contains(err.Error(), "name the collections to back up") {
		t.Errorf("none: %v", err)
	}
}

func TestPlanClear(t *testing.T) {
	tests := []struct {
		name  string
		facts ClearFacts
		want  []Change
		err   string
	}{{
		name: "backups first, then clears; unmanaged marked",
		facts: ClearFacts{Names: []string{"A", "B"}, Store: "st", BackupID: "b1", Live: map[string]CollectionFacts{
			"A": {Managed: true, Objects: 3},
			"B": {Objects: 2, Tenants: 2, Inactive: []string{"cold"}},
		}},
		want: []Change{
			{Collection: "A", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "b1", Objects: 3}},
			{Collection: "B", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "b1", Objects: 2, Tenants: 2, Inactive: 1}},
			{Collection: "A", Action: Clear, Data: &DataChange{Objects: 3}},
			{Collection: "B", Action: Clear, Data: &DataChange{Objects: 2, Tenants: 2, Inactive: 1}, Unmanaged: true},
		},
	}, {
		name: "--no-backup and backup_before_destroy = false",
		facts: ClearFacts{Names: []string{"A", "B"}, NoBackup: true, Live: map[string]CollectionFacts{
			"A": {Managed: true, Objects: 3},
			"B": {Managed: true, Objects: 1},
		}},
		want: []Change{
			{Collection: "A", Action: Clear, Data: &DataChange{Objects: 3}},
			{Collection: "B", Action: Clear, Data: &DataChange{Objects: 1}},
		},
	}, {
		name: "backup_before_destroy = false",
		facts: ClearFacts{Names: []string{"A"}, Store: "st", BackupID: "b1", Live: map[string]CollectionFacts{
			"A": {Managed: true, Objects: 3, Lifecycle: Lifecycle{NoBackupBeforeDestroy: true}},
		}},
		want: []Change{{Collection: "A", Action: Clear, Data: &DataChange{Objects: 3}}},
	}, {
		name: "prevent_destroy",
		facts: ClearFacts{Names: []string{"A", "B"}, Live: map[string]CollectionFacts{
			"A": {Managed: true}, "B": {Managed: true, Lifecycle: Lifecycle{PreventDestroy: true}},
		}},
		err: "collection B has lifecycle { prevent_destroy = true }: colstate refuses to clear it",
	}, {
		name: "offloaded tenants",
		facts: ClearFacts{Names: []string{"A"}, NoBackup: true, Live: map[string]CollectionFacts{
			"A": {Managed: true, Tenants: 2, Offloaded: []string{"f"}},
		}},
		err: "collection A has offloaded (FROZEN) tenants colstate cannot read or clear: f; load them back (activityStatus HOT or COLD) first",
	}, {
		name:  "a missing collection",
		facts: ClearFacts{Names: []string{"X"}, Live: map[string]CollectionFacts{"X": absent()}},
		err:   missing.Error(),
	}, {
		name: "no names",
		err:  "name the collections to clear",
	}, {
		name:  "facts not gathered",
		facts: ClearFacts{Names: []string{"A"}},
		err:   "internal error: no facts were gathered for collection A",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PlanClear(tt.facts)
			check(t, p, err, tt.want, tt.err)
		})
	}
}

func TestInputTargeted(t *testing.T) {
	tests := []struct {
		in   Input
		name string
		want bool
	}{
		{Input{}, "A", true},
		{Input{Targets: []string{"A"}}, "A", true},
		{Input{Targets: []string{"A"}}, "B", false},
		{Input{Exclude: []string{"A"}}, "A", false},
		{Input{Targets: []string{"A"}, Exclude: []string{"A"}}, "A", false},
	}
	for _, tt := range tests {
		if got := tt.in.Targeted(tt.name); got != tt.want {
			t.Errorf("%+v.Targeted(%s) = %v, want %v", tt.in, tt.name, got, tt.want)
		}
	}
}
