package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/collection"
)

// onePerAction is a plan with one change of every action, each on its own
// collection (named after the action).
func onePerAction() *Plan {
	a := col("A", "a")
	b := col("A", "b")
	changes := map[Action]Change{
		Create:  {After: &a},
		Update:  {Before: &a, After: &b, Fields: collection.Diff(a, b)},
		Replace: {Before: &a, After: &b, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 2, Reshaping: Reshaping{Reshape: true}}},
		Delete:  {Before: &a, Data: &DataChange{Store: "st", Snapshot: "s2", Objects: 3, Reason: BeforeDelete}},
		Backup:  {Data: &DataChange{Store: "st", Snapshot: "s3", Objects: 4}},
		Restore: {Data: &DataChange{Store: "st", Snapshot: "s0", Objects: 5}},
		Merge:   {Data: &DataChange{Objects: 6, Content: Content{From: "data.jsonl.items", Mode: ContentMerge, Add: 6}}},
		Clear:   {Data: &DataChange{Objects: 7}},

		CreateAlias:   {Alias: &AliasChange{After: "A"}},
		RetargetAlias: {Alias: &AliasChange{Before: "A", After: "B"}},
		DeleteAlias:   {Alias: &AliasChange{Before: "A"}},
		AdoptAlias:    {Alias: &AliasChange{Before: "A", After: "A"}},
	}
	p := &Plan{}
	for _, a := range Actions {
		c := changes[a]
		c.Collection, c.Action = "Col"+a.String(), a
		p.Changes = append(p.Changes, c)
	}
	return p
}

// Every action renders with the symbol, verb, name and colour of the one
// action table, in every format: human (with and without colour),
// markdown, JSON and the summary line.
func TestActionTableInEveryFormat(t *testing.T) {
	p := onePerAction()
	var plain, color, md, js bytes.Buffer
	Human(&plain, p, RenderOptions{})
	Human(&color, p, RenderOptions{Color: true})
	Markdown(&md, p)
	if err := WriteJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Summary map[string]int `json:"summary"`
		Changes []struct {
			Collection string `json:"collection"`
			Action     string `json:"action"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Changes) != len(Actions) {
		t.Fatalf("JSON has %d changes, want %d", len(doc.Changes), len(Actions))
	}
	summary := p.Summary()
	for i, a := range Actions {
		info := actionTable[a]
		name := "Col" + info.name
		if info.name == "" || info.symbol == "" || info.verb == "" || info.tally == "" || info.color == "" {
			t.Errorf("%c: incomplete table entry %+v", rune(a), info)
		}
		if a.String() != info.name || a.Symbol() != info.symbol || a.Verb() != info.verb || a.IsData() != info.data || a.Destructive() != info.destructive {
			t.Errorf("%s: methods disagree with the table", info.name)
		}
		noun, tally := "collection", "1 "+info.tally
		if info.alias {
			noun, tally = "alias", "1 alias "+info.tally
		}
		if want := fmt.Sprintf("  %s %s %s %s\n", info.symbol, noun, name, info.verb); !strings.Contains(plain.String(), want) {
			t.Errorf("human lacks %q", want)
		}
		if want := fmt.Sprintf("  %s%s%s %s %s%s%s %s\n", info.color, info.symbol, ansiReset, noun, ansiBold, name, ansiReset, info.verb); !strings.Contains(color.String(), want) {
			t.Errorf("coloured human lacks %q", want)
		}
		if want := fmt.Sprintf("| `%s` | %s | %s |", info.symbol, name, info.name); !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
		if got := doc.Changes[i]; got.Action != info.name || got.Collection != name {
			t.Errorf("JSON change %d = %+v, want %s of %s", i, got, info.name, name)
		}
		if doc.Summary[info.name] != 1 {
			t.Errorf("JSON summary[%s] = %d, want 1", info.name, doc.Summary[info.name])
		}
		if !strings.Contains(summary, tally) {
			t.Errorf("summary %q lacks %q", summary, tally)
		}
		// Red marks exactly the actions that destroy objects, and the
		// deletion of an alias (queries through it fail afterwards).
		if (info.color == ansiRed) != (info.destructive || a == DeleteAlias) {
			t.Errorf("%s: colour %q but destructive = %v", info.name, info.color, info.destructive)
		}
		var back Action
		if err := back.UnmarshalText([]byte(info.name)); err != nil || back != a {
			t.Errorf("%s does not decode back: %v, %v", info.name, back, err)
		}
	}
	if !strings.Contains(plain.String(), "Plan: "+summary+".\n") || !strings.Contains(md.String(), "#### colstate plan: "+summary+"\n") {
		t.Errorf("human and markdown do not both print the summary %q", summary)
	}
	// Merge is yellow (a change in place), never red.
	if !strings.Contains(color.String(), ansiYellow+"⇄"+ansiReset) || strings.Contains(color.String(), ansiRed+"⇄") {
		t.Error("merge is not yellow")
	}
}

func TestSummary(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    *Plan
		want string
	}{
		{"empty", &Plan{}, "0 to create, 0 to update, 0 to replace, 0 to delete"},
		{"schema and data", &Plan{Changes: []Change{
			{Action: Create}, {Action: Backup, Data: &DataChange{}},
			{Action: Merge, Data: &DataChange{Content: Content{From: "x", Mode: ContentExact, Add: 1200, Update: 3, Delete: 2}}},
		}}, "1 to create, 0 to update, 0 to replace, 0 to delete, 1 to back up, 1 to merge; objects: +1,200 to add, ~3 to update, -2 to delete"},
		{"data only", &Plan{Changes: []Change{{Action: Backup, Data: &DataChange{}}, {Action: Clear, Data: &DataChange{Objects: 10}}}},
			"1 to back up, 1 to clear; objects: +0 to add, ~0 to update, -10 to delete"},
		{"restore", &Plan{Changes: []Change{{Action: Restore, Data: &DataChange{Objects: 3}}}}, "1 to restore"},
		// restore --mode=replace via Weaviate's backup deletes the COLD
		// tenant's objects too; the plan cannot count them, but says so.
		{"inactive tenants deleted", &Plan{Changes: []Change{
			{Action: Backup, Data: &DataChange{Objects: 40, Inactive: 1}},
			{Action: Delete, Data: &DataChange{Objects: 40, Inactive: 1, Reason: BeforeNativeRestore}},
			{Action: Restore, Data: &DataChange{Objects: 60}}}},
			"0 to create, 0 to update, 0 to replace, 1 to delete, 1 to back up, 1 to restore; objects: +0 to add, ~0 to update, -40 to delete + the objects of 1 inactive tenant (not counted)"},
		{"merge mode deletes nothing", &Plan{Changes: []Change{
			{Action: Merge, Data: &DataChange{Content: Content{From: "x", Mode: ContentMerge, Add: 1, Delete: 5}}}}},
			"1 to merge; objects: +1 to add, ~0 to update, -0 to delete"},
	} {
		if got := tt.p.Summary(); got != tt.want {
			t.Errorf("%s: Summary() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A saved plan written by format 1.1 before the model was typed loads, and
// is written back unchanged: the wire format did not change.
func TestSavedPlanFromFormat11LoadsUnchanged(t *testing.T) {
	path := filepath.Join("testdata", "saved-1.1.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(data, path)
	if err != nil {
		t.Fatal(err)
	}
	modes := map[ContentMode]bool{}
	reasons := map[Reason]bool{}
	for _, c := range p.Changes {
		if d := c.Data; d != nil {
			modes[d.Mode] = true
			reasons[d.Reason] = true
		}
	}
	for _, want := range []ContentMode{ContentExact, ContentSeed} {
		if !modes[want] {
			t.Errorf("content mode %q not read from the fixture (read %v)", want, modes)
		}
	}
	for _, want := range []Reason{BeforeDelete, BeforeExactDeletes, NoSnapshotYet, DataChangesInApply("Item"),
		SnapshotGone("20261125T000000Z-bbbbbb"), DataChangedSince("Article", "20261125T000000Z-cccccc"),
		SnapshotAged("20261125T000000Z-aaaaaa", 30*time.Hour, 24*time.Hour), SeedCompletes(6)} {
		if !reasons[want] {
			t.Errorf("reason %q not read from the fixture", want)
		}
	}
	again, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	// Equal as JSON values: a field change's before and after are read
	// back as maps, which encode their keys sorted.
	var want, got any
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		t.Fatal(err)
	}
	// What format 1.2 added (alias actions) is all the difference.
	doc := got.(map[string]any)
	doc["format_version"] = "1.1"
	delete(doc, "forget_aliases")
	for _, a := range Actions {
		if a.IsAlias() {
			delete(doc["summary"].(map[string]any), a.String())
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the fixture is not written back unchanged:\n%s", again)
	}
}

// Every content mode survives a save and a load, typed.
func TestContentModeRoundTrip(t *testing.T) {
	for _, m := range ContentModes {
		p := &Plan{Binding: &Binding{Live: map[string]string{}}, Changes: []Change{{Collection: "Item", Action: Merge,
			Data: &DataChange{Objects: 1, Content: Content{From: "data.jsonl.items", Mode: m, Add: 1}}}}}
		b, err := Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"mode": "`+string(m)+`"`)) {
			t.Errorf("%s: JSON lacks its mode:\n%s", m, b)
		}
		got, err := Decode(b, "p.json")
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if got.Changes[0].Data.Mode != m || !got.Changes[0].Data.Mode.Valid() {
			t.Errorf("mode %q read back as %q", m, got.Changes[0].Data.Mode)
		}
	}
}

// A saved plan with a content mode or a reason this colstate does not give
// is refused, naming the file and the change, before anything is applied.
func TestDecodeRefusesUnknownModeAndReason(t *testing.T) {
	path := filepath.Join("testdata", "saved-1.1.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ from, to, want string }{
		{`"mode": "exact"`, `"mode": "fast"`, `unknown content mode "fast" (this colstate knows merge, exact, seed)`},
		{`"mode": "seed"`, `"mode": ""`, `unknown content mode ""`},
		{`"reason": "before exact-mode deletes"`, `"reason": "because"`, `(backup of Item): unknown reason "because" for a backup`},
		{`"reason": "before delete"`, `"reason": "no snapshot taken yet"`, `(delete of Old): unknown reason "no snapshot taken yet" for a delete`},
		{`"reason": "no snapshot taken yet"`, `"reason": "before delete"`, `unknown reason "before delete" for the backup of snapshot block "first"`},
		{`"reason": "data of Article changed since 20261125T000000Z-cccccc"`, `"reason": "data of Article changed"`, `unknown reason "data of Article changed"`},
		{`"snapshot": "s0",`, `"snapshot": "s0", "mode": "merge",`, `content mode "merge" without a content source`},
	} {
		if !bytes.Contains(data, []byte(tt.from)) {
			t.Fatalf("fixture lacks %s", tt.from)
		}
		bad := bytes.Replace(data, []byte(tt.from), []byte(tt.to), 1)
		_, err := Decode(bad, "tfplan")
		if err == nil || !strings.HasPrefix(err.Error(), "tfplan: change ") || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "colstate plan -out=FILE") {
			t.Errorf("%s → %s: err = %v, want %q", tt.from, tt.to, err, tt.want)
		}
	}
}

// Each reason colstate makes is one Decode accepts for the action that
// carries it.
func TestReasonsAreKnown(t *testing.T) {
	for _, tt := range []struct {
		r      Reason
		a      Action
		policy bool
	}{
		{BeforeDelete, Delete, false},
		{BackupBefore(Delete), Backup, false},
		{BackupBefore(Replace), Backup, false},
		{BeforeExactDeletes, Backup, false},
		{NoSnapshotYet, Backup, true},
		{SnapshotAged("s", 90*time.Minute, time.Hour), Backup, true},
		{SnapshotGone("s"), Backup, true},
		{DataChangedSince("A", "s"), Backup, true},
		{DataChangesInApply("A"), Backup, true},
		{SeedCompletes(12), Merge, false},
		{"", Clear, false},
	} {
		if !tt.r.known(tt.a, tt.policy) {
			t.Errorf("%q is not known for %s (policy %v)", tt.r, tt.a, tt.policy)
		}
		if tt.r != "" && tt.r.known(Clear, tt.policy) {
			t.Errorf("%q is known for a clear", tt.r)
		}
	}
	if BackupBefore(Replace) != BeforeReplace || BackupBefore(Delete) != BeforeDelete {
		t.Error("BackupBefore disagrees with the constants")
	}
}

// The differ refuses a content mode it does not know rather than plan a
// merge with it.
func TestDiffRefusesUnknownContentMode(t *testing.T) {
	item := col("Item", "")
	_, err := Diff(Input{Desired: des(item), Live: set(item), Managed: set(item),
		Content: map[string]ContentPlan{"Item": {From: "data.jsonl.items", Mode: "fast", Add: 1}}})
	if err == nil || !strings.Contains(err.Error(), `collection Item: content mode "fast": use merge, exact, seed`) {
		t.Fatalf("err = %v", err)
	}
}
