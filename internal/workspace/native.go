package workspace

import (
	"context"
	"errors"

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
