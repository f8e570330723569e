package plan

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/collection"
)

var update = flag.Bool("update", false, "rewrite golden files")

func col(name, desc string, props ...collection.Property) collection.Collection {
	c := collection.Collection{Name: name, Description: desc, Properties: props}
	collection.Normalize(&c)
	return c
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
		{"create absent", Input{Desired: []collection.Collection{a}}, "create:A"},
		{"no changes", Input{Desired: []collection.Collection{a}, Live: set(a), Managed: set(a)}, ""},
		{"update description", Input{Desired: []collection.Collection{col("A", "new")}, Live: set(a), Managed: set(a)}, "update:A"},
		{"replace on tokenization", Input{
			Desired: []collection.Collection{col("A", "a", collection.Property{Name: "t", DataType: "text", Tokenization: "field", IndexFilterable: true, IndexSearchable: true})},
			Live:    set(col("A", "a", collection.NewProperty("t", "text"))), Managed: set(a)}, "replace:A"},
		{"delete managed undeclared", Input{Live: set(a), Managed: set(a)}, "delete:A"},
		{"unmanaged untouched", Input{Live: set(b)}, ""},
		{"recreate managed but gone", Input{Desired: []collection.Collection{a}, Managed: set(a)}, "create:A"},
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
	_, err := Diff(Input{Desired: []collection.Collection{a}, Live: set(a)})
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
	p, err := Diff(Input{Desired: []collection.Collection{c, b, a}})
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
	old := col("Article", "News", collection.NewProperty("title", "text"))
	newer := col("Article", "Wire", collection.NewProperty("title", "text"), collection.NewProperty("views", "int"))
	tok := col("Tagged", "", collection.Property{Name: "tag", DataType: "text", Tokenization: "field", IndexFilterable: true, IndexSearchable: true})
	p, err := Diff(Input{
		Desired: []collection.Collection{newer, col("Author", "People", collection.NewProperty("name", "text")), tok},
		Live:    set(old, col("Old", ""), col("Tagged", "", collection.NewProperty("tag", "text")), col("Theirs", "")),
		Managed: set(old, col("Old", ""), col("Tagged", "")),
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
