package apply

import (
	"context"
	"fmt"
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

// report names the nodes that were healthy when the watch started and are
// not now, after what (e.g. "backup read Article") succeeded.
func (w *nodeWatch) report(ctx context.Context, d *Data, what string) {
	if w == nil {
		return
	}
	nodes, err := w.nl.Nodes(ctx)
	now := map[string]string{}
	if err != nil {
		// For the first seconds after a node dies, before gossip has
		// dropped it, Weaviate 1.35 fails GET /v1/nodes with "node: wv-1:
		// send http request: ... connection refused".
		m := unreachableNode.FindStringSubmatch(err.Error())
		if m == nil {
			return
		}
		for _, name := range w.healthy {
			now[name] = "HEALTHY"
		}
		now[m[1]] = "unreachable"
	}
	for _, n := range nodes {
		now[n.Name] = n.Status
	}
	var down []string
	for _, name := range w.healthy {
		switch st := now[name]; st {
		case "HEALTHY":
		case "":
			down = append(down, name+" (no longer listed)")
		default:
			down = append(down, name+" ("+st+")")
		}
	}
	if len(down) == 0 {
		return
	}
	slices.Sort(down)
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

// checkAllReplicas refuses, before anything is written, a write at
// consistency ALL into a replicated collection while a node of the cluster
// is down. Weaviate 1.35 counts ALL over the replicas it still sees: once
// gossip has dropped a dead node, a write at ALL succeeds on the replicas
// left (seen in TestClusterWriteConsistency), and the read-back
// verification could not tell. classes are the targets' classes (the live
// one where it exists, else the snapshot's).
func (d *Data) checkAllReplicas(ctx context.Context, classes map[string]live.Class) error {
	wl, ok := d.Client.(writeLeveler)
	if !ok || wl.WriteLevel() != live.ConsistencyAll {
		return nil
	}
	var replicated []string
	maxRF := 0
	for name, cl := range classes {
		if rf := replicationFactor(cl); rf > 1 {
			replicated = append(replicated, name)
			maxRF = max(maxRF, rf)
		}
	}
	if len(replicated) == 0 {
		return nil
	}
	nl, ok := d.Client.(nodeLister)
	if !ok {
		return nil
	}
	slices.Sort(replicated)
	var down []string
	nodes, err := nl.Nodes(ctx)
	if err != nil {
		m := unreachableNode.FindStringSubmatch(err.Error())
		if m == nil {
			return nil // the nodes cannot be listed (permissions): Weaviate's own ALL decides
		}
		down = append(down, m[1]+" (unreachable)")
	}
	healthy := 0
	for _, n := range nodes {
		if n.Status != "HEALTHY" {
			down = append(down, n.Name+" ("+n.Status+")")
		} else {
			healthy++
		}
	}
	if len(down) == 0 && err == nil && healthy < maxRF {
		// Once gossip has dropped a dead node, GET /v1/nodes no longer
		// lists it: fewer healthy nodes than replicas means one is gone.
		down = append(down, fmt.Sprintf("(%d of the %d nodes a replication factor of %d needs are listed; the others are no longer listed)", healthy, maxRF, maxRF))
	}
	if len(down) == 0 {
		return nil
	}
	slices.Sort(down)
	return fmt.Errorf("objects not written: Weaviate node %s is down, and %s %s replicated; a write at consistency ALL (the default) would reach only the replicas left, so the read-back could not vouch for every replica. Bring the node back (GET /v1/nodes lists it HEALTHY) and run the command again, or pass --consistency QUORUM to write to the replicas that answer",
		strings.Join(down, ", "), strings.Join(replicated, ", "), map[bool]string{true: "is", false: "are"}[len(replicated) == 1])
}
