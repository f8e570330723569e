package workspace

import (
	"testing"

	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/snapshot"
)

// TestTenantsMoved: the policy sees objects moved to another tenant, by
// per-tenant digest in a new manifest and by tenant name and chunk counts
// in one of an older build (which records no per-tenant digest).
func TestTenantsMoved(t *testing.T) {
	digest := func(seeds ...byte) object.Digest {
		var d object.Digest
		for _, s := range seeds {
			d.Add([32]byte{s})
		}
		return d
	}
	a, b := digest(1), digest(2)
	newer := func(names ...string) *snapshot.Collection {
		c := &snapshot.Collection{}
		for i, n := range names {
			d := []object.Digest{a, b}[i]
			c.Tenants = append(c.Tenants, snapshot.Tenant{Name: n, Objects: d.Count, Digest: d.String()})
		}
		return c
	}
	older := &snapshot.Collection{
		Tenants: []snapshot.Tenant{{Name: "t1"}, {Name: "t2"}},
		Chunks:  []snapshot.Chunk{{Tenant: "t1", Objects: 1}, {Tenant: "t2", Objects: 1}},
	}
	for _, tc := range []struct {
		name string
		mc   *snapshot.Collection
		live map[string]object.Digest
		want bool
	}{
		{"same", newer("t1", "t2"), map[string]object.Digest{"t1": a, "t2": b}, false},
		{"renamed", newer("t1", "t2"), map[string]object.Digest{"t9": a, "t2": b}, true},
		{"swapped", newer("t1", "t2"), map[string]object.Digest{"t1": b, "t2": a}, true},
		{"tenant added", newer("t1"), map[string]object.Digest{"t1": a, "t2": {}}, true},
		{"older same", older, map[string]object.Digest{"t1": a, "t2": b}, false},
		{"older renamed", older, map[string]object.Digest{"t1": a, "t9": b}, true},
		{"older moved", older, map[string]object.Digest{"t1": digest(1, 2), "t2": {}}, true},
		{"subset", &snapshot.Collection{TenantSubset: true, Tenants: []snapshot.Tenant{{Name: "t1"}}}, map[string]object.Digest{"t9": a}, false},
		{"single-tenant", &snapshot.Collection{}, nil, false},
	} {
		if got := tenantsMoved(tc.mc, tc.live); got != tc.want {
			t.Errorf("%s: tenantsMoved = %v, want %v", tc.name, got, tc.want)
		}
	}
}
