package apply

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
)

// A blue/green replace (plan.BlueGreen) fills a new backing collection
// while the old one keeps serving, then moves the name over: the first
// time by deleting the plain collection and creating the alias at once,
// later by retargeting the alias in one call. Each step is journaled and
// safe to run again after a crash:
//
//   - create adopts a collection of the same name only when its schema is
//     exactly the one asked for;
//   - copy and catchup compare by content hash per uuid and write only what
//     differs, so a repeated pass writes nothing it wrote before;
//   - cutover checks whether the alias exists and whether the old
//     collection is still there before it deletes or creates anything;
//   - retarget is idempotent; settle after a crash only adds what is
//     missing (it no longer knows which objects the alias's writers changed).
//
// Deletes: until the retarget only colstate writes the new collection, so
// a catch-up pass deletes from it every uuid the old one no longer holds
// (deletes made during the copy are carried across). After the retarget,
// settle deletes a uuid only when the new collection still holds it exactly
// as colstate copied it.

// aliasClient is what a blue/green replace needs of Weaviate's aliases.
type aliasClient interface {
	Aliases(ctx context.Context) (map[string]string, error)
	CreateAlias(ctx context.Context, alias, collection string) error
	RetargetAlias(ctx context.Context, alias, collection string) error
	DeleteAlias(ctx context.Context, alias string) error
}

// maxPasses bounds the catch-up passes of a step: writers that keep
// changing the old collection faster than a pass reads it are met by the
// settle step after the retarget (or refused, before a first cutover).
const maxPasses = 5

func (r *Runner) blueGreen(ctx context.Context, c plan.Change, key func(string) string) error {
	if r.Data == nil {
		return fmt.Errorf("no data engine")
	}
	ac, ok := r.Data.Client.(aliasClient)
	if !ok {
		return fmt.Errorf("this Weaviate client cannot manage aliases")
	}
	b := c.BlueGreen
	cp := &bgCopy{d: r.Data, name: b.Alias, fromName: b.From, toName: b.To, vectorFrom: c.Data.VectorFrom}
	steps := map[string]func() error{
		plan.StepBackup: func() error {
			// The collection behind the name, by its own name: a
			// snapshot holds collections, not aliases.
			bc := backupOf(c)
			bc.Collection = b.From
			return r.takeSnapshot(ctx, []plan.Change{bc})
		},
		plan.StepCreate: func() error { return r.createBacking(ctx, c) },
		plan.StepCopy: func() error {
			n, _, err := cp.pass(ctx, true)
			if err == nil {
				fmt.Fprintf(r.Out, "    copied %d objects from %s into %s\n", n, b.From, b.To)
			}
			return err
		},
		plan.StepCatchUp: func() error {
			_, err := cp.catchUp(ctx, r, false)
			return err
		},
		plan.StepCutover:  func() error { return r.cutover(ctx, ac, cp, b) },
		plan.StepRetarget: func() error { return r.retarget(ctx, ac, b) },
		plan.StepSettle:   func() error { return cp.settle(ctx, r) },
		plan.StepDrop:     func() error { return r.dropPrevious(ctx, ac, b) },
	}
	for _, s := range b.Steps(c.Data.Snapshot != "") {
		fmt.Fprintf(r.Out, "  %s %s\n", c.Collection, s)
		if err := r.step(key(s), steps[s]); err != nil {
			return fmt.Errorf("%s step: %w; run colstate apply again to resume it (%s keeps serving the objects of collection %s until the cutover)", s, err, b.Alias, b.From)
		}
	}
	if b.Rename {
		delete(r.State.Collections, b.From)
		if r.State.Moved == nil {
			r.State.Moved = map[string]string{}
		}
		r.State.Moved[b.Alias] = b.To
		return nil
	}
	prev, prevSchema := "", (*c.Before)
	if b.KeepPrevious {
		prev = b.From
	}
	if r.State.Backing == nil {
		r.State.Backing = map[string]state.Backing{}
	}
	rec := state.Backing{Collection: b.To, Previous: prev}
	if prev != "" {
		prevSchema.Name = b.Alias
		rec.PreviousSchema = &prevSchema
	}
	r.State.Backing[b.Alias] = rec
	return nil
}

// createBacking creates the new backing collection from the old one's
// class JSON with the settings colstate models set from the configuration
// (as a replace does), under the generated name.
func (r *Runner) createBacking(ctx context.Context, c plan.Change) error {
	b := c.BlueGreen
	base, err := r.Data.Client.Class(ctx, b.From)
	if err != nil {
		return fmt.Errorf("read the schema of %s: %w", b.From, err)
	}
	want := *c.After
	want.Name = b.To
	err = r.Data.Client.CreateRaw(ctx, classForCreate(live.ForReplace(base, *c.After), b.To))
	// Created before an interruption: taken only when its schema is
	// exactly the one asked for.
	return r.adoptCreated(ctx, err, want, c.Resumes != nil)
}

// cutover makes a plain collection's name an alias: a final catch-up pass
// that finds nothing left to copy, then the delete of the old collection
// and at once the alias. The name is unavailable between the two calls.
func (r *Runner) cutover(ctx context.Context, ac aliasClient, cp *bgCopy, b *plan.BlueGreen) error {
	aliases, err := ac.Aliases(ctx)
	if err != nil {
		return err
	}
	switch aliases[b.Alias] {
	case b.To:
		return nil // done before an interruption
	case "":
	default:
		return fmt.Errorf("alias %s exists already and points at %s, not %s: colstate did not create it; delete it (DELETE /v1/aliases/%s) or point it at %s, then run colstate apply again",
			b.Alias, aliases[b.Alias], b.To, b.Alias, b.To)
	}
	for attempt := 0; ; attempt++ {
		cl, err := r.Data.Client.Class(ctx, b.From)
		switch {
		case errors.Is(err, live.ErrNotFound):
			// Deleted before an interruption (every object was in the new
			// collection by then): only the alias is left to create.
			if err := ac.CreateAlias(ctx, b.Alias, b.To); err != nil {
				return fmt.Errorf("create alias %s → %s: %w", b.Alias, b.To, err)
			}
			fmt.Fprintf(r.Out, "    created alias %s → %s (collection %s was deleted before the interruption)\n", b.Alias, b.To, b.From)
			return nil
		case err != nil:
			return err
		}
		if got, _ := cl["class"].(string); got != b.From {
			return fmt.Errorf("the name %s answers with collection %s", b.From, got)
		}
		if attempt == 0 {
			verified, err := cp.catchUp(ctx, r, true)
			if err != nil {
				return err
			}
			if !verified {
				return fmt.Errorf("writers kept changing %s through %d catch-up passes, so it cannot be deleted without losing writes; nothing was deleted: pause the writers for a moment and run colstate apply again (it resumes here)", b.From, maxPasses)
			}
		} else {
			// A writer with auto-schema created the name again in the
			// moment it was free: carry its objects across first.
			cp.from = nil // its schema is the writer's
			n, _, err := cp.pass(ctx, false)
			if err != nil {
				return err
			}
			fmt.Fprintf(r.Out, "    collection %s was created again by a writer while the name was free; its %d new or changed objects were copied into %s\n", b.From, n, b.To)
		}
		gap, err := deleteThenAlias(ctx, r, ac, b)
		if err == nil {
			fmt.Fprintf(r.Out, "    cutover: collection %s deleted and alias %s → %s created; the name was unavailable for %s at most (from the delete request to the alias's creation)\n", b.From, b.Alias, b.To, gap.Round(time.Microsecond))
			if r.OnCutover != nil {
				r.OnCutover(b.Alias, gap)
			}
			return nil
		}
		var del *deleteError
		if errors.As(err, &del) {
			return err
		}
		if attempt >= 2 {
			return fmt.Errorf("create alias %s → %s after deleting collection %s: %w; every object is in %s: create the alias by hand (POST /v1/aliases {\"alias\":%q,\"class\":%q}) or run colstate apply again", b.Alias, b.To, b.From, err, b.To, b.Alias, b.To)
		}
	}
}

// deleteError is a failed delete of the old collection at a cutover.
type deleteError struct{ error }

func (e *deleteError) Unwrap() error { return e.error }

// deleteThenAlias deletes the old collection and creates the alias the
// moment Weaviate lets it: the alias is asked for every few milliseconds
// while the delete request runs (Weaviate refuses it while the collection
// holds the name), so the name is free only from the delete's commit to
// the alias's, not for the whole delete request (which also shuts shards
// down). It returns how long it took from the delete request to the alias.
func deleteThenAlias(ctx context.Context, r *Runner, ac aliasClient, b *plan.BlueGreen) (time.Duration, error) {
	start := time.Now()
	deleted := make(chan error, 1)
	go func() { deleted <- r.delete(ctx, b.From) }()
	var err error
	for tries, afterDelete := 0, -1; ; tries++ {
		if err = ac.CreateAlias(ctx, b.Alias, b.To); err == nil {
			if afterDelete < 0 {
				if derr := <-deleted; derr != nil {
					return 0, &deleteError{fmt.Errorf("delete collection %s: %w (alias %s → %s exists; every object is in %s)", b.From, derr, b.Alias, b.To, b.To)}
				}
			}
			return time.Since(start), nil
		}
		if afterDelete < 0 {
			select {
			case derr := <-deleted:
				if derr != nil {
					return 0, &deleteError{fmt.Errorf("delete collection %s: %w (every object is in %s)", b.From, derr, b.To)}
				}
				afterDelete = 0
			default:
			}
		} else if aliases, aerr := ac.Aliases(ctx); aerr == nil && aliases[b.Alias] == b.To {
			// A create that outlasted its request, queued behind a long
			// delete (thousands of tenants), was applied after it.
			return time.Since(start), nil
		} else if afterDelete++; afterDelete >= 3 {
			return 0, err
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// retarget points the alias at the new collection in one call.
func (r *Runner) retarget(ctx context.Context, ac aliasClient, b *plan.BlueGreen) error {
	aliases, err := ac.Aliases(ctx)
	if err != nil {
		return err
	}
	switch aliases[b.Alias] {
	case b.To:
		return nil
	case b.From:
	default:
		return fmt.Errorf("alias %s points at %q, not at %s as planned: something else changed it; nothing was retargeted: plan again", b.Alias, aliases[b.Alias], b.From)
	}
	start := time.Now()
	if err := ac.RetargetAlias(ctx, b.Alias, b.To); err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(r.Out, "    retargeted alias %s: %s → %s in one call (%s)\n", b.Alias, b.From, b.To, took.Round(time.Microsecond))
	if r.OnCutover != nil {
		r.OnCutover(b.Alias, took)
	}
	return nil
}

// dropPrevious deletes the collection the alias left (unless kept) and an
// older kept one.
func (r *Runner) dropPrevious(ctx context.Context, ac aliasClient, b *plan.BlueGreen) error {
	aliases, err := ac.Aliases(ctx)
	if err != nil {
		return err
	}
	var drop []string
	if !b.KeepPrevious {
		drop = append(drop, b.From)
	}
	if b.DropPrevious != "" {
		drop = append(drop, b.DropPrevious)
	}
	for _, name := range drop {
		for alias, target := range aliases {
			if target == name {
				return fmt.Errorf("collection %s is not deleted: alias %s points at it; nothing was deleted", name, alias)
			}
		}
		if err := r.delete(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(r.Out, "    deleted collection %s\n", name)
	}
	return nil
}

// bgCopy keeps the new backing collection in step with the old one.
type bgCopy struct {
	d                *Data
	name             string // the alias
	fromName, toName string
	vectorFrom       map[string]string
	from, to         *live.ObjectSchema
	fit              func(*object.Object)
	base             map[string][32]byte // uuid → hash of what colstate last wrote to (or found identical in) to; nil: unknown
	fromCount        object.Digest       // of the old collection's objects, fitted, as the last pass read them
}

func (b *bgCopy) schemas(ctx context.Context) error {
	if b.from != nil {
		return nil
	}
	fc, err := b.d.Client.Class(ctx, b.fromName)
	if err != nil {
		return fmt.Errorf("read the schema of %s: %w", b.fromName, err)
	}
	tc, err := b.d.Client.Class(ctx, b.toName)
	if err != nil {
		return fmt.Errorf("read the schema of %s: %w", b.toName, err)
	}
	b.from, b.to = live.SchemaOf(fc), live.SchemaOf(tc)
	b.fit = fitTo(b.to, b.vectorFrom)
	return nil
}

// hashes reads every object of s and hashes it.
func (b *bgCopy) hashes(ctx context.Context, s *live.ObjectSchema) (map[string][32]byte, object.Digest, error) {
	out := map[string][32]byte{}
	var dg object.Digest
	err := b.d.Client.ReadObjects(ctx, s, live.ReadOptions{PageSize: b.d.PageSize}, func(o *object.Object) error {
		h := o.Hash()
		out[o.ID] = h
		dg.Add(h)
		return nil
	})
	return out, dg, err
}

// pass makes the new collection hold what the old one holds. trusted:
// only colstate writes the new collection (before the alias points at it),
// so it is compared directly; otherwise a uuid the alias's writers changed
// in the new collection since colstate copied it is left alone (the newer
// write wins), and one colstate has no record of is only added when
// missing. It returns the objects written and deleted.
func (b *bgCopy) pass(ctx context.Context, trusted bool) (written, deleted int64, err error) {
	if err := b.schemas(ctx); err != nil {
		return 0, 0, err
	}
	have, _, err := b.hashes(ctx, b.to)
	if err != nil {
		return 0, 0, err
	}
	if trusted {
		b.base = maps.Clone(have)
	}
	bw := b.d.Client.NewBatchWriter(ctx, b.to, b.toName, b.d.BatchSize, b.d.InFlight)
	seen := map[string]bool{}
	var later []*object.Object // untrusted: written once checked again
	var fromDigest object.Digest
	err = b.d.Client.ReadObjects(ctx, b.from, live.ReadOptions{PageSize: b.d.PageSize}, func(o *object.Object) error {
		b.fit(o)
		h := o.Hash()
		fromDigest.Add(h)
		seen[o.ID] = true
		nh, inNew := have[o.ID]
		if trusted {
			if inNew && nh == h {
				return nil
			}
			b.base[o.ID] = h
			written++
			return bw.Add(o)
		}
		bh, inBase := b.base[o.ID]
		switch {
		case b.base == nil:
			if !inNew {
				later = append(later, o)
			}
		case inNew != inBase || nh != bh:
			// changed through the alias since colstate copied it: newer
		case h != bh:
			later = append(later, o)
		}
		return nil
	})
	if cerr := bw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return written, 0, err
	}
	b.fromCount = fromDigest
	var gone []string
	for id, nh := range have {
		if seen[id] {
			continue
		}
		if bh, ok := b.base[id]; trusted || (ok && bh == nh) {
			gone = append(gone, id)
		}
	}
	if !trusted && len(later) > 0 {
		n, err := b.writeUnchanged(ctx, later)
		written += n
		if err != nil {
			return written, 0, err
		}
	}
	if len(gone) > 0 {
		slices.Sort(gone)
		n, err := b.d.Client.DeleteObjects(ctx, b.toName, "", gone)
		if err != nil {
			return written, n, err
		}
		for _, id := range gone {
			delete(b.base, id)
		}
		deleted = n
	}
	return written, deleted, nil
}

// writeUnchanged writes objects into the new collection after the
// retarget, each only if the new collection still holds what colstate
// expects there (read again just before the write, to keep the window in
// which a writer's newer object could be overwritten small).
func (b *bgCopy) writeUnchanged(ctx context.Context, objs []*object.Object) (int64, error) {
	var written int64
	for start := 0; start < len(objs); start += 100 {
		chunk := objs[start:min(start+100, len(objs))]
		ids := make([]string, len(chunk))
		for i, o := range chunk {
			ids[i] = o.ID
		}
		now, err := b.d.Client.ReadObjectsByID(ctx, b.to, live.ReadOptions{}, ids)
		if err != nil {
			return written, err
		}
		bw := b.d.Client.NewBatchWriter(ctx, b.to, b.toName, b.d.BatchSize, b.d.InFlight)
		for _, o := range chunk {
			cur, inNew := now[o.ID]
			bh, inBase := b.base[o.ID]
			if inNew != inBase || (inNew && cur.Hash() != bh) {
				continue // written through the alias meanwhile
			}
			if b.base != nil {
				b.base[o.ID] = o.Hash()
			}
			written++
			if err := bw.Add(o); err != nil {
				bw.Close()
				return written, err
			}
		}
		if err := bw.Close(); err != nil {
			return written, err
		}
	}
	return written, nil
}

// catchUp runs trusted passes until one finds nothing to copy or delete
// (then the two collections hold the same objects: it verifies count and
// digest) or maxPasses ran (2 before a retarget, which settle follows); it
// reports whether the last pass verified.
func (b *bgCopy) catchUp(ctx context.Context, r *Runner, final bool) (bool, error) {
	passes := maxPasses
	if !final {
		passes = 2 // what writers add meanwhile is settled after the retarget
	}
	for i := 1; i <= passes; i++ {
		w, del, err := b.pass(ctx, true)
		if err != nil {
			return false, err
		}
		if w == 0 && del == 0 {
			_, got, err := b.hashes(ctx, b.to)
			if err != nil {
				return false, err
			}
			if got.Count != b.fromCount.Count || got != b.fromCount {
				continue // changed between the pass and the read
			}
			fmt.Fprintf(r.Out, "    verified: %s holds the %d objects of %s fitted to the new schema (count and digest %.16s… match)\n", b.toName, got.Count, b.fromName, got.String())
			return true, nil
		}
		fmt.Fprintf(r.Out, "    catch-up pass %d: %d objects written or changed in %s meanwhile were copied, %d deleted there were deleted\n", i, w, b.fromName, del)
	}
	if !final {
		fmt.Fprintf(r.Out, "    writers are still changing %s: the settle step after the retarget copies what they write until then\n", b.fromName)
	}
	return false, nil
}

// settle copies, after the retarget, what the old collection took before
// it, until a pass finds nothing; then every object of the old collection
// is in the new one, identical or replaced by a newer write through the
// alias.
func (b *bgCopy) settle(ctx context.Context, r *Runner) error {
	if b.base == nil {
		fmt.Fprintf(r.Out, "    resumed after the retarget: objects of %s missing from %s are added; changed ones are left as they are (colstate no longer knows which the alias's writers changed)\n", b.fromName, b.toName)
	}
	for i := 1; i <= maxPasses; i++ {
		w, del, err := b.pass(ctx, false)
		if err != nil {
			return err
		}
		if w == 0 && del == 0 {
			have, _, err := b.hashes(ctx, b.to)
			if err != nil {
				return err
			}
			newer := 0
			for id, h := range have {
				if bh, ok := b.base[id]; !ok || bh != h {
					newer++
				}
			}
			fmt.Fprintf(r.Out, "    verified: every one of the %d objects of %s is in %s, identical or replaced by a newer write through the alias (%d objects there, %d of them written through the alias since the retarget)\n",
				b.fromCount.Count, b.fromName, b.toName, len(have), newer)
			return nil
		}
		fmt.Fprintf(r.Out, "    settle pass %d: %d objects written to %s before the retarget were copied, %d deleted\n", i, w, b.fromName, del)
	}
	return fmt.Errorf("%s was still being written after the retarget through %d passes: something writes to it by its own name; stop that writer and run colstate apply again", b.fromName, maxPasses)
}

// deleteAliased deletes a collection whose name is an alias colstate made:
// the alias, the collection behind it and the kept previous one.
func (r *Runner) deleteAliased(ctx context.Context, name string) error {
	if r.Data == nil {
		return fmt.Errorf("no data engine")
	}
	ac, ok := r.Data.Client.(aliasClient)
	if !ok {
		return fmt.Errorf("this Weaviate client cannot manage aliases")
	}
	aliases, err := ac.Aliases(ctx)
	if err != nil {
		return err
	}
	rec := r.State.Backing[name]
	behind := aliases[name]
	if behind == "" {
		behind = rec.Collection
	}
	if err := ac.DeleteAlias(ctx, name); err != nil {
		return err
	}
	for _, n := range []string{behind, rec.Previous} {
		if n == "" {
			continue
		}
		if err := r.delete(ctx, n); err != nil {
			return fmt.Errorf("delete collection %s (behind alias %s): %w", n, name, err)
		}
		fmt.Fprintf(r.Out, "  deleted alias %s and collection %s\n", name, n)
	}
	return nil
}

// dropAliases deletes the aliases moved blocks made whose block is gone;
// the collections they resolve to stay.
func (r *Runner) dropAliases(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	if r.Data == nil {
		return fmt.Errorf("no data engine")
	}
	ac, ok := r.Data.Client.(aliasClient)
	if !ok {
		return fmt.Errorf("this Weaviate client cannot manage aliases")
	}
	for _, name := range names {
		if err := ac.DeleteAlias(ctx, name); err != nil {
			return fmt.Errorf("delete alias %s: %w; nothing else was applied", name, err)
		}
		fmt.Fprintf(r.Out, "- alias %s deleted (its moved block is gone)\n", name)
		delete(r.State.Moved, name)
	}
	return nil
}
