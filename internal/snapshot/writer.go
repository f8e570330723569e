package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/colstate/colstate/internal/fsutil"
	"github.com/colstate/colstate/internal/object"
)

// Writer writes one snapshot. Objects stream through it into chunk files;
// only the current chunk's compressor state is held in memory.
type Writer struct {
	tmp, final string
	m          Manifest

	// A chunk is closed after ChunkObjects objects or ChunkBytes compressed
	// bytes, whichever comes first.
	ChunkObjects int64
	ChunkBytes   int64

	enc     *zstd.Encoder
	cur     *chunkFile
	digests map[string]*object.Digest
	buf     bytes.Buffer
	done    bool
	syncs   chunkSyncs
}

// chunkSyncs syncs and closes finished chunk files in the background, at
// most syncParallel at once: a multi-tenant snapshot has a chunk per
// tenant, and an fsync each (about 3 ms here) in the writer's path would
// bound a backup of 1,000 small tenants to 3 s. Commit waits for every
// one before it writes the manifest, so a committed snapshot's chunks are
// all on disk, as before.
type chunkSyncs struct {
	sem chan struct{}
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
}

const syncParallel = 8

func (s *chunkSyncs) start(f *os.File) {
	if s.sem == nil {
		s.sem = make(chan struct{}, syncParallel)
	}
	s.sem <- struct{}{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() { <-s.sem }()
		err := f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.mu.Lock()
			if s.err == nil {
				s.err = fmt.Errorf("sync %s: %w", f.Name(), err)
			}
			s.mu.Unlock()
		}
	}()
}

// wait returns once every chunk file is synced and closed, with the first
// error.
func (s *chunkSyncs) wait() error {
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func newWriter(tmp, final string, m Manifest) *Writer {
	return &Writer{tmp: tmp, final: final, m: m, ChunkObjects: 50_000, ChunkBytes: 64 << 20, digests: map[string]*object.Digest{}}
}

// ID is the snapshot's id.
func (w *Writer) ID() string { return w.m.ID }

// AddCollection records a collection's schema (the class JSON exactly as
// Weaviate returned it) and tenants. Objects of it may follow.
func (w *Writer) AddCollection(name string, schema []byte, tenants []Tenant) error {
	if w.m.Collection(name) != nil {
		return fmt.Errorf("collection %s is already in the snapshot", name)
	}
	file := filepath.ToSlash(filepath.Join("schema", name+".json"))
	if err := writeFile(filepath.Join(w.tmp, file), schema); err != nil {
		return err
	}
	sum := sha256.Sum256(schema)
	w.m.Collections = append(w.m.Collections, Collection{
		Name: name, Schema: file, SchemaSHA256: hex.EncodeToString(sum[:]), Tenants: tenants, Chunks: []Chunk{},
	})
	w.digests[name] = &object.Digest{}
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
		return fmt.Errorf("write %s: %w", w.cur.path, err)
	}
	if len(o.Multi) > 0 {
		w.m.Format = FormatVersion
	}
	w.cur.objects++
	w.digests[collection].Add(o.HashWithProperties(props))
	return nil
}

type chunkFile struct {
	collection, tenant string
	path, rel          string
	f                  *os.File
	sum                hash.Hash
	count              countWriter
	objects            int64
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func (w *Writer) openChunk(col *Collection, tenant string) error {
	rel := filepath.ToSlash(filepath.Join("chunks", col.Name, fmt.Sprintf("%06d.zst", len(col.Chunks)+1)))
	path := filepath.Join(w.tmp, rel)
	if err := os.MkdirAll(filepath.Dir(path), fsutil.DirMode); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, fsutil.FileMode)
	if err != nil {
		return err
	}
	c := &chunkFile{collection: col.Name, tenant: tenant, path: path, rel: rel, f: f, sum: sha256.New()}
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
		c.f.Close()
		return fmt.Errorf("compress %s: %w", c.path, err)
	}
	w.syncs.start(c.f)
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
	}
	data, err := json.MarshalIndent(w.m, "", "  ")
	if err != nil {
		return nil, err
	}
	// Every chunk and schema file is already synced; sync their directories
	// so that the manifest cannot outlive them after a crash.
	if err := syncTree(w.tmp); err != nil {
		return nil, err
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(w.tmp, ManifestFile), append(data, '\n')); err != nil {
		return nil, err
	}
	if err := os.Rename(w.tmp, w.final); err != nil {
		if _, serr := os.Stat(w.final); serr == nil {
			return nil, fmt.Errorf("snapshot %s already exists in %s: another backup committed it meanwhile; this one was discarded", w.m.ID, filepath.Dir(w.final))
		}
		return nil, err
	}
	w.done = true
	if err := fsutil.SyncDir(filepath.Dir(w.final)); err != nil {
		return nil, err
	}
	m := w.m
	return &m, nil
}

// Abort discards an unfinished snapshot. It is safe to call after Commit.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	if w.cur != nil {
		w.enc.Close()
		w.cur.f.Close()
		w.cur = nil
	}
	_ = w.syncs.wait()
	os.RemoveAll(w.tmp)
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), fsutil.DirMode); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, fsutil.FileMode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncTree(root string) error {
	return filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return fsutil.SyncDir(path)
		}
		return nil
	})
}
