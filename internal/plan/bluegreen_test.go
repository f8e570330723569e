package plan

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/collection"
)

// TestBlueGreenPlan: create_before_destroy turns a replace into a
// blue/green one; the backing name, the steps and what is kept or dropped
// follow from the aliases the caller found.
func TestBlueGreenPlan(t *testing.T) {
	word := col("A", "a", collection.NewProperty("t", "text"))
	field := col("A", "a", collection.Property{Name: "t", DataType: "text", Tokenization: "field", IndexFilterable: true, IndexSearchable: true})
	tests := []struct {
		name      string
		keep      bool
		noBackup  bool
		backing   map[string]Backing
		taken     []string
		want      BlueGreen
		steps     []string
		warnFirst bool
	}{
		{name: "first: plain collection becomes an alias", keep: true,
			want:  BlueGreen{Alias: "A", From: "A", To: "A_v2", FirstAlias: true},
			steps: []string{"backup", "create", "copy", "catchup", "cutover"}, warnFirst: true},
		{name: "first skips taken names", taken: []string{"A", "A_v2", "A_v3"},
			want:  BlueGreen{Alias: "A", From: "A", To: "A_v4", FirstAlias: true},
			steps: []string{"backup", "create", "copy", "catchup", "cutover"}, warnFirst: true},
		{name: "later: retarget, drop the old", backing: map[string]Backing{"A": {Collection: "A_v2"}}, taken: []string{"A", "A_v2"},
			want:  BlueGreen{Alias: "A", From: "A_v2", To: "A_v3"},
			steps: []string{"backup", "create", "copy", "catchup", "retarget", "settle", "drop"}},
		{name: "later, keep previous, no backup", keep: true, noBackup: true, backing: map[string]Backing{"A": {Collection: "A_v3"}}, taken: []string{"A", "A_v3"},
			want:  BlueGreen{Alias: "A", From: "A_v3", To: "A_v4", KeepPrevious: true},
			steps: []string{"create", "copy", "catchup", "retarget", "settle"}},
		{name: "keep previous drops the older kept one", keep: true, backing: map[string]Backing{"A": {Collection: "A_v3", Previous: "A_v2"}}, taken: []string{"A", "A_v2", "A_v3"},
			want:  BlueGreen{Alias: "A", From: "A_v3", To: "A_v4", KeepPrevious: true, DropPrevious: "A_v2"},
			steps: []string{"backup", "create", "copy", "catchup", "retarget", "settle", "drop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			taken := map[string]bool{}
			for _, n := range tt.taken {
				taken[n] = true
			}
			d := Desired{Collection: field, CreateBeforeDestroy: true, KeepPrevious: tt.keep, NoBackupBeforeDestroy: tt.noBackup}
			p, err := Diff(Input{Desired: []Desired{d}, Live: set(word), Managed: set(word), Backing: tt.backing, Taken: taken,
				Counts: map[string]int64{"A": 3}, Store: "s", NewID: func() string { return "snap1" }})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Changes) != 1 || p.Changes[0].BlueGreen == nil {
				t.Fatalf("want one blue/green replace, got %+v", p.Changes)
			}
			c := p.Changes[0]
			if *c.BlueGreen != tt.want {
				t.Fatalf("blue/green %+v, want %+v", *c.BlueGreen, tt.want)
			}
			if got := c.BlueGreen.Steps(c.Data.Snapshot != ""); !slices.Equal(got, tt.steps) {
				t.Fatalf("steps %v, want %v", got, tt.steps)
			}
			var human bytes.Buffer
			Human(&human, p, RenderOptions{})
			out := human.String()
			label := map[string]string{"drop": "delete collection", "backup": "back up", "catchup": "catch up"}
			for _, s := range tt.steps {
				if l, ok := label[s]; ok {
					s = l
				}
				if !strings.Contains(out, s) {
					t.Errorf("the plan does not show step %s:\n%s", s, out)
				}
			}
			if got := strings.Contains(out, "is unavailable between"); got != tt.warnFirst {
				t.Errorf("plan says the name is unavailable: %v, want %v:\n%s", got, tt.warnFirst, out)
			}
			if strings.Contains(out, "stop writers first") {
				t.Errorf("a blue/green replace carries the plain replace's warning:\n%s", out)
			}
		})
	}
}

// A multi-tenant collection is refused with what to do instead.
func TestBlueGreenRefusesMultiTenant(t *testing.T) {
	have := col("A", "a", collection.NewProperty("t", "text"))
	have.MultiTenancy.Enabled = true
	want := col("A", "a", collection.Property{Name: "t", DataType: "text", Tokenization: "field", IndexFilterable: true, IndexSearchable: true})
	want.MultiTenancy.Enabled = true
	_, err := Diff(Input{Desired: []Desired{{Collection: want, CreateBeforeDestroy: true}}, Live: set(have), Managed: set(have), NewID: func() string { return "x" }})
	if err == nil || !strings.Contains(err.Error(), "does not support multi-tenant collections yet") || !strings.Contains(err.Error(), "remove create_before_destroy") {
		t.Fatalf("err = %v", err)
	}
}

// BlueGreenNamed recognises exactly the names nextBacking gives.
func TestBlueGreenNamed(t *testing.T) {
	for _, tt := range []struct {
		alias, target string
		want          bool
	}{
		{"Article", "Article_v2", true},
		{"Article", "Article_v17", true},
		{"Article", "Article_v1", false}, // nextBacking starts at 2
		{"Article", "Article_v02", false},
		{"Article", "Article_v", false},
		{"Article", "Article_vx", false},
		{"Article", "Article_v2b", false},
		{"Article", "Article_v-2", false},
		{"Article", "Other_v2", false},
		{"Article", "Article", false},
		{"Art", "Article_v2", false},
	} {
		if got := BlueGreenNamed(tt.alias, tt.target); got != tt.want {
			t.Errorf("BlueGreenNamed(%q, %q) = %v, want %v", tt.alias, tt.target, got, tt.want)
		}
	}
	in := Input{Taken: map[string]bool{"A_v2": true}}
	if n := in.nextBacking("A", "A"); !BlueGreenNamed("A", n) {
		t.Errorf("nextBacking gave %s, which BlueGreenNamed does not recognise", n)
	}
}
