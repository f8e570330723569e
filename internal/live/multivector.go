package live

import (
	"encoding/binary"
	"fmt"
	"math"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/protobuf/encoding/protowire"
)

// Multi-vectors (ColBERT-style: several rows of one length) travel in a
// weaviate.v1.Vectors message whose `type` field (4) says
// VECTOR_TYPE_MULTI_FP32 and whose bytes are Weaviate's
// byteops.Fp32SliceOfSlicesToBytes: the row length as a little-endian
// uint16, then every row's float32 values, little-endian.
//
// The protocol package colstate builds against (weaviate v1.27.0, the
// version weaviate-go-client v4 pins) predates the field, so it is read
// from and written to the message's unknown fields: protobuf keeps those
// on decode and sends them on encode.
const (
	vectorTypeField  protowire.Number = 4
	vectorTypeSingle                  = 1
	vectorTypeMulti                   = 2
)

// vectorType returns the message's type field, 0 when it is absent (a
// server that predates it, or a single vector).
func vectorType(v *pb.Vectors) uint64 {
	b := v.ProtoReflect().GetUnknown()
	var t uint64
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return t
		}
		b = b[n:]
		if num == vectorTypeField && typ == protowire.VarintType {
			val, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return t
			}
			t, b = val, b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return t
		}
		b = b[m:]
	}
	return t
}

// setVectorType sets the message's type field.
func setVectorType(v *pb.Vectors, t uint64) {
	b := protowire.AppendTag(nil, vectorTypeField, protowire.VarintType)
	v.ProtoReflect().SetUnknown(protowire.AppendVarint(b, t))
}

// multiVectorBytes encodes rows of equal length as Weaviate expects them.
func multiVectorBytes(rows [][]float32) ([]byte, error) {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return nil, fmt.Errorf("an empty multi-vector")
	}
	dims := len(rows[0])
	if dims > math.MaxUint16 {
		return nil, fmt.Errorf("multi-vector rows of %d dimensions: Weaviate's gRPC API carries at most %d", dims, math.MaxUint16)
	}
	b := make([]byte, 2, 2+4*dims*len(rows))
	binary.LittleEndian.PutUint16(b, uint16(dims))
	for _, r := range rows {
		if len(r) != dims {
			return nil, fmt.Errorf("multi-vector rows of different lengths (%d and %d)", dims, len(r))
		}
		for _, f := range r {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
	}
	return b, nil
}

// multiVector decodes multiVectorBytes' encoding.
func multiVector(b []byte) ([][]float32, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("multi-vector of %d bytes", len(b))
	}
	dims := int(binary.LittleEndian.Uint16(b))
	b = b[2:]
	if dims == 0 || len(b)%(4*dims) != 0 {
		return nil, fmt.Errorf("multi-vector of %d bytes with rows of %d dimensions", len(b), dims)
	}
	rows := make([][]float32, len(b)/(4*dims))
	for i := range rows {
		rows[i] = floats32(b[i*4*dims : (i+1)*4*dims])
	}
	return rows, nil
}
