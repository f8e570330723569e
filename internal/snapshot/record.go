package snapshot

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/colstate/colstate/internal/object"
)

// A chunk, once decompressed, is a sequence of records:
//
//	uvarint  header length
//	header   JSON: {"id","created","updated","properties","vectors":[{"name","dims","rows"}]}
//	vectors  for each header vector in order: dims little-endian float32,
//	         or rows × dims for a multi-vector (one with "rows", format 2)
//
// Properties are JSON so that they stay readable with standard tools;
// vectors are binary so that float32 values survive exactly and take four
// bytes each.

type recordHeader struct {
	ID         string         `json:"id"`
	Created    int64          `json:"created,omitempty"`
	Updated    int64          `json:"updated,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	Vectors    []vectorHeader `json:"vectors,omitempty"`
}

type vectorHeader struct {
	Name string `json:"name"`
	Dims int    `json:"dims"`
	// Rows is set for a multi-vector: rows of dims values each. A
	// multi-vector has at least one row.
	Rows int `json:"rows,omitempty"`
}

// maxHeader bounds one record's JSON header, so a corrupt length cannot make
// the reader allocate without limit.
const maxHeader = 256 << 20

// recordHeaderOut is recordHeader as the writer encodes it: the
// properties arrive already encoded, since the object's hash needs the
// same JSON.
type recordHeaderOut struct {
	ID         string          `json:"id"`
	Created    int64           `json:"created,omitempty"`
	Updated    int64           `json:"updated,omitempty"`
	Properties json.RawMessage `json:"properties,omitempty"`
	Vectors    []vectorHeader  `json:"vectors,omitempty"`
}

// encodeRecord appends one object's record to buf. props is
// json.Marshal(o.Properties).
func encodeRecord(buf *bytes.Buffer, o *object.Object, props []byte) error {
	h := recordHeaderOut{ID: o.ID, Created: o.CreationTimeUnix, Updated: o.LastUpdateTimeUnix}
	if len(o.Properties) > 0 {
		h.Properties = props
	}
	names := o.VectorNames()
	for _, n := range names {
		h.Vectors = append(h.Vectors, vectorHeader{Name: n, Dims: len(o.Vectors[n])})
	}
	multi := o.MultiNames()
	for _, n := range multi {
		rows := o.Multi[n]
		if len(rows) == 0 {
			continue // Weaviate holds no empty multi-vector
		}
		for _, r := range rows {
			if len(r) != len(rows[0]) || len(r) == 0 {
				return fmt.Errorf("object %s: multi-vector %q has rows of different lengths", o.ID, n)
			}
		}
		h.Vectors = append(h.Vectors, vectorHeader{Name: n, Dims: len(rows[0]), Rows: len(rows)})
	}
	js, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("object %s: %w", o.ID, err)
	}
	var lenBuf [binary.MaxVarintLen64]byte
	buf.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(js)))])
	buf.Write(js)
	for _, n := range names {
		b := buf.AvailableBuffer()
		for _, f := range o.Vectors[n] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
		buf.Write(b)
	}
	for _, n := range multi {
		for _, r := range o.Multi[n] {
			b := buf.AvailableBuffer()
			for _, f := range r {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
			}
			buf.Write(b)
		}
	}
	return nil
}

// recordReader decodes records from a decompressed chunk.
type recordReader struct {
	r    *bufio.Reader
	buf  []byte
	vbuf []byte // one vector's bytes
}

func newRecordReader(r io.Reader) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next object, or io.EOF after the last one.
func (rr *recordReader) next() (*object.Object, error) {
	n, err := binary.ReadUvarint(rr.r)
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, truncated(err)
	}
	if n > maxHeader {
		return nil, fmt.Errorf("record header of %d bytes: the chunk is corrupt", n)
	}
	if cap(rr.buf) < int(n) {
		rr.buf = make([]byte, n)
	}
	js := rr.buf[:n]
	if _, err := io.ReadFull(rr.r, js); err != nil {
		return nil, truncated(err)
	}
	var h recordHeader
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber() // int64 stays exact
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("record header: %w", err)
	}
	if h.ID == "" {
		// Weaviate would give such an object a new random UUID.
		return nil, fmt.Errorf("record without an object UUID: the chunk is corrupt")
	}
	o := &object.Object{ID: h.ID, CreationTimeUnix: h.Created, LastUpdateTimeUnix: h.Updated, Properties: h.Properties}
	if o.Properties == nil {
		o.Properties = map[string]any{}
	}
	for _, v := range h.Vectors {
		if v.Dims < 0 || v.Dims > 1<<20 || v.Rows < 0 || v.Rows > 1<<20 || (v.Rows > 0 && v.Dims == 0) {
			return nil, fmt.Errorf("object %s: vector %q with %d dimensions and %d rows: the chunk is corrupt", h.ID, v.Name, v.Dims, v.Rows)
		}
		if v.Rows == 0 {
			vec, err := rr.vector(v.Dims)
			if err != nil {
				return nil, err
			}
			if o.Vectors == nil {
				o.Vectors = make(map[string][]float32, len(h.Vectors))
			}
			o.Vectors[v.Name] = vec
			continue
		}
		rows := make([][]float32, v.Rows)
		for i := range rows {
			r, err := rr.vector(v.Dims)
			if err != nil {
				return nil, err
			}
			rows[i] = r
		}
		if o.Multi == nil {
			o.Multi = map[string][][]float32{}
		}
		o.Multi[v.Name] = rows
	}
	return o, nil
}

// vector reads dims little-endian float32 values.
func (rr *recordReader) vector(dims int) ([]float32, error) {
	if cap(rr.vbuf) < 4*dims {
		rr.vbuf = make([]byte, 4*dims)
	}
	raw := rr.vbuf[:4*dims]
	if _, err := io.ReadFull(rr.r, raw); err != nil {
		return nil, truncated(err)
	}
	vec := make([]float32, dims)
	for i := range vec {
		vec[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[i*4:]))
	}
	return vec, nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("record cut short: the chunk is truncated")
	}
	return fmt.Errorf("record: %w: the chunk is corrupt", err)
}
