package content

import (
	"context"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// ByIDReader reads live objects by UUID.
type ByIDReader interface {
	ReadObjectsByID(ctx context.Context, s *live.ObjectSchema, opts live.ReadOptions, ids []string) (map[string]*object.Object, error)
}

// keepBatch is how many objects KeepVectors looks up at once.
const keepBatch = 200

// KeepVectors wraps w so that a source object carrying no vectors keeps
// the vectors (multi-vectors included) of its live copy: a write replaces the whole object, and a
// source line without vectors says nothing about them (the object is
// compared without its vectors, see entry.noVectors). Vectors a vectorizer
// makes are left out: Weaviate computes them from the written properties.
func KeepVectors(ctx context.Context, w Writer, r ByIDReader, s *live.ObjectSchema) Writer {
	keep := s.Legacy && !s.Vectorized[""]
	for _, n := range s.Named {
		keep = keep || !s.Vectorized[n]
	}
	if !keep {
		return w
	}
	return &vectorKeeper{ctx: ctx, w: w, r: r, s: s}
}

type vectorKeeper struct {
	ctx     context.Context
	w       Writer
	r       ByIDReader
	s       *live.ObjectSchema
	pending []*object.Object
}

func (k *vectorKeeper) Add(o *object.Object) error {
	if len(o.Vectors) > 0 || len(o.Multi) > 0 {
		return k.w.Add(o)
	}
	k.pending = append(k.pending, o)
	if len(k.pending) >= keepBatch {
		return k.flush()
	}
	return nil
}

func (k *vectorKeeper) flush() error {
	if len(k.pending) == 0 {
		return nil
	}
	ids := make([]string, len(k.pending))
	for i, o := range k.pending {
		ids[i] = o.ID
	}
	// One content load writes one tenant: the objects' tenant.
	have, err := k.r.ReadObjectsByID(k.ctx, k.s, live.ReadOptions{Tenant: k.pending[0].Tenant}, ids)
	if err != nil {
		return err
	}
	for _, o := range k.pending {
		lv := have[o.ID]
		if lv == nil {
			continue // new: nothing to keep
		}
		for name, v := range lv.Vectors {
			if !k.s.Vectorized[name] {
				if o.Vectors == nil {
					o.Vectors = map[string][]float32{}
				}
				o.Vectors[name] = v
			}
		}
		for name, v := range lv.Multi {
			if !k.s.Vectorized[name] {
				if o.Multi == nil {
					o.Multi = map[string][][]float32{}
				}
				o.Multi[name] = v
			}
		}
	}
	for _, o := range k.pending {
		if err := k.w.Add(o); err != nil {
			return err
		}
	}
	k.pending = k.pending[:0]
	return nil
}

func (k *vectorKeeper) Close() error {
	err := k.flush()
	if cerr := k.w.Close(); err == nil {
		err = cerr
	}
	return err
}
