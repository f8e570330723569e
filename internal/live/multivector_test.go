package live

import (
	"encoding/binary"
	"math"
	"reflect"
	"testing"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/protobuf/proto"

	"github.com/colstate/colstate/internal/object"
)

// TestMultiVectorWire: the bytes are Weaviate's encoding (uint16 row
// length, then the rows' float32s), and the type field survives a protobuf
// round trip although the v1.27 protocol package does not know it.
func TestMultiVectorWire(t *testing.T) {
	rows := [][]float32{{0.5, -1, float32(math.Inf(1))}, {1, 2, 3}}
	b, err := multiVectorBytes(rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 2+4*6 || binary.LittleEndian.Uint16(b) != 3 || math.Float32frombits(binary.LittleEndian.Uint32(b[2:])) != 0.5 {
		t.Fatalf("encoding % x", b)
	}
	back, err := multiVector(b)
	if err != nil || !reflect.DeepEqual(back, rows) {
		t.Fatalf("decoded %v, %v", back, err)
	}
	if _, err := multiVector(b[:7]); err == nil {
		t.Error("a truncated multi-vector decoded")
	}
	if _, err := multiVectorBytes([][]float32{{1, 2}, {3}}); err == nil {
		t.Error("ragged rows encoded")
	}

	s := &ObjectSchema{Collection: "C", Named: []string{"colbert", "plain"}, Multi: map[string]bool{"colbert": true}}
	o := &object.Object{ID: "00000000-0000-0000-0000-000000000001", Properties: map[string]any{},
		Vectors: map[string][]float32{"plain": {1, 2}}, Multi: map[string][][]float32{"colbert": rows}}
	bo, err := ToBatchObject(s, "C", o)
	if err != nil {
		t.Fatal(err)
	}
	wire, err := proto.Marshal(bo)
	if err != nil {
		t.Fatal(err)
	}
	var got pb.BatchObject
	if err := proto.Unmarshal(wire, &got); err != nil {
		t.Fatal(err)
	}
	types := map[string]uint64{}
	for _, v := range got.Vectors {
		types[v.Name] = vectorType(v)
	}
	if types["colbert"] != vectorTypeMulti || types["plain"] != vectorTypeSingle {
		t.Errorf("vector types after a round trip: %v", types)
	}

	// A multi-vector into a single-vector index, and back, is refused.
	if _, err := ToBatchObject(&ObjectSchema{Collection: "C", Named: []string{"colbert"}}, "C", o); err == nil {
		t.Error("a multi-vector was written to a single-vector index")
	}
	o.Vectors = map[string][]float32{"colbert": {1}}
	o.Multi = nil
	if _, err := ToBatchObject(s, "C", o); err == nil {
		t.Error("a single vector was written to a multi-vector index")
	}
}
