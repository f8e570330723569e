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
