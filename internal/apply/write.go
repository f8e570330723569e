package apply

import (
	"context"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

type writeStats struct {
	written, identical int64
	kept               int64         // merged objects that kept live values the snapshot lacks
	fitted             object.Digest // of the objects as written, when they were fitted to a new schema
	merged             object.Digest // of every snapshot object as a merge wrote (or found) it
}

// fitTo returns what a replace does to each restored object: vectors
// mapped onto another (from: target → source, "" is the class-level
// vector) are copied to it when the object has none there; then
// properties and vectors the new schema no longer has are dropped.
func fitTo(s *live.ObjectSchema, from map[string]string) func(*object.Object) {
	named := map[string]bool{}
	for _, n := range s.Named {
		named[n] = true
	}
	return func(o *object.Object) {
		for name := range o.Properties {
			if s.Property(name) == nil {
				delete(o.Properties, name)
			}
		}
		for target, src := range from {
			if !named[target] {
				continue
			}
			if v, ok := o.Vectors[src]; ok && !s.Multi[target] {
				if _, has := o.Vectors[target]; !has {
					o.Vectors[target] = v
				}
			}
			if v, ok := o.Multi[src]; ok && s.Multi[target] {
				if _, has := o.Multi[target]; !has {
					o.Multi[target] = v
				}
			}
		}
		for name := range o.Vectors {
			if (name == "" && !s.Legacy) || (name != "" && (!named[name] || s.Multi[name])) {
				delete(o.Vectors, name)
			}
		}
		for name := range o.Multi {
			if !s.Multi[name] {
				delete(o.Multi, name)
			}
		}
	}
}

// writeObjects streams the snapshot's objects into the target: the first
// pass. For a merge (or a resumed restore) it walks the live collection
// alongside (both are in UUID order per tenant) and skips objects whose
// content is already identical. An object holding references is written
// without them when it is new, and left for writeReferences when it is
// live already (so it keeps its references until then).
func (d *Data) writeObjects(ctx context.Context, j *restoreJob) error {
	st := &j.stats
	src, target, s, merge := j.sc.Name, j.c.Collection, j.s, j.merge()
	refs := schemaHasReferences(s)
	pr := d.newProgress(j.c.Action.String()+" "+target, j.sc.Objects)
	defer pr.Done()
	bw := d.Client.NewBatchWriter(ctx, s, target, d.BatchSize, d.writeInFlight(s))
	bw.OnWritten = pr.Add
	if d.OnWritten != nil {
		bw.OnWritten = func(n int) { pr.Add(n); d.OnWritten(n) }
	}
	walk := d.walker(ctx, s, j.walkNoVectors())
	defer walk.close()
	err := j.r.Objects(ctx, src, func(o *object.Object) error {
		if j.fit != nil {
			j.fit(o)
			st.fitted.Add(o.Hash())
		}
		var have *object.Object
		if merge {
			h, same, err := j.lookup(walk, o, true)
			if err != nil {
				return err
			}
			if same {
				st.identical++
				pr.Skip(1)
				return nil
			}
			have = h
		}
		if refs && hasReferences(s, o) {
			j.withRefs++
			if have != nil {
				pr.Add(1)
				return nil
			}
			return bw.Add(withoutReferences(s, o))
		}
		st.written++
		return bw.Add(o)
	})
	if cerr := bw.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeInFlight is how many batches a restore keeps in flight. Into a
// multi-tenant collection, --tenant-parallel batches at least: each batch
// holds the objects of tens of tenants (a batch may mix tenants), and the
// server's first write into a tenant opens its shard (directories, files,
// commit logs), a wait on the disk more than on the CPU, so batches in
// flight overlap those openings. Memory stays batch size × (in flight + 1)
// objects.
func (d *Data) writeInFlight(s *live.ObjectSchema) int {
	if d.InFlight > 0 || !s.MultiTenant {
		return d.InFlight
	}
	return max(defaultInFlight, d.tenantParallel())
}

// defaultInFlight is live.NewBatchWriter's default.
const defaultInFlight = 4

// writeReferences is the second pass: every object holding references is
// written whole, now that the objects it points at exist. For a merge or
// a resumed restore, objects already identical are skipped, so running it
// again after an interruption finishes the job; the first pass counted
// them as identical already.
func (d *Data) writeReferences(ctx context.Context, j *restoreJob) error {
	st := &j.stats
	s, merge := j.s, j.merge()
	pr := d.newProgress("references "+j.c.Collection, j.withRefs)
	defer pr.Done()
	bw := d.Client.NewBatchWriter(ctx, s, j.c.Collection, d.BatchSize, d.writeInFlight(s))
	bw.OnWritten = pr.Add
	walk := d.walker(ctx, s, j.walkNoVectors())
	defer walk.close()
	err := j.r.Objects(ctx, j.sc.Name, func(o *object.Object) error {
		if j.fit != nil {
			j.fit(o)
		}
		if !hasReferences(s, o) {
			return nil
		}
		if merge {
			_, same, err := j.lookup(walk, o, false)
			if err != nil {
				return err
			}
			if same {
				return nil
			}
		}
		st.written++
		return bw.Add(o)
	})
	if cerr := bw.Close(); err == nil {
		err = cerr
	}
	return err
}
