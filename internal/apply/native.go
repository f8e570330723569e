package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/native"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
)

// NativeBackups is Weaviate's own backup API as apply uses it
// (internal/native drives it through weaviate-go-client).
type NativeBackups interface {
	Server(ctx context.Context) (native.Server, error)
	CreateBackup(ctx context.Context, backend, id string, loc native.Location, classes []string, progress native.Progress) (native.Backup, error)
	Restore(ctx context.Context, backend, id string, loc native.Location, classes []string, progress native.Progress) error
	RestoreStatus(ctx context.Context, backend, id string, loc native.Location) (string, error)
}

// nativeProgress prints each new status of a running native backup or
// restore on the progress writer.
func (d *Data) nativeProgress(what string) native.Progress {
	last := ""
	return func(status string, elapsed time.Duration) {
		if status == last {
			return
		}
		last = status
		fmt.Fprintf(d.Err, "%s: %s (%s)\n", what, status, elapsed.Round(100*time.Millisecond))
	}
}

// nativeBackup is a native part being made beside a snapshot's portable
// one.
type nativeBackup struct {
	done chan struct{}
	part *snapshot.Native
	err  error
	// inStore: the part is written into the snapshot's own upload in the
	// store's bucket; wait checks it arrived there.
	inStore bool
}

// startNativeBackup starts Weaviate's own backup of the collections of
// changes (backup --engine=native|both) and returns at once; wait gives
// the native part for the manifest. Objects are counted first, for the
// manifest and for the verification after a native restore.
//
// When the snapshot store is an S3 bucket and the server has backup-s3,
// the backup goes into that bucket, under the snapshot's own upload
// (PREFIX/<id>/<upload>/native/<backup id>/...): beside the portable part,
// removed with the snapshot, and with it when the backup fails. Otherwise
// it goes where the server's first backup module keeps backups.
func (d *Data) startNativeBackup(ctx context.Context, w *snapshot.Writer, changes []plan.Change) (*nativeBackup, error) {
	if d.Native == nil {
		return nil, errors.New("no connection to Weaviate's backup API")
	}
	srv, err := d.Native.Server(ctx)
	if err != nil {
		return nil, err
	}
	backend := srv.Backend()
	if backend == "" {
		return nil, fmt.Errorf("this Weaviate has no backup module enabled: enable backup-filesystem (or s3, gcs, azure) on the server, or use --engine=portable; nothing was written")
	}
	var loc native.Location
	scheme, bucket, prefix, inBucket := w.BucketPlace()
	switch {
	case inBucket && scheme == "s3" && srv.Has("s3"):
		backend = "s3"
		loc = native.Location{Bucket: bucket, Path: prefix + snapshot.NativeDir}
	case inBucket && scheme == "s3":
		fmt.Fprintf(d.Err, "native backup: this Weaviate has no backup-s3 module, so its backup goes to its %s backend, not into bucket %s beside the snapshot (enable backup-s3 on the server to keep both parts together)\n", backend, bucket)
	}
	first := changes[0].Data
	part := &snapshot.Native{Backend: backend, BackupID: snapshot.NativeBackupID(first.Snapshot), Bucket: loc.Bucket, BucketPath: loc.Path, ServerVersion: srv.Version, Nodes: srv.Nodes, Only: first.Engine == plan.EngineNative}
	var classes []string
	for _, c := range changes {
		cl, err := d.Client.Class(ctx, c.Collection)
		if err != nil {
			return nil, fmt.Errorf("collection %s: %w", c.Collection, err)
		}
		n, err := d.liveCount(ctx, live.SchemaOf(cl))
		if err != nil {
			return nil, err
		}
		part.Collections = append(part.Collections, snapshot.NativeCollection{Name: c.Collection, Objects: n})
		classes = append(classes, c.Collection)
	}
	nb := &nativeBackup{done: make(chan struct{}), part: part, inStore: !loc.IsZero()}
	if nb.inStore {
		fmt.Fprintf(d.Err, "native backup %s: Weaviate's %s backup of %v into bucket %s at %s\n", part.BackupID, backend, classes, loc.Bucket, loc.Path)
	} else {
		fmt.Fprintf(d.Err, "native backup %s: Weaviate's %s backup of %v\n", part.BackupID, backend, classes)
	}
	go func() {
		defer close(nb.done)
		b, err := d.Native.CreateBackup(ctx, backend, part.BackupID, loc, classes, d.nativeProgress("native backup "+part.BackupID))
		part.Path, nb.err = b.Path, err
		if err != nil && nb.inStore && ctx.Err() == nil && bucketTrouble(err) {
			nb.err = fmt.Errorf("%w\n%s", err, unreachableBucket(part))
		}
	}()
	return nb, nil
}

// bucketTrouble reports whether Weaviate's backup failed on reaching its
// S3 bucket (what its backup-s3 module and the S3 server say then), not on
// the collections.
func bucketTrouble(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"bucket", "access-check", "uploader", "put object", "upload", "access denied", "accessdenied",
		"invalidaccesskeyid", "signaturedoesnotmatch", "connection refused", "no such host", "dial tcp", "i/o timeout", "endpoint"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// unreachableBucket says what to do when the server's backup-s3 module
// could not write into the snapshot store's bucket: colstate cannot know
// the server's S3 endpoint or credentials.
func unreachableBucket(n *snapshot.Native) string {
	return fmt.Sprintf("Weaviate's backup-s3 module could not put its backup into bucket %s at %s, beside the snapshot: the server must reach the snapshot store's bucket with its own settings "+
		"(BACKUP_S3_ENDPOINT, BACKUP_S3_USE_SSL and its AWS credentials on the Weaviate server, pointing at the store's S3), or back up with --engine=portable. "+
		"No snapshot was written", n.Bucket, n.BucketPath)
}

// wait waits for the native backup and records it in the snapshot. Each
// collection is counted again: a count that changed while Weaviate's
// backup ran, or a portable part holding another count, is recorded in
// the native part (Changed) and said, for a restore to take the portable
// part (the two parts may hold different objects). A part put into the
// store's bucket must be there: a server whose backup-s3 module talks to
// another S3 holding a bucket of the same name reports success, but wrote
// elsewhere.
func (nb *nativeBackup) wait(ctx context.Context, d *Data, w *snapshot.Writer) error {
	<-nb.done
	if nb.err != nil {
		return nb.idTaken(w.ID())
	}
	for i := range nb.part.Collections {
		nc := &nb.part.Collections[i]
		cl, err := d.Client.Class(ctx, nc.Name)
		if err != nil {
			return fmt.Errorf("collection %s: count it after Weaviate's backup: %w", nc.Name, err)
		}
		after, err := d.liveCount(ctx, live.SchemaOf(cl))
		if err != nil {
			return err
		}
		switch portable := w.Objects(nc.Name); {
		case after != nc.Objects:
			nc.Changed = fmt.Sprintf("%s held %d objects when Weaviate's backup started and %d when it ended", nc.Name, nc.Objects, after)
		case !nb.part.Only && portable != nc.Objects:
			nc.Changed = fmt.Sprintf("the portable part holds %d objects of %s, %d were counted for Weaviate's backup", portable, nc.Name, nc.Objects)
		default:
			continue
		}
		next := "a restore takes the portable chunks"
		if nb.part.Only {
			next = "its objects may not be those counted; take the backup again while nothing writes to " + nc.Name
		}
		fmt.Fprintf(d.Out, "Warning: %s changed while Weaviate's backup %s ran (%s): %s.\n", nc.Name, nb.part.BackupID, nc.Changed, next)
	}
	if nb.inStore {
		ok, err := w.HasFile(snapshot.NativeDir + "/" + nb.part.BackupID + "/backup_config.json")
		if err != nil {
			return fmt.Errorf("check Weaviate's backup in the snapshot store: %w; no snapshot was written", err)
		}
		if !ok {
			return fmt.Errorf("Weaviate reports its backup %s done (%s), but it is not in the snapshot store's bucket %s at %s: the server's backup-s3 module writes to another S3 (its BACKUP_S3_ENDPOINT) holding a bucket of the same name. "+
				"Point the server's BACKUP_S3_ENDPOINT and credentials at the store's S3, or back up with --engine=portable; no snapshot was written, and the backup the server made stays where it wrote it",
				nb.part.BackupID, nb.part.Path, nb.part.Bucket, nb.part.BucketPath)
		}
	}
	return w.SetNative(nb.part)
}

// idTaken explains Weaviate's refusal of a backup id it already has: a
// native backup outlives its snapshot (snapshot rm cannot delete it), and
// snapshot ids differing only in case or punctuation share a backup id.
func (nb *nativeBackup) idTaken(snapshotID string) error {
	if !strings.Contains(nb.err.Error(), "already exists") {
		return nb.err
	}
	return fmt.Errorf("%w\nsnapshot %s: Weaviate already has a %s backup %s, the native part of a removed snapshot (snapshot rm leaves it on the backend) or of a snapshot whose id differs only in case or punctuation (they share a backup id), and does not take a backup id twice; nothing was written. Take the snapshot with another --id",
		nb.err, snapshotID, nb.part.Backend, nb.part.BackupID)
}

// restoreNatively restores the changes that take Weaviate's own backup
// (plan.EngineNative) and returns the others, and among them those to
// repair in place (by collection). Each target must be absent (Weaviate
// creates it); afterwards it is read back and compared with the
// snapshot: count and digest where the snapshot has a portable part, the
// count the native part recorded otherwise.
//
// One that does not verify against the portable part is never deleted:
// an application may have written into it as soon as Weaviate made it
// visible. When every snapshot object is in it, identical, the others are
// kept and named (verifyRestore); otherwise the snapshot's objects it
// lacks or holds otherwise are written from the portable chunks into it,
// keeping the others (repair), and it is verified again.
func (d *Data) restoreNatively(ctx context.Context, changes []plan.Change) ([]plan.Change, map[string]bool, error) {
	var rest []plan.Change
	repair := map[string]bool{}
	for _, c := range changes {
		if c.Action != plan.Restore || c.Data.Engine != plan.EngineNative {
			rest = append(rest, c)
			continue
		}
		if err := d.restoreNative(ctx, c); err != nil {
			_, deleted := d.deletedForRestore[c.Collection]
			var nf *nativeRunError
			if errors.As(err, &nf) && deleted && ctx.Err() == nil {
				// colstate deleted the collection for this restore: leaving
				// it absent loses it, and a rerun fails the same way.
				if err := d.dropFailedNativeRestore(ctx, c.Collection, nf); err != nil {
					return nil, nil, fmt.Errorf("restore %s: %w", c.Collection, err)
				}
				rest = append(rest, portableAfter(c, "Weaviate's restore failed: "+strings.TrimSpace(nf.err.Error())))
				continue
			}
			var nv *nativeVerifyError
			if !errors.As(err, &nv) {
				return nil, nil, fmt.Errorf("restore %s: %w", c.Collection, err)
			}
			before := ""
			if held := d.heldBefore(c.Collection); held != "" {
				before = fmt.Sprintf(" %s was deleted for Weaviate's restore: %s.", c.Collection, held)
			}
			fmt.Fprintf(d.Out, "Weaviate's backup of %s does not match the snapshot's portable part (%v): repairing %s in place from the portable chunks (the snapshot's objects it lacks or holds otherwise are written from them; objects the snapshot does not have are kept and named).%s\n",
				c.Collection, nv.err, c.Collection, before)
			rest = append(rest, repairInstead(c, nv))
			repair[c.Collection] = true
		}
	}
	return rest, repair, nil
}

// heldBefore says, for a collection this run deleted for Weaviate's
// restore, where the objects it held are ("" for any other).
func (d *Data) heldBefore(name string) string {
	backup, deleted := d.deletedForRestore[name]
	switch {
	case !deleted:
		return ""
	case backup == "":
		return "it was not backed up first (--no-backup or its lifecycle)"
	}
	return "the objects it held before are in snapshot " + backup
}

// nativeVerifyError is a native restore, into a collection that did not
// exist, that did not verify against a snapshot with a portable part: its
// two parts differ (they were taken while the collection changed), or an
// application changed the collection before it was read back.
type nativeVerifyError struct{ err error }

func (e *nativeVerifyError) Error() string { return e.err.Error() }
func (e *nativeVerifyError) Unwrap() error { return e.err }

// repairInstead is change c completed from the portable chunks in the
// collection Weaviate restored.
func repairInstead(c plan.Change, nv *nativeVerifyError) plan.Change {
	dc := *c.Data
	dc.EnginePath = plan.EnginePath{Engine: plan.EnginePortable, EngineWhy: "Weaviate's backup did not verify: " + nv.err.Error()}
	dc.CreateSchema = false // Weaviate created it
	c.Data = &dc
	return c
}

// portableAfter is change c restored from the portable chunks, why.
func portableAfter(c plan.Change, why string) plan.Change {
	dc := *c.Data
	dc.EnginePath = plan.EnginePath{Engine: plan.EnginePortable, EngineWhy: why}
	dc.CreateSchema = true // the collection is absent: the native restore would have created it
	c.Data = &dc
	return c
}

// nativeExtra is why a collection Weaviate restored may hold objects the
// snapshot's portable part does not: the verification keeps and names
// them.
const nativeExtra = "written by an application after Weaviate restored it, or held by Weaviate's backup alone"

// nativeRunError is Weaviate's restore of a collection that failed to
// start or while it ran, from a snapshot with a portable part.
type nativeRunError struct {
	err  error  // Weaviate's
	hint string // where the portable chunks are, when no fallback runs
}

func (e *nativeRunError) Error() string { return e.err.Error() + e.hint }
func (e *nativeRunError) Unwrap() error { return e.err }

// dropFailedNativeRestore makes sure a collection colstate deleted for
// Weaviate's restore, which then failed, is absent before its portable
// chunks are restored: whatever a failed restore left under the name was
// not there before (restoreNative checked it absent), so nothing is lost.
func (d *Data) dropFailedNativeRestore(ctx context.Context, name string, nf *nativeRunError) error {
	switch _, err := d.Client.Class(ctx, name); {
	case errors.Is(err, live.ErrNotFound):
	case err != nil:
		return fmt.Errorf("%w\nreading %s after Weaviate's failed restore: %v", nf.err, name, err)
	default:
		if err := d.Client.Delete(ctx, name); err != nil && !errors.Is(err, live.ErrNotFound) {
			return fmt.Errorf("%w\ndeleting what Weaviate's failed restore left failed: %v; delete collection %s and restore with --engine=portable", nf.err, err, name)
		}
	}
	fmt.Fprintf(d.Out, "Weaviate's restore of %s failed (%v); %s was deleted for it: restoring from the snapshot's portable chunks instead (%s).\n", name, strings.TrimSpace(nf.err.Error()), name, d.heldBefore(name))
	return nil
}

func (d *Data) restoreNative(ctx context.Context, c plan.Change) error {
	if d.Native == nil {
		return errors.New("no connection to Weaviate's backup API")
	}
	r, err := d.openSnapshot(c)
	if err != nil {
		return err
	}
	m := r.Manifest()
	n := m.Native
	if n == nil || n.Collection(c.Collection) == nil {
		return fmt.Errorf("snapshot %s has no native backup of %s; nothing was written", m.ID, c.Collection)
	}
	switch _, err := d.Client.Class(ctx, c.Collection); {
	case err == nil:
		return fmt.Errorf("collection %s exists: Weaviate's backup restores only into an absent collection; nothing was written. Restore with --engine=portable, or delete it first", c.Collection)
	case !errors.Is(err, live.ErrNotFound):
		return err
	}
	fmt.Fprintf(d.Out, "Restoring %s from Weaviate's %s backup %s.\n", c.Collection, n.Backend, n.BackupID)
	start := time.Now()
	if err := d.Native.Restore(ctx, n.Backend, n.BackupID, native.Location{Bucket: n.Bucket, Path: n.BucketPath}, []string{c.Collection}, d.nativeProgress("native restore "+c.Collection)); err != nil {
		if m.Portable() {
			return &nativeRunError{err, fmt.Sprintf("\nthe snapshot's portable chunks are intact: restore from them with colstate restore --engine=portable --collection %s %s", c.Collection, m.ID)}
		}
		return err
	}
	took := time.Since(start)
	cl, err := d.Client.Class(ctx, c.Collection)
	if err != nil {
		return fmt.Errorf("read %s back after Weaviate restored it: %w", c.Collection, err)
	}
	s := live.SchemaOf(cl)
	if m.Portable() {
		sc := m.Collection(c.Collection)
		fmt.Fprintf(d.Out, "Weaviate restored %s in %s.\n", c.Collection, took.Round(100*time.Millisecond))
		start = time.Now()
		err := d.verifyRestore(ctx, c, r, sc, s, writeStats{extraWhy: nativeExtra})
		fmt.Fprintf(d.Err, "verify %s: read back in %s\n", c.Collection, time.Since(start).Round(100*time.Millisecond))
		if err != nil && ctx.Err() == nil {
			return &nativeVerifyError{err}
		}
		return err
	}
	// A native-only snapshot has no digest: the count is what colstate
	// recorded when it took the backup.
	want := n.Collection(c.Collection).Objects
	got, err := d.liveCount(ctx, s)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("verify: %s holds %d objects after Weaviate's restore, the snapshot's native part recorded %d; it holds what Weaviate's backup held (this snapshot has no portable part to restore instead): check it, or delete it and restore another snapshot", c.Collection, got, want)
	}
	fmt.Fprintf(d.Out, "Restored %s: %d objects in %s via Weaviate's backup; verified: object count matches the snapshot (a native-only snapshot records no digest).\n",
		c.Collection, got, took.Round(100*time.Millisecond))
	return nil
}
