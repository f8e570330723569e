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
