package weaviatetest

import (
	"fmt"
	"net"
	"testing"
)

// TestFreePortPairs: each port P comes with P+1 free too (a cluster node's
// gossip and data ports, its Raft and Raft RPC ports), and no two pairs
// overlap.
func TestFreePortPairs(t *testing.T) {
	ports, err := freePortPairs(6)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		for _, q := range []int{p, p + 1} {
			if seen[q] {
				t.Fatalf("port %d given twice in %v", q, ports)
			}
			seen[q] = true
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", q))
			if err != nil {
				t.Fatalf("port %d of %v is not free: %v", q, ports, err)
			}
			l.Close()
		}
	}
}
