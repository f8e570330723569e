package apply

import (
	"context"
	"encoding/json"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
)

// apply reaches Weaviate and the snapshot stores only through the
// interfaces below, declared here where they are used: *live.Client and
// *snapshot.Store satisfy them, and so can another store (object storage)
// or a unit test's fake, without a change to apply.

// Weaviate is every call apply makes to Weaviate.
type Weaviate interface {
	// CheckEndpoints checks that the REST and gRPC endpoints reach one
	// server, before a plan that moves objects writes anything.
	CheckEndpoints(ctx context.Context) error
	schemaReader
	schemaWriter
	tenantManager
	objectReader
	objectWriter
}

// schemaReader reads live collections' schemas.
type schemaReader interface {
	// Class returns a collection's class JSON; live.ErrNotFound when it
	// does not exist.
	Class(ctx context.Context, name string) (live.Class, error)
	// ClassJSON returns the class JSON as Weaviate sent it (what a
	// snapshot keeps).
	ClassJSON(ctx context.Context, name string) (json.RawMessage, error)
}

// schemaWriter creates collections and adds properties, from class JSON.
type schemaWriter interface {
	CreateRaw(ctx context.Context, cl live.Class) error
	AddRawProperty(ctx context.Context, collection string, prop any) error
	// Delete deletes a collection (a replace that Weaviate's own restore
	// carries out deletes the live one first).
	Delete(ctx context.Context, name string) error
}

// tenantManager lists, creates and (de)activates a collection's tenants.
type tenantManager interface {
	Tenants(ctx context.Context, collection string) ([]live.Tenant, error)
	CreateTenants(ctx context.Context, collection string, tenants []live.Tenant) error
	UpdateTenants(ctx context.Context, collection string, tenants []live.Tenant) error
	ActivateTenant(ctx context.Context, collection string, t live.Tenant) (*live.Activation, error)
	ActivateTenants(ctx context.Context, collection string, ts []live.Tenant) ([]*live.Activation, error)
	WithTenantActive(ctx context.Context, collection string, t live.Tenant, fn func() error) (activated bool, err error)
}

// objectReader reads and counts a collection's objects.
type objectReader interface {
	// ReadObjects streams one tenant's objects in UUID order.
	ReadObjects(ctx context.Context, s *live.ObjectSchema, opts live.ReadOptions, fn func(*object.Object) error) error
	ReadObjectsByID(ctx context.Context, s *live.ObjectSchema, opts live.ReadOptions, ids []string) (map[string]*object.Object, error)
	Count(ctx context.Context, collection, tenant string) (int64, error)
}

// objectWriter writes and deletes objects.
type objectWriter interface {
	NewBatchWriter(ctx context.Context, s *live.ObjectSchema, collection string, batchSize, inFlight int) *live.BatchWriter
	// WriteWithDanglingReferences writes one object with references to
	// objects that no longer exist, which a batch write refuses.
	WriteWithDanglingReferences(ctx context.Context, s *live.ObjectSchema, collection string, o *object.Object) error
	DeleteAllObjects(ctx context.Context, collection, tenant string, progress func(int)) (int64, error)
	DeleteObjects(ctx context.Context, collection, tenant string, ids []string) (int64, error)
}

// SnapshotStore is what apply does with a snapshot store: write a new
// snapshot, and open a committed one to read.
type SnapshotStore interface {
	// Create starts a snapshot; it exists once its Writer commits.
	Create(m snapshot.Manifest) (*snapshot.Writer, error)
	// Open opens a committed snapshot; snapshot.ErrNotFound when there is
	// none under id.
	Open(id string) (*snapshot.Reader, error)
}

var (
	_ Weaviate      = (*live.Client)(nil)
	_ SnapshotStore = (*snapshot.Store)(nil)
)

// snapshotStore returns the store a change names (plan.DataChange.Store):
// through OpenStore when it is set, as a local directory otherwise.
func (d *Data) snapshotStore(c plan.Change) (SnapshotStore, error) {
	if d.OpenStore != nil {
		return d.OpenStore(c.Data.Store)
	}
	return &snapshot.Store{Dir: c.Data.Store}, nil
}

// openSnapshot opens the snapshot a change reads.
func (d *Data) openSnapshot(c plan.Change) (*snapshot.Reader, error) {
	st, err := d.snapshotStore(c)
	if err != nil {
		return nil, err
	}
	return st.Open(c.Data.Snapshot)
}
