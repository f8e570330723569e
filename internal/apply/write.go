package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
)

type writeStats struct {
	written, identical int64
	kept               int64         // merged objects that kept live values the snapshot lacks
	fitted             object.Digest // of the objects as written, when they were fitted to a new schema
	merged             object.Digest // of every snapshot object as a merge wrote (or found) it
	// Objects written without references Weaviate refuses (to missing
	// objects, in a tenant): as the snapshot has them, and as written.
	refsLeftOut, refsLeftOutWritten object.Digest
	// Tenants the last pass already read back and set to the status the
	// snapshot recorded (tenantGate, readBack), and the digest of what it
	// read: the verification reads the other tenants only.
	settled  map[string]bool
	readBack object.Digest
	// extraWhy, when set, is why the collection may hold objects the
	// snapshot does not (Weaviate's restore, then an application, put
	// them there): the verification keeps them, and names them, when
	// every snapshot object is present and identical.
	extraWhy string
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
	gp := j.gate.pass(bw, true)
	if gp != nil && !refs && !j.merge() && j.c.Data.Verify != plan.VerifyCount {
		// The last pass: each group is read back for the verification
		// before it is set inactive (read later, each would have to be
		// activated again).
		gp.rb = d.newReadBack(j)
	}
	err := j.r.Objects(ctx, src, func(o *object.Object) error {
		if err := gp.enter(ctx, o.Tenant); err != nil {
			return err
		}
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
	return errors.Join(err, gp.finish(ctx, err == nil))
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
	// Objects Weaviate refused because a reference points at an object
	// that no longer exists (a snapshot keeps such references as they
	// were): written again below, references and all, another way.
	var mu sync.Mutex
	dangling := map[danglingKey]bool{}
	bw.Refused = func(e live.ObjectError) bool {
		if !live.MissingTarget(e.Message) {
			return false
		}
		mu.Lock()
		dangling[danglingKey{e.ID, e.Tenant}] = true
		mu.Unlock()
		return true
	}
	walk := d.walker(ctx, s, j.walkNoVectors())
	defer walk.close()
	gp := j.gate.pass(bw, true)
	err := j.r.Objects(ctx, j.sc.Name, func(o *object.Object) error {
		if j.fit != nil {
			j.fit(o)
		}
		if !hasReferences(s, o) {
			return nil
		}
		if err := gp.enter(ctx, o.Tenant); err != nil {
			return err
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
	if err = errors.Join(err, gp.finish(ctx, err == nil)); err != nil || len(dangling) == 0 {
		return err
	}
	return d.writeDangling(ctx, j, dangling, pr)
}

// danglingKey names an object Weaviate refused for a reference to a
// missing object.
type danglingKey struct{ id, tenant string }

// writeDangling writes the objects of j whose references include one to
// an object that no longer exists, and says what it did: a reference is
// never dropped silently. Without a tenant, every reference is written as
// the snapshot has it. In a tenant, Weaviate refuses a reference to a
// missing object, so the object is written with the references whose
// targets exist, and the others are counted and named.
func (d *Data) writeDangling(ctx context.Context, j *restoreJob, keys map[danglingKey]bool, pr *progress) error {
	left, kept := len(keys), 0
	var dropped int
	var first string
	bw := d.Client.NewBatchWriter(ctx, j.s, j.c.Collection, d.BatchSize, 1)
	gp := j.gate.pass(bw, true)
	err := j.r.Objects(ctx, j.sc.Name, func(o *object.Object) error {
		if !keys[danglingKey{o.ID, o.Tenant}] {
			return nil
		}
		if err := gp.enter(ctx, o.Tenant); err != nil {
			return err
		}
		if j.fit != nil {
			j.fit(o)
		}
		left--
		if o.Tenant == "" {
			if err := d.Client.WriteWithDanglingReferences(ctx, j.s, j.c.Collection, o); err != nil {
				return err
			}
			kept++
			pr.Add(1)
			return nil
		}
		before := o.Hash()
		gone, err := d.dropMissingTargets(ctx, j.s, o)
		if err != nil {
			return err
		}
		if len(gone) > 0 {
			j.stats.refsLeftOut.Add(before)
			j.stats.refsLeftOutWritten.Add(o.Hash())
		}
		if first == "" && len(gone) > 0 {
			first = fmt.Sprintf("object %s (tenant %s), %s", o.ID, o.Tenant, gone[0])
		}
		dropped += len(gone)
		return bw.Add(o)
	})
	if cerr := bw.Close(); err == nil {
		err = cerr
	}
	if err = errors.Join(err, gp.finish(ctx, err == nil)); err != nil {
		return err
	}
	if left != 0 {
		return fmt.Errorf("%d object(s) of %s that Weaviate refused for a reference to a missing object are not in the snapshot", left, j.c.Collection)
	}
	if kept > 0 {
		fmt.Fprintf(d.Out, "%s: %d object(s) hold references to objects that no longer exist; written with those references, as the snapshot has them.\n", j.c.Collection, kept)
	}
	if dropped > 0 {
		fmt.Fprintf(d.Out, "%s: warning: %d reference(s) to objects that no longer exist were left out: Weaviate refuses them in a multi-tenant collection (first: %s). The snapshot keeps them.\n", j.c.Collection, dropped, first)
	}
	return nil
}

// dropMissingTargets removes from o's references those whose target
// object does not exist (in o's tenant, for a multi-tenant target) and
// describes each one removed.
func (d *Data) dropMissingTargets(ctx context.Context, s *live.ObjectSchema, o *object.Object) ([]string, error) {
	var gone []string
	for _, p := range s.Properties {
		list, _ := o.Properties[p.Name].([]any)
		if p.Kind() != "ref" || len(list) == 0 {
			continue
		}
		var keep []any
		for _, r := range list {
			m, _ := r.(map[string]any)
			b, _ := m["beacon"].(string)
			target, id := live.ParseBeacon(b)
			if target == "" && len(p.DataType) == 1 {
				target = p.DataType[0]
			}
			ok, err := d.targetExists(ctx, target, o.Tenant, id)
			if err != nil {
				return nil, err
			}
			if ok {
				keep = append(keep, r)
			} else {
				gone = append(gone, fmt.Sprintf("property %s → %s %s", p.Name, target, id))
			}
		}
		if len(keep) == 0 {
			delete(o.Properties, p.Name)
		} else {
			o.Properties[p.Name] = keep
		}
	}
	return gone, nil
}

// targetExists tells whether object id of collection target exists (in
// tenant, when target is multi-tenant).
func (d *Data) targetExists(ctx context.Context, target, tenant, id string) (bool, error) {
	cl, err := d.Client.Class(ctx, target)
	if errors.Is(err, live.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ts := live.SchemaOf(cl)
	opts := live.ReadOptions{IDsOnly: true}
	if ts.MultiTenant {
		opts.Tenant = tenant
	}
	found, err := d.Client.ReadObjectsByID(ctx, ts, opts, []string{strings.ToLower(id)})
	if err != nil {
		return false, err
	}
	return found[strings.ToLower(id)] != nil, nil
}
