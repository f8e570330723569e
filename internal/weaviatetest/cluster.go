package weaviatetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/weaviateproc"
)

// ClusterSize is how many nodes Cluster starts: enough for a replication
// factor of 3, and for QUORUM to survive one node down.
const ClusterSize = 3

// ClusterNode is one node of a Cluster: its name (CLUSTER_HOSTNAME), its
// fixed ports, data directory and log, and its process while it runs.
type ClusterNode struct {
	Name    string
	DataDir string
	LogPath string
	// HTTPPort and GRPCPort are the node's own REST and gRPC endpoints;
	// the others are its gossip, data and Raft ports.
	HTTPPort, GRPCPort                      int
	GossipPort, DataPort, RaftPort, RPCPort int

	srv *weaviateproc.Server // nil while stopped or killed
}

// URL is the node's own REST endpoint.
func (n *ClusterNode) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", n.HTTPPort) }

// Server is the node's process, nil while it is stopped or killed.
func (n *ClusterNode) Server() *weaviateproc.Server { return n.srv }

// GRPCAddr is the node's own gRPC endpoint.
func (n *ClusterNode) GRPCAddr() string { return fmt.Sprintf("127.0.0.1:%d", n.GRPCPort) }

// Cluster is a Weaviate cluster of several weaviate-server processes on
// loopback, each with its own ports and data directory (DESIGN.md: "A
// 3-node cluster runs on one host").
type Cluster struct {
	Nodes []*ClusterNode
	mu    sync.Mutex
}

// StartCluster starts size nodes with data and logs under dir and waits
// until every node's GET /v1/nodes lists size HEALTHY nodes. Node 0 starts
// first; the others join its gossip port once it is open. On failure
// every node started is killed and the error carries their log tails.
func StartCluster(ctx context.Context, dir string, size int) (*Cluster, error) {
	ports, err := weaviateproc.FreePorts(2 * size)
	if err != nil {
		return nil, err
	}
	// On one host Weaviate finds a node's data port at its gossip port + 1
	// and its Raft RPC port at its Raft port + 1 (CLUSTER_IN_LOCALHOST).
	pairs, err := weaviateproc.FreePortPairs(2*size, ports)
	if err != nil {
		return nil, err
	}
	c := &Cluster{}
	for i := range size {
		name := "wv-" + strconv.Itoa(i)
		c.Nodes = append(c.Nodes, &ClusterNode{
			Name: name, DataDir: filepath.Join(dir, name), LogPath: filepath.Join(dir, name+".log"),
			HTTPPort: ports[2*i], GRPCPort: ports[2*i+1],
			GossipPort: pairs[2*i], DataPort: pairs[2*i] + 1,
			RaftPort: pairs[2*i+1], RPCPort: pairs[2*i+1] + 1,
		})
	}
	start := time.Now()
	fail := func(err error) (*Cluster, error) {
		c.Close(10 * time.Second)
		return nil, fmt.Errorf("start a %d-node cluster: %w%s", size, err, c.logTails())
	}
	if err := c.startNode(0, nil); err != nil {
		return fail(err)
	}
	if err := waitPort(ctx, c.Nodes[0].srv, c.Nodes[0].GossipPort, time.Minute); err != nil {
		return fail(err)
	}
	for i := 1; i < size; i++ {
		if err := c.startNode(i, []int{0}); err != nil {
			return fail(err)
		}
	}
	if err := c.WaitHealthy(ctx, 3*time.Minute); err != nil {
		return fail(err)
	}
	fmt.Fprintf(os.Stderr, "weaviatetest: %d-node cluster healthy in %.1fs\n", size, time.Since(start).Seconds())
	return c, nil
}

// startNode launches node i, joining the gossip ports of the nodes join.
func (c *Cluster) startNode(i int, join []int) error {
	n := c.Nodes[i]
	var raftJoin, gossip []string
	for _, o := range c.Nodes {
		raftJoin = append(raftJoin, fmt.Sprintf("%s:%d", o.Name, o.RaftPort))
	}
	for _, j := range join {
		gossip = append(gossip, fmt.Sprintf("127.0.0.1:%d", c.Nodes[j].GossipPort))
	}
	env := map[string]string{
		"CLUSTER_HOSTNAME":         n.Name,
		"CLUSTER_IN_LOCALHOST":     "true",
		"CLUSTER_GOSSIP_BIND_PORT": strconv.Itoa(n.GossipPort),
		"CLUSTER_DATA_BIND_PORT":   strconv.Itoa(n.DataPort),
		"RAFT_PORT":                strconv.Itoa(n.RaftPort),
		"RAFT_INTERNAL_RPC_PORT":   strconv.Itoa(n.RPCPort),
		"RAFT_JOIN":                strings.Join(raftJoin, ","),
		"RAFT_BOOTSTRAP_EXPECT":    strconv.Itoa(len(c.Nodes)),
	}
	if len(gossip) > 0 {
		env["CLUSTER_JOIN"] = strings.Join(gossip, ",")
	}
	logf, err := os.OpenFile(n.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	srv, err := weaviateproc.Start(context.Background(), weaviateproc.Options{
		DataDir: n.DataDir, Env: env, Log: logf, HTTPPort: n.HTTPPort, GRPCPort: n.GRPCPort, NoWait: true,
	})
	if err != nil {
		logf.Close()
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	go func() { <-srv.Exited(); logf.Close() }()
	n.srv = srv
	return nil
}

// waitPort polls until something listens on the loopback TCP port.
func waitPort(ctx context.Context, srv *weaviateproc.Server, port int, timeout time.Duration) error {
	return poll(ctx, timeout, func() (bool, error) {
		select {
		case <-srv.Exited():
			return false, fmt.Errorf("weaviate-server exited: %v", srv.ExitErr())
		default:
		}
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err != nil {
			return false, nil
		}
		conn.Close()
		return true, nil
	}, func() string { return fmt.Sprintf("port %d not open", port) })
}

// poll calls check every 100ms until it is done, fails, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, check func() (bool, error), what func() string) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("%s after %s", what(), timeout)
		case <-tick.C:
		}
	}
}

// NodeStatus is one entry of GET /v1/nodes.
type NodeStatus struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// NodeStatuses asks the node at url for GET /v1/nodes.
func NodeStatuses(ctx context.Context, url string) ([]NodeStatus, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/nodes", nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/v1/nodes: %s", url, resp.Status)
	}
	var out struct {
		Nodes []NodeStatus `json:"nodes"`
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Nodes, err
}

// WaitHealthy waits until every running node answers /v1/.well-known/ready
// and its GET /v1/nodes lists every node of the cluster as HEALTHY.
func (c *Cluster) WaitHealthy(ctx context.Context, timeout time.Duration) error {
	last := "no answer yet"
	return poll(ctx, timeout, func() (bool, error) {
		for _, n := range c.Nodes {
			if n.srv == nil {
				return false, fmt.Errorf("node %s is not running", n.Name)
			}
			select {
			case <-n.srv.Exited():
				return false, fmt.Errorf("node %s exited: %v", n.Name, n.srv.ExitErr())
			default:
			}
			nodes, err := NodeStatuses(ctx, n.URL())
			if err != nil {
				last = fmt.Sprintf("%s: %v", n.Name, err)
				return false, nil
			}
			healthy := 0
			for _, s := range nodes {
				if s.Status == "HEALTHY" {
					healthy++
				}
			}
			if healthy != len(c.Nodes) {
				last = fmt.Sprintf("%s sees %d of %d nodes HEALTHY (%v)", n.Name, healthy, len(c.Nodes), nodes)
				return false, nil
			}
			resp, err := http.Get(n.URL() + "/v1/.well-known/ready")
			if err != nil {
				last = fmt.Sprintf("%s: %v", n.Name, err)
				return false, nil
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				last = fmt.Sprintf("%s: ready answers %s", n.Name, resp.Status)
				return false, nil
			}
		}
		return true, nil
	}, func() string { return "cluster not healthy (" + last + ")" })
}

// Running reports whether node i's process runs.
func (c *Cluster) Running(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	srv := c.Nodes[i].srv
	if srv == nil {
		return false
	}
	select {
	case <-srv.Exited():
		return false
	default:
		return true
	}
}

// Kill stops node i at once (SIGKILL), as a crash would.
func (c *Cluster) Kill(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if srv := c.Nodes[i].srv; srv != nil {
		srv.Kill()
		c.Nodes[i].srv = nil
	}
}

// Stop shuts node i down (SIGTERM), killing it after timeout.
func (c *Cluster) Stop(i int, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	srv := c.Nodes[i].srv
	c.Nodes[i].srv = nil
	return srv.Stop(timeout)
}

// Restart starts node i again on its ports and data, joining the other
// nodes, and waits until the cluster is healthy again.
func (c *Cluster) Restart(ctx context.Context, i int) error {
	return c.restart(ctx, i)
}

// restart starts the nodes is again, each joining the others, and waits
// until the cluster is healthy: all of them first, since with two nodes
// down the cluster is not healthy until both are back.
func (c *Cluster) restart(ctx context.Context, is ...int) error {
	c.mu.Lock()
	var names []string
	for _, i := range is {
		if c.Nodes[i].srv != nil {
			c.mu.Unlock()
			return fmt.Errorf("node %s is running", c.Nodes[i].Name)
		}
		var join []int
		for j := range c.Nodes {
			if j != i {
				join = append(join, j)
			}
		}
		if err := c.startNode(i, join); err != nil {
			c.mu.Unlock()
			return err
		}
		names = append(names, c.Nodes[i].Name)
	}
	c.mu.Unlock()
	if err := c.WaitHealthy(ctx, 3*time.Minute); err != nil {
		return fmt.Errorf("restart node %s: %w%s", strings.Join(names, ", "), err, c.logTails())
	}
	return nil
}

// Close stops every node still running.
func (c *Cluster) Close(timeout time.Duration) error {
	var errs []error
	for i, n := range c.Nodes {
		if n.srv != nil {
			errs = append(errs, c.Stop(i, timeout))
		}
	}
	return errors.Join(errs...)
}

func (c *Cluster) logTails() string {
	var b strings.Builder
	for _, n := range c.Nodes {
		if data, err := os.ReadFile(n.LogPath); err == nil && len(data) > 0 {
			fmt.Fprintf(&b, "\n--- %s log tail:\n%s", n.Name, tail(string(data), 2000))
		}
	}
	return b.String()
}

var (
	clusterMu  sync.Mutex
	cluster    *Cluster
	clusterDir string
	clusterErr error
)

// SharedCluster returns the package's 3-node cluster, started on first use
// (so packages and test runs that never ask for it pay nothing) and
// stopped when Main returns. A node an earlier test killed or stopped is
// started again first, so each test finds every node healthy. When no
// cluster can be started the test fails under CI=true and skips (loudly)
// otherwise.
func SharedCluster(t testing.TB) *Cluster {
	t.Helper()
	clusterMu.Lock()
	defer clusterMu.Unlock()
	if cluster == nil && clusterErr == nil {
		clusterDir, clusterErr = os.MkdirTemp("", "colstate-weaviatecluster-")
		if clusterErr == nil {
			cluster, clusterErr = StartCluster(context.Background(), clusterDir, ClusterSize)
		}
	}
	if clusterErr == nil {
		var down []int
		for i := range cluster.Nodes {
			if !cluster.Running(i) {
				cluster.mu.Lock()
				cluster.Nodes[i].srv = nil
				cluster.mu.Unlock()
				down = append(down, i)
			}
		}
		if len(down) > 0 {
			if err := cluster.restart(context.Background(), down...); err != nil {
				t.Fatalf("restart cluster nodes %v: %v", down, err)
			}
		}
		return cluster
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("a Weaviate cluster is required in CI: %v", clusterErr)
	}
	t.Skipf("SKIPPED: no Weaviate cluster (%v)", clusterErr)
	return nil
}

// stopSharedCluster stops the shared cluster, if one was started, and
// removes its data.
func stopSharedCluster() {
	clusterMu.Lock()
	defer clusterMu.Unlock()
	if cluster != nil {
		if err := cluster.Close(30 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "weaviatetest: stop cluster:", err)
		}
		cluster = nil
	}
	if clusterDir != "" {
		os.RemoveAll(clusterDir)
		clusterDir = ""
	}
}
