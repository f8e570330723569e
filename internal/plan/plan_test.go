package plan

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/collection"
)

var update = flag.Bool("update", false, "rewrite golden files")

func col(name, desc string, props ...collection.Property) collection.Collection {
	c := collection.Collection{Name: name, Description: desc, Properties: props}
	collection.Normalize(&c)
	return c
}

func des(cs ...collection.Collection) []Desired {
	out := make([]Desired, len(cs))
	for i, c := range cs {
		out[i] = Desired{Collection: c}
	}
	return out
}

func set(cs ...collection.Collection) map[string]collection.Collection {
	m := map[string]collection.Collection{}
	for _, c := range cs {
		m[c.Name] = c
	}
	return m
}

func TestDiff(t *testing.T) {
	a, b := col("A", "a"), col("B", "b")
	tests := []struct {
		name string
		in   Input
		want string // "action:collection" list
	}{
		{"create absent", Input{Desired: des(a)}, "create:A"},
		{"no changes", Input{Desired: des(a), Live: set(a), Managed: set(a)}, ""},
		{"update description", Input{Desired: des(col("A", "new")), Live: set(a), Managed: set(a)}, "update:A"},
		{"replace on tokenization", Input{
			Desired: des(col("A", "a", collection.Property{Name: "t", DataType: "text", Tokenization: "field", IndexFilterable: true, IndexSearchable: true})),
			Live:    set(col("A", "a", collection.NewProperty("t", "text"))), Managed: set(a)}, "replace:A"},
		{"delete managed undeclared", Input{Live: set(a), Managed: set(a)}, "delete:A"},
		{"unmanaged untouched", Input{Live: set(b)}, ""},
		{"recreate managed but gone", Input{Desired: des(a), Managed: set(a)}, "create:A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Diff(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.Changes {
				got = append(got, c.Action.String()+":"+c.Collection)
			}
			if strings.Join(got, ",") != tt.want {
				t.Fatalf("changes = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestDiffRefusesUnmanagedConflict(t *testing.T) {
	a := col("A", "a")
	_, err := Diff(Input{Desired: des(a), Live: set(a)})
	var perr *Error
	if !errors.As(err, &perr) || !strings.Contains(err.Error(), "colstate import A") {
		t.Fatalf("err = %v", err)
	}
}

func TestDiffForgetsVanished(t *testing.T) {
	p, err := Diff(Input{Managed: set(col("Gone", ""))})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Forget) != 1 || p.Forget[0] != "Gone" || len(p.Changes) != 0 || p.Empty() {
		t.Fatalf("plan = %+v", p)
	}
}

func TestOrderCreatesTargetsFirstAndDeletesReferrersFirst(t *testing.T) {
	ref := func(name, target string) collection.Collection {
		return col(name, "", collection.NewProperty("to", target))
	}
	// C -> B -> A, declared in the worst order.
	c, b, a := ref("C", "B"), ref("B", "A"), col("A", "")
	p, err := Diff(Input{Desired: des(c, b, a)})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p); got != "A,B,C" {
		t.Fatalf("create order = %s, want A,B,C", got)
	}
	p, err = Diff(Input{Live: set(a, b, c), Managed: set(a, b, c)})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p); got != "C,B,A" {
		t.Fatalf("delete order = %s, want C,B,A", got)
	}
}

func names(p *Plan) string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.Collection)
	}
	return strings.Join(out, ",")
}

func TestHumanGolden(t *testing.T) {
	old := col("Article", "News articles from the wire services, deduplicated and cleaned every night", collection.NewProperty("title", "text"))
	newer := col("Article", "News articles from the wire services, deduplicated and enriched every hour", collection.NewProperty("title", "text"), collection.NewProperty("views", "int"))
	tok := col("Tagged", "", collection.Property{Name: "tag", DataType: "text", Tokenization: "field", IndexFilterable: true, IndexSearchable: true})
	ids := 0
	item := col("Item", "")
	p, err := Diff(Input{
		Desired: append(des(newer, col("Author", "People", collection.NewProperty("name", "text")), tok, item, col("Vanished", "")),
			Desired{Collection: col("Removed", "", collection.NewProperty("keep", "int"))}),
		Live: set(old, col("Old", ""), col("Tagged", "", collection.NewProperty("tag", "text"), collection.NewProperty("gone", "int"), collection.NewProperty("num", "number")), col("Theirs", ""), item,
			col("Removed", "", collection.NewProperty("keep", "int"))),
		Managed: set(old, col("Old", ""), col("Tagged", "", collection.NewProperty("gone", "int")), item, col("Removed", ""), col("Vanished", "")),
		Held:    map[string]Recreate{"Vanished": {Snapshot: "20261120T000000Z-aaaaaa", Store: ".colstate/snapshots", Objects: 42, TakenAt: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}},
		Content: map[string]ContentPlan{"Item": {From: "data.jsonl.items", Mode: "exact", Add: 1204, Update: 37, Delete: 12,
			Examples: map[string][]string{"add": {"0f0e…", "1a2b…"}, "update": {"3c4d…"}, "delete": {"5e6f…"}}}},
		Counts: map[string]int64{"Tagged": 2500, "Old": 10, "Item": 4000},
		Due:    []DueSnapshot{{Policy: "nightly", Collections: []string{"Item", "Article"}, Store: "snaps", Reason: "newest is 30h old (max_age 24h)"}},
		Store:  ".colstate/snapshots",
		NewID:  func() string { ids++; return fmt.Sprintf("20261126T120000Z-%06d", ids) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		Human(&buf, p, RenderOptions{Color: color})
		name := "human.golden"
		if color {
			name = "human_color.golden"
		}
		golden(t, name, buf.Bytes())
	}
	var md bytes.Buffer
	Markdown(&md, p)
	golden(t, "plan.md.golden", md.Bytes())
	p.CreatedAt = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	p.Binding = &Binding{StateLineage: "abc", StateSerial: 3, Live: map[string]string{"Article": "f1"}}
	var js bytes.Buffer
	if err := WriteJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.json.golden", js.Bytes())
	var buf bytes.Buffer
	Human(&buf, &Plan{}, RenderOptions{})
	if !strings.HasPrefix(buf.String(), "No changes.") {
		t.Fatalf("empty plan = %q", buf.String())
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestSavedPlanRoundTrip(t *testing.T) {
	a := col("A", "a", collection.NewProperty("t", "text"))
	p, err := Diff(Input{Desired: des(col("A", "b", collection.NewProperty("t", "text")), col("B", "")), Live: set(a), Managed: set(a)})
	if err != nil {
		t.Fatal(err)
	}
	p.Binding = &Binding{StateLineage: "L", StateSerial: 7, Live: map[string]string{"A": "x", "B": ""}}
	path := filepath.Join(t.TempDir(), "p.json")
	if err := Save(path, p); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if names(got) != names(p) || got.Changes[0].Action != p.Changes[0].Action || got.Changes[1].After.Description != "b" {
		t.Fatalf("round trip: %+v", got.Changes)
	}
	if got.Binding.StateSerial != 7 || got.Binding.Live["A"] != "x" {
		t.Fatalf("binding %+v", got.Binding)
	}
	for name, data := range map[string]string{
		"not json":      "nope",
		"future major":  `{"format_version":"2.0","binding":{}}`,
		"unbound":       `{"format_version":"1.0","changes":[]}`,
		"no collection": `{"format_version":"1.0","binding":{},"changes":[{"action":"delete"}]}`,
		"bad action":    `{"format_version":"1.0","binding":{},"changes":[{"collection":"A","action":"explode"}]}`,
		"no after":      `{"format_version":"1.0","binding":{},"changes":[{"collection":"A","action":"create"}]}`,
	} {
		if _, err := Decode([]byte(data), "p.json"); err == nil || !strings.Contains(err.Error(), "p.json") && name != "bad action" {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestPreventDestroyRefusesReplace(t *testing.T) {
	live := col("A", "", collection.NewProperty("t", "text"))
	want := col("A", "", collection.Property{Name: "t", DataType: "text", Tokenization: "field", IndexFilterable: true, IndexSearchable: true})
	_, err := Diff(Input{Desired: []Desired{{Collection: want, PreventDestroy: true}}, Live: set(live), Managed: set(live)})
	if err == nil || !strings.Contains(err.Error(), "prevent_destroy") || !strings.Contains(err.Error(), "property.t.tokenization") {
		t.Fatalf("err = %v", err)
	}
}

func TestIgnoreChangesKeepsLiveValue(t *testing.T) {
	live := col("A", "live text", collection.NewProperty("t", "text"))
	want := col("A", "declared text", collection.NewProperty("t", "text"))
	want.VectorIndex.EF = 99
	p, err := Diff(Input{Desired: []Desired{{Collection: want, IgnoreChanges: []string{"description"}}}, Live: set(live), Managed: set(live)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || len(p.Changes[0].Fields) != 1 || p.Changes[0].Fields[0].Path != "vector_index.ef" {
		t.Fatalf("changes = %+v", p.Changes)
	}
	if p.Changes[0].After.Description != "live text" {
		t.Fatalf("ignored description not kept: %q", p.Changes[0].After.Description)
	}
}

func TestTargetLimitsPlan(t *testing.T) {
	p, err := Diff(Input{Desired: des(col("A", ""), col("B", "")), Targets: []string{"B"}})
	if err != nil {
		t.Fatal(err)
	}
	if names(p) != "B" {
		t.Fatalf("changes = %s", names(p))
	}
	if _, err := Diff(Input{Desired: des(col("A", "")), Targets: []string{"Nope"}}); err == nil {
		t.Fatal("unknown target accepted")
	}
}

// A -target that leaves out the target of a reference the plan creates is
// refused at plan time, not in the middle of apply.
func TestTargetLeavesOutReferenceTarget(t *testing.T) {
	a := col("A", "", collection.NewProperty("b", "B"), collection.NewProperty("self", "A"))
	b := col("B", "", collection.NewProperty("a", "A"))
	_, err := Diff(Input{Desired: des(a, b), Targets: []string{"A"}})
	if err == nil || !strings.Contains(err.Error(), "collection A refers to collection B, which does not exist in Weaviate and is not created by this plan: add -target=collection.B") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Diff(Input{Desired: des(a, b), Targets: []string{"A"}, Live: set(col("B", "")), Managed: set(col("B", ""))}); err != nil {
		t.Fatalf("target live: %v", err)
	}
	p, err := Diff(Input{Desired: des(a, b)})
	if err != nil {
		t.Fatal(err)
	}
	if names(p) != "A,B" && names(p) != "B,A" {
		t.Fatalf("changes = %s", names(p))
	}
}

func TestOrderByReferences(t *testing.T) {
	refs := map[string][]string{"A": {"B"}, "B": {"C"}, "D": {"E"}, "E": {"D"}, "S": {"S"}}
	got := OrderByReferences([]string{"A", "D", "B", "S", "E", "C"}, func(from, to string) bool {
		for _, t := range refs[from] {
			if t == to {
				return true
			}
		}
		return false
	})
	// C before B before A; the D/E cycle keeps its order; a self-reference
	// does not hold S back.
	if strings.Join(got, ",") != "S,C,B,A,D,E" {
		t.Fatalf("order = %v", got)
	}
}

func TestMissingModulesRefusePlan(t *testing.T) {
	v := col("Vec", "")
	v.Vectorizer = "text2vec-nowhere"
	v.ModuleConfig = map[string]any{"generative-openai": map[string]any{"model": "x"}}
	_, err := Diff(Input{Desired: des(v), Modules: map[string]bool{"generative-openai": true}})
	if err == nil || !strings.Contains(err.Error(), "collection Vec needs modules this Weaviate has not enabled: text2vec-nowhere (enabled: generative-openai)") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Diff(Input{Desired: des(v), Modules: map[string]bool{"generative-openai": true, "text2vec-nowhere": true}}); err != nil {
		t.Fatalf("enabled modules refused: %v", err)
	}
}

// Objects in inactive tenants are not counted at plan time; a plan must
// not treat such a collection as empty, and must refuse to back up one
// with offloaded tenants.
func TestTenantsNotCountedAreNotEmpty(t *testing.T) {
	mt := func(tok string) collection.Collection {
		c := col("Mt", "", collection.Property{Name: "p", DataType: "text", Tokenization: tok, IndexFilterable: true, IndexSearchable: true})
		c.MultiTenancy.Enabled = true
		collection.Normalize(&c)
		return c
	}
	retyped := col("Mt", "", collection.NewProperty("p", "int"))
	retyped.MultiTenancy.Enabled = true
	collection.Normalize(&retyped)
	_, err := Diff(Input{Desired: des(retyped), Live: set(mt("word")), Managed: set(mt("word")),
		Tenants: map[string]TenantStatus{"Mt": {Inactive: []string{"cold1"}}}})
	if err == nil || !strings.Contains(err.Error(), "holds 0 objects in its active tenants and 1 inactive or offloaded tenants not counted and a property changes its data type") {
		t.Fatalf("err = %v", err)
	}
	p, err := Diff(Input{Desired: des(mt("field")), Live: set(mt("word")), Managed: set(mt("word")), NewID: func() string { return "s1" },
		Tenants: map[string]TenantStatus{"Mt": {Inactive: []string{"cold1"}}}, Counts: map[string]int64{"Mt": 5}})
	if err != nil || p.Changes[0].Action != Replace || p.Changes[0].Data.Inactive != 1 {
		t.Fatalf("plan = %+v, err = %v", p, err)
	}
	var buf bytes.Buffer
	Human(&buf, p, RenderOptions{})
	if !strings.Contains(buf.String(), "back up 5 objects + the objects of 1 inactive tenant (not counted") {
		t.Fatalf("plan does not mention the inactive tenant:\n%s", buf.String())
	}
	_, err = Diff(Input{Desired: des(mt("field")), Live: set(mt("word")), Managed: set(mt("word")), NewID: func() string { return "s1" },
		Tenants: map[string]TenantStatus{"Mt": {Offloaded: []string{"frozen1", "frozen2"}}}})
	if err == nil || !strings.Contains(err.Error(), "offloaded (FROZEN) tenants colstate cannot read: frozen1, frozen2") {
		t.Fatalf("err = %v", err)
	}
}
