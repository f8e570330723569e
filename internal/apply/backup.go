package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// Backup writes one snapshot holding the collections of changes, which all
// name the same snapshot id and store. The snapshot exists only once every
// collection is in it: an interrupted backup leaves nothing behind.
func (d *Data) Backup(ctx context.Context, changes []plan.Change) (*snapshot.Manifest, error) {
	// Offloaded tenants cannot be read: refuse by name before the
	// snapshot is started.
	for _, c := range changes {
		if c.Data.SchemaOnly {
			continue
		}
		if err := d.refuseOffloaded(ctx, c.Collection, c.Data); err != nil {
			return nil, err
		}
	}
	first := changes[0].Data
	st, err := d.snapshotStore(changes[0])
	if err != nil {
		return nil, err
	}
	w, err := st.Create(snapshot.Manifest{ID: first.Snapshot, Source: d.source(ctx), SchemaOnly: first.SchemaOnly, NoVectors: first.NoVectors})
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	var nb *nativeBackup
	if first.Native() {
		// Weaviate's own backup runs on the server while the portable
		// part is read (engine both); a failure or Ctrl-C of either
		// leaves no snapshot.
		bctx, cancel := context.WithCancel(ctx)
		defer func() {
			cancel() // and wait: it cancels Weaviate's backup when stopped early
			if nb != nil {
				<-nb.done
			}
		}()
		if nb, err = d.startNativeBackup(bctx, w, changes); err != nil {
			return nil, err
		}
	}
	for _, c := range changes {
		if err := d.backupCollection(ctx, w, c.Collection, c.Data); err != nil {
			return nil, err
		}
	}
	if nb != nil {
		if err := nb.wait(ctx, d, w); err != nil {
			return nil, err
		}
	}
	m, err := w.Commit()
	if err != nil {
		return nil, err
	}
	where := snapshot.ByteSize(m.Size())
	if !m.Portable() {
		where = fmt.Sprintf("in Weaviate's %s backup %s (its bytes are on the server's backup backend; no chunks in the snapshot)", m.Native.Backend, m.Native.BackupID)
	}
	fmt.Fprintf(d.Out, "Snapshot %s written: %d collection(s), %d objects, %s.\n", m.ID, len(m.Collections), m.Objects(), where)
	return m, nil
}

func (d *Data) backupCollection(ctx context.Context, w *snapshot.Writer, name string, dc *plan.DataChange) error {
	raw, err := d.Client.ClassJSON(ctx, name)
	if errors.Is(err, live.ErrNotFound) {
		return fmt.Errorf("collection %s does not exist in Weaviate", name)
	}
	if err != nil {
		return err
	}
	cl, err := decodeClass(raw)
	if err != nil {
		return err
	}
	s := live.SchemaOf(cl)
	// A name that is an alias (a blue/green replace) answers with the
	// collection behind it: its objects are read through the alias and
	// kept under the name asked for.
	s.Collection = name
	tenants, err := d.tenantsOf(ctx, name, s.MultiTenant)
	if err != nil {
		return err
	}
	if tenants, err = onlyPicked(name, tenants, dc); err != nil {
		return err
	}
	var snapTenants []snapshot.Tenant
	var skipped []string
	if s.MultiTenant {
		tenants, skipped = withoutSkipped(tenants, dc.SkipTenants)
		if len(skipped) > 0 {
			fmt.Fprintf(d.Out, "backup %s: left out %s (--skip-offloaded): %s.\n", name, plural(len(skipped), "offloaded tenant", "offloaded tenants"), strings.Join(skipped, ", "))
		}
		for _, t := range tenants {
			snapTenants = append(snapTenants, snapshot.Tenant{Name: t.Name, ActivityStatus: t.ActivityStatus})
		}
	}
	if err := w.AddCollection(name, raw, snapTenants); err != nil {
		return err
	}
	if len(dc.OnlyTenants) > 0 {
		if err := w.SetTenantSubset(name); err != nil {
			return err
		}
	}
	if len(skipped) > 0 {
		if err := w.SetSkippedOffloaded(name, skipped); err != nil {
			return err
		}
	}
	if dc.SchemaOnly {
		fmt.Fprintf(d.Err, "backup %s: schema only\n", name)
		return nil
	}
	if dc.Engine == plan.EngineNative {
		return nil // the objects are in Weaviate's own backup only
	}
	watch := d.watchNodes(ctx)
	activated, err := d.backupTenants(ctx, w, s, tenants, dc)
	if err != nil {
		return err
	}
	watch.report(ctx, d, "backup read "+name)
	if activated > 0 {
		fmt.Fprint(d.Out, d.activatedNote("backup", s.Collection, activated, "read"))
	}
	return nil
}

// tenantBuffer is how many objects of one tenant are held between its
// reader and the snapshot writer: with tenantParallel tenants read at
// once, at most about tenantParallel × tenantBuffer objects are in memory.
const tenantBuffer = 256

// backupTenants writes the objects of tenants into the snapshot, reading
// tenantParallel tenants at once (eachTenant). The snapshot's Writer takes
// one Write at a time and keeps a tenant's objects together in its chunks,
// so the objects go through it from this goroutine alone, tenant after
// tenant in order: each tenant's reader fills its own bounded buffer
// (tenantBuffer objects) and waits while it is full; the writer drains the
// first unfinished tenant's buffer, then the next. The snapshot is the
// same as one read tenant by tenant.
func (d *Data) backupTenants(ctx context.Context, w *snapshot.Writer, s *live.ObjectSchema, tenants []live.Tenant, dc *plan.DataChange) (int, error) {
	name, noVectors := s.Collection, dc.NoVectors
	// The plan counted the active tenants' objects (unless they were only
	// known after earlier changes, -1): counting them again would cost a
	// request per tenant. None counted (or a change made without a plan)
	// is counted here.
	var pr *progress
	if dc.Objects > 0 {
		pr = d.newProgress("backup "+name, dc.Objects)
	} else {
		var err error
		if pr, err = d.tenantProgress(ctx, "backup", name, tenants); err != nil {
			return 0, err
		}
	}
	defer pr.Done()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	buffers := newTenantBuffers()
	var (
		activated int
		readErr   error
	)
	failed := make(chan struct{}) // closed when the readers stopped on an error
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		activated, readErr = d.eachTenant(rctx, name, tenants, pr, func(ctx context.Context, i int, t live.Tenant) error {
			buf := buffers.get(i)
			defer close(buf)
			return d.Client.ReadObjects(ctx, s, live.ReadOptions{Tenant: t.Name, NoVectors: noVectors, PageSize: d.PageSize}, func(o *object.Object) error {
				select {
				case buf <- o:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		})
		if readErr != nil {
			close(failed)
		}
	}()
	werr := func() error {
		for i, t := range tenants {
			buf := buffers.get(i)
			for {
				var o *object.Object
				ok := false
				select {
				case o, ok = <-buf:
				case <-failed:
				}
				if !ok {
					break
				}
				if err := w.Write(name, t.Name, o); err != nil {
					return err
				}
				pr.Add(1)
			}
			buffers.drop(i)
			select {
			case <-failed:
				return nil // readErr says why
			default:
			}
		}
		return nil
	}()
	cancel() // a write error stops the readers
	<-finished
	if werr != nil {
		return activated, werr
	}
	return activated, readErr
}

// tenantBuffers hands each tenant's reader and the snapshot writer the
// same bounded buffer, made by whichever of them comes first and dropped
// once the writer has drained it.
type tenantBuffers struct {
	mu  sync.Mutex
	buf map[int]chan *object.Object
}

func newTenantBuffers() *tenantBuffers {
	return &tenantBuffers{buf: map[int]chan *object.Object{}}
}

func (b *tenantBuffers) get(i int) chan *object.Object {
	b.mu.Lock()
	defer b.mu.Unlock()
	ch, ok := b.buf[i]
	if !ok {
		ch = make(chan *object.Object, tenantBuffer)
		b.buf[i] = ch
	}
	return ch
}

func (b *tenantBuffers) drop(i int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.buf, i)
}

// refuseOffloaded names the offloaded tenants of a collection, which
// colstate cannot read.
func (d *Data) refuseOffloaded(ctx context.Context, name string, dc *plan.DataChange) error {
	cl, err := d.Client.Class(ctx, name)
	if err != nil || !live.SchemaOf(cl).MultiTenant {
		return nil // backupCollection reports a missing collection
	}
	ts, err := d.Client.Tenants(ctx, name)
	if err != nil {
		return err
	}
	ts, _ = withoutSkipped(ts, dc.SkipTenants)
	ts, _ = pickedTenants(ts, dc)
	if off := live.OffloadedTenants(ts); len(off) > 0 {
		return fmt.Errorf("collection %s has offloaded (FROZEN) tenants colstate cannot read: %s; load them back (activityStatus HOT or COLD) and run the command again; nothing was written", name, strings.Join(off, ", "))
	}
	return nil
}

func backupOf(c plan.Change) plan.Change {
	return plan.Change{Collection: c.Collection, Action: plan.Backup, Data: &plan.DataChange{
		Store: c.Data.Store, Snapshot: c.Data.Snapshot, Objects: c.Data.Objects, Reason: plan.BackupBefore(c.Action)}}
}

// backup takes one snapshot for consecutive backup changes.
func (r *Runner) backup(ctx context.Context, i int, changes []plan.Change) error {
	c := changes[0]
	fmt.Fprintf(r.Out, "%s %s: backup to snapshot %s...\n", c.Action.Symbol(), names(changes), c.Data.Snapshot)
	return r.step(stepKey(i, c, "backup"), func() error { return r.takeSnapshot(ctx, changes) })
}

func names(changes []plan.Change) string {
	var out []string
	for _, c := range changes {
		out = append(out, c.Collection)
	}
	return strings.Join(out, ", ")
}

// takeSnapshot writes the snapshot and records it in the state's catalogue.
// A snapshot that already exists under the planned id (taken before an
// interruption) is kept, after checking it holds the collections.
func (r *Runner) takeSnapshot(ctx context.Context, changes []plan.Change) error {
	if r.Data == nil {
		return fmt.Errorf("no data engine")
	}
	c := changes[0]
	m, err := r.existingSnapshot(c, changes)
	if err != nil {
		return err
	}
	if m == nil {
		if m, err = r.Data.Backup(ctx, changes); err != nil {
			return err
		}
	}
	rec := state.SnapshotRecord{ID: m.ID, Store: c.Data.Store, Policy: c.Data.Policy, Reason: string(c.Data.Reason), TakenAt: time.Now().UTC(), Collections: map[string]state.DataMark{}}
	for _, mc := range m.Collections {
		mark := state.DataMark{Objects: m.ObjectsOf(mc.Name), Digest: mc.Digest}
		if !m.Portable() {
			mark.Digest = "" // no chunks: a native-only snapshot's mark is its count
		}
		rec.Collections[mc.Name] = mark
	}
	r.State.Snapshots = append(r.State.Snapshots, rec)
	return r.Save(r.State)
}

func (r *Runner) existingSnapshot(first plan.Change, changes []plan.Change) (*snapshot.Manifest, error) {
	id := first.Data.Snapshot
	rd, err := r.Data.openSnapshot(first)
	if errors.Is(err, snapshot.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m := rd.Manifest()
	for _, c := range changes {
		if m.Collection(c.Collection) == nil {
			return nil, fmt.Errorf("snapshot %s exists but lacks collection %s", id, c.Collection)
		}
	}
	fmt.Fprintf(r.Out, "  snapshot %s was taken before the interruption: keeping it\n", id)
	return m, nil
}

// source is what the manifest records about where the snapshot was taken,
// with the server's version, which a restore into an older server checks
// the schemas against (plan.CheckServerVersion). A version that cannot be
// read is left out rather than failing the backup: the restore then checks
// the schemas against the target's version all the same.
func (d *Data) source(ctx context.Context) snapshot.Source {
	src := d.Source
	if v, ok := d.Client.(interface {
		Version(context.Context) (string, error)
	}); ok && src.Version == "" {
		src.Version, _ = v.Version(ctx)
	}
	return src
}
