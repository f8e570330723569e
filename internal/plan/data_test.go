package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/collection"
)

// A data command's plan renders with the same renderer as colstate plan.
func TestDataPlanHumanAndTouches(t *testing.T) {
	p := &Plan{Changes: []Change{
		{Collection: "A", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 10, Tenants: 2}},
		{Collection: "A", Action: Clear, Data: &DataChange{Objects: 10, Tenants: 2}},
		{Collection: "B", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s0", Source: "A", Objects: 5, CreateSchema: true}},
		{Collection: "A", Action: Merge, Data: &DataChange{Store: "st", Snapshot: "s0", Objects: 5}},
		{Collection: "C", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "s1", SchemaOnly: true}},
	}}
	var b bytes.Buffer
	Human(&b, p, RenderOptions{})
	out := b.String()
	for _, want := range []string{
		"⇩ collection A will be backed up\n      schema and 10 objects in 2 tenants → snapshot s1 in st",
		"∅ collection A will be cleared\n      10 objects in 2 tenants are deleted; the schema stays",
		"⇧ collection B will be restored\n      from snapshot s0 (collection A): 5 objects\n      the collection is created from the snapshot's schema",
		"⇄ collection A content will change\n      from snapshot s0: 5 objects upserted by UUID",
		"schema only → snapshot s1",
		"Plan: 2 to back up, 1 to restore, 1 to merge, 1 to clear; objects: +0 to add, ~0 to update, -10 to delete.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Human lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour without RenderOptions.Color")
	}
	touches := strings.Join(Touches(p), "\n")
	for _, want := range []string{
		"read 10 objects of A; write snapshot s1 under st",
		"delete 10 objects of A",
		"read 5 objects of A from snapshot s0; create collection B; write into collection B",
		"read the schema of C; write snapshot s1 under st",
	} {
		if !strings.Contains(touches, want) {
			t.Errorf("Touches lacks %q:\n%s", want, touches)
		}
	}
}

// A change to a collection colstate does not manage says so in every plan
// format: human, the dry-run report, markdown and JSON.
func TestUnmanagedMarkedInEveryFormat(t *testing.T) {
	p := &Plan{Changes: []Change{
		{Collection: "Theirs", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 3}},
		{Collection: "Theirs", Action: Clear, Data: &DataChange{Objects: 3}, Unmanaged: true},
		{Collection: "Mine", Action: Clear, Data: &DataChange{Objects: 2}},
	}}
	var human, md, js bytes.Buffer
	Human(&human, p, RenderOptions{})
	Markdown(&md, p)
	if err := WriteJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"Human": human.String(), "Markdown": md.String()} {
		if !strings.Contains(out, "collection Theirs will be cleared "+UnmanagedNote) {
			t.Errorf("%s does not mark the unmanaged clear:\n%s", name, out)
		}
		if strings.Contains(out, "Mine will be cleared "+UnmanagedNote) || strings.Contains(out, "Theirs will be backed up "+UnmanagedNote) {
			t.Errorf("%s marks a change that is not to an unmanaged collection:\n%s", name, out)
		}
	}
	if !strings.Contains(md.String(), "| Theirs | clear | "+UnmanagedNote+" |") {
		t.Errorf("markdown table does not mark the unmanaged clear:\n%s", md.String())
	}
	touches := strings.Join(Touches(p), "\n")
	if !strings.Contains(touches, "delete 3 objects of Theirs "+UnmanagedNote) || strings.Contains(touches, "of Mine "+UnmanagedNote) {
		t.Errorf("Touches:\n%s", touches)
	}
	var doc struct {
		Changes []struct {
			Collection string   `json:"collection"`
			Action     string   `json:"action"`
			Unmanaged  bool     `json:"unmanaged"`
			Warnings   []string `json:"warnings"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Changes {
		want := c.Collection == "Theirs" && c.Action == "clear"
		said := len(c.Warnings) == 1 && strings.Contains(c.Warnings[0], "Theirs "+UnmanagedNote+": it is changed only because the command line named it")
		if c.Unmanaged != want || said != want {
			t.Errorf("JSON change %s %s: unmanaged %v, warnings %q", c.Action, c.Collection, c.Unmanaged, c.Warnings)
		}
	}
}

// The JSON of a content change carries every count, zeros included, and
// its examples as arrays (never null or missing), as docs/plan-json.md says.
func TestContentChangeJSONHasEveryCount(t *testing.T) {
	p := &Plan{Changes: []Change{{Collection: "Item", Action: Merge, Data: &DataChange{Objects: 5, Content: Content{From: "data.jsonl.items", Mode: ContentMerge, Add: 5,
		Examples: map[string][]string{"add": {"a"}, "update": nil}}}}}}
	var js bytes.Buffer
	if err := WriteJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	out := js.String()
	for _, want := range []string{`"add": 5`, `"update": 0`, `"delete": 0`, `"delete": []`, `"update": []`, `"replace_reasons": []`,
		`"objects_to_add": 5`, `"objects_to_delete": 0`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	for _, bad := range []string{`"update": null`, `"delete": null`, `"add": null`} {
		if strings.Contains(out, bad) {
			t.Errorf("JSON has %s:\n%s", bad, out)
		}
	}
}

// In merge mode nothing is deleted, so the plan lists no delete examples
// even when the source lacks live objects.
func TestMergeModeListsNoDeletes(t *testing.T) {
	item := col("Item", "")
	p, err := Diff(Input{Desired: des(item), Live: set(item), Managed: set(item),
		Content: map[string]ContentPlan{"Item": {From: "data.jsonl.items", Mode: "merge", Add: 1, Delete: 3,
			Examples: map[string][]string{"add": {"a"}, "delete": {"x", "y", "z"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	if out := js.String(); !strings.Contains(out, `"delete": []`) || !strings.Contains(out, `"delete": 0`) || strings.Contains(out, `"x"`) {
		t.Errorf("merge-mode JSON lists deletes:\n%s", out)
	}
}

// The plan shows a multi-tenant collection's tenants by status for every
// change that moves its data, in the human plan and in JSON.
func TestTenantsByStatus(t *testing.T) {
	for _, tt := range []struct {
		in   map[string]int
		want string
	}{
		{nil, ""},
		{map[string]int{"COLD": 880, "HOT": 120}, "1,000 tenants: 120 HOT, 880 COLD"},
		{map[string]int{"HOT": 1}, "1 tenant: 1 HOT"},
		{map[string]int{"FROZEN": 2, "COLD": 1, "HOT": 0, "FREEZING": 1}, "4 tenants: 1 COLD, 1 FREEZING, 2 FROZEN"},
	} {
		if got := TenantsByStatus(tt.in); got != tt.want {
			t.Errorf("TenantsByStatus(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	st := map[string]int{"HOT": 120, "COLD": 880}
	p := &Plan{Changes: []Change{
		{Collection: "A", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 1200, Tenants: 1000, Inactive: 880, TenantStatus: st}},
		{Collection: "A", Action: Clear, Data: &DataChange{Objects: 1200, Tenants: 1000, Inactive: 880, TenantStatus: st}},
		{Collection: "B", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s1", Source: "A", Objects: 10000, Tenants: 1000, TenantStatus: st}},
	}}
	var b bytes.Buffer
	Human(&b, p, RenderOptions{})
	out := b.String()
	for _, want := range []string{
		"→ snapshot s1 in st\n      1,000 tenants: 120 HOT, 880 COLD\n",
		"are deleted; the schema stays\n      1,000 tenants: 120 HOT, 880 COLD; each keeps its status\n",
		"10,000 objects in 1,000 tenants\n      1,000 tenants: 120 HOT, 880 COLD in the snapshot; each gets that status back\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Human lacks %q:\n%s", want, out)
		}
	}
	rp := &Plan{Changes: []Change{{Collection: "A", Action: Replace,
		Fields: []collection.FieldChange{{Path: "property.t.tokenization", Before: "word", After: "field", Replace: true}},
		Data:   &DataChange{Store: "st", Snapshot: "s2", Objects: 1200, Inactive: 880, TenantStatus: st, Reshaping: Reshaping{Reshape: true}}}}}
	b.Reset()
	Human(&b, rp, RenderOptions{})
	if want := "restore the objects\n      1,000 tenants: 120 HOT, 880 COLD; each gets its status back\n"; !strings.Contains(b.String(), want) {
		t.Errorf("replace lacks %q:\n%s", want, b.String())
	}
	j, err := json.Marshal(p.Changes[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(j), `"tenant_status":{"COLD":880,"HOT":120}`) {
		t.Errorf("JSON lacks tenant_status: %s", j)
	}
}

// A content change on a multi-tenant collection: one line per tenant it
// writes, the tenants it leaves alone, a backup before exact-mode deletes
// of only the tenants that lose objects, and the same in JSON.
func TestContentPerTenant(t *testing.T) {
	item := col("Item", "")
	item.MultiTenancy.Enabled = true
	p, err := Diff(Input{Desired: des(item), Live: set(item), Managed: set(item), Store: "snaps", NewID: func() string { return "SNAP" },
		Content: map[string]ContentPlan{"Item": {From: "data.snapshot.prod", Mode: "exact", Add: 12, Delete: 3, Examples: map[string][]string{},
			OtherTenants: 4, Tenants: []ContentTenant{
				{Name: "acme", Source: "acme", Status: "HOT", Live: "COLD", Add: 2, Delete: 3, LiveObjects: 9},
				{Name: "globex-copy", Source: "globex", Status: "COLD", Add: 10},
				{Name: "same", Source: "same", Status: "HOT", Live: "HOT", LiveObjects: 5},
			}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 2 || p.Changes[0].Action != Backup || p.Changes[1].Action != Merge {
		t.Fatalf("changes = %+v", p.Changes)
	}
	b := p.Changes[0].Data
	if len(b.OnlyTenants) != 1 || b.OnlyTenants[0].Name != "acme" || b.Objects != 9 || b.Reason != BeforeExactDeletes {
		t.Fatalf("backup before exact deletes = %+v", b)
	}
	var out bytes.Buffer
	Human(&out, p, RenderOptions{})
	for _, want := range []string{
		"content from data.snapshot.prod (mode exact), tenants acme, globex → globex-copy: +12 to add, ~0 to update, -3 to delete",
		"tenant acme: +2 to add, -3 to delete (COLD: activated to be written, then set back)",
		"tenant globex → globex-copy: +10 to add (new tenant, set COLD afterwards as in the source)",
		"5 other tenants of the collection left as they are",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "tenant same") {
		t.Errorf("a tenant holding its source already is listed:\n%s", out.String())
	}
	var md bytes.Buffer
	Markdown(&md, p)
	if !strings.Contains(md.String(), "tenants acme, globex → globex-copy: +12") {
		t.Errorf("markdown lacks the tenants:\n%s", md.String())
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	var doc document
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Changes[1].Data
	if len(got.TenantLoads) != 2 || got.TenantLoads[1].Source != "globex" || got.TenantLoads[1].Name != "globex-copy" || got.TenantLoads[1].Status != "COLD" || got.OtherTenants != 5 {
		t.Fatalf("tenants after a JSON round trip = %+v", got.Content)
	}
}

// Tenants are listed by name up to five in the heading, then counted.
func TestContentTenantsPhrase(t *testing.T) {
	var loads []ContentTenant
	for i := range 7 {
		loads = append(loads, ContentTenant{Name: fmt.Sprintf("t%d", i), Add: 1})
	}
	if got := contentTenantsPhrase(&DataChange{Content: Content{TenantLoads: loads}}); got != ", tenants t0, t1, t2, t3, t4, and 2 more" {
		t.Fatalf("got %q", got)
	}
	if got := contentTenantsPhrase(&DataChange{Content: Content{TenantLoads: loads[:1]}}); got != ", tenant t0" {
		t.Fatalf("got %q", got)
	}
}
