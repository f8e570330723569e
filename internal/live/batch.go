package live

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/colstate/colstate/internal/object"
)

// ObjectError is one object Weaviate did not write.
type ObjectError struct {
	ID, Tenant, Message string
}

// BatchError lists every object a batch write could not write.
type BatchError struct {
	Collection string
	Failed     int64
	Objects    []ObjectError // the first MaxObjectErrors of them
	// Consistency is the level the objects were written at.
	Consistency string
}

// MaxObjectErrors bounds how many failed objects are kept in detail.
const MaxObjectErrors = 1000

func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d object(s) of %s were not written:", e.Failed, e.Collection)
	for i, o := range e.Objects {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more", e.Failed-20)
			break
		}
		t := ""
		if o.Tenant != "" {
			t = " (tenant " + o.Tenant + ")"
		}
		fmt.Fprintf(&b, "\n  %s%s: %s", o.ID, t, o.Message)
	}
	if e.replicasShort() {
		fmt.Fprintf(&b, "\nToo few replicas of %s answered for consistency level %s (a node is down or unreachable; GET /v1/nodes says which): bring it back and run the command again", e.Collection, e.levelName())
		if e.Consistency != ConsistencyOne {
			b.WriteString(", or write to the replicas that answer with --consistency QUORUM (or ONE); the node that was down misses those objects until they are written again")
		}
	}
	return b.String()
}

// replicasShort reports whether objects failed because the consistency
// level could not be met.
func (e *BatchError) replicasShort() bool {
	for _, o := range e.Objects {
		if strings.Contains(o.Message, "cannot reach enough replicas") || strings.Contains(o.Message, "cannot achieve consistency level") {
			return true
		}
	}
	return false
}

func (e *BatchError) levelName() string {
	if e.Consistency == "" {
		return "(the server's default)"
	}
	return e.Consistency
}

// BatchWriter upserts objects into one collection with gRPC batches,
// several in flight at once so the server always has the next batch when
// it finishes one. Objects are upserted by UUID: writing the same object
// twice leaves one copy.
type BatchWriter struct {
	c          *Client
	s          *ObjectSchema
	collection string
	size       int
	// OnWritten is called (from several goroutines) with how many objects of
	// a batch were written.
	OnWritten func(n int)
	// Refused, when set, is offered each object Weaviate did not write
	// (from several goroutines); one it returns true for is the caller's
	// to handle and is not counted as failed.
	Refused func(e ObjectError) bool

	ctx    context.Context
	cancel context.CancelFunc
	batch  []*pb.BatchObject
	work   chan []*pb.BatchObject
	wg     sync.WaitGroup
	sent   sync.WaitGroup // batches handed to a worker and not yet done

	mu     sync.Mutex
	failed BatchError
	err    error
}

// NewBatchWriter writes into collection objects that follow schema s (the
// schema's own name may differ, when restoring under another name).
// batchSize objects go in one request, inFlight requests at a time.
func (c *Client) NewBatchWriter(ctx context.Context, s *ObjectSchema, collection string, batchSize, inFlight int) *BatchWriter {
	if batchSize <= 0 {
		batchSize = 200
	}
	if inFlight <= 0 {
		inFlight = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &BatchWriter{
		c: c, s: s, collection: collection, size: batchSize, ctx: ctx, cancel: cancel,
		work:   make(chan []*pb.BatchObject),
		failed: BatchError{Collection: collection, Consistency: c.WriteConsistency},
	}
	for range inFlight {
		w.wg.Add(1)
		go w.worker()
	}
	return w
}

// Add queues one object. It blocks while every batch is in flight, which
// bounds memory to batchSize × (inFlight+1) objects.
func (w *BatchWriter) Add(o *object.Object) error {
	if err := w.fatal(); err != nil {
		return err
	}
	bo, err := ToBatchObject(w.s, w.collection, o)
	if err != nil {
		w.fail([]ObjectError{{ID: o.ID, Tenant: o.Tenant, Message: err.Error()}})
		return nil
	}
	w.batch = append(w.batch, bo)
	if len(w.batch) >= w.size {
		return w.flush()
	}
	return nil
}

func (w *BatchWriter) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	w.sent.Add(1)
	select {
	case w.work <- w.batch:
		w.batch = nil
		return nil
	case <-w.ctx.Done():
		w.sent.Done()
		if err := w.fatal(); err != nil {
			return err
		}
		return w.ctx.Err()
	}
}

// Flush sends what is queued and waits until every batch sent so far is
// answered: the objects added before it are written (or counted as failed,
// which Close reports). It returns a fatal error, as Add does.
func (w *BatchWriter) Flush() error {
	err := w.flush()
	w.sent.Wait()
	if ferr := w.fatal(); ferr != nil {
		return ferr
	}
	return err
}

// Close sends what is queued, waits for every batch and returns a
// *BatchError when any object was not written.
func (w *BatchWriter) Close() error {
	err := w.flush()
	close(w.work)
	w.wg.Wait()
	w.cancel()
	if ferr := w.fatal(); ferr != nil {
		return ferr
	}
	if err != nil {
		return err
	}
	if w.failed.Failed > 0 {
		f := w.failed
		return &f
	}
	return nil
}

func (w *BatchWriter) fatal() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *BatchWriter) fail(errs []ObjectError) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failed.Failed += int64(len(errs))
	room := MaxObjectErrors - len(w.failed.Objects)
	w.failed.Objects = append(w.failed.Objects, errs[:min(room, len(errs))]...)
}

func (w *BatchWriter) worker() {
	defer w.wg.Done()
	for batch := range w.work {
		w.writeOne(batch)
		w.sent.Done()
	}
}

// writeOne writes one batch and records its failures.
func (w *BatchWriter) writeOne(batch []*pb.BatchObject) {
	if w.ctx.Err() != nil {
		return // drain after a fatal error
	}
	failed, err := w.c.writeBatch(w.ctx, w.collection, batch)
	if err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = fmt.Errorf("write objects to %s: %w", w.collection, err)
		}
		w.mu.Unlock()
		w.cancel()
		return
	}
	written := len(batch) - len(failed)
	if w.Refused != nil {
		kept := failed[:0]
		for _, e := range failed {
			if !w.Refused(e) {
				kept = append(kept, e)
			}
		}
		failed = kept
	}
	if len(failed) > 0 {
		w.fail(failed)
	}
	if w.OnWritten != nil {
		w.OnWritten(written)
	}
}

// writeBatch sends one batch, retrying transient failures; per-object
// errors come back as ObjectErrors.
func (c *Client) writeBatch(ctx context.Context, collection string, batch []*pb.BatchObject) ([]ObjectError, error) {
	wv, err := c.grpcClient(ctx, collection)
	if err != nil {
		return nil, err
	}
	release, first, err := c.firstWrite()
	if err != nil || !first {
		release()
		if err != nil {
			return nil, err
		}
		return c.sendBatch(ctx, wv, batch)
	}
	// The endpoint check is undecided: one object goes first, alone, and
	// is read back over REST before anything else is written (endpoints.go).
	failed, err := c.sendBatch(ctx, wv, batch[:1])
	if err == nil && len(failed) == 0 {
		err = c.confirmWrite(ctx, wv, collection, batch[0])
	}
	release()
	if err != nil || len(batch) == 1 {
		return failed, err
	}
	rest, err := c.sendBatch(ctx, wv, batch[1:])
	return append(failed, rest...), err
}

// sendBatch sends one batch, retrying transient failures. A batch larger
// than the server takes in one message (big objects) is sent in halves.
func (c *Client) sendBatch(ctx context.Context, wv pb.WeaviateClient, batch []*pb.BatchObject) ([]ObjectError, error) {
	failed, err := c.sendBatchOnce(ctx, wv, batch)
	if !TooLarge(err) || len(batch) < 2 {
		return failed, err
	}
	half := len(batch) / 2
	first, err := c.sendBatch(ctx, wv, batch[:half])
	if err != nil {
		return first, err
	}
	rest, err := c.sendBatch(ctx, wv, batch[half:])
	return append(first, rest...), err
}

func (c *Client) sendBatchOnce(ctx context.Context, wv pb.WeaviateClient, batch []*pb.BatchObject) ([]ObjectError, error) {
	var reply *pb.BatchObjectsReply
	err := c.retry(ctx, "batch write", func() error {
		var err error
		reply, err = wv.BatchObjects(c.rpcContext(ctx), &pb.BatchObjectsRequest{Objects: batch, ConsistencyLevel: pbConsistency(c.WriteConsistency)})
		return err
	})
	if err != nil {
		return nil, rpcHint(ctxErr(ctx, err))
	}
	var out []ObjectError
	for _, e := range reply.GetErrors() {
		oe := ObjectError{Message: e.GetError()}
		if i := int(e.GetIndex()); i >= 0 && i < len(batch) {
			oe.ID, oe.Tenant = batch[i].Uuid, batch[i].Tenant
		}
		out = append(out, oe)
	}
	return out, nil
}

// ToBatchObject builds the gRPC message for one object directly, so that
// every property keeps its type: int arrays travel as int64, vectors as
// float32 bytes, references as UUIDs per target.
func ToBatchObject(s *ObjectSchema, collection string, o *object.Object) (*pb.BatchObject, error) {
	bo := &pb.BatchObject{Uuid: o.ID, Collection: collection, Tenant: o.Tenant}
	for _, name := range o.VectorNames() {
		b := vectorBytes(o.Vectors[name])
		if name == "" {
			bo.VectorBytes = b
			continue
		}
		if s.Multi[name] {
			return nil, fmt.Errorf("vector %s holds multi-vectors in collection %s, but the object has a single vector for it", name, collection)
		}
		v := &pb.Vectors{Name: name, VectorBytes: b}
		setVectorType(v, vectorTypeSingle)
		bo.Vectors = append(bo.Vectors, v)
	}
	for _, name := range o.MultiNames() {
		if !s.Multi[name] {
			return nil, fmt.Errorf("the object has a multi-vector %s, but vector %s of collection %s is not a multi-vector index", name, name, collection)
		}
		b, err := multiVectorBytes(o.Multi[name])
		if err != nil {
			return nil, fmt.Errorf("vector %s: %w", name, err)
		}
		v := &pb.Vectors{Name: name, VectorBytes: b}
		setVectorType(v, vectorTypeMulti)
		bo.Vectors = append(bo.Vectors, v)
	}
	v, refs, err := buildProperties(s.Properties, o.Properties, true)
	if err != nil {
		return nil, err
	}
	bo.Properties = &pb.BatchObject_Properties{
		NonRefProperties:       v.NonRefProperties,
		NumberArrayProperties:  v.NumberArrayProperties,
		IntArrayProperties:     v.IntArrayProperties,
		TextArrayProperties:    v.TextArrayProperties,
		BooleanArrayProperties: v.BooleanArrayProperties,
		ObjectProperties:       v.ObjectProperties,
		ObjectArrayProperties:  v.ObjectArrayProperties,
		EmptyListProps:         v.EmptyListProps,
		SingleTargetRefProps:   refs.single,
		MultiTargetRefProps:    refs.multi,
	}
	return bo, nil
}

func vectorBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[i*4:], math.Float32bits(f))
	}
	return b
}

type refProps struct {
	single []*pb.BatchObject_SingleTargetRefProps
	multi  []*pb.BatchObject_MultiTargetRefProps
}

func findProp(props []PropertySchema, name string) *PropertySchema {
	for i := range props {
		if props[i].Name == name {
			return &props[i]
		}
	}
	return nil
}

// buildProperties converts values (colstate's value model) into the typed
// fields of a batch object; refs are allowed only at the top level.
func buildProperties(schema []PropertySchema, values map[string]any, top bool) (*pb.ObjectPropertiesValue, refProps, error) {
	out := &pb.ObjectPropertiesValue{}
	var refs refProps
	scalars := map[string]*structpb.Value{}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		val := values[name]
		p := findProp(schema, name)
		if p == nil {
			return nil, refs, fmt.Errorf("property %s is not in the collection's schema", name)
		}
		if val == nil {
			continue
		}
		kind := p.Kind()
		if list, ok := val.([]any); ok && len(list) == 0 && kind != "ref" {
			out.EmptyListProps = append(out.EmptyListProps, name)
			continue
		}
		var err error
		switch kind {
		case "ref":
			if !top {
				return nil, refs, fmt.Errorf("property %s: references inside nested objects are not supported", name)
			}
			err = addRefs(&refs, p, val)
		case "int[]":
			var ints []int64
			ints, err = mapList(val, object.Int)
			out.IntArrayProperties = append(out.IntArrayProperties, &pb.IntArrayProperties{PropName: name, Values: ints})
		case "number[]":
			var fs []float64
			fs, err = mapList(val, object.Float)
			b := make([]byte, 8*len(fs))
			for i, f := range fs {
				binary.LittleEndian.PutUint64(b[i*8:], math.Float64bits(f))
			}
			out.NumberArrayProperties = append(out.NumberArrayProperties, &pb.NumberArrayProperties{PropName: name, ValuesBytes: b})
		case "text[]", "date[]", "uuid[]", "string[]":
			var ss []string
			ss, err = mapList(val, toString)
			out.TextArrayProperties = append(out.TextArrayProperties, &pb.TextArrayProperties{PropName: name, Values: ss})
		case "boolean[]":
			var bs []bool
			bs, err = mapList(val, toBool)
			out.BooleanArrayProperties = append(out.BooleanArrayProperties, &pb.BooleanArrayProperties{PropName: name, Values: bs})
		case "object":
			m, ok := val.(map[string]any)
			if !ok {
				return nil, refs, fmt.Errorf("property %s: want an object, have %T", name, val)
			}
			var nested *pb.ObjectPropertiesValue
			nested, _, err = buildProperties(p.Nested, m, false)
			out.ObjectProperties = append(out.ObjectProperties, &pb.ObjectProperties{PropName: name, Value: nested})
		case "object[]":
			var objs []*pb.ObjectPropertiesValue
			objs, err = mapList(val, func(v any) (*pb.ObjectPropertiesValue, error) {
				m, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("want an object, have %T", v)
				}
				nested, _, err := buildProperties(p.Nested, m, false)
				return nested, err
			})
			out.ObjectArrayProperties = append(out.ObjectArrayProperties, &pb.ObjectArrayProperties{PropName: name, Values: objs})
		default:
			scalars[name], err = scalarValue(kind, val)
		}
		if err != nil {
			return nil, refs, fmt.Errorf("property %s: %w", name, err)
		}
	}
	if len(scalars) > 0 {
		out.NonRefProperties = &structpb.Struct{Fields: scalars}
	}
	return out, refs, nil
}

// Scalar ints travel in a protobuf Struct, which only has doubles:
// object.Int takes only ints a float64 holds exactly (every int Weaviate
// can hold, as it keeps ints as float64 itself).
func scalarValue(kind string, val any) (*structpb.Value, error) {
	switch kind {
	case "int":
		n, err := object.Int(val)
		if err != nil {
			return nil, err
		}
		return structpb.NewNumberValue(float64(n)), nil
	case "number":
		f, err := object.Float(val)
		return structpb.NewNumberValue(f), err
	case "boolean":
		b, err := toBool(val)
		return structpb.NewBoolValue(b), err
	case "geoCoordinates":
		m, ok := val.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want geo coordinates, have %T", val)
		}
		lat, err1 := object.Float(m["latitude"])
		lon, err2 := object.Float(m["longitude"])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("geo coordinates %v are not numbers", m)
		}
		return structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"latitude": structpb.NewNumberValue(lat), "longitude": structpb.NewNumberValue(lon),
		}}), nil
	case "phoneNumber":
		m, ok := val.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want a phone number, have %T", val)
		}
		fields := map[string]*structpb.Value{}
		for _, k := range []string{"input", "defaultCountry"} {
			if s, ok := m[k].(string); ok && s != "" {
				fields[k] = structpb.NewStringValue(s)
			}
		}
		return structpb.NewStructValue(&structpb.Struct{Fields: fields}), nil
	default: // text, string, date, uuid, blob
		s, err := toString(val)
		return structpb.NewStringValue(s), err
	}
}

func addRefs(refs *refProps, p *PropertySchema, val any) error {
	list, ok := val.([]any)
	if !ok {
		return fmt.Errorf("want a list of references, have %T", val)
	}
	// Weaviate appends the UUIDs of each entry in turn, so one entry per run
	// of references to the same target keeps their order ([B, A, B] is
	// three entries, not B's two then A's).
	var single []string
	var multi []*pb.BatchObject_MultiTargetRefProps
	for _, r := range list {
		m, _ := r.(map[string]any)
		beacon, _ := m["beacon"].(string)
		if beacon == "" {
			return fmt.Errorf("reference %v has no beacon", r)
		}
		target, id := ParseBeacon(beacon)
		if len(p.DataType) == 1 || target == "" {
			target = p.DataType[0]
		}
		if len(p.DataType) == 1 {
			single = append(single, id)
			continue
		}
		if n := len(multi); n > 0 && multi[n-1].TargetCollection == target {
			multi[n-1].Uuids = append(multi[n-1].Uuids, id)
			continue
		}
		multi = append(multi, &pb.BatchObject_MultiTargetRefProps{PropName: p.Name, TargetCollection: target, Uuids: []string{id}})
	}
	if len(p.DataType) == 1 {
		refs.single = append(refs.single, &pb.BatchObject_SingleTargetRefProps{PropName: p.Name, Uuids: single})
		return nil
	}
	refs.multi = append(refs.multi, multi...)
	return nil
}

func mapList[T any](val any, f func(any) (T, error)) ([]T, error) {
	list, ok := val.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list, have %T", val)
	}
	out := make([]T, 0, len(list))
	for _, v := range list {
		t, err := f(v)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func toString(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", fmt.Errorf("want a string, have %T", v)
}

func toBool(v any) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, fmt.Errorf("want a boolean, have %T", v)
}
