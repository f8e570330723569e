package apply

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/colstate/colstate/internal/live"
)

// nodeLister is what a client that can see a cluster's nodes offers
// (*live.Client does); a Weaviate without it is taken for one server.
type nodeLister interface {
	Nodes(ctx context.Context) ([]live.Node, error)
	URL() string
}

// nodeWatch remembers which nodes of a cluster were healthy before a read,
// so that a node that dies during it is named afterwards: Weaviate's
// coordinator answers from the replicas that are left, and the read goes
// on as if nothing happened (README "Clusters").
type nodeWatch struct {
	nl      nodeLister
	healthy []string
}

// watchNodes starts a watch, or returns nil on a single server or when
// the nodes cannot be listed (an API key without the permission): the
// watch only ever adds a warning, never a failure.
func (d *Data) watchNodes(ctx context.Context) *nodeWatch {
	nl, ok := d.Client.(nodeLister)
	if !ok {
		return nil
	}
	nodes, err := nl.Nodes(ctx)
	if err != nil || len(nodes) < 2 {
		return nil
	}
	w := &nodeWatch{nl: nl}
	for _, n := range nodes {
		if n.Status == "HEALTHY" {
			w.healthy = append(w.healthy, n.Name)
		}
	}
	return w
}

// unreachableNode finds the node GET /v1/nodes failed to reach.
var unreachableNode = regexp.MustCompile(`node: ([^:\s]+): send http request`)

// nodeStatuses is GET /v1/nodes as node name → status; ok is false when
// the nodes cannot be listed (an API key without the permission). For the
// first seconds after a node dies, before gossip has dropped it, Weaviate
// 1.35 fails GET /v1/nodes with "node: wv-1: send http request: ...
// connection refused": then only that node is known ("unreachable") and
// partial is true.
func nodeStatuses(ctx context.Context, nl nodeLister) (now map[string]string, partial, ok bool) {
	nodes, err := nl.Nodes(ctx)
	if err != nil {
		m := unreachableNode.FindStringSubmatch(err.Error())
		if m == nil {
			return nil, false, false
		}
		return map[string]string{m[1]: "unreachable"}, true, true
	}
	now = map[string]string{}
	for _, n := range nodes {
		now[n.Name] = n.Status
	}
	return now, false, true
}

// downNodes names, sorted, those of nodes that now does not list as
// HEALTHY: "wv-1 (no longer listed)", "wv-2 (UNAVAILABLE)". A node that a
// partial now does not mention is taken to be up.
func downNodes(nodes []string, now map[string]string, partial bool) []string {
	var down []string
	for _, name := range nodes {
		switch st := now[name]; {
		case st == "HEALTHY":
		case st != "":
			down = append(down, name+" ("+st+")")
		case !partial:
			down = append(down, name+" (no longer listed)")
		}
	}
	slices.Sort(down)
	return down
}

// report names the nodes that were healthy when the watch started and are
// not now, after what (e.g. "backup read Article") succeeded.
func (w *nodeWatch) report(ctx context.Context, d *Data, what string) {
	if w == nil {
		return
	}
	now, partial, ok := nodeStatuses(ctx, w.nl)
	if !ok {
		return
	}
	down := downNodes(w.healthy, now, partial)
	if len(down) == 0 {
		return
	}
	fmt.Fprintf(d.Out, "warning: Weaviate node %s went down while %s; the read went on through %s, which answered from the replicas left: no object was left out. Bring the node back (GET /v1/nodes lists it HEALTHY again).\n",
		strings.Join(down, ", "), what, w.nl.URL())
}

// writeLeveler is a client that says at which consistency level it writes
// (*live.Client does).
type writeLeveler interface {
	WriteLevel() string
}

// replicationFactor is a class's replicationConfig.factor (1 when unset).
func replicationFactor(cl live.Class) int {
	rc, _ := cl["replicationConfig"].(map[string]any)
	if f, ok := rc["factor"].(float64); ok && f > 1 {
		return int(f)
	}
	return 1
}

// shardReplicaLister is a client that says which nodes hold the replicas
// of a collection's shards (*live.Client does).
type shardReplicaLister interface {
	ShardReplicas(ctx context.Context, collection string) ([]live.ShardReplicas, error)
}

// checkAllReplicas refuses, before anything is written, a write at
// consistency ALL into a replicated collection while a node of the cluster
// is down, or a node holding a replica of one of its shards is no longer
// listed. Weaviate 1.35 counts ALL over the replicas it still sees: once
// gossip has dropped a dead node, a write at ALL succeeds on the replicas
// left (seen in TestClusterWriteConsistency and, with fewer replicas than
// nodes, TestClusterAllReplicaDropped), and the read-back verification
// could not tell. classes are the targets' classes (the live one where it
// exists, else the snapshot's).
func (d *Data) checkAllReplicas(ctx context.Context, classes map[string]live.Class) error {
	wl, ok := d.Client.(writeLeveler)
	if !ok || wl.WriteLevel() != live.ConsistencyAll {
		return nil
	}
	var replicated []string
	for name, cl := range classes {
		if replicationFactor(cl) > 1 {
			replicated = append(replicated, name)
		}
	}
	if len(replicated) == 0 {
		return nil
	}
	nl, ok := d.Client.(nodeLister)
	if !ok {
		return nil
	}
	now, partial, ok := nodeStatuses(ctx, nl)
	if !ok {
		return nil // the nodes cannot be listed (permissions): Weaviate's own ALL decides
	}
	slices.Sort(replicated)
	var problems []string
	if down := downNodes(slices.Sorted(maps.Keys(now)), now, partial); len(down) > 0 {
		problems = append(problems, "Weaviate node "+strings.Join(down, ", ")+" is down")
	}
	healthy := 0
	for _, st := range now {
		if st == "HEALTHY" {
			healthy++
		}
	}
	srl, _ := d.Client.(shardReplicaLister)
	for _, name := range replicated {
		if rf := replicationFactor(classes[name]); !partial && healthy < rf {
			// Once gossip has dropped a dead node, GET /v1/nodes no
			// longer lists it: fewer healthy nodes than replicas means
			// one is gone.
			problems = append(problems, fmt.Sprintf("%s has %d replicas of each shard, but only %d of the nodes they need are listed HEALTHY (the others are no longer listed)", name, rf, healthy))
			continue
		}
		if srl == nil || partial {
			continue
		}
		// Absent (this restore creates it, on the nodes Weaviate lists)
		// or its sharding unreadable: the count above is all there is.
		if shards, err := srl.ShardReplicas(ctx, name); err == nil {
			problems = append(problems, missingReplicas(name, shards, now, func() []string { return d.goneNodes(ctx, now) })...)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("objects not written: %s. A write at consistency ALL (the default) into %s would reach only the replicas left, so the read-back could not vouch for every replica. Bring the node back (GET /v1/nodes lists it HEALTHY) and run the command again, or pass --consistency QUORUM to write to the replicas that answer",
		strings.Join(problems, "; "), strings.Join(replicated, ", "))
}

// missingReplicas names the shards of collection with a replica on a node
// GET /v1/nodes (now) no longer lists, by node, and the shards fewer
// listed nodes hold than they have replicas (what the nodes' own listing
// shows when Weaviate's sharding state is not served), with the nodes
// gone() names as dropped. Nodes listed but not HEALTHY are named by the
// caller.
func missingReplicas(collection string, shards []live.ShardReplicas, now map[string]string, gone func() []string) []string {
	onGone := map[string][]string{} // node no longer listed → its shards
	var short []string
	for _, s := range shards {
		for _, n := range s.Nodes {
			if now[n] == "" {
				onGone[n] = append(onGone[n], s.Shard)
			}
		}
		if len(s.Nodes) < s.Replicas {
			short = append(short, s.Shard)
		}
	}
	var out []string
	for _, n := range slices.Sorted(maps.Keys(onGone)) {
		out = append(out, fmt.Sprintf("node %s, no longer listed by GET /v1/nodes, holds a replica of %s of %s", n, shardList(onGone[n]), collection))
	}
	if len(short) == 0 {
		return out
	}
	where := "a node GET /v1/nodes no longer lists (the nodes listed hold fewer replicas than it has)"
	switch g := gone(); len(g) {
	case 0:
	case 1:
		where = "node " + g[0] + ", which GET /v1/nodes no longer lists"
	default:
		where = "one of the nodes " + strings.Join(g, ", ") + ", which GET /v1/nodes no longer lists"
	}
	verb := map[bool]string{true: "has", false: "have"}[len(short) == 1]
	return append(out, fmt.Sprintf("%s of %s %s a replica on %s", shardList(short), collection, verb, where))
}

// raftMemberLister is a client that names the nodes of the cluster's Raft
// configuration (*live.Client does).
type raftMemberLister interface {
	RaftMembers(ctx context.Context) ([]string, error)
}

// goneNodes names the members of the cluster's Raft configuration that
// GET /v1/nodes (now) no longer lists; none when they cannot be read.
func (d *Data) goneNodes(ctx context.Context, now map[string]string) []string {
	rl, ok := d.Client.(raftMemberLister)
	if !ok {
		return nil
	}
	members, err := rl.RaftMembers(ctx)
	if err != nil {
		return nil
	}
	var gone []string
	for _, m := range members {
		if now[m] == "" {
			gone = append(gone, m)
		}
	}
	return gone
}

// shardList is "shard a", "shards a, b, c" or "shards a, b, c and 7 more".
func shardList(names []string) string {
	if len(names) == 1 {
		return "shard " + names[0]
	}
	const shown = 3
	if len(names) <= shown {
		return "shards " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("shards %s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
}
