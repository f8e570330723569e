package content

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// Modes of a content block.
const (
	Merge = "merge" // upsert the source's objects; leave others alone
	Exact = "exact" // also delete live objects the source lacks
	Seed  = "seed"  // load only into an empty collection
)

// entry is one object of the source: its id and content hash. A source is
// held as a sorted slice of these (48 bytes an object), never as objects.
type entry struct {
	id   string
	hash [16]byte
	// noVectors: the source object carries no vectors (a vectorizer makes
	// them), so the live copy is compared without its vectors.
	noVectors bool
}

// liveHash hashes a live object the way its source entry was hashed.
func liveHash(s *live.ObjectSchema, o *object.Object, noVectors bool) [16]byte {
	if !noVectors || (len(o.Vectors) == 0 && len(o.Multi) == 0) {
		return Hash(s, o)
	}
	bare := *o
	bare.Vectors, bare.Multi = nil, nil
	return Hash(s, &bare)
}

// Index is a source's objects by id, sorted in the order Weaviate's cursor
// returns them (UUID order).
type Index struct {
	entries []entry
	Digest  object.Digest
	// Dims is the dimension of each vector the source carries, by vector
	// name ("" for the collection-level vector); every object agrees.
	Dims map[string]int
}

// vectorName renders a vector's name for messages.
func vectorName(name string) string {
	if name == "" {
		return "the collection-level vector"
	}
	return fmt.Sprintf("vector %q", name)
}

// CheckDims compares the source's vector dimensions with those of the
// live collection (by vector name; a name absent from live is not
// checked): Weaviate refuses a vector of another length mid-apply.
func (x *Index) CheckDims(src string, live map[string]int) error {
	for name, n := range x.Dims {
		if have, ok := live[name]; ok && have != n {
			return fmt.Errorf("%s: %s has %d dimensions, but the live collection's has %d; Weaviate refuses vectors of another length", src, vectorName(name), n, have)
		}
	}
	return nil
}

// Len is the number of objects in the source.
func (x *Index) Len() int { return len(x.entries) }

func (x *Index) find(id string) (int, bool) {
	i := sort.Search(len(x.entries), func(i int) bool { return x.entries[i].id >= id })
	return i, i < len(x.entries) && x.entries[i].id == id
}

// BuildIndex reads the whole source once and indexes it. Two objects with
// the same id are an error naming the id.
func BuildIndex(ctx context.Context, src Source, s *live.ObjectSchema) (*Index, error) {
	x := &Index{Dims: map[string]int{}}
	firstOf := map[string]string{} // vector name → id of the object that set its dimension
	err := src.Scan(ctx, s, func(o *object.Object) error {
		for name, v := range o.Vectors {
			if n, ok := x.Dims[name]; !ok {
				x.Dims[name], firstOf[name] = len(v), o.ID
			} else if n != len(v) {
				return fmt.Errorf("%s: object %s: %s has %d dimensions, but object %s's has %d; every object's vector must have the same length", src.Describe(), o.ID, vectorName(name), len(v), firstOf[name], n)
			}
		}
		h := Hash(s, o)
		x.entries = append(x.entries, entry{id: o.ID, hash: h, noVectors: len(o.Vectors) == 0 && len(o.Multi) == 0})
		var full [32]byte
		copy(full[:], h[:])
		x.Digest.Add(full)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(x.entries, func(i, j int) bool { return x.entries[i].id < x.entries[j].id })
	for i := 1; i < len(x.entries); i++ {
		if x.entries[i].id == x.entries[i-1].id {
			return nil, fmt.Errorf("%s holds object %s more than once", src.Describe(), x.entries[i].id)
		}
	}
	return x, nil
}

// Result is the object-level difference between a source and a live
// collection.
type Result struct {
	Add, Update, Delete, Same int64
	// A few example ids of each kind, for the plan.
	AddIDs, UpdateIDs, DeleteIDs []string
	LiveDigest                   string // digest of the live collection as read
}

// Empty reports whether the live collection already holds the source
// (ignoring deletes when the mode keeps extra objects).
func (r Result) Empty(mode string) bool {
	return r.Add == 0 && r.Update == 0 && (mode != Exact || r.Delete == 0)
}

const examples = 3

// Compare walks the live collection (in UUID order, as the cursor returns
// it) against the index.
func Compare(ctx context.Context, x *Index, liveObjects func(fn func(*object.Object) error) error, s *live.ObjectSchema) (Result, error) {
	var r Result
	seen := make([]bool, len(x.entries))
	var digest object.Digest
	err := liveObjects(func(o *object.Object) error {
		h := Hash(s, o)
		var full [32]byte
		copy(full[:], h[:])
		digest.Add(full)
		i, ok := x.find(o.ID)
		if ok && x.entries[i].noVectors {
			h = liveHash(s, o, true)
		}
		switch {
		case !ok:
			r.Delete++
			if len(r.DeleteIDs) < examples {
				r.DeleteIDs = append(r.DeleteIDs, o.ID)
			}
		case x.entries[i].hash == h:
			seen[i] = true
			r.Same++
		default:
			seen[i] = true
			r.Update++
			if len(r.UpdateIDs) < examples {
				r.UpdateIDs = append(r.UpdateIDs, o.ID)
			}
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	for i, ok := range seen {
		if !ok {
			r.Add++
			if len(r.AddIDs) < examples {
				r.AddIDs = append(r.AddIDs, x.entries[i].id)
			}
		}
	}
	r.LiveDigest = digest.String()
	return r, nil
}

// LiveReader reads a live collection's objects in cursor order.
type LiveReader interface {
	ReadObjects(ctx context.Context, s *live.ObjectSchema, opts live.ReadOptions, fn func(*object.Object) error) error
}

// ReadLive returns the function Compare walks for one (single-tenant)
// collection.
func ReadLive(ctx context.Context, c LiveReader, s *live.ObjectSchema) func(fn func(*object.Object) error) error {
	return func(fn func(*object.Object) error) error {
		return c.ReadObjects(ctx, s, live.ReadOptions{}, fn)
	}
}

// ReadLiveTenant is ReadLive for one tenant of a multi-tenant collection.
func ReadLiveTenant(ctx context.Context, c LiveReader, s *live.ObjectSchema, tenant string) func(fn func(*object.Object) error) error {
	return func(fn func(*object.Object) error) error {
		return c.ReadObjects(ctx, s, live.ReadOptions{Tenant: tenant}, fn)
	}
}

// ErrNotEmpty is a seed-mode load refused because the collection holds
// objects; nothing was written.
var ErrNotEmpty = errors.New("seed loads only into an empty collection")

// Writer is where Apply sends objects and deletions.
type Writer interface {
	Add(o *object.Object) error
	Close() error
}

// Deleter deletes objects by id.
type Deleter func(ctx context.Context, ids []string) (int64, error)

// Stats is what Apply did.
type Stats struct {
	Written, Skipped, Deleted int64
}

// Apply makes the live collection hold the source: objects missing or
// different are written, identical ones skipped, and in exact mode objects
// the source lacks are deleted. Writes are upserts by id, so running Apply
// again after an interruption converges on the same content.
func Apply(ctx context.Context, src Source, s *live.ObjectSchema, mode string,
	liveObjects func(fn func(*object.Object) error) error, w Writer, del Deleter, progress func(int)) (Stats, error) {
	var st Stats
	// What is live now, by id and hash: the same bounded form as the source.
	// Both hashes of each live object: with its vectors, and without them
	// for source objects that carry none.
	have := &Index{}
	bare := map[string][16]byte{}
	if err := liveObjects(func(o *object.Object) error {
		have.entries = append(have.entries, entry{id: o.ID, hash: Hash(s, o)})
		if len(o.Vectors) > 0 || len(o.Multi) > 0 {
			bare[o.ID] = liveHash(s, o, true)
		}
		return nil
	}); err != nil {
		return st, err
	}
	sort.Slice(have.entries, func(i, j int) bool { return have.entries[i].id < have.entries[j].id })
	if mode == Seed && have.Len() > 0 {
		return st, fmt.Errorf("collection %s is not empty (%d objects): %w", s.Collection, have.Len(), ErrNotEmpty)
	}
	inSource := make([]bool, have.Len())
	err := src.Scan(ctx, s, func(o *object.Object) error {
		if i, ok := have.find(o.ID); ok {
			inSource[i] = true
			want := have.entries[i].hash
			if b, ok := bare[o.ID]; ok && len(o.Vectors) == 0 && len(o.Multi) == 0 {
				want = b
			}
			if want == Hash(s, o) {
				st.Skipped++
				if progress != nil {
					progress(1)
				}
				return nil
			}
		}
		if err := w.Add(o); err != nil {
			return err
		}
		st.Written++
		if progress != nil {
			progress(1)
		}
		return nil
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return st, err
	}
	if mode != Exact {
		return st, nil
	}
	var ids []string
	flush := func() error {
		if len(ids) == 0 {
			return nil
		}
		n, err := del(ctx, ids)
		st.Deleted += n
		ids = ids[:0]
		return err
	}
	for i, e := range have.entries {
		if inSource[i] {
			continue
		}
		ids = append(ids, e.id)
		if len(ids) == 1000 {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	return st, flush()
}
