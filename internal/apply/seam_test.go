package apply_test

// Unit tests of apply's decisions through the interfaces it declares
// (weaviate.go): a fake Weaviate answering from maps and a store wrapping
// a local directory, no server. They prove the seam a remote store or a
// fake plugs into.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
)

// fakeWeaviate answers the reads apply's checks make from maps. Any other
// call reaches the embedded nil interface and panics: a decision that is
// meant to refuse before writing cannot write unnoticed.
type fakeWeaviate struct {
	apply.Weaviate
	classes map[string]live.Class
	tenants map[string][]live.Tenant
	objects map[string][]*object.Object // by collection, in UUID order
}

func (f *fakeWeaviate) CheckEndpoints(context.Context) error { return nil }

func (f *fakeWeaviate) Class(_ context.Context, name string) (live.Class, error) {
	cl, ok := f.classes[name]
	if !ok {
		return nil, live.ErrNotFound
	}
	return cl, nil
}

func (f *fakeWeaviate) ClassJSON(ctx context.Context, name string) (json.RawMessage, error) {
	cl, err := f.Class(ctx, name)
	if err != nil {
		return nil, err
	}
	return json.Marshal(cl)
}

func (f *fakeWeaviate) Tenants(_ context.Context, collection string) ([]live.Tenant, error) {
	return f.tenants[collection], nil
}

func (f *fakeWeaviate) WithTenantActive(_ context.Context, collection string, t live.Tenant, fn func() error) (bool, error) {
	if !t.Active() {
		return false, errors.New("fakeWeaviate: activating tenants is not faked")
	}
	return false, fn()
}

func (f *fakeWeaviate) Count(_ context.Context, collection, tenant string) (int64, error) {
	var n int64
	for _, o := range f.objects[collection] {
		if o.Tenant == tenant {
			n++
		}
	}
	return n, nil
}

func (f *fakeWeaviate) ReadObjects(_ context.Context, s *live.ObjectSchema, opts live.ReadOptions, fn func(*object.Object) error) error {
	for _, o := range f.objects[s.Collection] {
		if o.Tenant != opts.Tenant {
			continue
		}
		cp := *o
		if err := fn(&cp); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeWeaviate) ReadObjectsByID(_ context.Context, s *live.ObjectSchema, opts live.ReadOptions, ids []string) (map[string]*object.Object, error) {
	out := map[string]*object.Object{}
	for _, o := range f.objects[s.Collection] {
		if o.Tenant == opts.Tenant && slices.Contains(ids, o.ID) {
			cp := *o
			out[o.ID] = &cp
		}
	}
	return out, nil
}

// fakeStore is the store a change names, over a local directory: it
// records what apply asks of it and can fail Create.
type fakeStore struct {
	apply.SnapshotStore
	created   []string
	createErr error
}

func (s *fakeStore) Create(m snapshot.Manifest) (*snapshot.Writer, error) {
	s.created = append(s.created, m.ID)
	if s.createErr != nil {
		return nil, s.createErr
	}
	return s.SnapshotStore.Create(m)
}

const fakeRef = "fake://bucket/snapshots"

// seam returns a Data over wv whose snapshot store, named fakeRef by the
// changes, is st over local directory dir.
func seam(t *testing.T, wv *fakeWeaviate, dir string, out *bytes.Buffer) (*apply.Data, *fakeStore) {
	st := &fakeStore{SnapshotStore: &snapshot.Store{Dir: dir}}
	d := &apply.Data{Client: wv, Out: out, Err: out, ProgressEvery: time.Hour,
		OpenStore: func(ref string) (apply.SnapshotStore, error) {
			if ref != fakeRef {
				t.Errorf("store opened as %q, the change names %q", ref, fakeRef)
			}
			return st, nil
		}}
	return d, st
}

func docClass(multiTenant bool) live.Class {
	return live.Class{"class": "Doc", "vectorizer": "none",
		"properties":         []any{map[string]any{"name": "title", "dataType": []any{"text"}}},
		"multiTenancyConfig": map[string]any{"enabled": multiTenant}}
}

func doc(id, title string) *object.Object {
	return &object.Object{ID: id, Properties: map[string]any{"title": title}}
}

const (
	idA = "00000000-0000-0000-0000-00000000000a"
	idB = "00000000-0000-0000-0000-00000000000b"
	idC = "00000000-0000-0000-0000-00000000000c"
)

// writeSnapshot commits snapshot id of collection Doc holding objs into
// the local store dir, as a backup would.
func writeSnapshot(t *testing.T, dir, id string, objs ...*object.Object) {
	t.Helper()
	raw, err := json.Marshal(docClass(false))
	if err != nil {
		t.Fatal(err)
	}
	w, err := (&snapshot.Store{Dir: dir}).Create(snapshot.Manifest{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.AddCollection("Doc", raw, nil); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if err := w.Write("Doc", "", o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func backupPlan() *plan.Plan {
	return &plan.Plan{Changes: []plan.Change{{Collection: "Doc", Action: plan.Backup,
		Data: &plan.DataChange{Store: fakeRef, Snapshot: "s1"}}}}
}

// A backup of a collection with an offloaded tenant is refused by name
// before the store is asked for a snapshot.
func TestSeamBackupRefusesOffloadedBeforeCreate(t *testing.T) {
	wv := &fakeWeaviate{classes: map[string]live.Class{"Doc": docClass(true)},
		tenants: map[string][]live.Tenant{"Doc": {{Name: "hot", ActivityStatus: "HOT"}, {Name: "ice", ActivityStatus: "FROZEN"}}}}
	var out bytes.Buffer
	d, st := seam(t, wv, t.TempDir(), &out)
	err := d.RunData(context.Background(), backupPlan())
	if err == nil || !strings.Contains(err.Error(), "offloaded (FROZEN) tenants colstate cannot read: ice") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("err = %v, want the offloaded tenant ice refused by name", err)
	}
	if len(st.created) > 0 {
		t.Fatalf("the store was asked to create %v before the refusal", st.created)
	}
}

// A store that fails to start the snapshot fails the backup with its own
// error, named by the change, and nothing claims a snapshot was written.
func TestSeamBackupSurfacesStoreError(t *testing.T) {
	wv := &fakeWeaviate{classes: map[string]live.Class{"Doc": docClass(false)}}
	var out bytes.Buffer
	d, st := seam(t, wv, t.TempDir(), &out)
	st.createErr = errors.New("bucket unreachable")
	err := d.RunData(context.Background(), backupPlan())
	if !errors.Is(err, st.createErr) || !strings.HasPrefix(err.Error(), "backup Doc: ") {
		t.Fatalf("err = %v, want the store's error for backup Doc", err)
	}
	if strings.Contains(out.String(), "written") {
		t.Fatalf("output claims a snapshot: %s", out.String())
	}
}

// A backup of a collection Weaviate does not have fails, and the snapshot
// it started is not left in the store.
func TestSeamBackupOfMissingCollectionLeavesNoSnapshot(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	d, st := seam(t, &fakeWeaviate{}, dir, &out)
	err := d.RunData(context.Background(), backupPlan())
	if err == nil || !strings.Contains(err.Error(), "collection Doc does not exist in Weaviate") {
		t.Fatalf("err = %v, want the missing collection named", err)
	}
	if len(st.created) != 1 {
		t.Fatalf("store created %v, want the one snapshot s1 started", st.created)
	}
	ms, _, err := (&snapshot.Store{Dir: dir}).List()
	if err != nil || len(ms) != 0 {
		t.Fatalf("store lists %d snapshots (err %v), want none", len(ms), err)
	}
}

// A dry run (Check) refuses what the real restore refuses: loading into a
// collection that holds objects other than the snapshot's as it holds
// them, and a merge into a collection that does not exist. A collection
// holding only the snapshot's objects is an interrupted restore, which
// may be completed.
func TestSeamCheckRestoreDecisions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		action plan.Action
		live   []*object.Object // nil: the collection does not exist
		refuse string           // "" : allowed
	}{
		{"restore into absent", plan.Restore, nil, ""},
		{"restore into empty", plan.Restore, []*object.Object{}, ""},
		{"restore completes interrupted", plan.Restore, []*object.Object{doc(idA, "a")}, ""},
		{"restore over foreign object", plan.Restore, []*object.Object{doc(idA, "a"), doc(idC, "c")}, "already holds 2 objects, not all from this snapshot"},
		{"restore over changed object", plan.Restore, []*object.Object{doc(idA, "changed")}, "already holds 1 objects, not all from this snapshot"},
		{"merge into absent", plan.Merge, nil, "collection Doc does not exist: merge needs a live collection"},
		{"merge into live", plan.Merge, []*object.Object{doc(idC, "c")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSnapshot(t, dir, "s1", doc(idA, "a"), doc(idB, "b"))
			wv := &fakeWeaviate{classes: map[string]live.Class{}, objects: map[string][]*object.Object{}}
			if tc.live != nil {
				wv.classes["Doc"] = docClass(false)
				wv.objects["Doc"] = tc.live
			}
			var out bytes.Buffer
			d, st := seam(t, wv, dir, &out)
			p := &plan.Plan{Changes: []plan.Change{{Collection: "Doc", Action: tc.action,
				Data: &plan.DataChange{Store: fakeRef, Snapshot: "s1"}}}}
			err := d.Check(context.Background(), p)
			switch {
			case tc.refuse == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refuse != "" && (err == nil || !strings.Contains(err.Error(), tc.refuse)):
				t.Fatalf("err = %v, want a refusal containing %q", err, tc.refuse)
			}
			if len(st.created) > 0 {
				t.Fatalf("a check created snapshots %v", st.created)
			}
		})
	}
}

// A snapshot whose schema conflicts with the live collection is refused
// before anything is written, every conflict listed.
func TestSeamCheckRefusesSchemaConflict(t *testing.T) {
	dir := t.TempDir()
	writeSnapshot(t, dir, "s1", doc(idA, "a"))
	cl := docClass(false)
	cl["properties"] = []any{map[string]any{"name": "title", "dataType": []any{"int"}}}
	wv := &fakeWeaviate{classes: map[string]live.Class{"Doc": cl}}
	var out bytes.Buffer
	d, _ := seam(t, wv, dir, &out)
	p := &plan.Plan{Changes: []plan.Change{{Collection: "Doc", Action: plan.Merge,
		Data: &plan.DataChange{Store: fakeRef, Snapshot: "s1"}}}}
	err := d.Check(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "property title: snapshot text, live int") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("err = %v, want the property type conflict", err)
	}
}
