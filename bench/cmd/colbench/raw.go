package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"
)

// rawClient is a bare gRPC client: the baselines use it so that they cost
// only what any client must do, with none of colstate's work.
type rawClient struct {
	conn *grpc.ClientConn
	wv   pb.WeaviateClient
}

func dialRaw(addr string) (*rawClient, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(512<<20), grpc.MaxCallSendMsgSize(512<<20)))
	if err != nil {
		return nil, err
	}
	return &rawClient{conn: conn, wv: pb.NewWeaviateClient(conn)}, nil
}

// readAll reads every object with its properties and vector over the gRPC
// cursor and throws it away: the read limit. It returns the object count.
func (c *rawClient) readAll(ctx context.Context, collection string, page int) (int, error) {
	req := &pb.SearchRequest{
		Collection: collection, Limit: uint32(page),
		Uses_123Api: true, Uses_125Api: true, Uses_127Api: true,
		Metadata:   &pb.MetadataRequest{Uuid: true, Vector: true, CreationTimeUnix: true, LastUpdateTimeUnix: true},
		Properties: &pb.PropertiesRequest{NonRefProperties: []string{"title", "body", "rank", "score"}},
	}
	n := 0
	for {
		reply, err := c.wv.Search(ctx, req)
		if err != nil {
			return n, err
		}
		n += len(reply.Results)
		if len(reply.Results) < page {
			return n, nil
		}
		req.After = reply.Results[len(reply.Results)-1].GetMetadata().GetId()
	}
}

// importAll writes the dataset into collection with batches of size,
// inFlight at a time: the write limit.
func (c *rawClient) importAll(ctx context.Context, d dataset, collection string, size, inFlight int) error {
	work := make(chan []*pb.BatchObject, inFlight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range work {
				reply, err := c.wv.BatchObjects(ctx, &pb.BatchObjectsRequest{Objects: batch})
				if err == nil && len(reply.GetErrors()) > 0 {
					err = fmt.Errorf("%d objects failed: %s", len(reply.GetErrors()), reply.GetErrors()[0].GetError())
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	batch := make([]*pb.BatchObject, 0, size)
	for i := range d.count {
		o := d.object(i)
		v := o.Vectors[""]
		vb := make([]byte, 4*len(v))
		for k, f := range v {
			binary.LittleEndian.PutUint32(vb[k*4:], math.Float32bits(f))
		}
		batch = append(batch, &pb.BatchObject{
			Uuid: o.ID, Collection: collection, VectorBytes: vb,
			Properties: &pb.BatchObject_Properties{NonRefProperties: &structpb.Struct{Fields: map[string]*structpb.Value{
				"title": structpb.NewStringValue(o.Properties["title"].(string)),
				"body":  structpb.NewStringValue(o.Properties["body"].(string)),
				"rank":  structpb.NewNumberValue(float64(o.Properties["rank"].(int64))),
				"score": structpb.NewNumberValue(o.Properties["score"].(float64)),
			}}},
		})
		if len(batch) == size {
			work <- batch
			batch = make([]*pb.BatchObject, 0, size)
		}
	}
	if len(batch) > 0 {
		work <- batch
	}
	close(work)
	wg.Wait()
	return first
}
