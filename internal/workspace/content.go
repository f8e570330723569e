package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/content"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
)

// This file resolves content sources and diffs them against the live
// collections their content blocks fill.

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
	cp := plan.ContentPlan{From: d.Content.From, Mode: plan.ContentMode(d.Content.Mode), Examples: map[string][]string{}}
	if d.MultiTenancy.Enabled {
		return ws.tenantContentPlan(ctx, st, d, liveCols, cp)
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
		if err := ws.checkSelfReferences(ctx, src, s, idx, d.Content.Mode, false, ""); err != nil {
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
		sz, err := ws.liveData(ctx, st, d.Name, true)
		if err != nil {
			return cp, err
		}
		n := sz.Objects
		_, begun := st.Seeding[d.Name]
		switch {
		case n > 0 && begun:
			// A seed that was interrupted: apply completes it as a merge.
			cp.Reason = plan.SeedCompletes(n)
		case n > 0:
			cp.Skip = fmt.Sprintf("collection holds %d objects: seed loads only into an empty collection", n)
			return cp, nil
		}
	}
	if err := ws.checkSelfReferences(ctx, src, s, idx, d.Content.Mode, true, ""); err != nil {
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

// checkSelfReferences refuses, before anything is written, a content source
// whose objects refer to objects of their own collection that the source
// does not hold and that will not be live once it is loaded: an exact load
// deletes them, a seed loads into an empty collection, and a merge keeps
// only what is live. Weaviate refuses a reference to an object that does
// not exist, so such a load would stop half done, after its deletes.
// tenant is the tenant loaded ("": a collection without tenants).
func (ws *Workspace) checkSelfReferences(ctx context.Context, src content.Source, s *live.ObjectSchema, idx *content.Index, mode string, exists bool, tenant string) error {
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
			found, err := ws.Client.ReadObjectsByID(ctx, s, live.ReadOptions{IDsOnly: true, Tenant: tenant}, ids)
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
