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
		name: "a target differing only in case from a live collection is refused in every mode",
		opts: RestoreOptions{Collections: []string{"A"}, Mode: RestoreReplace},
		live: map[string]CollectionFacts{"A": {Missing: errors.New("collection A does not exist"), CaseTwin: "a"}},
		err:  "restore into collection A refused: Weaviate holds collection a, whose name differs only in case, and takes the two for the same collection; nothing was changed. Restore under a name no live collection has in any case with --collection A --as NEW_NAME, or, to restore into a, name it exactly: --collection A --as a",
	}, {
		name: "a renamed target differing only in case from a live collection is refused",
		opts: RestoreOptions{Collections: []string{"A"}, As: "Zz", Mode: RestoreMerge},
		live: map[string]CollectionFacts{"Zz": {Missing: errors.New("collection Zz does not exist"), CaseTwin: "ZZ"}},
		err:  "restore into collection Zz refused: Weaviate holds collection ZZ",
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

// mt is the facts of a managed multi-tenant collection M with tenants a
// (2 objects, HOT), b (3, HOT), c (COLD, not counted) and f (FROZEN).
func mt() CollectionFacts {
	return CollectionFacts{Managed: true, MultiTenant: true, Objects: 5, Tenants: 4,
		Inactive: []string{"c"}, Offloaded: []string{"f"},
		ByStatus: map[string]int{"HOT": 2, "COLD": 1, "FROZEN": 1},
		TenantList: []TenantFact{
			{Name: "a", Status: "HOT", Objects: 2}, {Name: "b", Status: "HOT", Objects: 3},
			{Name: "c", Status: "COLD", Objects: -1}, {Name: "f", Status: "FROZEN", Objects: -1},
		}}
}

func TestParseTenantArgs(t *testing.T) {
	tests := []struct {
		args   []string
		rename bool
		want   []TenantArg
		err    string
	}{
		{args: []string{"a", "b"}, want: []TenantArg{{Name: "a"}, {Name: "b"}}},
		{args: []string{"a=b"}, rename: true, want: []TenantArg{{Name: "a", As: "b"}}},
		{args: []string{"a=a"}, rename: true, want: []TenantArg{{Name: "a"}}},
		{args: []string{"a=b"}, err: "--tenant a=b: only restore renames a tenant"},
		{args: []string{"a="}, rename: true, err: `--tenant "a=": give a tenant name`},
		{args: []string{"=b"}, rename: true, err: `--tenant "=b": give a tenant name`},
		{args: []string{""}, err: `--tenant "": give a tenant name`},
		{args: []string{"t1=bad name"}, rename: true, err: `--tenant t1=bad name: "bad name" is not a name Weaviate accepts`},
		{args: []string{"t1=" + strings.Repeat("x", 65)}, rename: true, err: `--tenant t1=xxx`},
		{args: []string{"t1=" + strings.Repeat("x", 64), "t2=a-b_C9"}, rename: true, want: []TenantArg{{Name: "t1", As: strings.Repeat("x", 64)}, {Name: "t2", As: "a-b_C9"}}},
	}
	for _, tt := range tests {
		got, err := ParseTenantArgs(tt.args, tt.rename)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("%v: error = %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v = %v, %v; want %v", tt.args, got, err, tt.want)
		}
	}
}

func TestPlanTenantBackupAndClear(t *testing.T) {
	live := map[string]CollectionFacts{"M": mt(), "S": {Managed: true, Objects: 4}}
	picked := func(objects int64, inactive int, status map[string]int, picks ...TenantPick) *DataChange {
		return &DataChange{Objects: objects, Tenants: len(picks), Inactive: inactive, TenantStatus: status, OnlyTenants: picks}
	}
	backup := func(dc *DataChange, id string) *DataChange { dc.Store, dc.Snapshot = "st", id; return dc }
	t.Run("backup of two tenants lists only them", func(t *testing.T) {
		p, err := PlanBackup(BackupFacts{Names: []string{"M"}, Store: "st", Snapshot: "s2", Tenants: []TenantArg{{Name: "b"}, {Name: "c"}}, Live: live})
		check(t, p, err, []Change{{Collection: "M", Action: Backup, Data: backup(picked(3, 1, map[string]int{"HOT": 1, "COLD": 1},
			TenantPick{Name: "b", Objects: 3, Status: "HOT"}, TenantPick{Name: "c", Objects: -1, Status: "COLD"}), "s2")}}, "")
	})
	t.Run("an offloaded tenant not picked does not stop the backup", func(t *testing.T) {
		p, err := PlanBackup(BackupFacts{Names: []string{"M"}, Store: "st", Snapshot: "s2", Tenants: []TenantArg{{Name: "a"}}, Live: live})
		check(t, p, err, []Change{{Collection: "M", Action: Backup, Data: backup(picked(2, 0, map[string]int{"HOT": 1}, TenantPick{Name: "a", Objects: 2, Status: "HOT"}), "s2")}}, "")
	})
	refusals := []struct {
		name  string
		facts BackupFacts
		err   string
	}{
		{"unknown tenants are named with those that exist", BackupFacts{Names: []string{"M"}, Tenants: []TenantArg{{Name: "a"}, {Name: "zz"}, {Name: "yy"}}, Live: live},
			"collection M has no tenant zz, yy; nothing was changed. Its tenants: a, b, c, f"},
		{"a tenant given twice", BackupFacts{Names: []string{"M"}, Tenants: []TenantArg{{Name: "a"}, {Name: "a"}}, Live: live},
			"--tenant a is given twice"},
		{"an offloaded tenant picked", BackupFacts{Names: []string{"M"}, Tenants: []TenantArg{{Name: "f"}}, Live: live},
			"tenant f of collection M is offloaded (FROZEN): colstate cannot read it"},
		{"two collections", BackupFacts{Names: []string{"M", "S"}, Tenants: []TenantArg{{Name: "a"}}, Live: live},
			"--tenant picks tenants of one collection: name exactly one collection to back up (got 2: M, S)"},
		{"no collection named", BackupFacts{Tenants: []TenantArg{{Name: "a"}}, Live: live},
			"--tenant picks tenants of one collection"},
		{"a single-tenant collection", BackupFacts{Names: []string{"S"}, Tenants: []TenantArg{{Name: "a"}}, Live: live},
			"collection S is not multi-tenant: --tenant applies only to multi-tenant collections"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PlanBackup(tt.facts)
			check(t, p, err, nil, tt.err)
		})
	}
	t.Run("clear of one tenant is backed up first, that tenant only", func(t *testing.T) {
		p, err := PlanClear(ClearFacts{Names: []string{"M"}, Store: "st", BackupID: "b1", Tenants: []TenantArg{{Name: "a"}}, Live: live})
		a := TenantPick{Name: "a", Objects: 2, Status: "HOT"}
		check(t, p, err, []Change{
			{Collection: "M", Action: Backup, Data: backup(picked(2, 0, map[string]int{"HOT": 1}, a), "b1")},
			{Collection: "M", Action: Clear, Data: picked(2, 0, map[string]int{"HOT": 1}, a)},
		}, "")
	})
	t.Run("clear --tenant keeps the lifecycle guard", func(t *testing.T) {
		guarded := mt()
		guarded.Lifecycle.PreventDestroy = true
		p, err := PlanClear(ClearFacts{Names: []string{"M"}, Tenants: []TenantArg{{Name: "a"}}, Live: map[string]CollectionFacts{"M": guarded}})
		check(t, p, err, nil, "collection M has lifecycle { prevent_destroy = true }")
	})
	t.Run("clear refuses an unknown tenant", func(t *testing.T) {
		p, err := PlanClear(ClearFacts{Names: []string{"M"}, Tenants: []TenantArg{{Name: "nope"}}, Live: live})
		check(t, p, err, nil, "collection M has no tenant nope; nothing was changed. Its tenants: a, b, c, f")
	})
}

// tsnap is a snapshot "s1" in store "st" holding multi-tenant M with
// tenants a (2 objects, HOT) and c (4 objects, COLD).
func tsnap(subset bool) SnapshotFacts {
	return SnapshotFacts{ID: "s1", Store: "st", Collections: []SnapshotCollection{{
		Name: "M", Objects: 6, Tenants: 2, TenantStatus: map[string]int{"HOT": 1, "COLD": 1}, TenantSubset: subset,
		TenantList: []TenantFact{{Name: "a", Status: "HOT", Objects: 2}, {Name: "c", Status: "COLD", Objects: 4}},
	}, {Name: "S", Objects: 1}}}
}

func TestPlanTenantRestore(t *testing.T) {
	restored := func(objects int64, status map[string]int, picks ...TenantPick) *DataChange {
		return &DataChange{Store: "st", Snapshot: "s1", Objects: objects, Tenants: len(picks), TenantStatus: status, OnlyTenants: picks}
	}
	emptyA := mt()
	emptyA.TenantList[0].Objects = 0
	tests := []struct {
		name   string
		subset bool
		opts   RestoreOptions
		live   CollectionFacts
		want   []Change
		err    string
	}{{
		name: "create into an empty live tenant, which gets the snapshot's status back",
		opts: RestoreOptions{Collections: []string{"M"}, Tenants: []TenantArg{{Name: "a"}}},
		live: emptyA,
		want: []Change{{Collection: "M", Action: Restore, Data: restored(2, map[string]int{"HOT": 1}, TenantPick{Name: "a", Objects: 2, Status: "HOT", Live: "HOT"})}},
	}, {
		name: "create refuses a tenant holding objects",
		opts: RestoreOptions{Collections: []string{"M"}, Tenants: []TenantArg{{Name: "a"}}},
		live: mt(),
		err:  "tenant a of collection M already holds 2 objects: --mode=create restores only into an absent or empty tenant; nothing was changed",
	}, {
		name: "rename into a tenant the collection lacks: created",
		opts: RestoreOptions{Collections: []string{"M"}, Tenants: []TenantArg{{Name: "a", As: "a2"}}},
		live: mt(),
		want: []Change{{Collection: "M", Action: Restore, Data: restored(2, map[string]int{"HOT": 1}, TenantPick{Name: "a", As: "a2", Objects: 2, Status: "HOT"})}},
	}, {
		name: "merge upserts into the tenant",
		opts: RestoreOptions{Collections: []string{"M"}, Mode: RestoreMerge, Tenants: []TenantArg{{Name: "a"}}},
		live: mt(),
		want: []Change{{Collection: "M", Action: Merge, Data: restored(2, map[string]int{"HOT": 1}, TenantPick{Name: "a", Objects: 2, Status: "HOT", Live: "HOT"})}},
	}, {
		name: "replace backs up and clears that tenant only",
		opts: RestoreOptions{Collections: []string{"M"}, Mode: RestoreReplace, Tenants: []TenantArg{{Name: "c", As: "b"}}},
		live: mt(),
		want: []Change{
			{Collection: "M", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "b9", Objects: 3, Tenants: 1, TenantStatus: map[string]int{"HOT": 1}, OnlyTenants: []TenantPick{{Name: "b", Objects: 3, Status: "HOT"}}}},
			{Collection: "M", Action: Clear, Data: &DataChange{Objects: 3, Tenants: 1, TenantStatus: map[string]int{"HOT": 1}, OnlyTenants: []TenantPick{{Name: "b", Objects: 3, Status: "HOT"}}}},
			{Collection: "M", Action: Restore, Data: restored(4, map[string]int{"COLD": 1}, TenantPick{Name: "c", As: "b", Objects: 4, Status: "COLD", Live: "HOT"})},
		},
	}, {
		name: "replace --no-backup clears the tenant without a backup",
		opts: RestoreOptions{Collections: []string{"M"}, Mode: RestoreReplace, NoBackup: true, Tenants: []TenantArg{{Name: "a"}}},
		live: mt(),
		want: []Change{
			{Collection: "M", Action: Clear, Data: &DataChange{Objects: 2, Tenants: 1, TenantStatus: map[string]int{"HOT": 1}, OnlyTenants: []TenantPick{{Name: "a", Objects: 2, Status: "HOT"}}}},
			{Collection: "M", Action: Restore, Data: restored(2, map[string]int{"HOT": 1}, TenantPick{Name: "a", Objects: 2, Status: "HOT", Live: "HOT"})},
		},
	}, {
		name:   "a snapshot of some tenants restores only them, even without --tenant",
		subset: true,
		opts:   RestoreOptions{Collections: []string{"M"}, Mode: RestoreReplace, NoBackup: true},
		live:   emptyA,
		want: []Change{
			{Collection: "M", Action: Clear, Data: &DataChange{Objects: 0, Tenants: 2, Inactive: 1, TenantStatus: map[string]int{"HOT": 1, "COLD": 1},
				OnlyTenants: []TenantPick{{Name: "a", Objects: 0, Status: "HOT"}, {Name: "c", Objects: -1, Status: "COLD"}}}},
			{Collection: "M", Action: Restore, Data: restored(6, map[string]int{"HOT": 1, "COLD": 1},
				TenantPick{Name: "a", Objects: 2, Status: "HOT", Live: "HOT"}, TenantPick{Name: "c", Objects: 4, Status: "COLD", Live: "COLD"})},
		},
	}, {
		name: "an unknown tenant is refused, naming the snapshot's",
		opts: RestoreOptions{Collections: []string{"M"}, Tenants: []TenantArg{{Name: "zz"}}},
		live: mt(),
		err:  "snapshot s1 (collection M) has no tenant zz; nothing was changed. Its tenants: a, c",
	}, {
		name: "two tenants into one",
		opts: RestoreOptions{Collections: []string{"M"}, Mode: RestoreMerge, Tenants: []TenantArg{{Name: "a", As: "x"}, {Name: "c", As: "x"}}},
		live: mt(),
		err:  "two --tenant arguments write into tenant x",
	}, {
		name: "--tenant needs one collection",
		opts: RestoreOptions{Tenants: []TenantArg{{Name: "a"}}},
		live: mt(),
		err:  "--tenant picks tenants of one collection: choose it with --collection",
	}, {
		name: "an offloaded live tenant is refused",
		opts: RestoreOptions{Collections: []string{"M"}, Mode: RestoreMerge, Tenants: []TenantArg{{Name: "a", As: "f"}}},
		live: mt(),
		err:  "tenant f of collection M is offloaded (FROZEN): colstate cannot write into it",
	}, {
		name: "merge needs the collection",
		opts: RestoreOptions{Collections: []string{"M"}, Mode: RestoreMerge, Tenants: []TenantArg{{Name: "a"}}},
		live: absent(),
		err:  "collection M does not exist: --mode=merge needs a live collection",
	}, {
		name: "a live collection without tenants",
		opts: RestoreOptions{Collections: []string{"M"}, Mode: RestoreMerge, Tenants: []TenantArg{{Name: "a"}}},
		live: CollectionFacts{Managed: true},
		err:  "collection M is not multi-tenant",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PlanRestore(RestoreFacts{Snapshot: tsnap(tt.subset), Options: tt.opts, BackupID: "b9", Live: map[string]CollectionFacts{"M": tt.live}})
			check(t, p, err, tt.want, tt.err)
		})
	}
}

func TestRenderTenantPicks(t *testing.T) {
	p, err := PlanRestore(RestoreFacts{Snapshot: tsnap(false), BackupID: "b9", Live: map[string]CollectionFacts{"M": mt()},
		Options: RestoreOptions{Collections: []string{"M"}, Mode: RestoreReplace, Tenants: []TenantArg{{Name: "c", As: "b"}, {Name: "a", As: "new"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	Human(&b, p, RenderOptions{})
	for _, want := range []string{
		"only these tenants; the collection's other tenants are not touched:",
		"tenant b: 3 objects, HOT\n",
		"tenant b: 3 objects deleted, stays HOT\n",
		"tenant c → b: 4 objects into the live tenant (HOT), set COLD afterwards as in the snapshot\n",
		"tenant a → new: 2 objects into a new tenant, HOT as in the snapshot\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the plan lacks %q:\n%s", want, b.String())
		}
	}

	// A COLD tenant picked for a backup or a clear: not counted, activated
	// for the work and set back.
	cold := &DataChange{Tenants: 1, Inactive: 1, TenantStatus: map[string]int{"COLD": 1}, OnlyTenants: []TenantPick{{Name: "c", Objects: -1, Status: "COLD"}}}
	b.Reset()
	Human(&b, &Plan{Changes: []Change{
		{Collection: "M", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "b1", Tenants: 1, Inactive: 1, TenantStatus: cold.TenantStatus, OnlyTenants: cold.OnlyTenants}},
		{Collection: "M", Action: Clear, Data: cold},
		{Collection: "M", Action: Merge, Data: &DataChange{Store: "st", Snapshot: "b1", Objects: 4, Tenants: 1, TenantStatus: cold.TenantStatus, OnlyTenants: []TenantPick{{Name: "c", As: "d", Objects: 4, Status: "COLD"}}}},
	}}, RenderOptions{})
	for _, want := range []string{
		"tenant c: COLD, objects not counted yet: activated to be read, then set back to COLD\n",
		"tenant c: COLD, objects not counted yet: activated, every object deleted, then set back to COLD\n",
		"tenant c → d: 4 objects upserted into a new tenant, set COLD afterwards as in the snapshot\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the plan lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "counted once activated") {
		t.Errorf("garbled wording:\n%s", b.String())
	}
	touches := strings.Join(Touches(p), "\n")
	if !strings.Contains(touches, "only tenant(s) b, new, no other tenant is touched") {
		t.Errorf("dry-run lines lack the tenants:\n%s", touches)
	}
}

func TestRestoreTenantTargets(t *testing.T) {
	tests := []struct {
		subset  bool
		sources []string
		args    []TenantArg
		want    []string
	}{
		{sources: []string{"M"}, want: nil},
		{sources: []string{"M"}, args: []TenantArg{{Name: "a", As: "x"}, {Name: "c"}}, want: []string{"x", "c"}},
		{subset: true, sources: []string{"M"}, want: []string{"a", "c"}},
		{subset: true, sources: []string{"M", "S"}, want: nil},
		{sources: []string{"M"}, args: []TenantArg{{Name: "zz"}}, want: nil},
	}
	for _, tt := range tests {
		if got := RestoreTenantTargets(tsnap(tt.subset), tt.sources, tt.args); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt, got, tt.want)
		}
	}
}

// A snapshot whose backup left out offloaded tenants (--skip-offloaded):
// a replace touches only the tenants it holds and names the others; one
// that left out every tenant is refused.
func TestRestoreSkippedOffloaded(t *testing.T) {
	s := tsnap(true)
	s.Collections[0].SkippedOffloaded = []string{"b"}
	p, err := PlanRestore(RestoreFacts{Snapshot: s, BackupID: "b9", Live: map[string]CollectionFacts{"M": mt()},
		Options: RestoreOptions{Collections: []string{"M"}, Mode: RestoreReplace}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.Data == nil {
			continue
		}
		for _, n := range c.Data.TenantNames() {
			if n == "b" {
				t.Errorf("%s %s touches the left-out tenant b", c.Action, c.Collection)
			}
		}
	}
	var b strings.Builder
	Human(&b, p, RenderOptions{})
	if want := "not in the snapshot, not touched: 1 tenant, which its backup left out (offloaded, --skip-offloaded): b\n"; !strings.Contains(b.String(), want) {
		t.Errorf("the plan lacks %q:\n%s", want, b.String())
	}

	s.Collections[0].TenantList, s.Collections[0].Tenants = nil, 0
	_, err = PlanRestore(RestoreFacts{Snapshot: s, BackupID: "b9", Live: map[string]CollectionFacts{"M": mt()},
		Options: RestoreOptions{Collections: []string{"M"}, Mode: RestoreReplace}})
	if err == nil || !strings.Contains(err.Error(), "its backup left out every one") {
		t.Errorf("err = %v, want a refusal naming the left-out tenants", err)
	}
}
