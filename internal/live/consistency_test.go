package live

import (
	"strings"
	"testing"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
)

func TestParseConsistency(t *testing.T) {
	for in, want := range map[string]string{"one": "ONE", " Quorum ": "QUORUM", "ALL": "ALL"} {
		if got, err := ParseConsistency(in); err != nil || got != want {
			t.Errorf("ParseConsistency(%q) = %q, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MOST", "TWO"} {
		if _, err := ParseConsistency(in); err == nil || !strings.Contains(err.Error(), "use ONE, QUORUM or ALL") {
			t.Errorf("ParseConsistency(%q): %v", in, err)
		}
	}
	c, err := New(Options{URL: "http://localhost:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if c.WriteConsistency != ConsistencyAll || c.ReadConsistency != ConsistencyQuorum {
		t.Errorf("defaults: write %s, read %s; want ALL, QUORUM", c.WriteConsistency, c.ReadConsistency)
	}
	if err := c.SetConsistency("one"); err != nil || c.WriteConsistency != "ONE" || c.ReadConsistency != "ONE" {
		t.Errorf("SetConsistency(one): %v, write %s, read %s", err, c.WriteConsistency, c.ReadConsistency)
	}
	if pbConsistency("") != nil || *pbConsistency("ALL") != pb.ConsistencyLevel_CONSISTENCY_LEVEL_ALL || *pbConsistency("ONE") != pb.ConsistencyLevel_CONSISTENCY_LEVEL_ONE {
		t.Error("pbConsistency maps the levels wrong")
	}
}

// TestBatchErrorReplicasShort: objects refused because too few replicas
// answered (what Weaviate 1.35 says with a node down at ALL, seen on the
// test cluster) get a hint naming the level and what to do; other object
// errors do not.
func TestBatchErrorReplicasShort(t *testing.T) {
	short := []ObjectError{{ID: "a", Message: "broadcast: cannot reach enough replicas"}}
	e := &BatchError{Collection: "C", Failed: 1, Objects: short, Consistency: ConsistencyAll}
	if msg := e.Error(); !strings.Contains(msg, "consistency level ALL") || !strings.Contains(msg, "--consistency QUORUM") {
		t.Errorf("at ALL: %s", msg)
	}
	e.Consistency = ConsistencyOne
	if msg := e.Error(); !strings.Contains(msg, "consistency level ONE") || strings.Contains(msg, "--consistency") {
		t.Errorf("at ONE: %s", msg)
	}
	e.Objects = []ObjectError{{ID: "a", Message: "invalid property"}}
	if msg := e.Error(); strings.Contains(msg, "replicas") {
		t.Errorf("a plain object error got the replica hint: %s", msg)
	}
}
