package apply_test

import (
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestMergeNoVectorsKeepsVectors: a merge from a --no-vectors snapshot into
// a multi-tenant collection and into one with named vectors writes the
// changed objects with their live vectors; every object ends up equal to
// the originals, vectors included.
func TestMergeNoVectorsKeepsVectors(t *testing.T) {
	e := newEnv(t)
	mt, thing, author := weaviatetest.Name(t, "Mt"), weaviatetest.Name(t, "Thing"), weaviatetest.Name(t, "Author")
	tenantObjs := append(livetest.TenantObjects(41, 30, "a"), livetest.TenantObjects(42, 30, "b")...)
	e.create(livetest.MultiTenantClass(mt), tenantObjs, "a", "b")
	authors := livetest.Authors(43, 3)
	e.create(livetest.AuthorClass(author), authors)
	things := livetest.AllTypes(44, 20, author, ids(authors))
	e.create(livetest.AllTypesClass(thing, author), things)
	var changes []plan.Change
	for _, n := range []string{mt, thing} {
		changes = append(changes, plan.Change{Collection: n, Action: plan.Backup, Data: &plan.DataChange{Store: e.store, Snapshot: "nv", NoVectors: true}})
	}
	if _, err := e.data().Backup(e.ctx, changes); err != nil {
		t.Fatal(err)
	}
	edited := func(o *object.Object, prop string) *object.Object {
		cp := *o
		cp.Properties = map[string]any{}
		for k, v := range o.Properties {
			cp.Properties[k] = v
		}
		cp.Properties[prop] = "changed by hand"
		return &cp
	}
	if err := livetest.Insert(e.ctx, e.c, mt, []*object.Object{edited(tenantObjs[3], "body"), edited(tenantObjs[40], "body")}); err != nil {
		t.Fatal(err)
	}
	if err := livetest.Insert(e.ctx, e.c, thing, []*object.Object{edited(things[7], "title")}); err != nil {
		t.Fatal(err)
	}
	if err := e.run(e.restore("nv", mt, mt, plan.Merge), e.restore("nv", thing, thing, plan.Merge)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Merged " + mt + ": 2 objects written, 58 already identical (2 of them kept live vectors",
		"Merged " + thing + ": 1 objects written, 19 already identical (1 of them kept live vectors",
	} {
		if !strings.Contains(e.out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, e.out.String())
		}
	}
	e.same(mt, tenantObjs)
	e.same(thing, things)
}

// TestMergeVerifyComparesWritten: the verification after a merge compares
// the objects as the merge wrote them, vectors included, so a vector that
// changes between the write and the read-back (here: another writer) fails
// it, even though the snapshot has no vectors to compare.
func TestMergeVerifyComparesWritten(t *testing.T) {
	e := newEnv(t)
	name := weaviatetest.Name(t, "Author")
	authors := livetest.Authors(45, 7)
	e.create(livetest.AuthorClass(name), authors)
	if _, err := e.data().Backup(e.ctx, []plan.Change{{Collection: name, Action: plan.Backup, Data: &plan.DataChange{Store: e.store, Snapshot: "nv", NoVectors: true}}}); err != nil {
		t.Fatal(err)
	}
	renamed := *authors[2]
	renamed.Properties = map[string]any{"name": "renamed", "born": authors[2].Properties["born"]}
	if err := livetest.Insert(e.ctx, e.c, name, []*object.Object{&renamed}); err != nil {
		t.Fatal(err)
	}
	d := e.data()
	d.OnWritten = func(int) {
		other := *authors[2]
		other.Vectors = map[string][]float32{"": make([]float32, livetest.Dims)}
		other.Vectors[""][0] = 1
		if err := livetest.Insert(e.ctx, e.c, name, []*object.Object{&other}); err != nil {
			t.Error(err)
		}
	}
	err := d.RunData(e.ctx, &plan.Plan{Changes: []plan.Change{e.restore("nv", name, name, plan.Merge)}})
	if err == nil || !strings.Contains(err.Error(), "do not read back from "+name+" as the merge wrote them") {
		t.Fatalf("merge with a vector changed behind it: %v\n%s", err, e.out.String())
	}
}

// A merge leaves the live tenants' statuses as they are: a tenant the
// snapshot recorded as COLD but that is HOT now stays HOT (only a restore
// gives tenants the snapshot's status), and one that is COLD now is
// activated to be written and set back to COLD.
func TestMergeKeepsLiveTenantStatus(t *testing.T) {
	e := newEnv(t)
	name := weaviatetest.Name(t, "Mt")
	objs := append(livetest.TenantObjects(51, 5, "a"), livetest.TenantObjects(52, 5, "b")...)
	e.create(livetest.MultiTenantClass(name), objs, "a", "b")
	if err := e.c.UpdateTenants(e.ctx, name, []live.Tenant{{Name: "a", ActivityStatus: "COLD"}}); err != nil {
		t.Fatal(err)
	}
	e.backup("cold", false, name) // records a as COLD, b as HOT
	if err := e.c.UpdateTenants(e.ctx, name, []live.Tenant{{Name: "a", ActivityStatus: "HOT"}, {Name: "b", ActivityStatus: "COLD"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.run(e.restore("cold", name, name, plan.Merge)); err != nil {
		t.Fatalf("merge: %v\n%s", err, e.out.String())
	}
	ts, err := e.c.Tenants(e.ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tn := range ts {
		got[tn.Name] = tn.ActivityStatus
	}
	if got["a"] != "HOT" || got["b"] != "COLD" {
		t.Fatalf("after the merge the tenants are %v, want their live statuses a HOT, b COLD", got)
	}
}
