package live

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
)

// Consistency levels of a replicated collection: how many of its replicas
// must acknowledge a write, or take part in a read, before Weaviate answers.
// On one node (or a replication factor of 1) all three are the same.
const (
	ConsistencyOne    = "ONE"
	ConsistencyQuorum = "QUORUM"
	ConsistencyAll    = "ALL"
)

// The defaults New gives a client (docs: README "Clusters").
//
// Writes wait for ALL replicas: a restore is then on every node when it
// reports success, so its read-back verification, which Weaviate serves
// from the replica on the node colstate talks to, vouches for all of them;
// with a replica down the write fails by object instead of leaving one
// replica short (--consistency QUORUM writes anyway).
//
// Reads use QUORUM: Weaviate reads the objects from its own replica and
// compares them with a majority of the others, repairing a stale replica
// and returning the newest version, and it still answers with one of
// three nodes down.
const (
	DefaultWriteConsistency = ConsistencyAll
	DefaultReadConsistency  = ConsistencyQuorum
)

// ParseConsistency checks a consistency level given by a user (any case).
func ParseConsistency(s string) (string, error) {
	switch u := strings.ToUpper(strings.TrimSpace(s)); u {
	case ConsistencyOne, ConsistencyQuorum, ConsistencyAll:
		return u, nil
	}
	return "", fmt.Errorf("consistency level %q: use ONE, QUORUM or ALL", s)
}

// SetConsistency makes the client read and write with level (ONE, QUORUM
// or ALL).
func (c *Client) SetConsistency(level string) error {
	l, err := ParseConsistency(level)
	if err != nil {
		return err
	}
	c.WriteConsistency, c.ReadConsistency = l, l
	return nil
}

// pbConsistency is level as the gRPC API spells it; nil (the server's
// default) for "".
func pbConsistency(level string) *pb.ConsistencyLevel {
	var l pb.ConsistencyLevel
	switch level {
	case ConsistencyOne:
		l = pb.ConsistencyLevel_CONSISTENCY_LEVEL_ONE
	case ConsistencyQuorum:
		l = pb.ConsistencyLevel_CONSISTENCY_LEVEL_QUORUM
	case ConsistencyAll:
		l = pb.ConsistencyLevel_CONSISTENCY_LEVEL_ALL
	default:
		return nil
	}
	return &l
}

// Node is one node of the Weaviate cluster as GET /v1/nodes lists it.
type Node struct {
	Name   string `json:"name"`
	Status string `json:"status"` // HEALTHY, UNHEALTHY, UNAVAILABLE, TIMEOUT
}

// Nodes lists the nodes of the cluster the client talks to (one on a
// single server), as the node it is connected to sees them.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	var out struct {
		Nodes []Node `json:"nodes"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/nodes", nil, &out)
	return out.Nodes, err
}

// WriteLevel is the consistency level the client writes at.
func (c *Client) WriteLevel() string { return c.WriteConsistency }

// ShardReplicas is one shard of a collection and the nodes that hold its
// replicas.
type ShardReplicas struct {
	Shard string
	// Nodes hold the shard's replicas: every one of them when Weaviate's
	// sharding state could be read; otherwise only those GET /v1/nodes
	// lists (a node gossip has dropped holds its replicas unseen).
	Nodes []string
	// Replicas is how many replicas the shard has, listed or not.
	Replicas int
}

// ShardReplicas says which nodes hold the replicas of each shard of
// collection, sorted by shard; ErrNotFound when it does not exist.
//
// Weaviate's sharding state (GET /v1/replication/sharding-state) names
// every replica's node, also of a node that is down or no longer listed,
// and of inactive tenants; Weaviate 1.35 serves it only with
// REPLICA_MOVEMENT_ENABLED=true (else 501) and older releases not at all.
// Then GET /v1/nodes/C?output=verbose stands in: each node listed names
// the shards it holds (active tenants only) with their number of replicas,
// so a shard with fewer nodes than replicas has one on a node no longer
// listed, though which one is not known.
func (c *Client) ShardReplicas(ctx context.Context, collection string) ([]ShardReplicas, error) {
	var state struct {
		ShardingState struct {
			Shards []struct {
				Shard    string   `json:"shard"`
				Replicas []string `json:"replicas"`
			} `json:"shards"`
		} `json:"shardingState"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/replication/sharding-state?collection="+url.QueryEscape(collection), nil, &state)
	if err == nil {
		out := make([]ShardReplicas, 0, len(state.ShardingState.Shards))
		for _, s := range state.ShardingState.Shards {
			nodes := slices.Sorted(slices.Values(s.Replicas))
			out = append(out, ShardReplicas{Shard: s.Shard, Nodes: nodes, Replicas: len(nodes)})
		}
		slices.SortFunc(out, func(a, b ShardReplicas) int { return strings.Compare(a.Shard, b.Shard) })
		return out, nil
	}
	var verbose struct {
		Nodes []struct {
			Name   string `json:"name"`
			Shards []struct {
				Name             string `json:"name"`
				Class            string `json:"class"`
				NumberOfReplicas int    `json:"numberOfReplicas"`
			} `json:"shards"`
		} `json:"nodes"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/nodes/"+url.PathEscape(collection)+"?output=verbose", nil, &verbose); err != nil {
		return nil, err
	}
	byShard := map[string]*ShardReplicas{}
	for _, n := range verbose.Nodes {
		for _, s := range n.Shards {
			if s.Class != collection {
				continue
			}
			sr := byShard[s.Name]
			if sr == nil {
				sr = &ShardReplicas{Shard: s.Name}
				byShard[s.Name] = sr
			}
			sr.Nodes = append(sr.Nodes, n.Name)
			sr.Replicas = max(sr.Replicas, s.NumberOfReplicas, len(sr.Nodes))
		}
	}
	out := make([]ShardReplicas, 0, len(byShard))
	for _, name := range slices.Sorted(maps.Keys(byShard)) {
		sr := byShard[name]
		slices.Sort(sr.Nodes)
		out = append(out, *sr)
	}
	return out, nil
}

// RaftMembers names the nodes of the cluster's Raft configuration, as GET
// /v1/cluster/statistics reports it from every node listed. Unlike GET
// /v1/nodes it keeps a node that died and that gossip has dropped, so
// the difference names the nodes that are gone.
func (c *Client) RaftMembers(ctx context.Context) ([]string, error) {
	var out struct {
		Statistics []struct {
			Raft struct {
				LatestConfiguration []struct {
					ID string `json:"id"`
				} `json:"latestConfiguration"`
			} `json:"raft"`
		} `json:"statistics"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/cluster/statistics", nil, &out); err != nil {
		return nil, err
	}
	members := map[string]bool{}
	for _, s := range out.Statistics {
		for _, m := range s.Raft.LatestConfiguration {
			members[m.ID] = true
		}
	}
	return slices.Sorted(maps.Keys(members)), nil
}
