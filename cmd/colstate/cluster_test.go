package main

// End-to-end tests on a 3-node Weaviate cluster (weaviatetest.SharedCluster,
// started on first use and shared by the tests of this file): a snapshot
// of the single shared server restored onto replication factor 3 and read
// back from every node; consistency levels on writes; a backup that loses
// a node mid-read.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// withFactor is cl with replication factor n.
func withFactor(cl live.Class, n int) live.Class {
	cl["replicationConfig"] = map[string]any{"factor": n}
	return cl
}

// nodeClient reads node n of the cluster through its own REST and gRPC
// endpoints at consistency ONE. Weaviate's coordinator searches each shard
// on the first replica of its read plan, and puts its own node first
// (cluster/router: preferredNode(LocalName)); at ONE it does not compare
// with other replicas (replica.Finder.CheckConsistency returns early). So
// with replication factor 3 on 3 nodes, the node answers from its own
// replica alone; TestClusterWriteConsistency shows it on a node that
// missed writes.
func nodeClient(t *testing.T, n *weaviatetest.ClusterNode) *live.Client {
	t.Helper()
	c := directClient(t, n.URL(), n.GRPCAddr(), "")
	if err := c.SetConsistency(live.ConsistencyOne); err != nil {
		t.Fatal(err)
	}
	return c
}

// manifestOf opens snapshot id in dir.
func manifestOf(t *testing.T, dir, id string) *snapshot.Manifest {
	t.Helper()
	r, err := (&snapshot.Store{Dir: dir}).Open(id)
	if err != nil {
		t.Fatalf("open snapshot %s: %v", id, err)
	}
	return r.Manifest()
}

// digestOn reads every object of collection through c.
func digestOn(t *testing.T, c *live.Client, collection string) (map[string]*object.Object, object.Digest) {
	t.Helper()
	got, err := livetest.ReadAll(context.Background(), c, collection)
	if err != nil {
		t.Fatalf("read %s at %s: %v", collection, c.URL(), err)
	}
	var d object.Digest
	for _, o := range got {
		d.Add(o.Hash())
	}
	return got, d
}

// TestClusterRestoreOntoReplicas: a snapshot taken on the single shared
// server (every property type, two named vectors, cross-references)
// restores onto the 3-node cluster into collections with replication
// factor 3, and every node, read through its own endpoints from its own
// replica, holds every object identical: UUID, properties, references,
// vectors, and the snapshot's count and digest.
func TestClusterRestoreOntoReplicas(t *testing.T) {
	src := weaviatetest.Server(t)
	cluster := weaviatetest.SharedCluster(t)
	ctx := context.Background()
	author, things := weaviatetest.Name(t, "ClAuthor"), weaviatetest.Name(t, "ClThings")

	sc := directClient(t, src.URL, src.GRPCAddr, "")
	for _, name := range []string{things, author} {
		_ = sc.Delete(ctx, name)
	}
	if err := sc.CreateRaw(ctx, livetest.AuthorClass(author)); err != nil {
		t.Fatal(err)
	}
	if err := sc.CreateRaw(ctx, livetest.AllTypesClass(things, author)); err != nil {
		t.Fatal(err)
	}
	authors := livetest.Authors(1, 7)
	var ids []string
	for _, a := range authors {
		ids = append(ids, a.ID)
	}
	// What was written is what every node must hold after the restore
	// (livetest.Diff), and the snapshot's digest what each must read as.
	want := map[string][]*object.Object{author: authors, things: livetest.AllTypes(2, 300, author, ids)}
	for _, name := range []string{author, things} {
		if err := livetest.Insert(ctx, sc, name, want[name]); err != nil {
			t.Fatal(err)
		}
	}
	srcRig := newRig(t, src.URL, src.GRPCAddr)
	srcRig.mustRun("backup", "-auto-approve", "--id", "onto-cluster", author, things)
	m := manifestOf(t, srcRig.store(), "onto-cluster")

	n0 := cluster.Nodes[0]
	c0 := directClient(t, n0.URL(), n0.GRPCAddr(), "")
	t.Cleanup(func() {
		_ = c0.Delete(ctx, things)
		_ = c0.Delete(ctx, author)
	})
	// The snapshot's schema says replication factor 1: the collections
	// are created beforehand with 3, and the restore loads into them.
	if err := c0.CreateRaw(ctx, withFactor(livetest.AuthorClass(author), 3)); err != nil {
		t.Fatal(err)
	}
	if err := c0.CreateRaw(ctx, withFactor(livetest.AllTypesClass(things, author), 3)); err != nil {
		t.Fatal(err)
	}
	dst := newRig(t, n0.URL(), n0.GRPCAddr())
	p := dst.mustRun("restore", "-auto-approve", "--collection", author, "--collection", things, "--store", srcRig.store(), "onto-cluster")
	for _, name := range []string{author, things} {
		if !strings.Contains(p.stdoutString(), "Restored "+name+": ") || !strings.Contains(p.stdoutString(), "verified") {
			t.Errorf("restore did not report %s verified:\n%s", name, p.output())
		}
	}

	for _, n := range cluster.Nodes {
		c := nodeClient(t, n)
		for _, name := range []string{author, things} {
			cl, err := c.Class(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if f := fmt.Sprint(cl["replicationConfig"].(map[string]any)["factor"]); f != "3" {
				t.Errorf("%s on %s: replication factor %s, want 3", name, n.Name, f)
			}
			got, d := digestOn(t, c, name)
			if problems := livetest.Diff(want[name], got); len(problems) > 0 {
				t.Errorf("%s on node %s differs from what was written:\n  %s", name, n.Name, strings.Join(problems[:min(3, len(problems))], "\n  "))
			}
			mc := m.Collection(name)
			if d.Count != mc.Objects || d.String() != mc.Digest {
				t.Errorf("%s on node %s: %d objects, digest %.16s…; the snapshot has %d, %.16s…", name, n.Name, d.Count, d.String(), mc.Objects, mc.Digest)
			}
		}
	}
}

// faultClassRF is faultClass with replication factor n.
func faultClassRF(name string, n int) live.Class { return withFactor(faultClass(name), n) }

// TestClusterWriteConsistency: restore writes at consistency ALL by
// default, so with one of three replicas down it refuses object by object
// and says how to go on; --consistency QUORUM writes to the two replicas
// left and verifies. The node that was down, back again, answers a read at
// ONE from its own replica, which missed the writes: the reads of
// TestClusterRestoreOntoReplicas are node-local, and a QUORUM write (with
// Weaviate's async replication off, the default) leaves a replica short
// until it is repaired.
func TestClusterWriteConsistency(t *testing.T) {
	src := weaviatetest.Server(t)
	cluster := weaviatetest.SharedCluster(t)
	ctx := context.Background()
	name := weaviatetest.Name(t, "ClCons")
	const n = 1000

	sc := directClient(t, src.URL, src.GRPCAddr, "")
	_ = sc.Delete(ctx, name)
	want := seed(t, sc, name, n)
	srcRig := newRig(t, src.URL, src.GRPCAddr)
	srcRig.mustRun("backup", "-auto-approve", "--id", "cons", name)

	n0 := cluster.Nodes[0]
	c0 := directClient(t, n0.URL(), n0.GRPCAddr(), "")
	t.Cleanup(func() { _ = c0.Delete(ctx, name) })
	if err := c0.CreateRaw(ctx, faultClassRF(name, 3)); err != nil {
		t.Fatal(err)
	}
	cluster.Kill(2)
	waitSchema(t, n0.URL(), name)
	dst := newRig(t, n0.URL(), n0.GRPCAddr())
	p, code := dst.run("restore", "-auto-approve", "--collection", name, "--store", srcRig.store(), "cons")
	if code == 0 {
		t.Fatalf("restore at consistency ALL succeeded with a replica down:\n%s", p.output())
	}
	t.Logf("restore at ALL with wv-2 down:\n%s", p.output())
	for _, s := range []string{"not written", "--consistency QUORUM"} {
		if !strings.Contains(p.stderrString(), s) {
			t.Errorf("restore at ALL with a node down does not say %q:\n%s", s, p.output())
		}
	}
	p = dst.mustRun("restore", "-auto-approve", "--consistency", "quorum", "--collection", name, "--store", srcRig.store(), "cons")
	if !strings.Contains(p.stdoutString(), "Restored "+name+": ") || !strings.Contains(p.stdoutString(), "verified") {
		t.Errorf("restore at QUORUM did not verify:\n%s", p.output())
	}
	for i := range 2 {
		if _, d := digestOn(t, nodeClient(t, cluster.Nodes[i]), name); d != want {
			t.Errorf("node %s: %d objects, want all %d", cluster.Nodes[i].Name, d.Count, n)
		}
	}
	if err := cluster.Restart(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, d := digestOn(t, nodeClient(t, cluster.Nodes[2]), name); d.Count >= n {
		t.Errorf("node wv-2, down during the QUORUM restore, answered at ONE with %d objects: not from its own replica", d.Count)
	} else {
		t.Logf("wv-2 answers at ONE with %d of %d objects: its own replica", d.Count, n)
	}
}

// waitSchema waits until the node at url answers GET /v1/schema/NAME
// quickly: after a node is killed, the survivors first elect a new Raft
// leader, and schema reads wait for it meanwhile.
func waitSchema(t *testing.T, url, name string) {
	t.Helper()
	start := time.Now()
	hc := &http.Client{Timeout: 2 * time.Second}
	for time.Since(start) < 2*time.Minute {
		resp, err := hc.Get(url + "/v1/schema/" + name)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("schema reads answer again %s after the kill", time.Since(start).Round(time.Millisecond))
				return
			}
		}
	}
	t.Fatalf("%s does not answer schema reads 2 minutes after a node was killed", url)
}

// rf3Source creates collection name on the cluster with replication
// factor 3 and n fault objects, and returns their digest.
func rf3Source(t *testing.T, c *live.Client, name string, n int) object.Digest {
	t.Helper()
	ctx := context.Background()
	if err := c.CreateRaw(ctx, faultClassRF(name, 3)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, name) })
	var d object.Digest
	var objs []*object.Object
	for i := range n {
		o := faultObject(i)
		d.Add(o.Hash())
		objs = append(objs, o)
	}
	if err := livetest.Insert(ctx, c, name, objs); err != nil {
		t.Fatal(err)
	}
	return d
}

// waitProgress waits until a colstate -json run reports objects moved.
func waitProgress(t *testing.T, p *proc) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && p.running() {
		for _, line := range strings.Split(p.stdoutString(), "\n") {
			var ev struct {
				Type string `json:"type"`
				Done int64  `json:"done"`
			}
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Type == "progress" && ev.Done > 0 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond) // polling colstate's output, not waiting for readiness
	}
	t.Fatalf("no progress from colstate:\n%s", p.output())
}

// TestClusterBackupNodeKilled: a backup of a replication-factor-3
// collection through node wv-0 survives node wv-1 killed (SIGKILL)
// mid-read: the snapshot holds every object (count and digest) and
// colstate names the node that went down. When the node colstate reads
// through dies, the backup fails, says what to do, and leaves no snapshot.
func TestClusterBackupNodeKilled(t *testing.T) {
	cluster := weaviatetest.SharedCluster(t)
	name := weaviatetest.Name(t, "ClKill")
	const n = 2000
	n0 := cluster.Nodes[0]
	want := rf3Source(t, directClient(t, n0.URL(), n0.GRPCAddr(), ""), name, n)

	// gRPC through a slow proxy, so the read lasts seconds.
	px := newProxies(t, n0.Server())
	addToxic(t, px.grpc, `{"name":"bw_down","type":"bandwidth","stream":"downstream","attributes":{"rate":150}}`)
	r := newRig(t, n0.URL(), px.grpcAddr())
	p := r.start("backup", "-auto-approve", "-json", "--id", "survives", name)
	waitProgress(t, p)
	cluster.Kill(1)
	if code := p.wait(t, 3*time.Minute); code != 0 {
		t.Fatalf("backup with node wv-1 killed mid-read: exit %d\n%s", code, p.output())
	}
	if p.running() {
		t.Fatal("still running")
	}
	if !strings.Contains(p.output(), "warning: Weaviate node wv-1 (") || !strings.Contains(p.output(), "went down while backup read "+name) {
		t.Errorf("backup does not name the node that went down:\n%s", p.output())
	}
	t.Logf("backup with wv-1 killed mid-read:\n%s", p.stderrString())
	mc := manifestOf(t, r.store(), "survives").Collection(name)
	if mc.Objects != n || mc.Digest != want.String() {
		t.Errorf("snapshot holds %d objects, digest %.16s…; want %d, %.16s…", mc.Objects, mc.Digest, n, want.String())
	}

	// Now the node colstate reads through dies: nothing to fall back to.
	removeToxic(t, px.grpc, "bw_down")
	addToxic(t, px.grpc, `{"name":"bw_down","type":"bandwidth","stream":"downstream","attributes":{"rate":150}}`)
	r.extraEnv = append(r.extraEnv, retryEnv+"=3/50ms/200ms")
	// With wv-1 down, node 0's schema reads can stall for a while (seen
	// here: past colstate's 60 s timeout, while Raft settles); this part
	// is about node 0 dying mid-read, so it starts once they answer.
	waitSchema(t, n0.URL(), name)
	p = r.start("backup", "-auto-approve", "-json", "--id", "dies", name)
	waitProgress(t, p)
	cluster.Kill(0)
	if code := p.wait(t, 3*time.Minute); code != 1 {
		t.Fatalf("backup through a node that died: exit %d, want 1\n%s", code, p.output())
	}
	t.Logf("backup with its own node killed mid-read:\n%s", p.stderrString())
	if !strings.Contains(p.stderrString(), "another node") {
		t.Errorf("the failure does not say to use another node:\n%s", p.output())
	}
	if _, err := (&snapshot.Store{Dir: r.store()}).Open("dies"); err == nil {
		t.Error("a snapshot was left behind by the failed backup")
	}
}

// verboseShards is GET /v1/nodes/NAME?output=verbose at url: the nodes
// listed and the shards of collection name each holds.
func verboseShards(t *testing.T, url, name string) map[string][]string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url + "/v1/nodes/" + name + "?output=verbose")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Nodes []struct {
			Name   string `json:"name"`
			Shards []struct {
				Name string `json:"name"`
			} `json:"shards"`
		} `json:"nodes"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/v1/nodes/%s: %s", url, name, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	held := map[string][]string{}
	for _, n := range out.Nodes {
		held[n.Name] = nil
		for _, s := range n.Shards {
			held[n.Name] = append(held[n.Name], s.Name)
		}
	}
	return held
}

// waitDropped polls the node at url until its GET /v1/nodes answers and
// no longer lists node gone: what Weaviate 1.35 shows once gossip has
// forgotten a killed node (before that, the request fails naming it).
func waitDropped(t *testing.T, url, gone string) {
	t.Helper()
	start := time.Now()
	last := "no answer yet"
	for ; time.Since(start) < 2*time.Minute; time.Sleep(100 * time.Millisecond) { // polling, not waiting blind
		nodes, err := weaviatetest.NodeStatuses(context.Background(), url)
		if err != nil {
			last = err.Error()
			continue
		}
		listed := false
		for _, n := range nodes {
			listed = listed || n.Name == gone
		}
		if !listed {
			t.Logf("GET /v1/nodes no longer lists %s %s after the kill: %v", gone, time.Since(start).Round(time.Millisecond), nodes)
			return
		}
		last = fmt.Sprint(nodes)
	}
	t.Fatalf("%s still lists %s 2 minutes after it was killed (%s)", url, gone, last)
}

// TestClusterAllReplicaDropped: a collection of one shard with replication
// factor 2 on 3 nodes; a node holding one of its replicas is killed, and
// once GET /v1/nodes no longer lists it (two HEALTHY nodes: as many as
// there are replicas), Weaviate 1.35 counts ALL over the one replica left,
// so a write at ALL would succeed on half the replicas. The restore at ALL
// is refused before anything is written, naming the shard and the node
// (from the Raft configuration: the test cluster does not serve
// Weaviate's sharding state);
// --consistency QUORUM writes and verifies. (One shard: with several,
// Weaviate 1.35 refuses even the count of objects, at any level, while
// its shards have different numbers of replicas left: "inconsistent
// consistency levels", seen here with three shards.)
func TestClusterAllReplicaDropped(t *testing.T) {
	src := weaviatetest.Server(t)
	cluster := weaviatetest.SharedCluster(t)
	ctx := context.Background()
	name := weaviatetest.Name(t, "ClRF2")
	const n = 300

	sc := directClient(t, src.URL, src.GRPCAddr, "")
	_ = sc.Delete(ctx, name)
	want := seed(t, sc, name, n)
	srcRig := newRig(t, src.URL, src.GRPCAddr)
	srcRig.mustRun("backup", "-auto-approve", "--id", "rf2", name)

	n0 := cluster.Nodes[0]
	c0 := directClient(t, n0.URL(), n0.GRPCAddr(), "")
	t.Cleanup(func() { _ = c0.Delete(ctx, name) })
	cl := faultClassRF(name, 2)
	cl["shardingConfig"] = map[string]any{"desiredCount": 1}
	if err := c0.CreateRaw(ctx, cl); err != nil {
		t.Fatal(err)
	}
	held := verboseShards(t, n0.URL(), name)
	victim := -1
	for i := len(cluster.Nodes) - 1; i > 0 && victim < 0; i-- {
		if len(held[cluster.Nodes[i].Name]) > 0 {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatalf("no node but wv-0 holds a replica of %s: %v", name, held)
	}
	gone := cluster.Nodes[victim].Name
	t.Logf("replicas: %v; killing %s", held, gone)
	cluster.Kill(victim)
	waitDropped(t, n0.URL(), gone)
	waitSchema(t, n0.URL(), name)

	dst := newRig(t, n0.URL(), n0.GRPCAddr())
	p, code := dst.run("restore", "-auto-approve", "--collection", name, "--store", srcRig.store(), "rf2")
	t.Logf("restore at ALL with %s no longer listed:\n%s", gone, p.output())
	if code != 1 {
		t.Fatalf("restore at consistency ALL with a replica's node no longer listed: exit %d, want 1", code)
	}
	for _, s := range []string{"not written", "shard " + held[gone][0], "node " + gone, "--consistency QUORUM"} {
		if !strings.Contains(p.stderrString(), s) {
			t.Errorf("the refusal does not say %q", s)
		}
	}
	if _, d := digestOn(t, nodeClient(t, n0), name); d.Count != 0 {
		t.Errorf("the refused restore wrote %d objects", d.Count)
	}

	p = dst.mustRun("restore", "-auto-approve", "--consistency", "quorum", "--collection", name, "--store", srcRig.store(), "rf2")
	if !strings.Contains(p.stdoutString(), "Restored "+name+": ") || !strings.Contains(p.stdoutString(), "verified") {
		t.Errorf("restore at QUORUM did not verify:\n%s", p.output())
	}
	if _, d := digestOn(t, c0, name); d != want {
		t.Errorf("after the QUORUM restore %s holds %d objects, want all %d", name, d.Count, n)
	}
}
