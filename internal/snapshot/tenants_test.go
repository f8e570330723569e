package snapshot

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/object"
)

// TestTenantObjects reads only the chunks of the kept tenants: another
// tenant's chunk is not even opened (here it is removed).
func TestTenantObjects(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	m := writeSnapshot(t, s, testObjects(4))
	r, err := s.Open(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range m.Collection("Multi").Chunks {
		if ch.Tenant == "a" {
			if err := os.Remove(filepath.Join(r.Dir(), filepath.FromSlash(ch.File))); err != nil {
				t.Fatal(err)
			}
		}
	}
	var tenants []string
	keep := func(tenant string) bool { return tenant == "b" }
	if err := r.TenantObjects(context.Background(), "Multi", keep, func(o *object.Object) error { tenants = append(tenants, o.Tenant); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(tenants, ",") != "b,b" {
		t.Errorf("tenants read %v, want b,b", tenants)
	}
	if err := r.Objects(context.Background(), "Multi", func(*object.Object) error { return nil }); err == nil {
		t.Error("reading every tenant with tenant a's chunks gone: no error")
	}
}
