package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// words feed the generated text properties; a fixed list keeps the dataset
// deterministic and the text compressible the way real text is.
var words = strings.Fields(`the of and to in is that for it as was with be by on not he this are or his
from at which but have an they you were her she there been one all we their has would when what if
vector index search query shard tenant backup restore snapshot collection property object schema
weaviate cluster replica graph neighbour embedding cosine distance recall latency throughput batch`)

// dataset is the benchmark's deterministic collection: object i always has
// the same UUID, properties and vector.
type dataset struct {
	count, dims int
}

// classJSON is the collection's schema: two text properties, an int and a
// number, the single unnamed vector in an HNSW index (flat for the -large
// RSS run, whose load would otherwise take tens of minutes).
func (d dataset) class(name, index string) live.Class {
	return live.Class{
		"class":           name,
		"vectorizer":      "none",
		"vectorIndexType": index,
		"properties": []any{
			map[string]any{"name": "title", "dataType": []any{"text"}},
			map[string]any{"name": "body", "dataType": []any{"text"}},
			map[string]any{"name": "rank", "dataType": []any{"int"}},
			map[string]any{"name": "score", "dataType": []any{"number"}},
		},
	}
}

func (d dataset) schema(name string) *live.ObjectSchema {
	return &live.ObjectSchema{Collection: name, Legacy: true, Properties: []live.PropertySchema{
		{Name: "title", DataType: []string{"text"}},
		{Name: "body", DataType: []string{"text"}},
		{Name: "rank", DataType: []string{"int"}},
		{Name: "score", DataType: []string{"number"}},
	}}
}

// uuid of object i: a hash of i, so that UUID order (the cursor's order)
// differs from generation order, as it does for real data.
func uuidOf(i int) string {
	r := rand.New(rand.NewPCG(uint64(i), 0x9e3779b97f4a7c15))
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], r.Uint64())
	binary.LittleEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (d dataset) object(i int) *object.Object {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	text := func(n int) string {
		var sb strings.Builder
		for k := range n {
			if k > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(words[r.IntN(len(words))])
		}
		return sb.String()
	}
	v := make([]float32, d.dims)
	for k := range v {
		v[k] = r.Float32()*2 - 1
	}
	return &object.Object{
		ID: uuidOf(i),
		Properties: map[string]any{
			"title": text(6),
			"body":  text(40),
			"rank":  int64(r.IntN(1_000_000)),
			"score": float64(r.IntN(1_000_000)) / 1024, // exact in float64 and in JSON
		},
		Vectors: map[string][]float32{"": v},
	}
}
