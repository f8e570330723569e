package apply_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/native"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// writeAfterRestore is Weaviate's backup API (the NativeBackups seam) with
// an application's write the moment Weaviate's restore has made the
// collection visible, before colstate reads it back: the race of
// hostile/native_fallback_drops_app_write, every time.
type writeAfterRestore struct {
	apply.NativeBackups
	write func() error
}

func (w writeAfterRestore) Restore(ctx context.Context, backend, id string, loc native.Location, classes []string, progress native.Progress) error {
	if err := w.NativeBackups.Restore(ctx, backend, id, loc, classes, progress); err != nil {
		return err
	}
	return w.write()
}

// nativeEnv is env with Weaviate's backup API on the shared server.
func nativeEnv(t *testing.T) (*env, *native.Client) {
	e := newEnv(t)
	nc, err := native.New(weaviatetest.Server(t).URL, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return e, nc
}

// nativeBackup takes snapshot id of collection name with both parts.
func (e *env) nativeBackup(nc apply.NativeBackups, id, name string) {
	e.t.Helper()
	d := e.data()
	d.Native = nc
	if _, err := d.Backup(e.ctx, []plan.Change{{Collection: name, Action: plan.Backup,
		Data: &plan.DataChange{Store: e.store, Snapshot: id, EnginePath: plan.EnginePath{Engine: plan.EngineBoth}}}}); err != nil {
		e.t.Fatal(err)
	}
}

// nativeRestore restores collection name from snapshot id through
// Weaviate's backup, with an application writing appWrite as soon as
// Weaviate's restore ends.
func (e *env) nativeRestore(nc apply.NativeBackups, id, name string, appWrite []*object.Object) error {
	d := e.data()
	d.Native = writeAfterRestore{NativeBackups: nc, write: func() error { return livetest.Insert(e.ctx, e.c, name, appWrite) }}
	rc := plan.Change{Collection: name, Action: plan.Restore,
		Data: &plan.DataChange{Store: e.store, Snapshot: id, CreateSchema: true, EnginePath: plan.EnginePath{Engine: plan.EngineNative}}}
	return d.RunData(e.ctx, &plan.Plan{Changes: []plan.Change{rc}})
}

// TestNativeRestoreKeepsApplicationWrite: an application writes into the
// collection Weaviate's restore created before colstate reads it back.
// The collection holds every snapshot object, identical, and the
// application's: it is kept, and the write named. colstate used to take
// it for a restore that did not verify, delete it and restore the chunks,
// losing the acknowledged write.
func TestNativeRestoreKeepsApplicationWrite(t *testing.T) {
	e, nc := nativeEnv(t)
	name := weaviatetest.Name(t, "Nw")
	authors := livetest.Authors(71, 20)
	e.create(livetest.AuthorClass(name), authors)
	t.Cleanup(func() { _ = e.c.Delete(context.Background(), name) })
	e.nativeBackup(nc, "nw-keep", name)
	if err := e.c.Delete(e.ctx, name); err != nil {
		t.Fatal(err)
	}
	app := livetest.Authors(72, 1)
	if err := e.nativeRestore(nc, "nw-keep", name, app); err != nil {
		t.Fatalf("restore: %v\n%s", err, e.out.String())
	}
	out := e.out.String()
	for _, want := range []string{
		"Restored " + name + ": 20 objects; verified: all objects of the snapshot are present and identical.",
		"warning: " + name + " also holds 1 object(s) that are not in the snapshot, written by an application after Weaviate restored it, or held by Weaviate's backup alone; colstate kept them: " + app[0].ID,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	e.same(name, append(authors, app...))
}

// TestNativeRestoreRepairsInPlace: Weaviate's backup lacks objects the
// portable part has (the two parts differ), and an application writes
// into the collection before colstate reads it back. The snapshot's
// missing objects are written from the chunks into the collection, the
// application's object is kept and named; nothing is deleted.
func TestNativeRestoreRepairsInPlace(t *testing.T) {
	e, nc := nativeEnv(t)
	name := weaviatetest.Name(t, "Nw")
	authors := livetest.Authors(73, 25)
	e.create(livetest.AuthorClass(name), authors[:20])
	t.Cleanup(func() { _ = e.c.Delete(context.Background(), name) })
	e.nativeBackup(nc, "nw-rep1", name)
	if err := livetest.Insert(e.ctx, e.c, name, authors[20:]); err != nil {
		t.Fatal(err)
	}
	e.nativeBackup(nc, "nw-rep2", name)
	// Snapshot nw-rep2's native part becomes nw-rep1's backup: 20 objects,
	// its chunks hold 25.
	manifest := filepath.Join(e.store, "nw-rep2", "manifest.json")
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, []byte(strings.ReplaceAll(string(b), "colstate-nw-rep2", "colstate-nw-rep1")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Delete(e.ctx, name); err != nil {
		t.Fatal(err)
	}
	app := livetest.Authors(74, 1)
	if err := e.nativeRestore(nc, "nw-rep2", name, app); err != nil {
		t.Fatalf("restore: %v\n%s", err, e.out.String())
	}
	out := e.out.String()
	for _, want := range []string{
		"repairing " + name + " in place from the portable chunks",
		"Repaired " + name + " from the snapshot's portable chunks: 5 objects written, 20 already identical.",
		"Restored " + name + ": 25 objects; verified: all objects of the snapshot are present and identical.",
		"colstate kept them: " + app[0].ID,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "deleted") {
		t.Errorf("the restore deleted something:\n%s", out)
	}
	e.same(name, append(authors, app...))
}
