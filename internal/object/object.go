// Package object holds one Weaviate object as colstate moves it between a
// live collection and a snapshot, and the content hashes that tell whether
// two copies of an object, or of a whole collection, are the same.
//
// Property values use a small set of Go types so that no information is
// lost on the way through JSON (see docs/snapshot-format.md):
//
//	text, uuid, date, blob (base64)   string
//	int                               int64 (json.Number after decoding)
//	number                            float64 (json.Number after decoding)
//	boolean                           bool
//	geoCoordinates                    map{"latitude","longitude"} (float64 holding the float32 Weaviate stores)
//	phoneNumber                       map{"input","defaultCountry",...}
//	object                            map[string]any (nested properties, same rules)
//	X[]                               []any of the element type
//	cross-reference                   []any of map{"beacon": "weaviate://localhost/Class/uuid"}
//
// Int and Float turn any of the numeric forms into int64 and float64, with
// the one bound on ints (an exact float64 form) every reader and writer
// applies.
package object

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"
	"sort"
	"sync"
)

// Object is one object of a collection.
type Object struct {
	ID     string
	Tenant string
	// Original timestamps (milliseconds since the epoch). Weaviate sets new
	// ones on import; the snapshot keeps these for the record.
	CreationTimeUnix   int64
	LastUpdateTimeUnix int64
	Properties         map[string]any
	// Vectors by name; "" is the collection's single unnamed (legacy) vector.
	Vectors map[string][]float32
	// Multi holds the multi-vectors (ColBERT-style: several rows of the same
	// length) of named vectors whose index has multivector enabled.
	Multi map[string][][]float32
}

// MultiNames returns the names of the object's multi-vectors, sorted.
func (o *Object) MultiNames() []string {
	names := make([]string, 0, len(o.Multi))
	for n := range o.Multi {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// VectorNames returns the object's vector names, sorted.
func (o *Object) VectorNames() []string {
	names := make([]string, 0, len(o.Vectors))
	for n := range o.Vectors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Hash is the SHA-256 of the object's content: UUID, properties and
// vectors (single and multi). Tenant and timestamps are left out: the same object restored
// elsewhere has new timestamps but the same content.
func (o *Object) Hash() [32]byte {
	props, err := json.Marshal(o.Properties) // map keys are sorted
	if err != nil {
		// Properties hold only JSON-encodable values; make a broken one
		// differ from everything rather than collide.
		props = []byte(err.Error())
	}
	return o.HashWithProperties(props)
}

// HashWithProperties is Hash for a caller that already holds
// json.Marshal(o.Properties), as the snapshot writer does: the JSON
// encoding is most of the cost of a hash.
func (o *Object) HashWithProperties(props []byte) [32]byte {
	bp := hashBufs.Get().(*[]byte)
	b := append((*bp)[:0], o.ID...)
	b = append(b, 0)
	b = append(b, props...)
	for _, name := range o.VectorNames() {
		b = append(b, 0)
		b = append(b, name...)
		b = append(b, 0)
		for _, f := range o.Vectors[name] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
	}
	for _, name := range o.MultiNames() {
		// A marker byte and the row count keep a multi-vector from hashing
		// like a single vector holding the same floats.
		rows := o.Multi[name]
		b = append(b, 0)
		b = append(b, name...)
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(rows)))
		for _, row := range rows {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(row)))
			for _, f := range row {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
			}
		}
	}
	// One call over one buffer: the same bytes as writing the parts to a
	// hash.Hash one by one, without a call per vector component.
	sum := sha256.Sum256(b)
	if cap(b) <= 1<<20 { // do not keep an outsized buffer alive
		*bp = b
		hashBufs.Put(bp)
	}
	return sum
}

var hashBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Digest summarises a set of objects independently of their order: the
// count and the lane-wise sum (mod 2^64) of their content hashes. Two
// collections holding the same objects have the same digest whatever order a
// cursor returns them in.
type Digest struct {
	Count int64
	sum   [4]uint64
}

// Add adds one object's hash.
func (d *Digest) Add(h [32]byte) {
	d.Count++
	for i := range d.sum {
		d.sum[i] += binary.BigEndian.Uint64(h[i*8:])
	}
}

// Merge adds every object of e.
func (d *Digest) Merge(e Digest) {
	d.Count += e.Count
	for i := range d.sum {
		d.sum[i] += e.sum[i]
	}
}

// Sub takes away every object of e (which were added before).
func (d *Digest) Sub(e Digest) {
	d.Count -= e.Count
	for i := range d.sum {
		d.sum[i] -= e.sum[i]
	}
}

// String is the digest as hex, e.g. for the manifest.
func (d Digest) String() string {
	var b [32]byte
	for i, v := range d.sum {
		binary.BigEndian.PutUint64(b[i*8:], v)
	}
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 64)
	for i, c := range b {
		out[i*2], out[i*2+1] = hexdigits[c>>4], hexdigits[c&15]
	}
	return string(out)
}
