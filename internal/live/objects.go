package live

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/colstate/colstate/internal/object"
)

// ReadOptions say what ReadObjects returns.
type ReadOptions struct {
	Tenant    string
	PageSize  int  // objects per cursor page; 0 means 500
	NoVectors bool // leave vectors out
	IDsOnly   bool // only UUIDs: no properties, vectors or timestamps
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
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan pageReply, 1)
	go c.fetchPages(ctx, wv, req, page, pages)
	defer func() {
		cancel()
		for range pages { // let the fetcher finish
		}
	}()
	for p := range pages {
		if p.err != nil {
			return fmt.Errorf("read objects of %s%s: %w", s.Collection, tenantSuffix(opts.Tenant), rpcHint(ctxErr(ctx, p.err)))
		}
		for _, r := range p.reply.Results {
			o, err := fromResult(s, r, opts)
			if err != nil {
				return fmt.Errorf("read objects of %s: %w", s.Collection, err)
			}
			if err := fn(o); err != nil {
				return err
			}
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
// an error (sent as the last page) or the end of ctx; then closes out.
func (c *Client) fetchPages(ctx context.Context, wv pb.WeaviateClient, req *pb.SearchRequest, page int, out chan<- pageReply) {
	defer close(out)
	for {
		var reply *pb.SearchReply
		err := c.retry(ctx, "gRPC search", func() error {
			var err error
			reply, err = wv.Search(c.rpcContext(ctx), req)
			return err
		})
		select {
		case out <- pageReply{reply, err}:
		case <-ctx.Done():
			return
		}
		if err != nil || len(reply.Results) < page {
			return
		}
		last := reply.Results[len(reply.Results)-1].GetMetadata().GetId()
		if last == "" {
			return // the consumer reports the object without a UUID
		}
		req.After = last
	}
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
	req.Metadata.CreationTimeUnix = true
	req.Metadata.LastUpdateTimeUnix = true
	if !opts.NoVectors {
		req.Metadata.Vector = s.Legacy
		req.Metadata.Vectors = s.Named
	}
	for _, p := range s.Properties {
		switch p.Kind() {
		case "ref":
			for _, target := range p.DataType {
				rp := &pb.RefPropertiesRequest{
					ReferenceProperty: p.Name,
					Properties:        &pb.PropertiesRequest{},
					Metadata:          &pb.MetadataRequest{Uuid: true},
				}
				if len(p.DataType) > 1 {
					rp.TargetCollection = target
				}
				req.Properties.RefProperties = append(req.Properties.RefProperties, rp)
				if len(p.DataType) == 1 {
					break
				}
			}
		case "object", "object[]":
			req.Properties.ObjectProperties = append(req.Properties.ObjectProperties, objectRequest(p))
		default:
			req.Properties.NonRefProperties = append(req.Properties.NonRefProperties, p.Name)
		}
	}
	return req
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
		if prev, ok := o.Properties[ref.GetPropName()].([]any); ok {
			beacons = prev // multi-target: one answer per target collection
		}
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
	var reply *pb.SearchReply
	if err := c.retry(ctx, "gRPC search", func() error {
		var err error
		reply, err = wv.Search(c.rpcContext(ctx), req)
		return err
	}); err != nil {
		return nil, fmt.Errorf("read objects of %s%s: %w", s.Collection, tenantSuffix(opts.Tenant), rpcHint(ctxErr(ctx, err)))
	}
	for _, r := range reply.GetResults() {
		o, err := fromResult(s, r, opts)
		if err != nil {
			return nil, fmt.Errorf("read objects of %s: %w", s.Collection, err)
		}
		out[o.ID] = o
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
