package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/native"
	"github.com/colstate/colstate/internal/plan"
)

// A restore --mode=replace that Weaviate's own backup carries out deletes
// the live collection first (Weaviate restores only into an absent one):
// the plan holds a Delete change with reason plan.BeforeNativeRestore,
// after the backup of the live objects (unless --no-backup or the
// lifecycle turn it off) and before the native Restore of the same
// collection.

// nativeRestoreAfter returns the native restore of change i's collection
// that follows it in p, nil when there is none.
func nativeRestoreAfter(p *plan.Plan, i int) *plan.Change {
	name := p.Changes[i].Collection
	for k := i + 1; k < len(p.Changes); k++ {
		c := p.Changes[k]
		if c.Collection == name && c.Action == plan.Restore && c.Data != nil && c.Data.Engine == plan.EngineNative {
			return &p.Changes[k]
		}
	}
	return nil
}

// deleteForNativeRestore deletes the live collection of change i for the
// native restore after it. Before it deletes anything it checks, again,
// that the restore can run: the snapshot's native part holds the
// collection and the server has its backend; a collection already gone
// (a rerun after an interruption) is left as it is.
func (d *Data) deleteForNativeRestore(ctx context.Context, p *plan.Plan, i int) error {
	c := p.Changes[i]
	gone, err := d.checkDeleteForRestore(ctx, p, i)
	if err != nil || gone {
		return err
	}
	fmt.Fprintf(d.Out, "Deleting %s (%s) for Weaviate's restore, which needs an absent collection.\n", c.Collection, d.deletedCount(p, c))
	if err := d.Client.Delete(ctx, c.Collection); err != nil && !errors.Is(err, live.ErrNotFound) {
		return err
	}
	return nil
}

// deletedCount says how many objects the delete of change c (before
// Weaviate's restore) deletes. The plan could not count the objects of
// inactive tenants (reading them needs them active); the backup before
// the delete did, so its count is the one given, inactive tenants
// included.
func (d *Data) deletedCount(p *plan.Plan, c plan.Change) string {
	counted := fmt.Sprintf("%d objects", c.Data.Objects)
	if c.Data.Inactive == 0 {
		return counted
	}
	uncounted := fmt.Sprintf("%s in active tenants + the objects of %d inactive tenant(s), not counted", counted, c.Data.Inactive)
	for _, b := range p.Changes {
		if b.Collection != c.Collection || b.Action != plan.Backup || b.Data == nil {
			continue
		}
		r, err := d.openSnapshot(b)
		if err != nil {
			return uncounted
		}
		sc := r.Manifest().Collection(c.Collection)
		if sc == nil {
			return uncounted
		}
		return fmt.Sprintf("%d objects, those of its %d inactive tenant(s) included, as its backup to snapshot %s counted them", sc.Objects, c.Data.Inactive, b.Data.Snapshot)
	}
	return uncounted
}

// checkDeleteForRestore checks, without writing, that change i of p may
// delete its collection for the native restore after it: that restore can
// start, the name is a collection (not an alias), and its schema is still
// the snapshot's (the plan compared them; one changed since, while the
// prompt waited, would be lost). gone: the collection is already absent
// (a re-run after an interruption).
func (d *Data) checkDeleteForRestore(ctx context.Context, p *plan.Plan, i int) (gone bool, err error) {
	c := p.Changes[i]
	rc := nativeRestoreAfter(p, i)
	if !deletesForRestore(c) || rc == nil {
		return false, fmt.Errorf("internal error: the plan deletes collection %s without Weaviate's restore of it after; nothing was deleted", c.Collection)
	}
	if err := d.checkNativeRestore(ctx, *rc); err != nil {
		return false, fmt.Errorf("%w; nothing was deleted", err)
	}
	cl, err := d.Client.Class(ctx, c.Collection)
	if errors.Is(err, live.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if name, _ := cl["class"].(string); name != c.Collection {
		// GET /v1/schema/NAME answers for an alias with its collection.
		return false, fmt.Errorf("%s is an alias of collection %s, not a collection: colstate does not delete through an alias; nothing was deleted. Restore with --engine=portable", c.Collection, name)
	}
	r, err := d.openSnapshot(*rc)
	if err != nil {
		return false, err
	}
	snapClass, err := snapshotClass(r, rc.SourceName())
	if err != nil {
		return false, err
	}
	if diff := live.SchemaDiff(cl, snapClass); len(diff) > 0 {
		return false, fmt.Errorf("the schema of %s changed since the plan (%s): Weaviate's restore would bring back the snapshot's; nothing was deleted. Run the restore again: its plan takes the portable path", c.Collection, strings.Join(diff, ", "))
	}
	return false, nil
}

// checkNativeRestore checks, without writing, that Weaviate's restore of
// change c can start: the snapshot's native part holds its collection
// and the server has the backend it was made with.
func (d *Data) checkNativeRestore(ctx context.Context, c plan.Change) error {
	if d.Native == nil {
		return errors.New("no connection to Weaviate's backup API")
	}
	r, err := d.openSnapshot(c)
	if err != nil {
		return err
	}
	n := r.Manifest().Native
	if n == nil || n.Collection(c.Collection) == nil {
		return fmt.Errorf("snapshot %s has no native backup of %s", c.Data.Snapshot, c.Collection)
	}
	srv, err := d.Native.Server(ctx)
	if err != nil {
		return fmt.Errorf("read the server's backup modules: %w", err)
	}
	if !slices.Contains(srv.Backends, n.Backend) {
		return fmt.Errorf("this Weaviate has no %s backup backend enabled (module backup-%s), which Weaviate's restore of %s needs", n.Backend, n.Backend, c.Collection)
	}
	// A restore an interrupted colstate started goes on on the server:
	// deleting what it is restoring would lose its work and race it.
	status, err := d.Native.RestoreStatus(ctx, n.Backend, n.BackupID, native.Location{Bucket: n.Bucket, Path: n.BucketPath})
	if err != nil {
		return fmt.Errorf("read the status of Weaviate's restores of backup %s: %w", n.BackupID, err)
	}
	switch status {
	case "STARTED", "TRANSFERRING", "TRANSFERRED", "FINALIZING":
		return fmt.Errorf("Weaviate is still restoring backup %s (%s; an interrupted colstate may have started it): wait until GET /v1/backups/%s/%s/restore reports SUCCESS or FAILED, then run the restore again", n.BackupID, status, n.Backend, n.BackupID)
	}
	return nil
}

// deletedHint tells, after a failed native restore of a collection the
// plan deleted for it, where its objects are.
func deletedHint(p *plan.Plan, name string) string {
	backup := backupBefore(p, name)
	var snap string
	if rc := slices.IndexFunc(p.Changes, func(c plan.Change) bool { return c.Collection == name && c.Action == plan.Restore && c.Data != nil }); rc >= 0 {
		snap = p.Changes[rc].Data.Snapshot
	}
	if backup != "" {
		return fmt.Sprintf("\ncollection %s was deleted for Weaviate's restore of snapshot %s, which failed: the objects it held before are in snapshot %s (restore them with colstate restore --collection %s %s); "+
			"or, once the cause above is fixed, run the same colstate restore again (it restores into the absent collection)", name, snap, backup, name, backup)
	}
	return fmt.Sprintf("\ncollection %s was deleted for Weaviate's restore of snapshot %s, which failed, without a backup of what it held (--no-backup or its lifecycle): "+
		"once the cause above is fixed, run the same colstate restore again (it restores into the absent collection)", name, snap)
}

// backupBefore is the snapshot p backs collection name up to ("" when it
// does not): before the delete for Weaviate's restore.
func backupBefore(p *plan.Plan, name string) string {
	var backup string
	for _, c := range p.Changes {
		if c.Collection == name && c.Action == plan.Backup && c.Data != nil {
			backup = c.Data.Snapshot
		}
	}
	return backup
}

// deletesForRestore reports whether c is the delete before a native
// restore: the one schema change a data plan holds.
func deletesForRestore(c plan.Change) bool {
	return c.Action == plan.Delete && c.Data != nil && c.Data.Reason == plan.BeforeNativeRestore
}
