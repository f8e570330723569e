package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/colstate/colstate/internal/content"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
)

// isContent reports whether c loads a collection's content source.
func isContent(c plan.Change) bool {
	return c.Action == plan.Merge && c.Data != nil && c.Data.From != ""
}

// isAutomaticBackup reports whether c is the backup guarding a change next
// to it (not a snapshot policy's).
func isAutomaticBackup(c plan.Change) bool {
	return c.Action == plan.Backup && c.Data != nil && c.Data.Policy == ""
}

// pendingContent is a content change whose first pass is done.
type pendingContent struct {
	index  int
	change plan.Change
	stats  *content.Stats // of the first pass; nil when it ran before an interruption
}

// content makes a collection hold its content source: the first pass.
// Objects holding references are written without them when they are new,
// and left as they are when they are live already; finishContent writes
// them whole once every content change next to this one has written its
// objects, so references between them (or within one collection) find
// their targets.
func (r *Runner) content(ctx context.Context, key string, c plan.Change) (content.Stats, error) {
	if r.Data == nil || r.Content == nil {
		return content.Stats{}, fmt.Errorf("no data engine")
	}
	src, err := r.Content(c)
	if err != nil {
		return content.Stats{}, err
	}
	d := r.Data
	cl, err := d.Client.Class(ctx, c.Collection)
	if err != nil {
		return content.Stats{}, err
	}
	s := live.SchemaOf(cl)
	pr := d.newProgress("content "+c.Collection, c.Data.Add+c.Data.Update)
	defer pr.Done()
	if s.MultiTenant {
		return r.tenantContent(ctx, key, c, src, s, pr)
	}
	return r.load(ctx, key, c, src, s, "", pr)
}

// load is the first pass of a content change into one tenant ("": a
// collection without tenants), whose seed is recorded under the
// collection's name, or collection/tenant.
func (r *Runner) load(ctx context.Context, key string, c plan.Change, src content.Source, s *live.ObjectSchema, tenant string, pr *progress) (content.Stats, error) {
	d := r.Data
	seed := c.Collection
	if tenant != "" {
		seed = c.Collection + "/" + tenant
	}
	// A seed records that it has begun before it writes, so a seed that is
	// interrupted is completed as a merge instead of refused as non-empty.
	mode := string(c.Data.Mode)
	if mode == content.Seed {
		if _, begun := r.State.Seeding[seed]; begun {
			mode = content.Merge
			fmt.Fprintf(r.Out, "  completing the interrupted seed of %s as a merge (identical objects are skipped)\n", seed)
		} else if err := r.setSeeding(seed, c.Data.From); err != nil {
			return content.Stats{}, err
		}
	}
	var w content.Writer
	bw := d.Client.NewBatchWriter(ctx, s, c.Collection, d.BatchSize, d.InFlight)
	bw.OnWritten = func(n int) {
		pr.Add(n)
		if r.Journal != nil {
			r.Journal.Progress(key, int64(n))
		}
	}
	// A source object without vectors keeps the live object's (unknown is
	// not empty).
	w = content.KeepVectors(ctx, bw, d.Client, s)
	if schemaHasReferences(s) {
		ids, err := d.liveIDs(ctx, s, tenant)
		if err != nil {
			bw.Close()
			return content.Stats{}, err
		}
		w = &referenceDeferrer{w: w, s: s, live: ids}
	}
	del := func(ctx context.Context, ids []string) (int64, error) {
		return d.Client.DeleteObjects(ctx, c.Collection, tenant, ids)
	}
	st, err := content.Apply(ctx, src, s, mode, readLive(ctx, d.Client, s, tenant), w, del, nil)
	if errors.Is(err, content.ErrNotEmpty) && st.Written == 0 {
		// Not begun after all: someone else filled the collection.
		if uerr := r.setSeeding(seed, ""); uerr != nil {
			return st, errors.Join(err, uerr)
		}
	}
	return st, err
}

// readLive walks the live objects of one tenant ("": of a collection
// without tenants).
func readLive(ctx context.Context, c content.LiveReader, s *live.ObjectSchema, tenant string) func(fn func(*object.Object) error) error {
	if tenant == "" {
		return content.ReadLive(ctx, c, s)
	}
	return content.ReadLiveTenant(ctx, c, s, tenant)
}

// setSeeding records in the state that a seed of name from source has begun
// ("" : that it is over), durably.
func (r *Runner) setSeeding(name, from string) error {
	if from == "" {
		if _, ok := r.State.Seeding[name]; !ok {
			return nil
		}
		delete(r.State.Seeding, name)
	} else {
		if r.State.Seeding == nil {
			r.State.Seeding = map[string]string{}
		}
		r.State.Seeding[name] = from
	}
	return r.Save(r.State)
}

// finishContent writes the references of the content changes whose first
// pass is done, and verifies each collection holds its source.
func (r *Runner) finishContent(ctx context.Context) error {
	pending := r.contentDone
	r.contentDone = nil
	for _, pc := range pending {
		c := pc.change
		key := stepKey(pc.index, c, "content references")
		if err := r.step(key, func() error { return r.contentReferences(ctx, key, pc) }); err != nil {
			return fmt.Errorf("%s collection %s: %w", c.Action, c.Collection, err)
		}
	}
	return nil
}

// contentReferences is the second pass of a content change: objects whose
// references were held back are written whole (every object differing from
// the source is, so a resumed apply converges too); then the collection is
// compared with its source.
func (r *Runner) contentReferences(ctx context.Context, key string, pc pendingContent) error {
	c := pc.change
	src, err := r.Content(c)
	if err != nil {
		return err
	}
	d := r.Data
	cl, err := d.Client.Class(ctx, c.Collection)
	if err != nil {
		return err
	}
	s := live.SchemaOf(cl)
	if s.MultiTenant {
		return r.tenantContentReferences(ctx, key, pc, src, s)
	}
	n, err := r.finishLoad(ctx, key, c, src, s, "")
	if err != nil {
		return err
	}
	// The collection holds its source now: a seed begun before is over,
	// whatever the mode.
	if err := r.setSeeding(c.Collection, ""); err != nil {
		return fmt.Errorf("the content is loaded, but saving the state failed: %w", err)
	}
	if st := pc.stats; st != nil {
		fmt.Fprintf(r.Out, "Content of %s: %d objects written, %d identical skipped, %d deleted; verified: all %d source objects present and identical.\n",
			c.Collection, st.Written, st.Skipped, st.Deleted, n)
	} else {
		fmt.Fprintf(r.Out, "Content of %s: verified: all %d source objects present and identical.\n", c.Collection, n)
	}
	return nil
}

// finishLoad is the second pass of a content change into one tenant
// ("": a collection without tenants): objects whose references were held
// back are written whole, then the tenant is compared with its source.
// It returns how many source objects it verified.
func (r *Runner) finishLoad(ctx context.Context, key string, c plan.Change, src content.Source, s *live.ObjectSchema, tenant string) (int, error) {
	d := r.Data
	what := c.Collection
	if tenant != "" {
		what += " tenant " + tenant
	}
	if schemaHasReferences(s) {
		pr := d.newProgress("references "+what, 0)
		bw := d.Client.NewBatchWriter(ctx, s, c.Collection, d.BatchSize, d.InFlight)
		bw.OnWritten = func(n int) {
			pr.Add(n)
			if r.Journal != nil {
				r.Journal.Progress(key, int64(n))
			}
		}
		// Merge: the first pass already deleted what exact mode deletes,
		// and a seed load is no longer into an empty collection.
		st, err := content.Apply(ctx, src, s, content.Merge, readLive(ctx, d.Client, s, tenant), content.KeepVectors(ctx, bw, d.Client, s), nil, nil)
		pr.Done()
		if err != nil {
			return 0, err
		}
		if st.Written > 0 {
			fmt.Fprintf(r.Out, "Content of %s: %d objects written again with their references.\n", what, st.Written)
		}
	}
	// Verify: the collection (tenant) now holds the source.
	idx, err := content.BuildIndex(ctx, src, s)
	if err != nil {
		return 0, err
	}
	res, err := content.Compare(ctx, idx, readLive(ctx, d.Client, s, tenant), s)
	if err != nil {
		return 0, fmt.Errorf("verify: %w", err)
	}
	if !res.Empty(string(c.Data.Mode)) {
		return 0, fmt.Errorf("verify: after writing, %s still differs from %s: +%d ~%d -%d", what, src.Describe(), res.Add, res.Update, res.Delete)
	}
	return idx.Len(), nil
}

// referenceDeferrer is the first pass's writer: an object holding
// references is written without them when it is new, and not at all when
// it is live already (it keeps its references until the second pass).
type referenceDeferrer struct {
	w    content.Writer
	s    *live.ObjectSchema
	live map[string]bool
}

func (rd *referenceDeferrer) Add(o *object.Object) error {
	if !hasReferences(rd.s, o) {
		return rd.w.Add(o)
	}
	if rd.live[o.ID] {
		return nil
	}
	return rd.w.Add(withoutReferences(rd.s, o))
}

func (rd *referenceDeferrer) Close() error { return rd.w.Close() }

// liveIDs reads the UUIDs of a collection's objects (of one tenant).
func (d *Data) liveIDs(ctx context.Context, s *live.ObjectSchema, tenant string) (map[string]bool, error) {
	ids := map[string]bool{}
	err := d.Client.ReadObjects(ctx, s, live.ReadOptions{IDsOnly: true, PageSize: d.PageSize, Tenant: tenant}, func(o *object.Object) error {
		ids[o.ID] = true
		return nil
	})
	return ids, err
}
