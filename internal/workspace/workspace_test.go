package workspace

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/content"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// These tests cover what the workspace does without a server: paths,
// stores, state-derived inputs, content sources, snapshot facts and the
// binding checks that come before any read of Weaviate. What needs a server
// is covered by the scripts in testdata/script.

func TestResolveStore(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(t.TempDir(), "elsewhere")
	one := &config.Config{Stores: []config.Store{{Name: "local", Path: "snaps"}}}
	two := &config.Config{Stores: []config.Store{{Name: "local", Path: "snaps"}, {Name: "far", Path: abs}}}
	tests := []struct {
		name string
		cfg  *config.Config
		flag string
		want string
	}{
		{"no configuration, no flag: the default store", nil, "", filepath.Join(dir, snapshot.DefaultStore)},
		{"a relative directory", nil, "some/dir", filepath.Join(dir, "some/dir")},
		{"an absolute directory", nil, abs, abs},
		{"the one declared store", one, "", filepath.Join(dir, "snaps")},
		{"a store by name", two, "far", abs},
		{"two stores, no flag: the default store", two, "", filepath.Join(dir, snapshot.DefaultStore)},
		{"a directory named like no store", two, "other", filepath.Join(dir, "other")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resolveStore(tt.cfg, dir, tt.flag); got != tt.want {
				t.Errorf("resolveStore(%q) = %s, want %s", tt.flag, got, tt.want)
			}
		})
	}
}

func TestResolveStoreIsAbsolute(t *testing.T) {
	// The state and saved plans record the store: a relative configuration
	// directory must still give an absolute path.
	got := resolveStore(nil, "rel", "")
	want, _ := filepath.Abs(filepath.Join("rel", snapshot.DefaultStore))
	if got != want {
		t.Errorf("resolveStore = %s, want %s", got, want)
	}
}

func TestStoreDir(t *testing.T) {
	dir := t.TempDir()
	// An invalid configuration: commands on the store alone still work.
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte("collection {"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := StoreDir(dir, "snaps"), filepath.Join(dir, "snaps"); got != want {
		t.Errorf("StoreDir = %s, want %s", got, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(`snapshot_store "local" { path = "kept" }`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := StoreDir(dir, ""), filepath.Join(dir, "kept"); got != want {
		t.Errorf("StoreDir with a snapshot_store = %s, want %s", got, want)
	}
}

func TestStatePath(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "s.json")
	for _, tt := range []struct{ path, want string }{
		{".colstate/state.json", filepath.Join("cfg", ".colstate/state.json")},
		{abs, abs},
	} {
		ws := openTestWorkspace(t, "cfg", &config.Config{State: config.State{Path: tt.path}})
		if got := ws.StatePath(); got != tt.want {
			t.Errorf("StatePath(%s) = %s, want %s", tt.path, got, tt.want)
		}
		if got, want := ws.State.FileLocation("journal"), tt.want; !strings.HasPrefix(got, want) || got == want {
			t.Errorf("journal at %s: want a file beside %s", got, want)
		}
	}
}

func TestReadWriteStateAndNoJournal(t *testing.T) {
	ws := openTestWorkspace(t, t.TempDir(), &config.Config{State: config.State{Path: "state.json"}})
	st, err := ws.ReadState()
	if err != nil || len(st.Collections) != 0 {
		t.Fatalf("ReadState of no file = %+v, %v", st, err)
	}
	st.Collections = map[string]collection.Collection{"A": {Name: "A"}}
	if err := ws.WriteState(st); err != nil {
		t.Fatal(err)
	}
	again, err := ws.ReadState()
	if err != nil || !again.Managed("A") {
		t.Fatalf("ReadState after WriteState = %+v, %v", again, err)
	}
	if j, err := ws.PendingJournal(again); j != nil || err != nil {
		t.Errorf("PendingJournal without a journal = %v, %v", j, err)
	}
}

func TestHeld(t *testing.T) {
	t1, t2 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	st := &state.State{Snapshots: []state.SnapshotRecord{
		{ID: "s1", Store: "st1", TakenAt: t1, Collections: map[string]state.DataMark{"A": {Objects: 1}, "B": {Objects: 2}}},
		{ID: "s2", Store: "st2", TakenAt: t2, Collections: map[string]state.DataMark{"A": {Objects: 3}}},
	}}
	want := map[string]plan.Recreate{
		"A": {Snapshot: "s2", Store: "st2", Objects: 3, TakenAt: t2},
		"B": {Snapshot: "s1", Store: "st1", Objects: 2, TakenAt: t1},
	}
	if got := held(st); !reflect.DeepEqual(got, want) {
		t.Errorf("held = %+v, want %+v", got, want)
	}
	if got := held(&state.State{}); len(got) != 0 {
		t.Errorf("held of no snapshots = %+v", got)
	}
}

func TestFingerprints(t *testing.T) {
	a := collection.Collection{Name: "A", Description: "one"}
	p := &plan.Plan{Changes: []plan.Change{{Collection: "A", Action: plan.Update}, {Collection: "B", Action: plan.Create}}}
	got := fingerprints(p, map[string]collection.Collection{"A": a, "Other": {Name: "Other"}})
	want := map[string]string{"A": collection.Fingerprint(a), "B": ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fingerprints = %v, want %v", got, want)
	}
	a.Description = "two"
	if again := fingerprints(p, map[string]collection.Collection{"A": a}); again["A"] == got["A"] {
		t.Error("a changed schema keeps its fingerprint")
	}
}

func TestCheckFreshState(t *testing.T) {
	// A saved plan whose state moved on is stale before Weaviate is asked
	// anything (the workspace has no client here).
	ws := openTestWorkspace(t, t.TempDir(), &config.Config{State: config.State{Path: "state.json"}})
	p := &plan.Plan{Binding: &plan.Binding{StateLineage: "L1", StateSerial: 3}}
	for _, tt := range []struct {
		st   state.State
		want string
	}{
		{state.State{Lineage: "L2", Serial: 3}, "it was made for state lineage L1"},
		{state.State{Lineage: "L1", Serial: 4}, "the state changed since it was made (serial 3, now 4)"},
	} {
		err := ws.CheckFresh(context.Background(), p, &tt.st)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "run colstate plan again") {
			t.Errorf("CheckFresh(%+v) = %v, want %q", tt.st, err, tt.want)
		}
	}
}

func TestContentSource(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{
		Stores: []config.Store{{Name: "local", Path: "snaps"}},
		Sources: []config.Source{
			{Kind: "jsonl", Name: "items", Path: "data/items.jsonl", Key: []string{"sku"}},
			{Kind: "snapshot", Name: "fixed", Store: "local", ID: "20260101T000000Z"},
			{Kind: "snapshot", Name: "last", Latest: "nightly", Collection: "Old"},
			{Kind: "csv", Name: "odd"},
		},
	}
	ws := &Workspace{Dir: dir, Config: cfg}
	st := &state.State{Snapshots: []state.SnapshotRecord{
		{ID: "n1", Store: "/s1", Policy: "nightly"},
		{ID: "n2", Store: "/s2", Policy: "nightly"},
	}}
	tests := []struct {
		from string
		want content.Source
		err  string
	}{
		{from: "data.jsonl.items", want: content.JSONL{Path: filepath.Join(dir, "data/items.jsonl"), Key: []string{"sku"}}},
		{from: "data.snapshot.fixed", want: content.Snapshot{Store: filepath.Join(dir, "snaps"), ID: "20260101T000000Z", Collection: "Item"}},
		{from: "data.snapshot.last", want: content.Snapshot{Store: "/s2", ID: "n2", Collection: "Old"}},
		{from: "snapshot.nightly", want: content.Snapshot{Store: "/s2", ID: "n2", Collection: "Item"}},
		{from: "snapshot.weekly", err: `snapshot "weekly" has not been taken yet`},
		{from: "data.jsonl.nope", err: "data.jsonl.nope is not declared"},
		{from: "data.csv.odd", err: `unsupported source kind "csv"`},
	}
	for _, tt := range tests {
		got, err := ws.ContentSource(st, "Item", tt.from)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ContentSource(%s) error = %v, want %q", tt.from, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ContentSource(%s) = %#v, %v; want %#v", tt.from, got, err, tt.want)
		}
	}
	if _, err := ws.ContentSource(&state.State{}, "Item", "data.snapshot.last"); err == nil || !strings.Contains(err.Error(), `snapshot "nightly" has not been taken yet`) {
		t.Errorf("latest of a snapshot never taken: %v", err)
	}
}

func TestSnapshotFactsAndRefers(t *testing.T) {
	store := &snapshot.Store{Dir: t.TempDir()}
	w, err := store.Create(snapshot.Manifest{ID: "s1", NoVectors: true})
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]string{
		"Author": `{"class":"Author","properties":[{"name":"name","dataType":["text"]}]}`,
		"Post":   `{"class":"Post","properties":[{"name":"by","dataType":["Author"]},{"name":"about","dataType":["Tag","Author"]},{"name":"title","dataType":["text"]}]}`,
		"Tag":    `{"class":"Tag","multiTenancyConfig":{"enabled":true}}`,
	}
	for _, name := range []string{"Post", "Author", "Tag"} {
		var tenants []snapshot.Tenant
		if name == "Tag" {
			tenants = []snapshot.Tenant{{Name: "t1"}, {Name: "t2"}}
		}
		if err := w.AddCollection(name, []byte(schemas[name]), tenants); err != nil {
			t.Fatal(err)
		}
	}
	// Tag holds only some of its tenants (backup --tenant); t2 holds the
	// one object, counted from the chunks.
	if err := w.SetTenantSubset("Tag"); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("Tag", "t2", &object.Object{ID: "00000000-0000-0000-0000-000000000001", Properties: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	r, err := store.Open("s1")
	if err != nil {
		t.Fatal(err)
	}
	f := snapshotFacts(store.Dir, r.Manifest())
	if err := readRefers(r, &f, []string{"Post", "Author"}); err != nil {
		t.Fatal(err)
	}
	want := plan.SnapshotFacts{ID: "s1", Store: store.Dir, NoVectors: true, Collections: []plan.SnapshotCollection{
		{Name: "Post", Refers: []string{"Author", "Tag", "Author"}},
		{Name: "Author"},
		{Name: "Tag", Objects: 1, Tenants: 2, TenantStatus: map[string]int{"HOT": 2}, TenantSubset: true,
			TenantList: []plan.TenantFact{{Name: "t1", Status: "HOT"}, {Name: "t2", Status: "HOT", Objects: 1}}},
	}}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("snapshot facts = %+v, want %+v", f, want)
	}
	if err := readRefers(r, &f, []string{"Nope"}); err == nil {
		t.Error("readRefers of a collection the snapshot lacks: no error")
	}
}

func TestEmbeddedAuth(t *testing.T) {
	if env := embeddedAuth(""); env != nil {
		t.Errorf("no key: %v", env)
	}
	env := embeddedAuth("k")
	if env["AUTHENTICATION_APIKEY_ALLOWED_KEYS"] != "k" || env["AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"] != "false" {
		t.Errorf("key: %v", env)
	}
}

func TestRoundAge(t *testing.T) {
	if got := roundAge(90*time.Minute + 31*time.Second); got != 91*time.Minute {
		t.Errorf("roundAge over an hour = %s", got)
	}
	if got := roundAge(5*time.Minute + 1400*time.Millisecond); got != 5*time.Minute+time.Second {
		t.Errorf("roundAge under an hour = %s", got)
	}
}

// openTestWorkspace is a workspace without a Weaviate: its configuration
// and the state it names.
func openTestWorkspace(t *testing.T, dir string, cfg *config.Config) *Workspace {
	t.Helper()
	b, err := OpenState(context.Background(), dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &Workspace{Dir: dir, Config: cfg, State: b}
}

// The one rule for alias names: a blue/green name or a managed name is a
// collection's; an alias block's, a moved block's or a stranger's is not.
func TestKeptName(t *testing.T) {
	st := state.New()
	st.Collections["Art"] = collection.Collection{Name: "Art"}
	st.Collections["Cut"] = collection.Collection{Name: "Cut"}
	st.Backing = map[string]state.Backing{"Art": {Collection: "Art_v2"}, "Gone": {Collection: "Gone_v3"}}
	st.Aliases["Blk"] = "Art_v2"
	st.Moved = map[string]string{"Old": "Cut"}
	for name, want := range map[string]bool{"Art": true, "Cut": true, "Gone": true, "Blk": false, "Old": false, "Hand": false} {
		if got := keptName(st, name); got != want {
			t.Errorf("keptName(%s) = %v, want %v", name, got, want)
		}
	}
}

// import adopts an alias over NAME_vN as a blue/green name, keeping the
// state's record of it when that still names the live collection, and
// refuses any other alias, naming the collection to import.
func TestAdoptBlueGreen(t *testing.T) {
	cols := map[string]collection.Collection{"Mv_v3": {Name: "Mv_v3"}, "Mv_v2": {Name: "Mv_v2"}, "Other": {Name: "Other"}}
	st := state.New()
	col, rec, err := AdoptBlueGreen(st, "Mv", "Mv_v3", cols)
	if err != nil || col.Name != "Mv" || rec != (state.Backing{Collection: "Mv_v3"}) {
		t.Fatalf("fresh state: %+v %+v %v", col, rec, err)
	}
	prev := collection.Collection{Name: "Mv"}
	st.Backing = map[string]state.Backing{"Mv": {Collection: "Mv_v3", Previous: "Mv_v2", PreviousSchema: &prev}}
	if _, rec, err := AdoptBlueGreen(st, "Mv", "Mv_v3", cols); err != nil || rec.Previous != "Mv_v2" || rec.PreviousSchema == nil {
		t.Fatalf("kept previous not kept: %+v %v", rec, err)
	}
	delete(cols, "Mv_v2")
	if _, rec, err := AdoptBlueGreen(st, "Mv", "Mv_v3", cols); err != nil || rec.Previous != "" || rec.PreviousSchema != nil {
		t.Fatalf("a kept previous that is gone must be dropped: %+v %v", rec, err)
	}
	st.Backing["Mv"] = state.Backing{Collection: "Mv_v9"}
	if _, rec, err := AdoptBlueGreen(st, "Mv", "Mv_v3", cols); err != nil || rec != (state.Backing{Collection: "Mv_v3"}) {
		t.Fatalf("a stale record must give way to the live alias: %+v %v", rec, err)
	}
	for _, tt := range []struct{ name, target, want string }{
		{"Hand", "Other", "Hand is a Weaviate alias of collection Other, not a collection: import acts on collections; name the collection (colstate import Other"},
		{"Mv", "Mv_v7", "Mv is a Weaviate alias of collection Mv_v7, which does not exist"},
	} {
		if _, _, err := AdoptBlueGreen(st, tt.name, tt.target, cols); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("AdoptBlueGreen(%s → %s) = %v, want %q", tt.name, tt.target, err, tt.want)
		}
	}
	st.Aliases["Blk_v2"] = "x"
	if _, _, err := AdoptBlueGreen(st, "Blk_v2", "Blk_v2_v2", cols); err == nil || !strings.Contains(err.Error(), "alias block") {
		t.Errorf("an alias block's name must be refused: %v", err)
	}
}
