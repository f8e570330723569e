package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/native"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
)

// nativeClient reaches the same Weaviate's backup API through
// weaviate-go-client, with the same credentials.
func (ws *Workspace) nativeClient() (*native.Client, error) {
	return native.New(ws.Client.URL(), "", ws.Client.HTTPClient())
}

// serverFacts reads what the server offers a native backup or restore;
// an error is kept in the facts, for the plan to give as the reason the
// native path is not taken.
func (ws *Workspace) serverFacts(ctx context.Context) plan.ServerFacts {
	nc, err := ws.nativeClient()
	if err != nil {
		return plan.ServerFacts{Err: err}
	}
	s, err := nc.Server(ctx)
	if err != nil {
		return plan.ServerFacts{Err: err}
	}
	return plan.ServerFacts{Version: s.Version, Backends: s.Backends, Nodes: s.Nodes}
}

// snapshotNative is a manifest's native part as the restore planner sees
// it; nil when the snapshot has none.
func snapshotNative(m *snapshot.Manifest) *plan.SnapshotNative {
	n := m.Native
	if n == nil {
		return nil
	}
	out := &plan.SnapshotNative{Backend: n.Backend, ServerVersion: n.ServerVersion, Nodes: n.Nodes, Only: n.Only}
	for _, c := range n.Collections {
		out.Collections = append(out.Collections, c.Name)
		if c.Changed != "" {
			if out.Changed == nil {
				out.Changed = map[string]string{}
			}
			out.Changed[c.Name] = c.Changed
		}
	}
	return out
}

// NativeClient connects to the Weaviate the configuration in dir names
// (for snapshot verify, which needs no state): its backup API. An
// embedded Weaviate is not started for it.
func NativeClient(dir string) (*native.Client, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	if cfg.Weaviate.Embedded {
		return nil, errors.New("the configuration runs an embedded Weaviate, which has no backup module")
	}
	lc, err := live.New(live.Options{URL: cfg.Weaviate.URL, GRPCURL: cfg.Weaviate.GRPCURL, APIKey: cfg.Weaviate.APIKey, Auth: cfg.Weaviate.Auth})
	if err != nil {
		return nil, err
	}
	return native.New(lc.URL(), "", lc.HTTPClient())
}

// NativeRemoval says what removing snapshot m from store s does to its
// native part: removed with it when the part lies inside the snapshot's
// own prefix in the store (inStore), else left where the server's backup
// module keeps it, which colstate cannot reach and Weaviate has no API to
// delete. "" when m has no native part.
func NativeRemoval(ctx context.Context, s *snapshot.Store, m *snapshot.Manifest) (note string, inStore bool) {
	n := m.Native
	switch {
	case n == nil:
		return "", false
	case s.NativeInStore(ctx, m):
		return fmt.Sprintf("its native part (%s) is inside the snapshot and is removed with it", n.Where()), true
	}
	return fmt.Sprintf("Snapshot %s's native part (%s) is not in the snapshot store and is left where it is: Weaviate has no API to delete a backup; remove it on the server's backup backend by hand once no snapshot needs it.", m.ID, n.Where()), false
}

// replaceFacts reads, for each live target a restore --mode=replace would
// restore under the snapshot's own name, what decides whether Weaviate's
// backup can restore it after a delete (plan.ReplaceFacts): whether the
// snapshot's schema is the live one and the declared one, and which
// collections and aliases point at it.
func (ws *Workspace) replaceFacts(ctx context.Context, r *snapshot.Reader, sources, targets []string, lv map[string]plan.CollectionFacts) (map[string]plan.ReplaceFacts, error) {
	out := map[string]plan.ReplaceFacts{}
	var all map[string]collection.Collection
	var aliases map[string]string
	for i, src := range sources {
		target := targets[i]
		if lf, ok := lv[target]; !ok || lf.Missing != nil || target != src {
			continue
		}
		if all == nil {
			var err error
			if all, err = ws.Client.Collections(ctx); err != nil {
				return nil, err
			}
			if aliases, err = ws.Client.Aliases(ctx); err != nil {
				return nil, err
			}
		}
		raw, err := r.Schema(src)
		if err != nil {
			return nil, err
		}
		var snapClass live.Class
		if err := json.Unmarshal(raw, &snapClass); err != nil {
			return nil, fmt.Errorf("snapshot schema of %s: %w", src, err)
		}
		liveClass, err := ws.Client.Class(ctx, target)
		if err != nil {
			return nil, err
		}
		if name, _ := liveClass["class"].(string); name != target {
			continue // an alias: it is not deleted, the portable path runs
		}
		var f plan.ReplaceFacts
		f.SchemaDiff = schemaDiff(snapClass, liveClass, ws.Config.Collection(target))
		f.SameSchema = f.SchemaDiff == ""
		for _, name := range slices.Sorted(maps.Keys(all)) {
			c := all[name]
			if name != target && slices.Contains(c.References(), target) {
				f.Referrers = append(f.Referrers, name)
			}
		}
		for _, a := range slices.Sorted(maps.Keys(aliases)) {
			if aliases[a] == target {
				f.Aliases = append(f.Aliases, a)
			}
		}
		out[target] = f
	}
	return out, nil
}

// schemaDiff says how a snapshot's class differs from the live class and
// from the declared collection (nil: not declared), "" when it does not:
// colstate's model of the three is compared, and the index settings it
// does not model.
func schemaDiff(snap, liveClass live.Class, declared *config.Declared) string {
	var diffs []string
	for _, d := range live.SchemaDiff(liveClass, snap) {
		diffs = append(diffs, "live "+d)
	}
	if declared != nil {
		for _, fc := range collection.Diff(declared.Collection, live.FromClass(snap)) {
			diffs = append(diffs, "declared "+fc.Path)
		}
	}
	if len(diffs) > 3 {
		diffs = append(diffs[:3], fmt.Sprintf("%d more", len(diffs)-3))
	}
	return strings.Join(diffs, ", ")
}
