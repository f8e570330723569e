package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/colstate/colstate/internal/object"
)

// Reader reads a committed snapshot.
type Reader struct {
	ctx context.Context // for the reads that take no context
	st  storage
	id  string
	dir string
	m   *Manifest
}

// Manifest returns the snapshot's manifest.
func (r *Reader) Manifest() *Manifest { return r.m }

// Dir is the snapshot's directory in a local store.
func (r *Reader) Dir() string { return r.dir }

func (r *Reader) open(ctx context.Context, collection, file string) (io.ReadCloser, error) {
	f, err := r.st.open(ctx, r.id, file)
	if err != nil {
		return nil, fmt.Errorf("collection %s: %w", collection, err)
	}
	return f, nil
}

// ChecksumError reports a file whose bytes differ from what the manifest
// recorded.
type ChecksumError struct {
	File       string
	Want, Got  string // SHA-256, hex
	WantSize   int64
	GotSize    int64
	Collection string
}

func (e *ChecksumError) Error() string {
	if e.WantSize != e.GotSize {
		return fmt.Sprintf("collection %s: %s is %d bytes, the manifest says %d: the snapshot is damaged", e.Collection, e.File, e.GotSize, e.WantSize)
	}
	return fmt.Sprintf("collection %s: %s has SHA-256 %s, the manifest says %s: the snapshot is damaged", e.Collection, e.File, e.Got, e.Want)
}

func (r *Reader) collection(name string) (*Collection, error) {
	c := r.m.Collection(name)
	if c == nil {
		return nil, fmt.Errorf("snapshot %s has no collection %s (it has %v)", r.m.ID, name, r.m.Names())
	}
	return c, nil
}

// Schema returns the class JSON of a collection as Weaviate returned it,
// after checking it against the manifest.
func (r *Reader) Schema(name string) ([]byte, error) {
	c, err := r.collection(name)
	if err != nil {
		return nil, err
	}
	f, err := r.open(r.ctx, name, c.Schema)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("collection %s: read %s: %w", name, c.Schema, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != c.SchemaSHA256 {
		return nil, &ChecksumError{File: c.Schema, Want: c.SchemaSHA256, Got: got, WantSize: int64(len(data)), GotSize: int64(len(data)), Collection: name}
	}
	return data, nil
}

// VerifyCollection re-hashes the schema and every chunk of a collection
// against the manifest. Restore calls it before it writes anything.
func (r *Reader) VerifyCollection(name string) error {
	c, err := r.collection(name)
	if err != nil {
		return err
	}
	if _, err := r.Schema(name); err != nil {
		return err
	}
	for _, ch := range c.Chunks {
		if err := r.verifyChunk(name, ch); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reader) verifyChunk(collection string, ch Chunk) error {
	f, err := r.open(r.ctx, collection, ch.File)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("collection %s: read %s: %w", collection, ch.File, err)
	}
	return checkSum(collection, ch, h, n)
}

func checkSum(collection string, ch Chunk, h hash.Hash, n int64) error {
	got := hex.EncodeToString(h.Sum(nil))
	if got != ch.SHA256 || n != ch.Size {
		return &ChecksumError{File: ch.File, Want: ch.SHA256, Got: got, WantSize: ch.Size, GotSize: n, Collection: collection}
	}
	return nil
}

// Objects streams every object of a collection to fn, chunk by chunk. Each
// chunk is hashed while it is read and checked at its end (checksum, size
// and object count), so damage that appeared after an up-front
// VerifyCollection is still caught, at the latest at the end of its chunk.
func (r *Reader) Objects(ctx context.Context, name string, fn func(*object.Object) error) error {
	return r.TenantObjects(ctx, name, func(string) bool { return true }, fn)
}

func (r *Reader) readChunk(ctx context.Context, dec *zstd.Decoder, collection string, ch Chunk, fn func(*object.Object) error) error {
	f, err := r.open(ctx, collection, ch.File)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	var count countWriter
	if err := dec.Reset(io.TeeReader(f, io.MultiWriter(h, &count))); err != nil {
		return fmt.Errorf("collection %s: %s: %w", collection, ch.File, err)
	}
	rr := newRecordReader(dec)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		o, err := rr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A damaged chunk usually shows as a decoding error first: say
			// which it is when the checksum confirms it.
			if sumErr := r.verifyChunk(collection, ch); sumErr != nil {
				return sumErr
			}
			return fmt.Errorf("collection %s: %s: object %d: %w", collection, ch.File, n+1, err)
		}
		n++
		o.Tenant = ch.Tenant
		if err := fn(o); err != nil {
			return err
		}
	}
	// Drain whatever the decoder did not need, so the hash covers the file.
	if _, err := io.Copy(io.Discard, io.TeeReader(f, io.MultiWriter(h, &count))); err != nil {
		return err
	}
	if err := checkSum(collection, ch, h, count.n); err != nil {
		return err
	}
	if n != ch.Objects {
		return fmt.Errorf("collection %s: %s holds %d objects, the manifest says %d: the snapshot is damaged", collection, ch.File, n, ch.Objects)
	}
	return nil
}
