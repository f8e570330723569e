package plan

import (
	"bytes"
	"strings"
	"testing"
)

func TestHumanDataAndTouches(t *testing.T) {
	p := &Plan{Changes: []Change{
		{Collection: "A", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "s1", Objects: 10, Tenants: 2}},
		{Collection: "A", Action: Clear, Data: &DataChange{Objects: 10, Tenants: 2}},
		{Collection: "B", Action: Restore, Data: &DataChange{Store: "st", Snapshot: "s0", Source: "A", Objects: 5, CreateSchema: true}},
		{Collection: "A", Action: Merge, Data: &DataChange{Store: "st", Snapshot: "s0", Objects: 5}},
		{Collection: "C", Action: Backup, Data: &DataChange{Store: "st", Snapshot: "s1", SchemaOnly: true}},
	}}
	var b bytes.Buffer
	HumanData(&b, p, RenderOptions{})
	out := b.String()
	for _, want := range []string{
		"⇩ collection A will be backed up\n      schema and 10 objects in 2 tenants → snapshot s1 in st",
		"∅ collection A will be cleared\n      10 objects in 2 tenants are deleted; the schema stays",
		"⇧ collection B will be restored\n      from snapshot s0 (collection A): 5 objects\n      the collection is created from the snapshot's schema",
		"⇄ collection A will be merged into",
		"schema only → snapshot s1",
		"Plan: 2 to back up, 1 to restore, 1 to merge, 1 to clear.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("HumanData lacks %q:\n%s", want, out)
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
