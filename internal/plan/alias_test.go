package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func aliasPlan(t *testing.T, in Input) []string {
	t.Helper()
	p, err := Diff(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		s := c.Action.String() + ":" + c.Collection
		if c.Alias != nil {
			s += "(" + c.Alias.Before + ">" + c.Alias.After + ")"
		}
		got = append(got, s)
	}
	for _, n := range p.ForgetAliases {
		got = append(got, "forget_alias:"+n)
	}
	return got
}

// The planner's alias changes and their order: an alias comes after the
// collection it points at is created, and is retargeted or deleted before
// the collection it pointed at is deleted; a name moves between an alias
// and a collection in one apply.
func TestDiffAliases(t *testing.T) {
	a, b := col("A", "a"), col("B", "b")
	al := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"create with its collection", Input{Desired: des(a), Aliases: al("X", "A")},
			"create:A,create_alias:X(>A)"},
		{"no changes", Input{Desired: des(a), Live: set(a), Managed: set(a), Aliases: al("X", "A"), LiveAliases: al("X", "A"), ManagedAliases: al("X", "A")}, ""},
		{"retarget to a new collection, old one deleted after",
			Input{Desired: des(b), Live: set(a), Managed: set(a), Aliases: al("X", "B"), LiveAliases: al("X", "A"), ManagedAliases: al("X", "A")},
			"create:B,retarget_alias:X(A>B),delete:A"},
		{"delete alias before its collection",
			Input{Live: set(a), Managed: set(a), LiveAliases: al("X", "A"), ManagedAliases: al("X", "A")},
			"delete_alias:X(A>),delete:A"},
		{"block removed, alias gone live", Input{Desired: des(a), Live: set(a), Managed: set(a), ManagedAliases: al("X", "A")}, "forget_alias:X"},
		{"unmanaged alias left alone", Input{Desired: des(a), Live: set(a), Managed: set(a), LiveAliases: al("Y", "A")}, ""},
		{"adopt same target", Input{Desired: des(a), Live: set(a), Managed: set(a), Aliases: al("X", "A"), LiveAliases: al("X", "A")}, "adopt_alias:X(A>A)"},
		{"unmanaged with another target is a retarget", Input{Desired: des(a, b), Live: set(a, b), Managed: set(a, b), Aliases: al("X", "B"), LiveAliases: al("X", "A")}, "retarget_alias:X(A>B)"},
		{"drift is put back", Input{Desired: des(a, b), Live: set(a, b), Managed: set(a, b), Aliases: al("X", "A"), LiveAliases: al("X", "B"), ManagedAliases: al("X", "A")}, "retarget_alias:X(B>A)"},
		{"deleted outside colstate is created again", Input{Desired: des(a), Live: set(a), Managed: set(a), Aliases: al("X", "A"), ManagedAliases: al("X", "A")}, "create_alias:X(>A)"},
		{"collection name taken over by an alias: after the delete",
			Input{Desired: des(b), Live: set(a, b), Managed: set(a, b), Aliases: al("A", "B")},
			"delete:A,create_alias:A(>B)"},
		{"alias name taken over by a collection: alias deleted first",
			Input{Desired: des(a, b), Live: set(a), Managed: set(a), LiveAliases: al("B", "A"), ManagedAliases: al("B", "A")},
			"delete_alias:B(A>),create:B"},
		{"-target of another collection leaves the alias out",
			Input{Desired: des(a, b), Live: set(a, b), Managed: set(a, b), Aliases: al("X", "A"), Targets: []string{"B"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(aliasPlan(t, tt.in), ","); got != tt.want {
				t.Fatalf("changes = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDiffAliasRefusals(t *testing.T) {
	a, b := col("A", "a"), col("B", "b")
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"collection under a live alias's name", Input{Desired: des(a, b), Live: set(a), Managed: set(a), LiveAliases: map[string]string{"B": "A"}},
			"collection B cannot be created: B is the name of a Weaviate alias of collection A"},
		{"collection under a lost blue/green name", Input{Desired: des(a, b), Live: set(a), Managed: set(a), LiveAliases: map[string]string{"B": "B_v3"}},
			"B is a Weaviate alias of collection B_v3, named as a blue/green replace names the collection behind it, but the state does not record it (colstate state rm, or a lost state); adopt it again with colstate import B"},
		{"alias under an unmanaged collection's name", Input{Desired: des(a), Live: set(a, b), Managed: set(a), Aliases: map[string]string{"B": "A"}},
			"alias B cannot be created: Weaviate has a collection named B that colstate does not manage"},
		{"alias of a blue/green collection", Input{Desired: des(a), Live: set(a), Managed: set(a), Aliases: map[string]string{"X": "A"}, Backing: map[string]Backing{"A": {Collection: "A_v2"}}},
			"alias X points at collection A, which runs blue/green"},
		{"alias under the name a moved block keeps", Input{Desired: des(a), Live: set(a), Managed: set(a), Aliases: map[string]string{"Old": "A"}, Moved: map[string]string{"Old": "A"}},
			"alias Old cannot be declared: a moved block renames collection Old to A"},
		{"alias of a collection -target leaves out", Input{Desired: des(a, b), Managed: set(), Aliases: map[string]string{"X": "A"}, Targets: []string{"A"}},
			""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Diff(tt.in)
			if tt.want != "" && err != nil && strings.Contains(tt.want, "blue/green replace names") && strings.Contains(err.Error(), "DELETE /v1/aliases") {
				t.Errorf("a lost blue/green name must not be advised deleted (the collection would be created empty next to its objects): %v", err)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// Every plan format shows alias changes, and a saved plan round-trips them;
// a saved alias change without its targets is refused.
func TestAliasRendering(t *testing.T) {
	a, b := col("A", "a"), col("B", "b")
	p, err := Diff(Input{Desired: des(a, b), Live: set(a), Managed: set(a), Aliases: map[string]string{"X": "B", "Y": "A"},
		LiveAliases: map[string]string{"X": "A", "Z": "A"}, ManagedAliases: map[string]string{"X": "A", "Z": "A", "Gone": "A"}})
	if err != nil {
		t.Fatal(err)
	}
	var h bytes.Buffer
	Human(&h, p, RenderOptions{})
	for _, want := range []string{
		"  + alias Y will be created\n      + collection = A\n",
		"  ~ alias X will be retargeted\n      ~ collection = A → B\n",
		"  - alias Z will be deleted\n      - collection = A (the collection itself stays)\n",
		"  alias Gone is gone from Weaviate and the configuration: it will be dropped from the state\n",
		"Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 1 alias to create, 1 alias to retarget, 1 alias to delete.\n",
	} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("human plan lacks %q:\n%s", want, h.String())
		}
	}
	var md bytes.Buffer
	Markdown(&md, p)
	for _, want := range []string{"| `~` | X | retarget_alias | alias → collection B (was A) |", "!   alias X will be retargeted"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	p.Binding = &Binding{StateLineage: "l", Live: map[string]string{}}
	b1, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Summary       map[string]int `json:"summary"`
		ForgetAliases []string       `json:"forget_aliases"`
	}
	if err := json.Unmarshal(b1, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Summary["create_alias"] != 1 || doc.Summary["retarget_alias"] != 1 || doc.Summary["delete_alias"] != 1 || len(doc.ForgetAliases) != 1 {
		t.Fatalf("JSON summary %v, forget_aliases %v", doc.Summary, doc.ForgetAliases)
	}
	back, err := Decode(b1, "saved")
	if err != nil {
		t.Fatal(err)
	}
	var h2 bytes.Buffer
	Human(&h2, back, RenderOptions{})
	if h2.String() != h.String() {
		t.Fatalf("a saved plan renders differently:\n%s\n---\n%s", h2.String(), h.String())
	}
	for _, bad := range []string{
		strings.Replace(string(b1), `"after": "B"`, `"after": ""`, 1),
		strings.Replace(string(b1), `"action": "retarget_alias"`, `"action": "rename_alias"`, 1),
	} {
		if bad == string(b1) {
			t.Fatal("the test's edit did not apply")
		}
		if _, err := Decode([]byte(bad), "saved"); err == nil {
			t.Errorf("Decode accepted a damaged alias change")
		}
	}
}

// A collection deletion that leaves an alias colstate does not manage
// pointing at nothing is said above the plan; a managed alias deleted
// outside colstate is created again with a note.
func TestAliasNotes(t *testing.T) {
	a, b := col("A", "a"), col("B", "b")
	p, err := Diff(Input{Desired: des(b), Live: set(a, b), Managed: set(a, b),
		Aliases: map[string]string{"X": "B"}, ManagedAliases: map[string]string{"X": "B"}, LiveAliases: map[string]string{"Theirs": "A"}})
	if err != nil {
		t.Fatal(err)
	}
	var h bytes.Buffer
	Human(&h, p, RenderOptions{})
	for _, want := range []string{
		"Note: alias Theirs points at collection A, which this plan deletes; colstate does not manage the alias and leaves it",
		"  + alias X will be created\n      + collection = B\n      note: colstate manages alias X, but it was deleted outside colstate; apply creates it again\n",
	} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, h.String())
		}
	}
	for _, c := range p.Changes {
		if c.Collection == "Theirs" {
			t.Errorf("the plan changes an alias colstate does not manage: %+v", c)
		}
	}
}
