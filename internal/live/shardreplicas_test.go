package live_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestShardReplicas: which nodes hold each shard's replicas, read from a
// real server both ways. Weaviate 1.35 serves its sharding state only
// with REPLICA_MOVEMENT_ENABLED=true (a server of its own here); it names
// inactive tenants too. By default (the shared server) it answers 501 and
// the nodes' verbose listing stands in, which names only active tenants.
// A collection that does not exist is ErrNotFound either way. The Raft
// configuration names the server.
func TestShardReplicas(t *testing.T) {
	dir := t.TempDir()
	srv, err := weaviatetest.Start(dir, map[string]string{"REPLICA_MOVEMENT_ENABLED": "true"})
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		t.Fatalf("start Weaviate: %v\n%s", err, log)
	}
	t.Cleanup(func() { _ = srv.Stop(30 * time.Second) })
	withState, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer withState.Close()

	ctx := context.Background()
	for _, tc := range []struct {
		how        string
		c          *live.Client
		mtWantCold bool
	}{
		{"sharding state", withState, true},
		{"nodes' listing", client(t), false},
	} {
		single, mt := weaviatetest.Name(t, "Sr"), weaviatetest.Name(t, "SrMT")
		for _, name := range []string{single, mt} {
			_ = tc.c.Delete(ctx, name)
			t.Cleanup(func() { _ = tc.c.Delete(ctx, name) })
		}
		if err := tc.c.CreateRaw(ctx, live.Class{"class": single, "vectorizer": "none", "shardingConfig": map[string]any{"desiredCount": 2}}); err != nil {
			t.Fatal(err)
		}
		if err := tc.c.CreateRaw(ctx, live.Class{"class": mt, "vectorizer": "none", "multiTenancyConfig": map[string]any{"enabled": true}}); err != nil {
			t.Fatal(err)
		}
		if err := tc.c.CreateTenants(ctx, mt, []live.Tenant{{Name: "hot", ActivityStatus: "HOT"}, {Name: "cold", ActivityStatus: "COLD"}}); err != nil {
			t.Fatal(err)
		}
		nodes, err := tc.c.Nodes(ctx)
		if err != nil || len(nodes) != 1 {
			t.Fatalf("%s: nodes %v, %v", tc.how, nodes, err)
		}
		node := nodes[0].Name
		if members, err := tc.c.RaftMembers(ctx); err != nil || fmt.Sprint(members) != "["+node+"]" {
			t.Errorf("%s: Raft members %v, %v; want [%s]", tc.how, members, err, node)
		}

		got, err := tc.c.ShardReplicas(ctx, single)
		if err != nil {
			t.Fatalf("%s: %v", tc.how, err)
		}
		if len(got) != 2 || got[0].Shard >= got[1].Shard {
			t.Errorf("%s: %s has shards %+v, want 2, sorted", tc.how, single, got)
		}
		for _, s := range got {
			if fmt.Sprint(s.Nodes) != "["+node+"]" || s.Replicas != 1 {
				t.Errorf("%s: shard %+v, want one replica on %s", tc.how, s, node)
			}
		}

		got, err = tc.c.ShardReplicas(ctx, mt)
		if err != nil {
			t.Fatalf("%s: %v", tc.how, err)
		}
		want := fmt.Sprintf("[{hot [%s] 1}]", node)
		if tc.mtWantCold {
			want = fmt.Sprintf("[{cold [%s] 1} {hot [%s] 1}]", node, node)
		}
		if fmt.Sprint(got) != want {
			t.Errorf("%s: %s has %v, want %s", tc.how, mt, got, want)
		}

		if _, err := tc.c.ShardReplicas(ctx, "NoSuchCollection"); !errors.Is(err, live.ErrNotFound) {
			t.Errorf("%s: a missing collection: %v, want ErrNotFound", tc.how, err)
		}
	}
}
