package apply

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
)

type fakeNodes struct {
	nodes []live.Node
	err   error
}

func (f fakeNodes) Nodes(context.Context) ([]live.Node, error) { return f.nodes, f.err }
func (f fakeNodes) URL() string                                { return "http://node0:8080" }

// TestNodeWatchReport: a node healthy before a read and gone, not HEALTHY,
// or unreachable (Weaviate's GET /v1/nodes error in the seconds after a
// kill, as seen on the test cluster) after it is named; nothing is said
// when every node is still healthy or the nodes cannot be listed for
// another reason.
func TestNodeWatchReport(t *testing.T) {
	healthy := []live.Node{{Name: "wv-0", Status: "HEALTHY"}, {Name: "wv-1", Status: "HEALTHY"}, {Name: "wv-2", Status: "HEALTHY"}}
	for _, tc := range []struct {
		name  string
		after fakeNodes
		want  string
	}{
		{"all healthy", fakeNodes{nodes: healthy}, ""},
		{"gone", fakeNodes{nodes: []live.Node{healthy[0], healthy[2]}}, "node wv-1 (no longer listed) went down while backup read A"},
		{"unavailable", fakeNodes{nodes: []live.Node{healthy[0], {Name: "wv-1", Status: "UNAVAILABLE"}, healthy[2]}}, "node wv-1 (UNAVAILABLE)"},
		{"unreachable", fakeNodes{err: errors.New(`weaviate GET /v1/nodes: 500 node: wv-2: send http request: Get "http://127.0.0.1:1/nodes/status": dial tcp: connection refused`)}, "node wv-2 (unreachable) went down"},
		{"other error", fakeNodes{err: errors.New("weaviate GET /v1/nodes: 403 forbidden")}, ""},
	} {
		var out bytes.Buffer
		w := &nodeWatch{nl: tc.after, healthy: []string{"wv-0", "wv-1", "wv-2"}}
		w.report(context.Background(), &Data{Out: &out}, "backup read A")
		if got := out.String(); tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	var nilWatch *nodeWatch
	nilWatch.report(context.Background(), &Data{}, "x") // a single server: no watch, no output
}

// allLevelClient is a Weaviate (the interface embedded, never called
// here) that writes at a level, lists nodes and, when shards is set, the
// nodes holding each shard's replicas, and when members is set, the
// nodes of the Raft configuration.
type allLevelClient struct {
	Weaviate
	fakeNodes
	level   string
	shards  []live.ShardReplicas
	members []string
}

func (c allLevelClient) RaftMembers(context.Context) ([]string, error) {
	if c.members == nil {
		return nil, errors.New("weaviate GET /v1/cluster/statistics: 403 forbidden")
	}
	return c.members, nil
}

func (c allLevelClient) WriteLevel() string { return c.level }

func (c allLevelClient) ShardReplicas(context.Context, string) ([]live.ShardReplicas, error) {
	if c.shards == nil {
		return nil, live.ErrNotFound
	}
	return c.shards, nil
}

// TestCheckAllReplicas: a write at ALL into a replicated collection is
// refused while a node is not HEALTHY, unreachable, or no longer listed
// (fewer healthy nodes than replicas: what GET /v1/nodes shows once gossip
// dropped a killed node, the case TestClusterWriteConsistency met under
// load); with fewer replicas than nodes, while a node holding a replica of
// a shard is no longer listed (named from Weaviate's sharding state), or a
// shard has fewer listed nodes than replicas (the nodes' own listing,
// where the sharding state is not served; the node named from the Raft
// configuration when it can be read). Never at QUORUM, for a
// replication factor of 1, when the nodes cannot be listed for another
// reason, or when the node gone held no replica.
func TestCheckAllReplicas(t *testing.T) {
	rf := func(n float64) live.Class { return live.Class{"replicationConfig": map[string]any{"factor": n}} }
	three := []live.Node{{Name: "wv-0", Status: "HEALTHY"}, {Name: "wv-1", Status: "HEALTHY"}, {Name: "wv-2", Status: "HEALTHY"}}
	for _, tc := range []struct {
		name  string
		c     allLevelClient
		class live.Class
		want  string
	}{
		{"all healthy", allLevelClient{fakeNodes: fakeNodes{nodes: three}, level: "ALL"}, rf(3), ""},
		{"unhealthy", allLevelClient{fakeNodes: fakeNodes{nodes: []live.Node{three[0], three[1], {Name: "wv-2", Status: "UNAVAILABLE"}}}, level: "ALL"}, rf(3), "wv-2 (UNAVAILABLE)"},
		{"no longer listed", allLevelClient{fakeNodes: fakeNodes{nodes: three[:2]}, level: "ALL"}, rf(3), "A has 3 replicas of each shard, but only 2 of the nodes"},
		{"unreachable", allLevelClient{fakeNodes: fakeNodes{err: errors.New(`weaviate GET /v1/nodes: 500 node: wv-2: send http request: dial tcp: connection refused`)}, level: "ALL"}, rf(3), "wv-2 (unreachable)"},
		{"quorum", allLevelClient{fakeNodes: fakeNodes{nodes: three[:2]}, level: "QUORUM"}, rf(3), ""},
		{"factor 1", allLevelClient{fakeNodes: fakeNodes{nodes: []live.Node{three[0], {Name: "wv-1", Status: "UNAVAILABLE"}}}, level: "ALL"}, rf(1), ""},
		{"single server", allLevelClient{fakeNodes: fakeNodes{nodes: three[:1]}, level: "ALL"}, live.Class{}, ""},
		{"cannot list", allLevelClient{fakeNodes: fakeNodes{err: errors.New("weaviate GET /v1/nodes: 403 forbidden")}, level: "ALL"}, rf(3), ""},
		// Replication factor 2 on 3 nodes, wv-2 dropped from GET /v1/nodes:
		// two nodes listed HEALTHY, as many as there are replicas.
		{"rf2 replica gone", allLevelClient{fakeNodes: fakeNodes{nodes: three[:2]}, level: "ALL", shards: []live.ShardReplicas{
			{Shard: "s1", Nodes: []string{"wv-0", "wv-1"}, Replicas: 2},
			{Shard: "s2", Nodes: []string{"wv-1", "wv-2"}, Replicas: 2},
			{Shard: "s3", Nodes: []string{"wv-0", "wv-2"}, Replicas: 2},
		}}, rf(2), "node wv-2, no longer listed by GET /v1/nodes, holds a replica of shards s2, s3 of A"},
		{"rf2 many shards gone", allLevelClient{fakeNodes: fakeNodes{nodes: three[:2]}, level: "ALL", shards: []live.ShardReplicas{
			{Shard: "t1", Nodes: []string{"wv-0", "wv-2"}, Replicas: 2}, {Shard: "t2", Nodes: []string{"wv-1", "wv-2"}, Replicas: 2},
			{Shard: "t3", Nodes: []string{"wv-0", "wv-2"}, Replicas: 2}, {Shard: "t4", Nodes: []string{"wv-1", "wv-2"}, Replicas: 2},
			{Shard: "t5", Nodes: []string{"wv-0", "wv-2"}, Replicas: 2},
		}}, rf(2), "holds a replica of shards t1, t2, t3 and 2 more of A"},
		{"rf2 short in the nodes' listing", allLevelClient{fakeNodes: fakeNodes{nodes: three[:2]}, level: "ALL", shards: []live.ShardReplicas{
			{Shard: "s1", Nodes: []string{"wv-0", "wv-1"}, Replicas: 2},
			{Shard: "s2", Nodes: []string{"wv-1"}, Replicas: 2},
		}}, rf(2), "shard s2 of A has a replica on a node GET /v1/nodes no longer lists"},
		{"rf2 short, Raft names the node", allLevelClient{fakeNodes: fakeNodes{nodes: three[:2]}, level: "ALL", members: []string{"wv-0", "wv-1", "wv-2"}, shards: []live.ShardReplicas{
			{Shard: "s2", Nodes: []string{"wv-1"}, Replicas: 2},
		}}, rf(2), "shard s2 of A has a replica on node wv-2, which GET /v1/nodes no longer lists"},
		{"rf2 short, two nodes gone", allLevelClient{fakeNodes: fakeNodes{nodes: three[:2]}, level: "ALL", members: []string{"wv-0", "wv-1", "wv-2", "wv-3"}, shards: []live.ShardReplicas{
			{Shard: "s2", Nodes: []string{"wv-1"}, Replicas: 2}, {Shard: "s3", Nodes: []string{"wv-0"}, Replicas: 2},
		}}, rf(2), "shards s2, s3 of A have a replica on one of the nodes wv-2, wv-3, which"},
		{"rf2 gone node held no replica", allLevelClient{fakeNodes: fakeNodes{nodes: three[:2]}, level: "ALL", shards: []live.ShardReplicas{
			{Shard: "s1", Nodes: []string{"wv-0", "wv-1"}, Replicas: 2},
		}}, rf(2), ""},
		{"rf2 quorum", allLevelClient{fakeNodes: fakeNodes{nodes: three[:2]}, level: "QUORUM", shards: []live.ShardReplicas{
			{Shard: "s2", Nodes: []string{"wv-1", "wv-2"}, Replicas: 2},
		}}, rf(2), ""},
		{"rf2 absent, too few nodes", allLevelClient{fakeNodes: fakeNodes{nodes: three[:1]}, level: "ALL"}, rf(2), "only 1 of the nodes"},
	} {
		err := (&Data{Client: tc.c}).checkAllReplicas(context.Background(), map[string]live.Class{"A": tc.class})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--consistency QUORUM")):
			t.Errorf("%s: %v, want a refusal naming %q and --consistency QUORUM", tc.name, err, tc.want)
		}
	}
}
