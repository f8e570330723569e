package apply

import (
	"testing"

	"github.com/colstate/colstate/internal/live"
)

// TestWriteInFlight: a restore into a multi-tenant collection keeps
// --tenant-parallel batches in flight (at least the default 4); an explicit
// InFlight, and a collection without tenants, keep theirs.
func TestWriteInFlight(t *testing.T) {
	mt, plain := &live.ObjectSchema{MultiTenant: true}, &live.ObjectSchema{}
	for _, tc := range []struct {
		name                string
		inFlight, tenantPar int
		s                   *live.ObjectSchema
		want                int
	}{
		{"multi-tenant, defaults", 0, 0, mt, live.DefaultTenantParallel},
		{"multi-tenant, --tenant-parallel 16", 0, 16, mt, 16},
		{"multi-tenant, --tenant-parallel 1", 0, 1, mt, defaultInFlight},
		{"multi-tenant, InFlight set", 2, 16, mt, 2},
		{"no tenants", 0, 16, plain, 0},
	} {
		d := &Data{InFlight: tc.inFlight, TenantParallel: tc.tenantPar}
		if got := d.writeInFlight(tc.s); got != tc.want {
			t.Errorf("%s: %d batches in flight, want %d", tc.name, got, tc.want)
		}
	}
}
