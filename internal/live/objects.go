package live

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/colstate/colstate/internal/object"
)

// ReadOptions say what ReadObjects returns.
type ReadOptions struct {
	Tenant    string
	PageSize  int  // objects per cursor page; 0 means 500
	NoVectors bool // leave vectors out
	IDsOnly   bool // only UUIDs: no properties, vectors or timestamps
	// NoTimestamps leaves the creation and update times out (object.Hash
	// does not cover them, so a digest does not need them).
	NoTimestamps bool
	// From and To bound what ReadObjects reads to the UUIDs From ≤ id <
	// To; "" leaves that end open. The order is Weaviate's: it keys
	// objects by the UUID's 16 bytes, so every spelling of a UUID has one
	// place in it. UUIDRanges splits every UUID into ranges that can be
	// read at once.
	From, To string
}

// UUIDRanges splits the UUIDs into n ranges of equal width (n < 1 is
// one), as From and To of ReadOptions: the first starts open, the last
// ends open, and each range ends where the next starts, so every UUID is
// in exactly one. Random (version 4) UUIDs fall evenly into them.
func UUIDRanges(n int) [][2]string {
	if n < 1 {
		n = 1
	}
	bounds := make([]string, n+1)
	span := new(big.Int).Lsh(big.NewInt(1), 128)
	for i := 1; i < n; i++ {
		var u uuid.UUID
		new(big.Int).Div(new(big.Int).Mul(span, big.NewInt(int64(i))), big.NewInt(int64(n))).FillBytes(u[:])
		bounds[i] = u.String()
	}
	out := make([][2]string, n)
	for i := range out {
		out[i] = [2]string{bounds[i], bounds[i+1]}
	}
	return out
}

// cursorBefore returns the cursor position (the "after" of Weaviate's
// cursor, which starts past an object of that UUID) from which the next
// object is the first with a UUID ≥ from: the UUID one below from, ""
// for the start.
func cursorBefore(from string) (string, error) {
	u, err := uuid.Parse(from)
	if err != nil {
		return "", fmt.Errorf("read from %q: not a UUID", from)
	}
	if u == (uuid.UUID{}) {
		return "", nil
	}
	for i := len(u) - 1; i >= 0; i-- {
		u[i]--
		if u[i] != 0xff {
			break
		}
	}
	return u.String(), nil
}

// ReadObjects streams every object of a collection (of one tenant) to fn in
// UUID order, with the gRPC Search cursor. Properties are asked for by name
// from the schema, because "all properties" leaves out blobs and
// cross-references.
//
// The next page is requested as soon as a page arrives, so the server
// finds and serialises it while fn consumes this one: one page (at most
// two) is held ahead.
func (c *Client) ReadObjects(ctx context.Context, s *ObjectSchema, opts ReadOptions, fn func(*object.Object) error) error {
	wv, err := c.grpcClient(ctx, s.Collection)
	if err != nil {
		return err
	}
	page := opts.PageSize
	if page <= 0 {
		page = 500
	}
	req := searchRequest(s, opts)
	req.Limit = uint32(page)
	after := "" // the last UUID of the page before
	if opts.From != "" {
		if after, err = cursorBefore(opts.From); err != nil {
			return err
		}
		req.After = after
	}
	var to *uuid.UUID
	if opts.To != "" {
		u, err := uuid.Parse(opts.To)
		if err != nil {
			return fmt.Errorf("read objects of %s up to %q: not a UUID", s.Collection, opts.To)
		}
		to = &u
	}
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan pageReply, 1)
	go c.fetchPages(ctx, wv, req, page, after, to, pages)
	defer func() {
		cancel()
		for range pages { // let the fetcher finish
		}
	}()
	for p := range pages {
		if p.err != nil {
			return fmt.Errorf("read objects of %s%s: %w%s", s.Collection, tenantSuffix(opts.Tenant), rpcHint(ctxErr(ctx, p.err)), c.nodeDownHint(ctx, p.err))
		}
		objs := make([]*object.Object, 0, len(p.reply.Results))
		for _, r := range p.reply.Results {
			o, err := fromResult(s, r, opts)
			if err != nil {
				return fmt.Errorf("read objects of %s: %w", s.Collection, err)
			}
			objs = append(objs, o)
		}
		if !opts.IDsOnly {
			from := after
			if err := c.addREST(ctx, s, opts.Tenant, &from, objs); err != nil {
				return err
			}
		}
		for _, o := range objs {
			if err := fn(o); err != nil {
				return err
			}
			after = o.ID
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("read objects of %s%s: %w", s.Collection, tenantSuffix(opts.Tenant), err)
	}
	return nil
}

type pageReply struct {
	reply *pb.SearchReply
	err   error
}

// fetchPages sends the cursor's pages to out, in order, until a short page,
// an object at or past to (when set; it and the rest of its page are left
// out), an error (sent as the last page) or the end of ctx; then closes out.
// from is the cursor's start ("" for the first UUID).
func (c *Client) fetchPages(ctx context.Context, wv pb.WeaviateClient, req *pb.SearchRequest, page int, from string, to *uuid.UUID, out chan<- pageReply) {
	defer close(out)
	read := 0
	for {
		reply, err := c.search(ctx, wv, "gRPC search", req)
		if TooLarge(err) && req.Limit > 1 {
			// The server cannot send a page this large (big objects):
			// ask for half as many from the same cursor position.
			req.Limit /= 2
			page = int(req.Limit)
			continue
		}
		end := false
		if err == nil && to != nil {
			end, err = cutAt(reply, *to)
		}
		select {
		case out <- pageReply{reply, err}:
		case <-ctx.Done():
			return
		}
		if err != nil || end || len(reply.Results) < int(req.Limit) {
			return
		}
		read += len(reply.Results)
		last := reply.Results[len(reply.Results)-1].GetMetadata().GetId()
		if last == "" {
			return // the consumer reports the object without a UUID
		}
		req.After = last
		if to != nil {
			req.Limit = uint32(rangeLimit(page, read, from, last, *to))
		}
	}
}

// rangeLimit is the size of the next page of a read that ends before to:
// a full page, or, near the end, what is left of the range (with a
// margin), estimated from how densely the read objects filled the UUIDs
// from from to last. The cursor's last page in a range would otherwise
// carry up to a page of objects past its end, which the next range reads
// too. An estimate too small costs one more page, never an object: the
// read ends at an object past to or a page shorter than asked for.
func rangeLimit(page, read int, from, last string, to uuid.UUID) int {
	pos := func(id string) float64 {
		u, err := uuid.Parse(id)
		if err != nil {
			return 0
		}
		return float64(binary.BigEndian.Uint64(u[:8]))
	}
	start, at, end := 0.0, pos(last), float64(binary.BigEndian.Uint64(to[:8]))
	if from != "" {
		start = pos(from)
	}
	if at <= start || end <= at {
		return page
	}
	left := float64(read) * (end - at) / (at - start)
	return int(min(float64(page), left*1.25+16))
}

// cutAt drops the results of reply from the first with a UUID ≥ to (the
// cursor returns them in UUID order) and tells whether it dropped any.
func cutAt(reply *pb.SearchReply, to uuid.UUID) (bool, error) {
	for i, r := range reply.Results {
		id := r.GetMetadata().GetId()
		u, err := uuid.Parse(id)
		if err != nil {
			return false, fmt.Errorf("an object came back with UUID %q, which is not a UUID", id)
		}
		if bytes.Compare(u[:], to[:]) >= 0 {
			reply.Results = reply.Results[:i]
			return true, nil
		}
	}
	return false, nil
}

func tenantSuffix(t string) string {
	if t == "" {
		return ""
	}
	return " (tenant " + t + ")"
}

func searchRequest(s *ObjectSchema, opts ReadOptions) *pb.SearchRequest {
	req := &pb.SearchRequest{
		Collection:  s.Collection,
		Tenant:      opts.Tenant,
		Uses_123Api: true,
		Uses_125Api: true,
		Uses_127Api: true,
		Metadata:    &pb.MetadataRequest{Uuid: true},
		Properties:  &pb.PropertiesRequest{},
	}
	if opts.IDsOnly {
		return req
	}
	if !opts.NoTimestamps {
		req.Metadata.CreationTimeUnix = true
		req.Metadata.LastUpdateTimeUnix = true
	}
	if !opts.NoVectors {
		req.Metadata.Vector = s.Legacy
		req.Metadata.Vectors = s.Named
	}
	// Weaviate (1.35) lower-cases the first letter of every nested name
	// asked for, so "meta.Inner" comes back without Inner; asked for all
	// properties, it names them as its schema does. All leaves out blobs,
	// which are then read over REST (see restProperties).
	all := upperNested(s.Properties)
	req.Properties.ReturnAllNonrefProperties = all
	for _, p := range s.Properties {
		if restRead(s, p) {
			continue
		}
		switch p.Kind() {
		case "ref":
			req.Properties.RefProperties = append(req.Properties.RefProperties, &pb.RefPropertiesRequest{
				ReferenceProperty: p.Name,
				Properties:        &pb.PropertiesRequest{},
				Metadata:          &pb.MetadataRequest{Uuid: true},
			})
		case "object", "object[]":
			if all {
				continue
			}
			req.Properties.ObjectProperties = append(req.Properties.ObjectProperties, objectRequest(p))
		default:
			if all {
				continue
			}
			req.Properties.NonRefProperties = append(req.Properties.NonRefProperties, p.Name)
		}
	}
	return req
}

// restRead tells whether property p is read over REST rather than gRPC,
// because Weaviate's gRPC Search cannot return it right:
//   - any reference: Search resolves each reference by reading its target,
//     so it leaves out a reference whose target was deleted since (Weaviate
//     does not cascade deletes), and with more than one target collection
//     it resolves only the first target asked for (refcache FindProperty
//     takes the first select property of that name), so the others are
//     lost; REST returns every beacon the object holds, in its order;
//   - a blob, when all properties are asked for (see upperNested), since
//     "all" leaves blobs out.
func restRead(s *ObjectSchema, p PropertySchema) bool {
	switch p.Kind() {
	case "ref":
		return true
	case "blob":
		return upperNested(s.Properties)
	}
	return false
}

// restNames lists the properties of s that restRead says are read over REST.
func restNames(s *ObjectSchema) []string {
	var out []string
	for _, p := range s.Properties {
		if restRead(s, p) {
			out = append(out, p.Name)
		}
	}
	return out
}

// upperNested tells whether a nested property (at any depth) has a name
// that starts with an upper-case letter.
func upperNested(ps []PropertySchema) bool {
	for _, p := range ps {
		for _, n := range p.Nested {
			if r, _ := utf8.DecodeRuneInString(n.Name); unicode.IsUpper(r) {
				return true
			}
		}
		if upperNested(p.Nested) {
			return true
		}
	}
	return false
}

// restProperties reads the named properties of the objects with the given
// UUIDs over REST, by UUID: when the objects are a cursor page (after is
// the UUID before them, "" for the start), first with one REST cursor page
// from there; then, for any it did not hold, one object at a time. References are kept as Weaviate's beacons,
// in its order. An object REST no longer has was deleted while being read:
// that is an error, since its properties cannot be known.
func (c *Client) restProperties(ctx context.Context, s *ObjectSchema, tenant string, after *string, ids []string, names []string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	keep := func(id string, props map[string]any) {
		m := map[string]any{}
		for _, n := range names {
			if v := restValue(props[n]); v != nil {
				m[n] = v
			}
		}
		out[id] = m
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	if after != nil {
		q := url.Values{"class": {s.Collection}, "limit": {strconv.Itoa(len(ids))}}
		from := *after
		if from == "" {
			from = "00000000-0000-0000-0000-000000000000"
		}
		q.Set("after", from)
		if tenant != "" {
			q.Set("tenant", tenant)
		}
		var list struct {
			Objects []struct {
				ID         string         `json:"id"`
				Properties map[string]any `json:"properties"`
			} `json:"objects"`
		}
		if err := c.retry(ctx, "read objects of "+s.Collection, func() error {
			return c.do(ctx, http.MethodGet, "/v1/objects?"+q.Encode(), nil, &list)
		}); err != nil {
			return nil, fmt.Errorf("read %s of %s%s over REST: %w", strings.Join(names, ", "), s.Collection, tenantSuffix(tenant), err)
		}
		for _, o := range list.Objects {
			if want[o.ID] {
				keep(o.ID, o.Properties)
			}
		}
	}
	for _, id := range ids {
		if _, ok := out[id]; ok {
			continue
		}
		path := "/v1/objects/" + url.PathEscape(s.Collection) + "/" + url.PathEscape(id)
		q := url.Values{}
		if tenant != "" {
			q.Set("tenant", tenant)
		}
		if c.ReadConsistency != "" {
			q.Set("consistency_level", c.ReadConsistency)
		}
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		var one struct {
			Properties map[string]any `json:"properties"`
		}
		err := c.retry(ctx, "read object "+id, func() error {
			return c.do(ctx, http.MethodGet, path, nil, &one)
		})
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("object %s of %s%s was deleted while it was being read: run the command again", id, s.Collection, tenantSuffix(tenant))
		}
		if err != nil {
			return nil, fmt.Errorf("read %s of object %s of %s%s over REST: %w", strings.Join(names, ", "), id, s.Collection, tenantSuffix(tenant), err)
		}
		keep(id, one.Properties)
	}
	return out, nil
}

// restValue converts a REST value of a property restRead names: a list of
// references becomes the object model's list of beacons (href dropped), a
// blob stays its base64 string. Nothing (or no reference) is nil.
func restValue(v any) any {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var out []any
		for _, r := range x {
			if m, ok := r.(map[string]any); ok {
				if b, ok := m["beacon"].(string); ok && b != "" {
					out = append(out, map[string]any{"beacon": b})
				}
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return nil
}

// addREST reads the properties restRead names for objects and sets them on
// the objects (see restProperties for after).
func (c *Client) addREST(ctx context.Context, s *ObjectSchema, tenant string, after *string, objs []*object.Object) error {
	names := restNames(s)
	if len(names) == 0 || len(objs) == 0 {
		return nil
	}
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	got, err := c.restProperties(ctx, s, tenant, after, ids, names)
	if err != nil {
		return err
	}
	for _, o := range objs {
		for n, v := range got[o.ID] {
			o.Properties[n] = v
		}
	}
	return nil
}

func objectRequest(p PropertySchema) *pb.ObjectPropertiesRequest {
	r := &pb.ObjectPropertiesRequest{PropName: p.Name}
	for _, n := range p.Nested {
		if n.Kind() == "object" || n.Kind() == "object[]" {
			r.ObjectProperties = append(r.ObjectProperties, objectRequest(n))
		} else {
			r.PrimitiveProperties = append(r.PrimitiveProperties, n.Name)
		}
	}
	return r
}

func fromResult(s *ObjectSchema, r *pb.SearchResult, opts ReadOptions) (*object.Object, error) {
	md := r.GetMetadata()
	o := &object.Object{
		ID:                 md.GetId(),
		Tenant:             opts.Tenant,
		CreationTimeUnix:   md.GetCreationTimeUnix(),
		LastUpdateTimeUnix: md.GetLastUpdateTimeUnix(),
		Properties:         map[string]any{},
	}
	if o.ID == "" {
		return nil, fmt.Errorf("an object came back without its UUID")
	}
	if !opts.NoVectors && !opts.IDsOnly {
		o.Vectors = map[string][]float32{}
		if len(md.GetVectorBytes()) > 0 {
			o.Vectors[""] = floats32(md.GetVectorBytes())
		} else if len(md.GetVector()) > 0 {
			o.Vectors[""] = md.GetVector()
		}
		for _, v := range md.GetVectors() {
			t := vectorType(v)
			if t > vectorTypeMulti {
				// A kind of vector newer than this colstate: refuse rather
				// than keep bytes it would misread.
				return nil, fmt.Errorf("object %s, vector %s: Weaviate sent vector type %d, which this colstate cannot read; nothing of it is kept: use a colstate release that supports it", o.ID, v.GetName(), t)
			}
			if t == vectorTypeMulti || (t == 0 && s.Multi[v.GetName()]) {
				rows, err := multiVector(v.GetVectorBytes())
				if err != nil {
					return nil, fmt.Errorf("object %s, vector %s: %w", o.ID, v.GetName(), err)
				}
				if o.Multi == nil {
					o.Multi = map[string][][]float32{}
				}
				o.Multi[v.GetName()] = rows
				continue
			}
			o.Vectors[v.GetName()] = floats32(v.GetVectorBytes())
		}
		if len(o.Vectors) == 0 {
			o.Vectors = nil
		}
	}
	if opts.IDsOnly {
		return o, nil
	}
	props := r.GetProperties()
	for name, v := range props.GetNonRefProps().GetFields() {
		var ps *PropertySchema
		if p := s.Property(name); p != nil {
			ps = p
		}
		val, err := fromValue(ps, v)
		if err != nil {
			return nil, fmt.Errorf("object %s, property %s: %w", o.ID, name, err)
		}
		if val != nil {
			o.Properties[name] = val
		}
	}
	for _, ref := range props.GetRefProps() {
		var beacons []any
		for _, target := range ref.GetProperties() {
			beacons = append(beacons, map[string]any{"beacon": Beacon(target.GetTargetCollection(), target.GetMetadata().GetId())})
		}
		if len(beacons) > 0 {
			o.Properties[ref.GetPropName()] = beacons
		}
	}
	return o, nil
}

func floats32(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[i*4:]))
	}
	return out
}

// fromValue converts a typed gRPC value into colstate's value model (see
// package object). The schema, when known, settles int versus number.
func fromValue(p *PropertySchema, v *pb.Value) (any, error) {
	kind := ""
	if p != nil {
		kind = p.Kind()
	}
	switch x := v.GetKind().(type) {
	case nil, *pb.Value_NullValue:
		return nil, nil
	case *pb.Value_IntValue:
		if kind == "number" {
			return float64(x.IntValue), nil
		}
		return x.IntValue, nil
	case *pb.Value_NumberValue:
		if kind == "int" {
			return int64(x.NumberValue), nil
		}
		return x.NumberValue, nil
	case *pb.Value_TextValue:
		return x.TextValue, nil
	case *pb.Value_StringValue:
		return x.StringValue, nil
	case *pb.Value_BoolValue:
		return x.BoolValue, nil
	case *pb.Value_DateValue:
		return x.DateValue, nil
	case *pb.Value_UuidValue:
		return x.UuidValue, nil
	case *pb.Value_BlobValue:
		return x.BlobValue, nil
	case *pb.Value_GeoValue:
		return map[string]any{
			"latitude":  float64(x.GeoValue.GetLatitude()),
			"longitude": float64(x.GeoValue.GetLongitude()),
		}, nil
	case *pb.Value_PhoneValue:
		ph := x.PhoneValue
		m := map[string]any{"input": ph.GetInput()}
		if ph.GetDefaultCountry() != "" {
			m["defaultCountry"] = ph.GetDefaultCountry()
		}
		// The rest (national number, formatting, validity) Weaviate derives
		// from these two; it is kept for readers of the snapshot.
		m["countryCode"] = int64(ph.GetCountryCode())
		m["national"] = int64(ph.GetNational())
		m["internationalFormatted"] = ph.GetInternationalFormatted()
		m["nationalFormatted"] = ph.GetNationalFormatted()
		m["valid"] = ph.GetValid()
		return m, nil
	case *pb.Value_ObjectValue:
		return fromNested(p, x.ObjectValue)
	case *pb.Value_ListValue:
		return fromList(p, kind, x.ListValue)
	}
	return nil, fmt.Errorf("unsupported value %T", v.GetKind())
}

func fromNested(p *PropertySchema, props *pb.Properties) (map[string]any, error) {
	m := map[string]any{}
	for name, v := range props.GetFields() {
		var ns *PropertySchema
		if p != nil {
			for i := range p.Nested {
				if p.Nested[i].Name == name {
					ns = &p.Nested[i]
				}
			}
		}
		val, err := fromValue(ns, v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if val != nil {
			m[name] = val
		}
	}
	return m, nil
}

func fromList(p *PropertySchema, kind string, l *pb.ListValue) (any, error) {
	out := []any{}
	switch x := l.GetKind().(type) {
	case *pb.ListValue_IntValues:
		b := x.IntValues.GetValues()
		for i := 0; i+8 <= len(b); i += 8 {
			n := int64(binary.LittleEndian.Uint64(b[i:]))
			if kind == "number[]" {
				out = append(out, float64(n))
			} else {
				out = append(out, n)
			}
		}
	case *pb.ListValue_NumberValues:
		b := x.NumberValues.GetValues()
		for i := 0; i+8 <= len(b); i += 8 {
			f := math.Float64frombits(binary.LittleEndian.Uint64(b[i:]))
			if kind == "int[]" {
				out = append(out, int64(f))
			} else {
				out = append(out, f)
			}
		}
	case *pb.ListValue_TextValues:
		for _, s := range x.TextValues.GetValues() {
			out = append(out, s)
		}
	case *pb.ListValue_DateValues:
		for _, s := range x.DateValues.GetValues() {
			out = append(out, s)
		}
	case *pb.ListValue_UuidValues:
		for _, s := range x.UuidValues.GetValues() {
			out = append(out, s)
		}
	case *pb.ListValue_BoolValues:
		for _, b := range x.BoolValues.GetValues() {
			out = append(out, b)
		}
	case *pb.ListValue_ObjectValues:
		for _, props := range x.ObjectValues.GetValues() {
			m, err := fromNested(p, props)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	case nil:
		for _, v := range l.GetValues() { // pre-1.25 servers
			val, err := fromValue(nil, v)
			if err != nil {
				return nil, err
			}
			out = append(out, val)
		}
	default:
		return nil, fmt.Errorf("unsupported list %T", l.GetKind())
	}
	return out, nil
}

// ReadObjectsByID returns the objects (of one tenant) with the given UUIDs
// that exist, by UUID: one gRPC search, so callers pass a batch at a time.
func (c *Client) ReadObjectsByID(ctx context.Context, s *ObjectSchema, opts ReadOptions, ids []string) (map[string]*object.Object, error) {
	out := map[string]*object.Object{}
	if len(ids) == 0 {
		return out, nil
	}
	wv, err := c.grpcClient(ctx, s.Collection)
	if err != nil {
		return nil, err
	}
	req := searchRequest(s, opts)
	req.Limit = uint32(len(ids))
	req.Filters = &pb.Filters{
		Operator:  pb.Filters_OPERATOR_CONTAINS_ANY,
		Target:    &pb.FilterTarget{Target: &pb.FilterTarget_Property{Property: "_id"}},
		TestValue: &pb.Filters_ValueTextArray{ValueTextArray: &pb.TextArray{Values: ids}},
	}
	reply, err := c.search(ctx, wv, "gRPC search", req)
	if err != nil {
		return nil, fmt.Errorf("read objects of %s%s: %w", s.Collection, tenantSuffix(opts.Tenant), rpcHint(ctxErr(ctx, err)))
	}
	var objs []*object.Object
	for _, r := range reply.GetResults() {
		o, err := fromResult(s, r, opts)
		if err != nil {
			return nil, fmt.Errorf("read objects of %s: %w", s.Collection, err)
		}
		out[o.ID] = o
		objs = append(objs, o)
	}
	if !opts.IDsOnly && len(objs) > 0 {
		if err := c.addREST(ctx, s, opts.Tenant, nil, objs); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var errEnoughVectors = errors.New("every vector's dimension is known")

// VectorDims reads the dimension of each vector of a collection from its
// first live objects (at most one page of 100), by vector name ("" for the
// collection-level vector). A vector none of them carries is left out.
func (c *Client) VectorDims(ctx context.Context, s *ObjectSchema) (map[string]int, error) {
	out := map[string]int{}
	want := len(s.Named)
	if s.Legacy {
		want++
	}
	if want == 0 {
		return out, nil
	}
	seen := 0
	err := c.ReadObjects(ctx, s, ReadOptions{PageSize: 100}, func(o *object.Object) error {
		for name, v := range o.Vectors {
			if _, ok := out[name]; !ok && len(v) > 0 {
				out[name] = len(v)
			}
		}
		if seen++; len(out) >= want || seen >= 100 {
			return errEnoughVectors
		}
		return nil
	})
	if errors.Is(err, errEnoughVectors) {
		err = nil
	}
	return out, err
}

// nodeDownHint says what to do when the server stopped answering
// mid-read: on a cluster, colstate reads through the one node it is
// configured with, and cannot turn to another by itself.
func (c *Client) nodeDownHint(ctx context.Context, err error) string {
	if ctx.Err() != nil || !Transient(err) {
		return ""
	}
	return fmt.Sprintf(" (Weaviate at %s, gRPC %s, stopped answering; if it is one node of a cluster and went down, point weaviate { url, grpc_url } (or WEAVIATE_URL and WEAVIATE_GRPC_URL) at another node and run the command again: with a replication factor above 1 the other nodes hold the same objects)", c.URL(), c.rpc.target)
}

// search runs one gRPC Search, retried like every idempotent call (what
// names it in the retry's error).
func (c *Client) search(ctx context.Context, wv pb.WeaviateClient, what string, req *pb.SearchRequest) (*pb.SearchReply, error) {
	if req.ConsistencyLevel == nil {
		req.ConsistencyLevel = pbConsistency(c.ReadConsistency)
	}
	var reply *pb.SearchReply
	err := c.retry(ctx, what, func() error {
		var err error
		reply, err = wv.Search(c.rpcContext(ctx), req)
		return err
	})
	return reply, err
}
