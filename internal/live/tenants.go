package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
)

// Tenant is one tenant of a multi-tenant collection.
type Tenant struct {
	Name           string `json:"name"`
	ActivityStatus string `json:"activityStatus,omitempty"`
}

// ClassJSON returns the class exactly as Weaviate sent it, for snapshots
// that must keep settings colstate does not model.
func (c *Client) ClassJSON(ctx context.Context, name string) (json.RawMessage, error) {
	var raw json.RawMessage
	err := c.retry(ctx, "read schema of "+name, func() error {
		return c.do(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(name), nil, &raw)
	})
	return raw, err
}

// Tenants lists a multi-tenant collection's tenants, sorted by name.
func (c *Client) Tenants(ctx context.Context, collection string) ([]Tenant, error) {
	var out []Tenant
	err := c.retry(ctx, "list tenants of "+collection, func() error {
		return c.do(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(collection)+"/tenants", nil, &out)
	})
	// Weaviate answers 422 "class not found" for a collection that does
	// not exist (or was deleted meanwhile): that is ErrNotFound.
	var se *StatusError
	if errors.As(err, &se) && se.Status == http.StatusUnprocessableEntity && strings.Contains(se.Message, "class not found") {
		return nil, fmt.Errorf("collection %s: %w", collection, ErrNotFound)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// CollectionTenants lists the tenants a walk over a collection's objects
// visits: a multi-tenant collection's tenants, sorted by name, or for any
// other collection one unnamed tenant that stands for all of it.
func (c *Client) CollectionTenants(ctx context.Context, s *ObjectSchema) ([]Tenant, error) {
	if !s.MultiTenant {
		return []Tenant{{}}, nil
	}
	return c.Tenants(ctx, s.Collection)
}

// EachTenant runs fn on each of tenants in turn (see CollectionTenants),
// an inactive one activated for it and set back to its status afterwards,
// as WithTenantActive does. It stops at the first error, and returns how
// many tenants it activated, for the message that says so.
func (c *Client) EachTenant(ctx context.Context, collection string, tenants []Tenant, fn func(Tenant) error) (activated int, err error) {
	return EachTenant(ctx, c, collection, tenants, 1, func(_ context.Context, _ int, t Tenant) error { return fn(t) })
}

// DefaultTenantParallel is how many tenants the data commands read or
// write at once unless told otherwise (--tenant-parallel): measured with
// 1,000 tenants × 10 objects on two cores, 8 is near the best for backup
// and clear, and more only adds load.
const DefaultTenantParallel = 8

// MaxTenantParallel is the most tenants --tenant-parallel may name. Each
// one is a reader or batch writer with its own buffers whatever there is
// to do (a billion ran a host out of memory to restore 8 objects), and a
// server is saturated long before: beyond this, requests only queue.
const MaxTenantParallel = 256

// TenantActivator runs a function while a tenant is active
// (Client.WithTenantActive): what EachTenant needs of a client, so that a
// test's fake serves as well.
type TenantActivator interface {
	WithTenantActive(ctx context.Context, collection string, t Tenant, fn func() error) (activated bool, err error)
}

// EachTenant is the one loop over a collection's tenants: it runs fn on
// each of tenants (see CollectionTenants), up to parallel at once, taking
// them in order (tenant i is started before tenant i+1). An inactive
// tenant is activated for fn and set back to its status afterwards
// (WithTenantActive: recorded in the client's TenantLog meanwhile, set
// back also when fn fails or ctx is cancelled), so at most parallel
// tenants are activated at any time. The first error cancels the context
// fn was given, no further tenant is started, and it is returned naming
// its tenant (TenantError); EachTenant returns once every started fn has
// returned and its tenant has its status back. fn is given the index of t
// in tenants. activated counts the tenants that were activated.
func EachTenant(ctx context.Context, a TenantActivator, collection string, tenants []Tenant, parallel int, fn func(ctx context.Context, i int, t Tenant) error) (activated int, err error) {
	parallel = max(1, min(parallel, len(tenants)))
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		woken int
		next  int
		done  int
		wg    sync.WaitGroup
	)
	// take returns the next tenant to run, false once all are taken or
	// the loop is stopping.
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next == len(tenants) || first != nil || wctx.Err() != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := take()
				if !ok {
					return
				}
				t := tenants[i]
				// fail records the first error and stops the other workers
				// at once — before this tenant's status is set back, which
				// is a round trip during which they would start new tenants.
				// The error after set-back replaces this tenant's first one:
				// it also says when the status could not be set back.
				mine := false
				fail := func(err error) {
					mu.Lock()
					defer mu.Unlock()
					if first == nil || mine {
						first, mine = tenantError(collection, t.Name, err), true
						cancel()
					}
				}
				w, err := a.WithTenantActive(wctx, collection, t, func() error {
					err := fn(wctx, i, t)
					if err != nil {
						fail(err)
					}
					return err
				})
				if err != nil {
					fail(err) // activation or set-back failed
				}
				mu.Lock()
				if w {
					woken++
				}
				if err == nil {
					done++
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && done < len(tenants) {
		// Cancelled between two tenants: the others were not visited.
		first = ctx.Err()
	}
	return woken, first
}

// TenantError is an error of one tenant's part of a loop over tenants
// (EachTenant).
type TenantError struct {
	Collection, Tenant string
	Err                error
}

func tenantError(collection, tenant string, err error) error {
	if tenant == "" {
		return err // not a multi-tenant collection
	}
	return &TenantError{Collection: collection, Tenant: tenant, Err: err}
}

// Error names the tenant, unless the error already does.
func (e *TenantError) Error() string {
	msg := e.Err.Error()
	if strings.Contains(msg, "tenant "+e.Tenant) || strings.Contains(msg, "'"+e.Tenant+"'") {
		return msg
	}
	return fmt.Sprintf("tenant %s of %s: %s", e.Tenant, e.Collection, msg)
}

func (e *TenantError) Unwrap() error { return e.Err }

// CreateTenants adds tenants to a multi-tenant collection.
func (c *Client) CreateTenants(ctx context.Context, collection string, tenants []Tenant) error {
	if len(tenants) == 0 {
		return nil
	}
	return c.retry(ctx, "create tenants of "+collection, func() error {
		return c.do(ctx, http.MethodPost, "/v1/schema/"+url.PathEscape(collection)+"/tenants", tenants, nil)
	})
}

// maxTenantUpdate is how many tenants Weaviate updates in one request
// (usecases/schema/tenant.go: more are refused).
const maxTenantUpdate = 100

// UpdateTenants sets the activity status of existing tenants, at most
// maxTenantUpdate a request.
func (c *Client) UpdateTenants(ctx context.Context, collection string, tenants []Tenant) error {
	for len(tenants) > 0 {
		batch := tenants[:min(len(tenants), maxTenantUpdate)]
		tenants = tenants[len(batch):]
		err := c.retry(ctx, "update tenants of "+collection, func() error {
			return c.do(ctx, http.MethodPut, "/v1/schema/"+url.PathEscape(collection)+"/tenants", batch, nil)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Count returns how many objects a collection (or one tenant of it) holds.
func (c *Client) Count(ctx context.Context, collection, tenant string) (int64, error) {
	args := ""
	if tenant != "" {
		b, _ := json.Marshal(tenant)
		args = "(tenant: " + string(b) + ")"
	}
	q := map[string]string{"query": "{Aggregate{" + collection + args + "{meta{count}}}}"}
	var resp struct {
		Data struct {
			Aggregate map[string][]struct {
				Meta struct {
					Count int64 `json:"count"`
				} `json:"meta"`
			} `json:"Aggregate"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	err := c.retry(ctx, "count objects of "+collection, func() error {
		return c.do(ctx, http.MethodPost, "/v1/graphql", q, &resp)
	})
	if err != nil {
		return 0, err
	}
	if len(resp.Errors) > 0 {
		var msgs []string
		for _, e := range resp.Errors {
			msgs = append(msgs, e.Message)
		}
		return 0, fmt.Errorf("count objects of %s%s: %s", collection, tenantSuffix(tenant), strings.Join(msgs, "; "))
	}
	rows := resp.Data.Aggregate[collection]
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0].Meta.Count, nil
}

// DeleteAllObjects deletes every object of a collection (of one tenant),
// keeping the schema, page by page: read UUIDs, delete them, repeat until
// none are left. It returns how many were deleted.
func (c *Client) DeleteAllObjects(ctx context.Context, collection, tenant string, progress func(int)) (int64, error) {
	wv, err := c.grpcClient(ctx, collection)
	if err != nil {
		return 0, err
	}
	const page = 1000
	s := &ObjectSchema{Collection: collection}
	var total int64
	for {
		var ids []string
		req := searchRequest(s, ReadOptions{Tenant: tenant, IDsOnly: true})
		req.Limit = page
		reply, err := c.search(ctx, wv, "list objects of "+collection, req)
		if err != nil {
			return total, fmt.Errorf("list objects of %s%s: %w", collection, tenantSuffix(tenant), ctxErr(ctx, err))
		}
		for _, r := range reply.GetResults() {
			ids = append(ids, r.GetMetadata().GetId())
		}
		if len(ids) == 0 {
			return total, nil
		}
		n, err := c.DeleteObjects(ctx, collection, tenant, ids)
		if err != nil {
			return total, err
		}
		total += n
		if progress != nil {
			progress(int(n))
		}
		if n == 0 {
			return total, fmt.Errorf("delete objects of %s%s: Weaviate deleted none of %d objects", collection, tenantSuffix(tenant), len(ids))
		}
	}
}

// AddRawProperty adds a property given as raw JSON (from a snapshot's
// schema), so that every setting of it is kept.
func (c *Client) AddRawProperty(ctx context.Context, collection string, prop any) error {
	return c.do(ctx, http.MethodPost, "/v1/schema/"+url.PathEscape(collection)+"/properties", prop, nil)
}

// DeleteObjects deletes the objects with the given ids (of one tenant) and
// returns how many Weaviate deleted. Any failed deletion is an error.
func (c *Client) DeleteObjects(ctx context.Context, collection, tenant string, ids []string) (int64, error) {
	wv, err := c.grpcClient(ctx, collection)
	if err != nil {
		return 0, err
	}
	if err := c.confirmDelete(ctx, wv, collection, tenant, ids); err != nil {
		return 0, err
	}
	del := &pb.BatchDeleteRequest{
		Collection: collection,
		Filters: &pb.Filters{
			Operator:  pb.Filters_OPERATOR_CONTAINS_ANY,
			Target:    &pb.FilterTarget{Target: &pb.FilterTarget_Property{Property: "_id"}},
			TestValue: &pb.Filters_ValueTextArray{ValueTextArray: &pb.TextArray{Values: ids}},
		},
	}
	if tenant != "" {
		del.Tenant = &tenant
	}
	del.ConsistencyLevel = pbConsistency(c.WriteConsistency)
	var dr *pb.BatchDeleteReply
	if err := c.retry(ctx, "delete objects of "+collection, func() error {
		var err error
		dr, err = wv.BatchDelete(c.rpcContext(ctx), del)
		return err
	}); err != nil {
		return 0, fmt.Errorf("delete objects of %s%s: %w", collection, tenantSuffix(tenant), ctxErr(ctx, err))
	}
	if dr.GetFailed() > 0 {
		return dr.GetSuccessful(), fmt.Errorf("delete objects of %s%s: %d of %d deletions failed", collection, tenantSuffix(tenant), dr.GetFailed(), len(ids))
	}
	return dr.GetSuccessful(), nil
}

// Active reports whether the tenant's objects can be read and written now.
func (t Tenant) Active() bool {
	switch t.ActivityStatus {
	case "", "HOT", "ACTIVE":
		return true
	}
	return false
}

// Offloaded reports whether the tenant is offloaded to cloud storage
// (FROZEN), or on its way there or back: colstate cannot read it.
func (t Tenant) Offloaded() bool {
	switch t.ActivityStatus {
	case "FROZEN", "FREEZING", "UNFREEZING", "OFFLOADED", "OFFLOADING", "ONLOADING":
		return true
	}
	return false
}

// OffloadedTenants names the offloaded tenants among ts.
func OffloadedTenants(ts []Tenant) []string {
	var out []string
	for _, t := range ts {
		if t.Offloaded() {
			out = append(out, t.Name)
		}
	}
	return out
}

// restoreStatusTimeout bounds putting a tenant back to its status after
// the command's context was cancelled (Ctrl-C).
const restoreStatusTimeout = 30 * time.Second

// TenantLog records the tenants colstate activates, so that a run killed
// before it could set one back (SIGKILL, a crash) lets the next run do it.
type TenantLog interface {
	// Activated is called before the tenant is activated; t holds the
	// status to set back. An error stops the activation.
	Activated(collection string, t Tenant) error
	// SetBack is called once the tenant has its status again.
	SetBack(collection, tenant string) error
}

// Activation is an inactive tenant colstate activated, recorded in the
// client's TenantLog until SetBack or Keep.
type Activation struct {
	c          *Client
	collection string
	tenant     Tenant // with the status it had
}

// ActivateTenant activates an inactive (COLD) tenant and returns what sets
// it back. An offloaded tenant is refused before anything changes.
func (c *Client) ActivateTenant(ctx context.Context, collection string, t Tenant) (*Activation, error) {
	if t.Offloaded() {
		return nil, fmt.Errorf("tenant %s of %s is %s (offloaded): colstate cannot read it; load it back (activityStatus HOT) first", t.Name, collection, t.ActivityStatus)
	}
	if c.TenantLog != nil {
		if err := c.TenantLog.Activated(collection, t); err != nil {
			return nil, fmt.Errorf("record tenant %s of %s before activating it: %w", t.Name, collection, err)
		}
	}
	a := &Activation{c: c, collection: collection, tenant: t}
	if err := c.UpdateTenants(ctx, collection, []Tenant{{Name: t.Name, ActivityStatus: "HOT"}}); err != nil {
		// The request may have reached Weaviate before it failed (ctx
		// cancelled mid-request, an answer lost): set the status back to
		// be sure, which also drops the record.
		return nil, errors.Join(fmt.Errorf("activate tenant %s of %s (it is %s) to read it: %w", t.Name, collection, t.ActivityStatus, err), a.SetBack(ctx))
	}
	return a, nil
}

// SetBack gives the tenant back the status it had, even when ctx is
// cancelled: a Ctrl-C must not leave the tenant active.
func (a *Activation) SetBack(ctx context.Context) error {
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreStatusTimeout)
	defer cancel()
	t := a.tenant
	if err := a.c.UpdateTenants(bctx, a.collection, []Tenant{t}); err != nil {
		return fmt.Errorf("tenant %s of %s was activated to be read and could not be set back to %s: %w; the next colstate command sets it back, or set it back by hand: PUT /v1/schema/%s/tenants [{\"name\": %q, \"activityStatus\": %q}]",
			t.Name, a.collection, t.ActivityStatus, err, a.collection, t.Name, t.ActivityStatus)
	}
	return a.Keep()
}

// Keep drops the record without changing the tenant's status: the caller
// has given it the status it should have.
func (a *Activation) Keep() error {
	if a.c.TenantLog == nil {
		return nil
	}
	if err := a.c.TenantLog.SetBack(a.collection, a.tenant.Name); err != nil {
		return fmt.Errorf("tenant %s of %s has its status, but the record of its activation could not be updated: %w", a.tenant.Name, a.collection, err)
	}
	return nil
}

// WithTenantActive runs fn while tenant t of the collection is active. An
// inactive (COLD) tenant is activated first and put back to the status it
// had afterwards — also when fn fails or ctx is cancelled — so no tenant is
// left activated; activated says whether that happened. An offloaded
// tenant is refused before anything changes.
func (c *Client) WithTenantActive(ctx context.Context, collection string, t Tenant, fn func() error) (activated bool, err error) {
	if t.Active() {
		return false, fn()
	}
	a, err := c.ActivateTenant(ctx, collection, t)
	if err != nil {
		return false, err
	}
	defer func() { err = errors.Join(err, a.SetBack(ctx)) }()
	return true, fn()
}

// TenantLogBatch is a TenantLog that records many tenants with one write
// (a restore activates and settles its tenants in groups).
type TenantLogBatch interface {
	ActivatedAll(collection string, ts []Tenant) error
	SetBackAll(collection string, tenants []string) error
}

// ActivateTenants activates inactive tenants of a collection together
// (one request per maxTenantUpdate), each recorded in the client's
// TenantLog first, and returns what sets each back. On an error none is
// left activated. Offloaded tenants are refused before anything changes.
func (c *Client) ActivateTenants(ctx context.Context, collection string, ts []Tenant) ([]*Activation, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	if off := OffloadedTenants(ts); len(off) > 0 {
		return nil, fmt.Errorf("tenants %s of %s are offloaded: colstate cannot read them; load them back (activityStatus HOT) first", strings.Join(off, ", "), collection)
	}
	if err := c.recordActivated(collection, ts); err != nil {
		return nil, err
	}
	acts := make([]*Activation, len(ts))
	hot := make([]Tenant, len(ts))
	for i, t := range ts {
		acts[i] = &Activation{c: c, collection: collection, tenant: t}
		hot[i] = Tenant{Name: t.Name, ActivityStatus: "HOT"}
	}
	if err := c.UpdateTenants(ctx, collection, hot); err != nil {
		// Some requests may have reached Weaviate: set every one back.
		return nil, errors.Join(fmt.Errorf("activate %d tenant(s) of %s to write and read them: %w", len(ts), collection, err), SetBackAll(ctx, acts))
	}
	return acts, nil
}

func (c *Client) recordActivated(collection string, ts []Tenant) error {
	var err error
	switch l := c.TenantLog.(type) {
	case nil:
	case TenantLogBatch:
		err = l.ActivatedAll(collection, ts)
	default:
		for _, t := range ts {
			if err = l.Activated(collection, t); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("record %d tenant(s) of %s before activating them: %w", len(ts), collection, err)
	}
	return nil
}

// SetBackAll gives tenants activated by ActivateTenants (of one client and
// collection) back the status each had, in as few requests as it can,
// even when ctx is cancelled.
func SetBackAll(ctx context.Context, acts []*Activation) error {
	if len(acts) == 0 {
		return nil
	}
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreStatusTimeout)
	defer cancel()
	a0 := acts[0]
	ts := make([]Tenant, len(acts))
	for i, a := range acts {
		ts[i] = a.tenant
	}
	if err := a0.c.UpdateTenants(bctx, a0.collection, ts); err != nil {
		return fmt.Errorf("%d tenant(s) of %s (first: %s) were activated and could not be set back to their status (first: %s): %w; the next colstate command sets them back, or set them back by hand: PUT /v1/schema/%s/tenants",
			len(ts), a0.collection, ts[0].Name, ts[0].ActivityStatus, err, a0.collection)
	}
	return KeepAll(acts)
}

// KeepAll drops the records of activations (of one client and collection)
// whose tenants the caller has given the status they should have.
func KeepAll(acts []*Activation) error {
	if len(acts) == 0 || acts[0].c.TenantLog == nil {
		return nil
	}
	a0 := acts[0]
	l, ok := a0.c.TenantLog.(TenantLogBatch)
	if !ok {
		for _, a := range acts {
			if err := a.Keep(); err != nil {
				return err
			}
		}
		return nil
	}
	names := make([]string, len(acts))
	for i, a := range acts {
		names[i] = a.tenant.Name
	}
	if err := l.SetBackAll(a0.collection, names); err != nil {
		return fmt.Errorf("%d tenant(s) of %s have their status, but the record of their activation could not be updated: %w", len(names), a0.collection, err)
	}
	return nil
}

// Tenant returns the tenant activated, with the status it had.
func (a *Activation) Tenant() Tenant { return a.tenant }
