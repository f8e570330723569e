package live

import (
	"context"
	"fmt"
	"net/http"
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
