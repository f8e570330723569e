package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/colstate/colstate/internal/object"
)

// Writer writes one snapshot. Objects stream through it into chunk files;
// only the current chunk's compressor state is held in memory.
type Writer struct {
	up  upload
	ctx context.Context // cancelled: the backup was interrupted, never commit
	m   Manifest

	// A chunk is closed after ChunkObjects objects or ChunkBytes compressed
	// bytes, whichever comes first.
	ChunkObjects int64
	ChunkBytes   int64

	enc     *zstd.Encoder
	cur     *chunkFile
	digests map[string]*object.Digest
	// byTenant: each tenant's digest, recorded per tenant in the manifest.
	byTenant map[string]map[string]*object.Digest
	buf      bytes.Buffer
	done     bool

	stopLease context.CancelFunc
	syncs     chunkCloses
}

// chunkCloses completes finished chunk files in the background, at most
// the upload's closeParallel at once: a multi-tenant snapshot has a chunk
// per tenant, and a directory store's fsync each (about 3 ms here) in the
// writer's path would bound a backup of 1,000 small tenants to 3 s.
// Commit waits for every one before it writes the manifest, so a
// committed snapshot's chunks are all durable, as before. A bucket
// completes each chunk inline (closeParallel 1): its open uploads hold
// part buffers, and memory must stay bounded.
type chunkCloses struct {
	sem chan struct{}
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
}

// start completes f, in the background when parallel > 1; inline, it
// returns Close's error.
func (s *chunkCloses) start(f io.Closer, name string, parallel int) error {
	if parallel <= 1 {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		return nil
	}
	if s.sem == nil {
		s.sem = make(chan struct{}, parallel)
	}
	s.sem <- struct{}{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() { <-s.sem }()
		if err := f.Close(); err != nil {
			s.mu.Lock()
			if s.err == nil {
				s.err = fmt.Errorf("write %s: %w", name, err)
			}
			s.mu.Unlock()
		}
	}()
	return nil
}

// wait returns once every chunk file is complete, with the first error.
func (s *chunkCloses) wait() error {
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func newWriter(ctx context.Context, up upload, m Manifest, leaseEvery time.Duration) *Writer {
	w := &Writer{up: up, ctx: ctx, m: m, ChunkObjects: 50_000, ChunkBytes: 64 << 20, digests: map[string]*object.Digest{}}
	ctx, w.stopLease = context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(leaseEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = up.touch() // a missed renewal only makes prune's age rule matter
			}
		}
	}()
	return w
}

// ID is the snapshot's id.
func (w *Writer) ID() string { return w.m.ID }

// AddCollection records a collection's schema (the class JSON exactly as
// Weaviate returned it) and tenants. Objects of it may follow.
func (w *Writer) AddCollection(name string, schema []byte, tenants []Tenant) error {
	if w.m.Collection(name) != nil {
		return fmt.Errorf("collection %s is already in the snapshot", name)
	}
	file := w.up.prefix() + filepath.ToSlash(filepath.Join("schema", name+".json"))
	if err := w.writeFile(strings.TrimPrefix(file, w.up.prefix()), schema); err != nil {
		return err
	}
	sum := sha256.Sum256(schema)
	w.m.Collections = append(w.m.Collections, Collection{
		Name: name, Schema: file, SchemaSHA256: hex.EncodeToString(sum[:]), Tenants: tenants, Chunks: []Chunk{},
	})
	w.digests[name] = &object.Digest{}
	return nil
}

// SetTenantSubset marks collection as holding only some of its tenants
// (backup --tenant), so that a restore touches only those.
func (w *Writer) SetTenantSubset(collection string) error {
	col := w.m.Collection(collection)
	if col == nil {
		return fmt.Errorf("collection %s was not added to the snapshot", collection)
	}
	col.TenantSubset = true
	raiseFormat(&w.m, FormatVersion3)
	return nil
}

// SetSkippedOffloaded records the offloaded tenants a backup of
// collection left out (backup --skip-offloaded) and marks it as holding
// only some of its tenants, so that a restore touches none of those.
func (w *Writer) SetSkippedOffloaded(collection string, tenants []string) error {
	if err := w.SetTenantSubset(collection); err != nil {
		return err
	}
	w.m.Collection(collection).SkippedOffloaded = tenants
	return nil
}

// Write appends one object of collection (and tenant) to the snapshot.
func (w *Writer) Write(collection, tenant string, o *object.Object) error {
	col := w.m.Collection(collection)
	if col == nil {
		return fmt.Errorf("collection %s was not added to the snapshot", collection)
	}
	if w.cur != nil && (w.cur.collection != collection || w.cur.tenant != tenant ||
		w.cur.objects >= w.ChunkObjects || w.cur.count.n >= w.ChunkBytes) {
		if err := w.closeChunk(); err != nil {
			return err
		}
	}
	if w.cur == nil {
		if err := w.openChunk(col, tenant); err != nil {
			return err
		}
	}
	props, err := json.Marshal(o.Properties)
	if err != nil {
		return fmt.Errorf("object %s: %w", o.ID, err)
	}
	w.buf.Reset()
	if err := encodeRecord(&w.buf, o, props); err != nil {
		return err
	}
	if _, err := w.enc.Write(w.buf.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", w.cur.rel, err)
	}
	if len(o.Multi) > 0 {
		raiseFormat(&w.m, FormatVersion2)
	}
	w.cur.objects++
	h := o.HashWithProperties(props)
	w.digests[collection].Add(h)
	if tenant != "" {
		if w.byTenant == nil {
			w.byTenant = map[string]map[string]*object.Digest{}
		}
		if w.byTenant[collection] == nil {
			w.byTenant[collection] = map[string]*object.Digest{}
		}
		d := w.byTenant[collection][tenant]
		if d == nil {
			d = &object.Digest{}
			w.byTenant[collection][tenant] = d
		}
		d.Add(h)
	}
	return nil
}

type chunkFile struct {
	collection, tenant string
	rel                string
	f                  io.WriteCloser
	sum                hash.Hash
	count              countWriter
	objects            int64
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func (w *Writer) openChunk(col *Collection, tenant string) error {
	file := filepath.ToSlash(filepath.Join("chunks", col.Name, fmt.Sprintf("%06d.zst", len(col.Chunks)+1)))
	f, err := w.up.create(file)
	if err != nil {
		return err
	}
	c := &chunkFile{collection: col.Name, tenant: tenant, rel: w.up.prefix() + file, f: f, sum: sha256.New()}
	out := io.MultiWriter(f, c.sum, &c.count)
	if w.enc == nil {
		// Fastest: vectors are near-random floats that no level shrinks
		// much (measured: 80.2% of the raw size vs 79.8% at the default
		// level), and the default level's match finder was a quarter of
		// backup's CPU.
		w.enc, err = zstd.NewWriter(out, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
		if err != nil {
			f.Close()
			return err
		}
	} else {
		w.enc.Reset(out)
	}
	w.cur = c
	return nil
}

func (w *Writer) closeChunk() error {
	c := w.cur
	w.cur = nil
	if err := w.enc.Close(); err != nil {
		w.up.abort(c.f)
		w.done = true
		return fmt.Errorf("compress %s: %w", c.rel, err)
	}
	if err := w.syncs.start(c.f, c.rel, w.up.closeParallel()); err != nil {
		return err
	}
	col := w.m.Collection(c.collection)
	col.Chunks = append(col.Chunks, Chunk{
		File: c.rel, Tenant: c.tenant, Objects: c.objects, Size: c.count.n, SHA256: hex.EncodeToString(c.sum.Sum(nil)),
	})
	col.Objects += c.objects
	return nil
}

// Commit closes the last chunk, writes the manifest and moves the snapshot
// under its id: from this moment it exists.
func (w *Writer) Commit() (*Manifest, error) {
	if w.done {
		return nil, fmt.Errorf("snapshot %s already finished", w.m.ID)
	}
	if err := w.ctx.Err(); err != nil {
		return nil, fmt.Errorf("snapshot %s was interrupted and is not committed: %w", w.m.ID, err)
	}
	if w.cur != nil {
		if err := w.closeChunk(); err != nil {
			return nil, err
		}
	}
	if err := w.syncs.wait(); err != nil {
		return nil, err
	}
	for i := range w.m.Collections {
		c := &w.m.Collections[i]
		c.Digest = w.digests[c.Name].String()
		if len(c.Tenants) > 0 {
			c.Tenants = slices.Clone(c.Tenants) // the caller's slice stays as it was
			for j := range c.Tenants {
				d := object.Digest{}
				if td := w.byTenant[c.Name][c.Tenants[j].Name]; td != nil {
					d = *td
				}
				c.Tenants[j].Objects, c.Tenants[j].Digest = d.Count, d.String()
			}
		}
	}
	data, err := json.MarshalIndent(w.m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := w.up.commit(append(data, '\n')); err != nil {
		return nil, err
	}
	w.done = true
	w.stopLease()
	m := w.m
	return &m, nil
}

// Abort discards an unfinished snapshot. It is safe to call after Commit.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.stopLease()
	var open io.Closer
	if w.cur != nil {
		w.enc.Close()
		open = w.cur.f
		w.cur = nil
	}
	_ = w.syncs.wait()
	w.up.abort(open)
}

func (w *Writer) writeFile(file string, data []byte) error {
	f, err := w.up.create(file)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		w.up.abort(f)
		w.done = true
		return err
	}
	return f.Close()
}
