package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/content"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// storeDir resolves a snapshot store name or directory ("" is the default
// store) against the workspace's configuration.
func (ws *Workspace) storeDir(nameOrDir string) string {
	return resolveStore(ws.Config, ws.Dir, nameOrDir)
}

// dataInput fills the data half of a plan's input: live object counts,
// content diffs, due snapshots, and where planned snapshots go.
func (ws *Workspace) dataInput(ctx context.Context, st *state.State, liveCols map[string]collection.Collection, in *plan.Input) error {
	in.Store = ws.storeDir("")
	in.NewID = func() string { return snapshot.NewID(time.Now()) }
	in.Counts = map[string]int64{}
	in.Tenants = map[string]plan.TenantStatus{}
	for name := range st.Collections {
		if _, ok := liveCols[name]; !ok {
			continue
		}
		sz, err := ws.liveSize(ctx, name, true)
		if err != nil {
			return err
		}
		in.Counts[name] = sz.objects
		if len(sz.inactive) > 0 || len(sz.offloaded) > 0 {
			in.Tenants[name] = plan.TenantStatus{Inactive: sz.inactive, Offloaded: sz.offloaded}
		}
	}
	in.Content = map[string]plan.ContentPlan{}
	for _, d := range ws.Config.Collections {
		if d.Content == nil || !targeted(in.Targets, d.Name) || slices.Contains(in.Exclude, d.Name) {
			continue
		}
		cp, err := ws.contentPlan(ctx, st, d, liveCols)
		if err != nil {
			return fmt.Errorf("collection %s content: %w", d.Name, err)
		}
		in.Content[d.Name] = cp
	}
	due, err := ws.dueSnapshots(ctx, st, liveCols)
	if err != nil {
		return err
	}
	in.Due = due
	return nil
}

func targeted(targets []string, name string) bool {
	if len(targets) == 0 {
		return true
	}
	for _, t := range targets {
		if t == name {
			return true
		}
	}
	return false
}

// ContentSource resolves a content block's source.
func (ws *Workspace) ContentSource(st *state.State, collectionName string, from string) (content.Source, error) {
	if name, ok := strings.CutPrefix(from, "snapshot."); ok {
		rec := st.Newest(name)
		if rec == nil {
			return nil, fmt.Errorf("snapshot %q has not been taken yet: apply once to take it, then it can be used as content", name)
		}
		return content.Snapshot{Store: rec.Store, ID: rec.ID, Collection: collectionName}, nil
	}
	src := ws.Config.Source(from)
	if src == nil {
		return nil, fmt.Errorf("%s is not declared", from)
	}
	switch src.Kind {
	case "jsonl":
		path := src.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(ws.Dir, path)
		}
		return content.JSONL{Path: path, Key: src.Key}, nil
	case "snapshot":
		id := src.ID
		store := ws.storeDir(src.Store)
		if src.Latest != "" {
			rec := st.Newest(src.Latest)
			if rec == nil {
				return nil, fmt.Errorf("%s: snapshot %q has not been taken yet", from, src.Latest)
			}
			id, store = rec.ID, rec.Store
		}
		if src.Collection != "" {
			collectionName = src.Collection
		}
		return content.Snapshot{Store: store, ID: id, Collection: collectionName}, nil
	}
	return nil, fmt.Errorf("%s: unsupported source kind %q", from, src.Kind)
}

// objectSchema is what content needs of a collection's schema: the live one
// when it exists, else the declared one.
func (ws *Workspace) objectSchema(ctx context.Context, d config.Declared, exists bool) (*live.ObjectSchema, error) {
	if !exists {
		// As Weaviate will hold it: through JSON, like a class read back.
		b, err := json.Marshal(live.ToClass(d.Collection))
		if err != nil {
			return nil, err
		}
		var cl live.Class
		if err := json.Unmarshal(b, &cl); err != nil {
			return nil, err
		}
		return live.SchemaOf(cl), nil
	}
	cl, err := ws.Client.Class(ctx, d.Name)
	if err != nil {
		return nil, err
	}
	return live.SchemaOf(cl), nil
}

func (ws *Workspace) contentPlan(ctx context.Context, st *state.State, d config.Declared, liveCols map[string]collection.Collection) (plan.ContentPlan, error) {
	cp := plan.ContentPlan{From: d.Content.From, Mode: d.Content.Mode, Examples: map[string][]string{}}
	if d.MultiTenancy.Enabled {
		return cp, errors.New("content blocks on multi-tenant collections are not supported yet; use colstate restore per snapshot instead")
	}
	src, err := ws.ContentSource(st, d.Name, d.Content.From)
	if err != nil {
		return cp, err
	}
	_, exists := liveCols[d.Name]
	s, err := ws.objectSchema(ctx, d, exists)
	if err != nil {
		return cp, err
	}
	idx, err := content.BuildIndex(ctx, src, s)
	if err != nil {
		return cp, err
	}
	if !exists {
		if err := ws.checkSelfReferences(ctx, src, s, idx, d.Content.Mode, false); err != nil {
			return cp, err
		}
		cp.Add = int64(idx.Len())
		return cp, nil
	}
	if len(idx.Dims) > 0 {
		dims, err := ws.Client.VectorDims(ctx, s)
		if err != nil {
			return cp, err
		}
		if err := idx.CheckDims(src.Describe(), dims); err != nil {
			return cp, err
		}
	}
	if d.Content.Mode == content.Seed {
		sz, err := ws.liveSize(ctx, d.Name, true)
		if err != nil {
			return cp, err
		}
		n := sz.objects
		_, begun := st.Seeding[d.Name]
		switch {
		case n > 0 && begun:
			// A seed that was interrupted: apply completes it as a merge.
			cp.Reason = fmt.Sprintf("completes the seed an interrupted apply began (the collection holds %d objects); identical objects are skipped", n)
		case n > 0:
			cp.Skip = fmt.Sprintf("collection holds %d objects: seed loads only into an empty collection", n)
			return cp, nil
		}
	}
	if err := ws.checkSelfReferences(ctx, src, s, idx, d.Content.Mode, true); err != nil {
		return cp, err
	}
	r, err := content.Compare(ctx, idx, content.ReadLive(ctx, ws.Client, s), s)
	if err != nil {
		return cp, err
	}
	cp.Add, cp.Update, cp.Delete = r.Add, r.Update, r.Delete
	cp.Examples["add"], cp.Examples["update"], cp.Examples["delete"] = r.AddIDs, r.UpdateIDs, r.DeleteIDs
	return cp, nil
}

// dueSnapshots lists the snapshot blocks whose snapshot is due: none taken
// yet, the newest older than max_age, or the data changed since.
func (ws *Workspace) dueSnapshots(ctx context.Context, st *state.State, liveCols map[string]collection.Collection) ([]plan.DueSnapshot, error) {
	var out []plan.DueSnapshot
	for _, p := range ws.Config.Snapshots {
		due := plan.DueSnapshot{Policy: p.Name, Collections: p.Collections, Store: ws.storeDir(p.Store), SchemaOnly: p.SchemaOnly}
		if p.Keep > 0 {
			// Once the new one is committed, the oldest beyond keep go.
			var recs []state.SnapshotRecord
			for _, r := range st.Snapshots {
				if r.Policy == p.Name {
					recs = append(recs, r)
				}
			}
			for _, r := range recs[:max(0, len(recs)+1-int(p.Keep))] {
				due.Prune = append(due.Prune, plan.PrunedSnapshot{ID: r.ID, Store: r.Store, TakenAt: r.TakenAt})
			}
		}
		rec := st.Newest(p.Name)
		switch {
		case rec == nil:
			due.Reason = "no snapshot taken yet"
		case p.MaxAge > 0 && time.Since(rec.TakenAt) > p.MaxAge:
			due.Reason = fmt.Sprintf("newest (%s) is %s old, max_age %s", rec.ID, roundAge(time.Since(rec.TakenAt)), p.MaxAge)
		default:
			if _, err := (&snapshot.Store{Dir: rec.Store}).Open(rec.ID); err != nil {
				due.Reason = fmt.Sprintf("newest (%s) is gone from the store", rec.ID)
				break
			}
			if p.SchemaOnly {
				break
			}
			for _, name := range p.Collections {
				if _, ok := liveCols[name]; !ok {
					continue
				}
				mark, err := ws.DataMark(ctx, name)
				if err != nil {
					return nil, err
				}
				if was, ok := rec.Collections[name]; !ok || was != mark {
					due.Reason = fmt.Sprintf("data of %s changed since %s", name, rec.ID)
					break
				}
			}
		}
		// A policy with no reason yet is passed on too: the plan makes it
		// due when the same apply changes the data of its collections.
		out = append(out, due)
	}
	return out, nil
}

func roundAge(d time.Duration) time.Duration {
	if d > time.Hour {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}

// DataMark reads a collection (every tenant) and returns its object count
// and content digest, as a snapshot's manifest records them.
func (ws *Workspace) DataMark(ctx context.Context, name string) (state.DataMark, error) {
	if m, ok := ws.marks[name]; ok {
		return m, nil // read once per plan: due snapshots and the binding both need it
	}
	m, err := ws.readMark(ctx, name)
	if err == nil && ws.marks != nil {
		ws.marks[name] = m
	}
	return m, err
}

func (ws *Workspace) readMark(ctx context.Context, name string) (state.DataMark, error) {
	cl, err := ws.Client.Class(ctx, name)
	if err != nil {
		return state.DataMark{}, err
	}
	s := live.SchemaOf(cl)
	tenants := []live.Tenant{{}}
	if s.MultiTenant {
		if tenants, err = ws.Client.Tenants(ctx, name); err != nil {
			return state.DataMark{}, err
		}
		sort.Slice(tenants, func(i, j int) bool { return tenants[i].Name < tenants[j].Name })
		if off := live.OffloadedTenants(tenants); len(off) > 0 {
			return state.DataMark{}, fmt.Errorf("collection %s: its data must be read for this plan, but it has offloaded (FROZEN) tenants colstate cannot read: %s; load them back (activityStatus HOT or COLD) first", name, strings.Join(off, ", "))
		}
	}
	var d object.Digest
	activated := 0
	for _, t := range tenants {
		// An inactive tenant is activated to be read and set back: its
		// objects belong in the digest a snapshot of it records.
		woke, err := ws.Client.WithTenantActive(ctx, name, t, func() error {
			return ws.Client.ReadObjects(ctx, s, live.ReadOptions{Tenant: t.Name}, func(o *object.Object) error {
				d.Add(o.Hash())
				return nil
			})
		})
		if woke {
			activated++
		}
		if err != nil {
			return state.DataMark{}, err
		}
	}
	if activated > 0 {
		fmt.Fprintf(ws.log, "read %d inactive tenant(s) of %s by activating each in turn; each is back to its status\n", activated, name)
	}
	return state.DataMark{Objects: d.Count, Digest: d.String()}, nil
}

// bindData records, for a saved plan, the data it was computed from: the
// count and digest of every live collection a data-moving change touches,
// and the fingerprint of every content source.
func (ws *Workspace) bindData(ctx context.Context, st *state.State, p *plan.Plan, liveCols map[string]collection.Collection) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range p.Changes {
		if c.Action == plan.Create || c.Action == plan.Update {
			continue
		}
		if _, ok := liveCols[c.Collection]; ok {
			if _, done := out["collection "+c.Collection]; !done {
				m, err := ws.DataMark(ctx, c.Collection)
				if err != nil {
					return nil, err
				}
				out["collection "+c.Collection] = fmt.Sprintf("%d objects, digest %s", m.Objects, m.Digest)
			}
		}
		if c.Action == plan.Merge && c.Data != nil && c.Data.From != "" {
			src, err := ws.ContentSource(st, c.Collection, c.Data.From)
			if err != nil {
				return nil, err
			}
			fp, err := src.Fingerprint()
			if err != nil {
				return nil, err
			}
			out["source "+c.Data.From] = fp
		}
	}
	return out, nil
}

// checkSelfReferences refuses, before anything is written, a content source
// whose objects refer to objects of their own collection that the source
// does not hold and that will not be live once it is loaded: an exact load
// deletes them, a seed loads into an empty collection, and a merge keeps
// only what is live. Weaviate refuses a reference to an object that does
// not exist, so such a load would stop half done, after its deletes.
func (ws *Workspace) checkSelfReferences(ctx context.Context, src content.Source, s *live.ObjectSchema, idx *content.Index, mode string, exists bool) error {
	outside, err := content.SelfReferencesOutside(ctx, src, s, idx)
	if err != nil || len(outside) == 0 {
		return err
	}
	missing := outside
	why := "which " + src.Describe() + " does not hold"
	switch {
	case mode == content.Exact && exists:
		why += " and mode \"exact\" deletes"
	case mode == content.Seed || !exists:
		why += ", loaded into an empty collection"
	default:
		// A merge keeps the live objects: only targets that are not live
		// are missing.
		missing = nil
		for i := 0; i < len(outside); i += 100 {
			batch := outside[i:min(i+100, len(outside))]
			ids := make([]string, len(batch))
			for j, r := range batch {
				ids[j] = r.Target
			}
			found, err := ws.Client.ReadObjectsByID(ctx, s, live.ReadOptions{IDsOnly: true}, ids)
			if err != nil {
				return err
			}
			for _, r := range batch {
				if found[r.Target] == nil {
					missing = append(missing, r)
				}
			}
		}
		why += " and that is not live"
	}
	if len(missing) == 0 {
		return nil
	}
	r := missing[0]
	return fmt.Errorf("content of %s: object %s refers to %s object %s, %s (%d such references); Weaviate refuses a reference to an object that does not exist, and nothing was written: add the object to %s, or remove the reference",
		s.Collection, r.From, s.Collection, r.Target, why, len(missing), src.Describe())
}

// PruneRetention removes, after an apply, the snapshots the plan's backups
// marked for pruning by their policy's keep — only those of a backup whose
// snapshot is now committed and in the state's catalogue, so a policy never
// loses an old snapshot before it has a newer one. Each is removed from its
// store, then from the catalogue.
func (ws *Workspace) PruneRetention(ctx context.Context, st *state.State, p *plan.Plan, out io.Writer) error {
	taken := map[string]bool{}
	for _, r := range st.Snapshots {
		taken[r.ID] = true
	}
	gone := map[string]bool{}
	for _, c := range p.Changes {
		if c.Action != plan.Backup || c.Data == nil || len(c.Data.Prune) == 0 || !taken[c.Data.Snapshot] {
			continue
		}
		for _, old := range c.Data.Prune {
			if old.ID == c.Data.Snapshot {
				continue
			}
			err := (&snapshot.Store{Dir: old.Store}).Remove(old.ID)
			if err != nil && !errors.Is(err, snapshot.ErrNotFound) {
				return fmt.Errorf("snapshot %q keeps fewer snapshots: removing %s: %w; the newer snapshot %s is committed, run colstate apply again to retry", c.Data.Policy, old.ID, err, c.Data.Snapshot)
			}
			gone[old.Store+"\x00"+old.ID] = true
			fmt.Fprintf(out, "Removed snapshot %s of %q (keep).\n", old.ID, c.Data.Policy)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	kept := st.Snapshots[:0]
	for _, r := range st.Snapshots {
		if !gone[r.Store+"\x00"+r.ID] {
			kept = append(kept, r)
		}
	}
	st.Snapshots = kept
	return ws.WriteState(st)
}
