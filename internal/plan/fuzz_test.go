package plan

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/collection"
)

// FuzzDecode feeds arbitrary bytes to the saved-plan reader (apply FILE).
// It must never panic, every error must name the file, and a plan it
// accepts must render (human, markdown, JSON) and save and read back.
// The seeds (below and testdata/fuzz/FuzzDecode) run with every go test;
// fuzz with
//
//	go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 1m ./internal/plan
func FuzzDecode(f *testing.F) {
	a := col("A", "a", collection.NewProperty("title", "text"))
	b := col("B", "b")
	p, err := Diff(Input{Desired: des(col("A", "new", collection.NewProperty("title", "text"), collection.NewProperty("n", "int")), b), Live: set(a), Managed: set(a)})
	if err != nil {
		f.Fatal(err)
	}
	p.Changes = append(p.Changes,
		Change{Collection: "A", Action: Backup, Data: &DataChange{Store: "s", Snapshot: "x", Objects: 3}},
		Change{Collection: "C", Action: Restore, Data: &DataChange{Store: "s", Snapshot: "x", Source: "A", CreateSchema: true}})
	p.Forget = []string{"Gone"}
	p.CreatedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p.Binding = &Binding{StateLineage: "abc", StateSerial: 3, Live: map[string]string{"A": "fp", "B": ""}}
	good, err := marshal(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"format_version":"1.0"}`, `{"format_version":"2.0","binding":{}}`,
		`{"format_version":"1.0","binding":{},"changes":[{}]}`,
		`{"format_version":"1.0","binding":{},"changes":[{"collection":"A","action":"create"}]}`,
		`{"format_version":"1.0","binding":{},"changes":[{"collection":"A","action":"explode"}]}`,
		`{"format_version":"1.0","binding":{},"changes":[{"collection":"A","action":"restore"}]}`,
		`{"format_version":"1.0","binding":{},"changes":[{"collection":"A","action":"update","after":{"name":"A"},"fields":[{"path":"x","replace":true}]}]}`,
		`{"format_version":"1.0","binding":null,"changes":null}`,
	} {
		f.Add([]byte(s))
	}
	const path = "/fuzz/dir/tfplan"
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data, path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if p.Binding == nil {
			t.Fatal("accepted a plan without a binding")
		}
		for _, c := range p.Changes {
			if c.Collection == "" || c.Action == 0 {
				t.Fatalf("accepted change %+v", c)
			}
		}
		Human(io.Discard, p, RenderOptions{Color: true})
		Markdown(io.Discard, p)
		_ = Touches(p)
		_ = p.Summary()
		var js bytes.Buffer
		if err := WriteJSON(&js, p); err != nil {
			t.Fatalf("accepted plan does not encode: %v", err)
		}
		saved := filepath.Join(dir, "plan")
		if err := Save(saved, p); err != nil {
			t.Fatalf("accepted plan does not save: %v", err)
		}
		if _, err := Load(saved); err != nil {
			t.Fatalf("accepted plan does not read back: %v", err)
		}
	})
}
