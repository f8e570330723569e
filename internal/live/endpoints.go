package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// The REST and gRPC endpoints are configured apart (url, grpc_url), so a
// stale WEAVIATE_GRPC_URL can point them at two different servers: colstate
// would then count objects on one and delete them on the other, or back up
// one server's schema with the other's objects. Before its first gRPC call
// a client establishes that both reach the same Weaviate, and refuses every
// gRPC call otherwise.
//
// The check compares what each endpoint sees of the collections REST
// lists, in name order, until one comparison is decisive:
//
//   - an object: the first object REST lists (GET /v1/objects?class=C&limit=1)
//     must come back over gRPC by its UUID, with the same creation time
//     (a logical copy of the data on another server has new ones);
//   - an empty collection: gRPC must know the collection and find it empty
//     too (not decisive: two servers can both have it empty);
//   - a multi-tenant collection: both must list the same tenants (lists
//     that differ are read again: another client may be creating or
//     deleting tenants; see probe), then its active tenants (up to
//     maxTenantProbes) are compared as above, in name order, until one is
//     decisive.
//
// While nothing was decisive (no collections, or only empty ones), every
// collection is compared again before the first gRPC call about it: after
// colstate created it over REST, the gRPC side must know it too. And the
// first object written goes alone and is read back over REST, with its
// creation time, before anything else is written; and before objects are
// deleted over gRPC, the very objects to be deleted are compared
// (confirmDelete).
//
// What it cannot tell apart (documented in docs/reliability.md): two servers
// that hold file-level copies of the same data (a native backup restored
// elsewhere). Two servers whose collections are all empty and share the
// names colstate writes to are told apart only by the first object
// written, which then went to the gRPC side.
type endpointCheck struct {
	mu      sync.Mutex
	started bool            // the first round of comparisons ran
	decided bool            // an object compared over both: same server
	err     error           // a mismatch; every later gRPC call returns it
	probed  map[string]bool // collections compared while undecided
	// writeMu holds back other writes while the first one, undecided, is
	// read back (firstWrite).
	writeMu sync.Mutex
}

// maxProbes bounds the collections compared in the first round.
const maxProbes = 5

// reachBackoff bounds how long an unreachable gRPC endpoint is retried
// before colstate says so: a wrong port does not become right by waiting.
var reachBackoff = Backoff{Attempts: 3, Initial: 200 * time.Millisecond, Max: time.Second}

// CheckEndpoints establishes, once per client, that the REST and the gRPC
// endpoint reach the same Weaviate; see endpointCheck. Commands that will
// move objects call it before their first write, schema writes included.
func (c *Client) CheckEndpoints(ctx context.Context) error {
	_, err := c.grpcClient(ctx, "")
	return err
}

func (c *Client) checkEndpoints(ctx context.Context, wv pb.WeaviateClient, collection string) error {
	ep := &c.endpoints
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.err != nil || ep.decided {
		return ep.err
	}
	if ep.probed == nil {
		ep.probed = map[string]bool{}
	}
	if !ep.started {
		var schema struct {
			Classes []Class `json:"classes"`
		}
		if err := c.retry(ctx, "read the schema", func() error {
			return c.do(ctx, http.MethodGet, "/v1/schema", nil, &schema)
		}); err != nil {
			return err
		}
		// REST answered: a gRPC endpoint that does not is misconfigured.
		if err := c.reachGRPC(ctx); err != nil {
			return err
		}
		classes := map[string]Class{}
		var names []string
		for _, cl := range schema.Classes {
			name := str(cl["class"])
			classes[name] = cl
			names = append(names, name)
		}
		sort.Strings(names)
		if _, ok := classes[collection]; ok {
			names = append([]string{collection}, slices.DeleteFunc(names, func(n string) bool { return n == collection })...)
		}
		for _, name := range names[:min(len(names), maxProbes)] {
			decided, err := c.probe(ctx, wv, SchemaOf(classes[name]))
			if err != nil {
				return err
			}
			if decided {
				ep.decided = true
				return nil
			}
			ep.probed[name] = true
		}
		ep.started = true
	}
	if collection == "" || ep.probed[collection] {
		return nil
	}
	cl, err := c.Class(ctx, collection)
	if errors.Is(err, ErrNotFound) {
		return nil // nothing to compare; the call itself will say what is missing
	}
	if err != nil {
		return err
	}
	decided, err := c.probe(ctx, wv, SchemaOf(cl))
	if err != nil {
		return err
	}
	ep.decided = decided
	ep.probed[collection] = true
	return nil
}

// reachGRPC makes sure the gRPC endpoint answers at all, with a short retry
// budget and an error that says where colstate looked.
func (c *Client) reachGRPC(ctx context.Context) error {
	b := reachBackoff
	b.Attempts = min(b.Attempts, max(c.Retry.Attempts, 1))
	hc := grpc_health_v1.NewHealthClient(c.rpc.conn)
	err := retryWith(ctx, b, "gRPC health check", func() error {
		_, err := hc.Check(c.rpcContext(ctx), &grpc_health_v1.HealthCheckRequest{})
		if code := status.Code(err); err != nil && code != codes.Unavailable && code != codes.DeadlineExceeded && code != codes.Unauthenticated && code != codes.PermissionDenied {
			return nil // it answered: an older server without the health service
		}
		return err
	})
	if err == nil || ctx.Err() != nil {
		return ctxErr(ctx, err)
	}
	if code := status.Code(err); code == codes.Unauthenticated || code == codes.PermissionDenied {
		return fmt.Errorf("weaviate gRPC %s: %w", c.rpc.target, rpcHint(err))
	}
	return fmt.Errorf("cannot reach Weaviate's gRPC endpoint at %s (%v), though its REST endpoint %s answers; colstate reads and writes objects over gRPC: set weaviate { grpc_url } in the configuration, or WEAVIATE_GRPC_URL, to the gRPC address of that server (Weaviate listens on port 50051 unless GRPC_PORT says otherwise)",
		c.rpc.target, grpcReason(err), c.URL())
}

// grpcReason is the part of a gRPC error a person needs.
func grpcReason(err error) string {
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		return se.GRPCStatus().Message()
	}
	return err.Error()
}

// forbidden reports whether a REST call was refused for lack of a
// permission: with role-based access a key may list collections whose
// objects it cannot read.
func forbidden(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Status == http.StatusForbidden
}

// mismatch is the refusal when the endpoints disagree; it is kept, so every
// later gRPC call of the process is refused with it. The caller holds
// endpoints.mu.
func (c *Client) mismatch(format string, args ...any) error {
	return c.refuse("; colstate read and wrote no objects", format, args...)
}

// mismatchAfterWrite is mismatch for the disagreement found by reading
// back the first object written.
func (c *Client) mismatchAfterWrite(format string, args ...any) error {
	return c.refuse("; colstate wrote that object only, over gRPC, and nothing else", format, args...)
}

func (c *Client) refuse(done, format string, args ...any) error {
	c.endpoints.err = fmt.Errorf("the REST endpoint %s and the gRPC endpoint %s do not reach the same Weaviate: %s%s. Point weaviate { grpc_url } (or WEAVIATE_GRPC_URL) at the gRPC port of the server at %s, or weaviate { url } (or WEAVIATE_URL) at the server whose gRPC port is %s",
		c.URL(), c.rpc.target, fmt.Sprintf(format, args...), done, c.URL(), c.rpc.target)
	return c.endpoints.err
}

// probe compares what both endpoints see of one collection. It reports
// whether the comparison was decisive, or returns the mismatch.
func (c *Client) probe(ctx context.Context, wv pb.WeaviateClient, s *ObjectSchema) (bool, error) {
	if !s.MultiTenant {
		return c.probeObjects(ctx, wv, s.Collection, "")
	}
	restTenants, err := c.Tenants(ctx, s.Collection)
	if forbidden(err) || errors.Is(err, ErrNotFound) {
		return false, nil // not this key's to read, or deleted meanwhile: compare another
	}
	if err != nil {
		return false, err
	}
	restNames := tenantNames(restTenants)
	// Tenants created or deleted by another client between the two reads
	// make the lists differ on one server too: a gRPC list that lies
	// between the REST lists read before and after it (holds every tenant
	// both had, and none that neither had) is what one server shows while
	// its tenants change. Only a list outside them, read again, is a
	// mismatch.
	for attempt := 0; ; attempt++ {
		rpcNames, err := c.rpcTenantNames(ctx, wv, s.Collection)
		if err != nil {
			return false, c.probeError(ctx, s.Collection, err)
		}
		if slices.Equal(restNames, rpcNames) {
			break
		}
		again, err := c.Tenants(ctx, s.Collection)
		if forbidden(err) || errors.Is(err, ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		againNames := tenantNames(again)
		if between(rpcNames, restNames, againNames) {
			restTenants = again // the newer list: its active tenants are compared below
			break
		}
		if attempt == tenantListAttempts-1 {
			return false, c.mismatch("collection %s has %d tenants over REST and %d over gRPC, not the same ones", s.Collection, len(againNames), len(rpcNames))
		}
		restNames, restTenants = againNames, again
	}
	var active []string
	for _, t := range restTenants {
		if t.Active() {
			active = append(active, t.Name)
		}
	}
	// Compare active tenants in name order until one is decisive: empty
	// tenants (the same on two servers) say nothing.
	sort.Strings(active)
	for _, t := range active[:min(len(active), maxTenantProbes)] {
		decided, err := c.probeObjects(ctx, wv, s.Collection, t)
		if decided || err != nil {
			return decided, err
		}
	}
	return false, nil
}

// maxTenantProbes bounds the tenants of one collection compared.
const maxTenantProbes = 20

// tenantListAttempts bounds the reads of a tenant list that another client
// keeps changing before a difference counts as a mismatch.
const tenantListAttempts = 5

// rpcTenantNames lists a collection's tenant names over gRPC, sorted.
func (c *Client) rpcTenantNames(ctx context.Context, wv pb.WeaviateClient, collection string) ([]string, error) {
	var reply *pb.TenantsGetReply
	err := c.retry(ctx, "gRPC tenants of "+collection, func() error {
		var err error
		reply, err = wv.TenantsGet(c.rpcContext(ctx), &pb.TenantsGetRequest{Collection: collection})
		return err
	})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range reply.GetTenants() {
		names = append(names, t.GetName())
	}
	sort.Strings(names)
	return names, nil
}

// tenantNames are the names of tenants, sorted.
func tenantNames(tenants []Tenant) []string {
	names := make([]string, 0, len(tenants))
	for _, t := range tenants {
		names = append(names, t.Name)
	}
	sort.Strings(names)
	return names
}

// between reports whether the set mid holds every name both before and
// after hold and only names one of them holds: what a list read between
// the two shows of a tenant list that changed meanwhile.
func between(mid, before, after []string) bool {
	in := func(list []string, name string) bool {
		_, found := slices.BinarySearch(list, name)
		return found
	}
	for _, n := range mid {
		if !in(before, n) && !in(after, n) {
			return false
		}
	}
	for _, n := range before {
		if in(after, n) && !in(mid, n) {
			return false
		}
	}
	return true
}

// confirmDelete runs before objects are deleted over gRPC while the check
// is still undecided (every collection compared was empty, or its tenants
// beyond maxTenantProbes): a deletion must not run blind. It compares the
// very objects about to be deleted: the first of ids (up to a few) that
// gRPC holds must exist over REST with the same creation time. An object
// deleted meanwhile (an application writing) is skipped, not taken as a
// mismatch; when none of them exists over gRPC the deletion deletes
// nothing there.
func (c *Client) confirmDelete(ctx context.Context, wv pb.WeaviateClient, collection, tenant string, ids []string) error {
	ep := &c.endpoints
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.err != nil || ep.decided {
		return ep.err
	}
	where := collection + tenantSuffix(tenant)
	for _, id := range ids[:min(len(ids), 5)] {
		found, created, err := c.rpcObject(ctx, wv, collection, tenant, id)
		if err != nil {
			return err
		}
		if !found {
			continue // not on the gRPC side (or deleted meanwhile): nothing to delete
		}
		restFound, restCreated, ok := c.restObject(ctx, collection, tenant, id)
		if !ok {
			continue // REST cannot say
		}
		if restFound && restCreated == created {
			ep.decided = true
			return nil
		}
		// Deleted (or re-created) meanwhile? Ask gRPC again.
		again, againCreated, err := c.rpcObject(ctx, wv, collection, tenant, id)
		if err != nil {
			return err
		}
		switch {
		case !again:
			continue
		case !restFound:
			return c.mismatch("object %s of collection %s, about to be deleted over gRPC, does not exist over REST", id, where)
		case againCreated != restCreated:
			return c.mismatch("object %s of collection %s, about to be deleted over gRPC, was created at %d (ms) as REST sees it and at %d over gRPC: a copy, not the same object", id, where, restCreated, againCreated)
		}
		ep.decided = true
		return nil
	}
	return nil
}

// rpcObject reads one object's creation time over gRPC.
func (c *Client) rpcObject(ctx context.Context, wv pb.WeaviateClient, collection, tenant, id string) (found bool, created int64, err error) {
	req := searchRequest(&ObjectSchema{Collection: collection}, ReadOptions{Tenant: tenant, IDsOnly: true})
	req.Limit = 1
	req.Metadata.CreationTimeUnix = true
	req.Filters = idFilter(id)
	reply, err := c.search(ctx, wv, "gRPC search", req)
	if err != nil {
		return false, 0, fmt.Errorf("compare the endpoints on object %s of %s: %w", id, collection+tenantSuffix(tenant), rpcHint(ctxErr(ctx, err)))
	}
	r := reply.GetResults()
	if len(r) == 0 {
		return false, 0, nil
	}
	return true, r[0].GetMetadata().GetCreationTimeUnix(), nil
}

// probeObjects compares the first object REST lists with what gRPC holds
// under its UUID; for an empty collection, gRPC must find none.
func (c *Client) probeObjects(ctx context.Context, wv pb.WeaviateClient, collection, tenant string) (bool, error) {
	q := url.Values{"class": {collection}, "limit": {"1"}}
	if tenant != "" {
		q.Set("tenant", tenant)
	}
	var list struct {
		Objects []struct {
			ID               string `json:"id"`
			CreationTimeUnix int64  `json:"creationTimeUnix"`
		} `json:"objects"`
	}
	err := c.retry(ctx, "list objects of "+collection, func() error {
		return c.do(ctx, http.MethodGet, "/v1/objects?"+q.Encode(), nil, &list)
	})
	if errors.Is(err, ErrNotFound) || forbidden(err) {
		return false, nil // deleted meanwhile, or not this key's to read: nothing to compare
	}
	if err != nil {
		return false, err
	}
	req := searchRequest(&ObjectSchema{Collection: collection}, ReadOptions{Tenant: tenant, IDsOnly: true})
	req.Limit = 1
	req.Metadata.CreationTimeUnix = true
	if len(list.Objects) > 0 {
		req.Filters = idFilter(list.Objects[0].ID)
	}
	reply, err := c.search(ctx, wv, "gRPC search", req)
	if err != nil {
		return false, c.probeError(ctx, collection, err)
	}
	where := collection + tenantSuffix(tenant)
	// The collection may change between the two reads (an application
	// writing or deleting, a tenant deactivated): a difference is taken as
	// a mismatch only once REST, asked again about the very object, still
	// disagrees.
	if len(list.Objects) == 0 {
		r := reply.GetResults()
		if len(r) == 0 {
			return false, nil
		}
		id, created := r[0].GetMetadata().GetId(), r[0].GetMetadata().GetCreationTimeUnix()
		found, restCreated, ok := c.restObject(ctx, collection, tenant, id)
		switch {
		case !ok:
			return false, nil
		case !found:
			return false, c.mismatch("collection %s is empty over REST but holds objects over gRPC (object %s does not exist over REST)", where, id)
		case restCreated != created:
			return false, c.mismatch("object %s of collection %s was created at %d (ms) as REST sees it and at %d over gRPC: a copy, not the same object", id, where, restCreated, created)
		}
		return true, nil // written meanwhile, and the same object over both
	}
	want := list.Objects[0]
	if len(reply.GetResults()) == 0 {
		found, restCreated, ok := c.restObject(ctx, collection, tenant, want.ID)
		if !ok || !found {
			return false, nil // deleted meanwhile, or REST cannot say: not decisive
		}
		// Deleted and written again meanwhile (another client clearing and
		// restoring that tenant)? Ask gRPC again about the very object.
		again, err := c.search(ctx, wv, "gRPC search", req)
		if err != nil {
			return false, c.probeError(ctx, collection, err)
		}
		if r := again.GetResults(); len(r) > 0 {
			if got := r[0].GetMetadata().GetCreationTimeUnix(); got != restCreated {
				return false, c.mismatch("object %s of collection %s was created at %d (ms) as REST sees it and at %d over gRPC: a copy, not the same object", want.ID, where, restCreated, got)
			}
			return true, nil // written again meanwhile, and the same object over both
		}
		return false, c.mismatch("object %s of collection %s, listed over REST, does not exist over gRPC", want.ID, where)
	}
	got := reply.GetResults()[0].GetMetadata()
	if got.GetId() != want.ID || got.GetCreationTimeUnix() != want.CreationTimeUnix {
		return false, c.mismatch("object %s of collection %s was created at %d (ms) as REST sees it and at %d over gRPC: a copy, not the same object", want.ID, where, want.CreationTimeUnix, got.GetCreationTimeUnix())
	}
	return true, nil
}

// restObject reads one object's creation time over REST. ok is false when
// REST gave no clear answer (an inactive tenant, a permission, an error):
// then nothing can be concluded from it.
func (c *Client) restObject(ctx context.Context, collection, tenant, id string) (found bool, created int64, ok bool) {
	path := "/v1/objects/" + url.PathEscape(collection) + "/" + url.PathEscape(id)
	if tenant != "" {
		path += "?" + url.Values{"tenant": {tenant}}.Encode()
	}
	var got struct {
		CreationTimeUnix int64 `json:"creationTimeUnix"`
	}
	err := c.retry(ctx, "read object "+id, func() error {
		return c.do(ctx, http.MethodGet, path, nil, &got)
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return false, 0, true
	case err != nil:
		return false, 0, false
	}
	return true, got.CreationTimeUnix, true
}

// probeError turns a failed gRPC call of the comparison into an error: a
// transient or authentication failure as such, a missing permission into
// nothing (nil: not decisive), anything else (the gRPC server does not
// know the collection) into a mismatch.
func (c *Client) probeError(ctx context.Context, collection string, err error) error {
	if ctx.Err() != nil || Transient(err) {
		return fmt.Errorf("compare the endpoints on collection %s: %w", collection, rpcHint(ctxErr(ctx, err)))
	}
	if strings.Contains(grpcReason(err), "not active") {
		return nil // a tenant deactivated meanwhile: not decisive either way
	}
	switch {
	case status.Code(err) == codes.PermissionDenied:
		return nil // not this key's to read (REST allowed it): not decisive either way
	case authFailure(err):
		return fmt.Errorf("compare the endpoints on collection %s: %w", collection, rpcHint(err))
	}
	if _, cerr := c.Class(ctx, collection); errors.Is(cerr, ErrNotFound) {
		return nil // deleted meanwhile: not decisive either way
	}
	return c.mismatch("collection %s, listed over REST, cannot be read over gRPC (%s)", collection, grpcReason(err))
}

// firstWrite serialises batch writes while the check is undecided. first
// says the caller must confirm its write (confirmWrite); err is the
// refusal a write waiting here learns of; release must be called in every
// case.
func (c *Client) firstWrite() (release func(), first bool, err error) {
	ep := &c.endpoints
	settled := func() (bool, error) {
		ep.mu.Lock()
		defer ep.mu.Unlock()
		return ep.decided || ep.err != nil, ep.err
	}
	if ok, err := settled(); ok {
		return func() {}, false, err
	}
	ep.writeMu.Lock()
	ok, err := settled()
	return ep.writeMu.Unlock, !ok, err
}

// confirmWrite reads an object just written over gRPC back over REST: it
// must exist there with the creation time gRPC reports. That settles the
// check one way or the other.
func (c *Client) confirmWrite(ctx context.Context, wv pb.WeaviateClient, collection string, bo *pb.BatchObject) error {
	path := "/v1/objects/" + url.PathEscape(collection) + "/" + url.PathEscape(bo.Uuid)
	if bo.Tenant != "" {
		path += "?" + url.Values{"tenant": {bo.Tenant}}.Encode()
	}
	var got struct {
		CreationTimeUnix int64 `json:"creationTimeUnix"`
	}
	err := c.retry(ctx, "read back object "+bo.Uuid, func() error {
		return c.do(ctx, http.MethodGet, path, nil, &got)
	})
	ep := &c.endpoints
	where := collection + tenantSuffix(bo.Tenant)
	if errors.Is(err, ErrNotFound) {
		ep.mu.Lock()
		defer ep.mu.Unlock()
		return c.mismatchAfterWrite("object %s, just written over gRPC into collection %s, does not exist over REST", bo.Uuid, where)
	}
	if forbidden(err) {
		return nil
	}
	if err != nil {
		return err
	}
	req := searchRequest(&ObjectSchema{Collection: collection}, ReadOptions{Tenant: bo.Tenant, IDsOnly: true})
	req.Limit = 1
	req.Metadata.CreationTimeUnix = true
	req.Filters = idFilter(bo.Uuid)
	reply, err := c.search(ctx, wv, "gRPC search", req)
	if err != nil {
		return fmt.Errorf("read back object %s of %s: %w", bo.Uuid, where, rpcHint(ctxErr(ctx, err)))
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if r := reply.GetResults(); len(r) == 0 || r[0].GetMetadata().GetCreationTimeUnix() != got.CreationTimeUnix {
		return c.mismatchAfterWrite("object %s, just written over gRPC into collection %s, has another creation time over REST", bo.Uuid, where)
	}
	ep.decided = true
	return nil
}

// idFilter selects the object with one UUID.
func idFilter(id string) *pb.Filters {
	return &pb.Filters{
		Operator:  pb.Filters_OPERATOR_EQUAL,
		Target:    &pb.FilterTarget{Target: &pb.FilterTarget_Property{Property: "_id"}},
		TestValue: &pb.Filters_ValueText{ValueText: id},
	}
}
