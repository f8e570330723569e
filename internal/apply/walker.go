package apply

import (
	"context"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// tenantWalker walks the live collection next to a snapshot stream, one
// tenant at a time: the snapshot holds each tenant's objects together, so
// a tenant's live walk starts when the stream reaches it and ends when the
// stream moves past it. It is the one place that opens, switches and
// closes the per-tenant walks.
type tenantWalker struct {
	r         objectReader
	pageSize  int
	ctx       context.Context
	s         *live.ObjectSchema
	noVectors bool
	w         *liveWalker
	// finish, when set, is called with a tenant's walk once the stream has
	// moved past that tenant (and by end), before it is closed: to look at
	// the live objects the stream did not reach.
	finish  func(*liveWalker) error
	started bool // a tenant's walk was started
}

func (d *Data) walker(ctx context.Context, s *live.ObjectSchema, noVectors bool) *tenantWalker {
	return &tenantWalker{r: d.Client, pageSize: d.PageSize, ctx: ctx, s: s, noVectors: noVectors}
}

// of returns the walk of o's tenant, ending the previous tenant's and
// starting this one's when the snapshot stream has moved on to it.
func (t *tenantWalker) of(o *object.Object) (*liveWalker, error) {
	if t.w == nil || t.w.tenant != o.Tenant {
		if err := t.end(); err != nil {
			return nil, err
		}
		t.w = walkLive(t.ctx, t.r, t.s, o.Tenant, t.noVectors, t.pageSize)
		t.started = true
	}
	return t.w, nil
}

// lookup returns the live object with o's UUID (nil when there is none)
// and whether it is identical to o.
func (t *tenantWalker) lookup(o *object.Object) (*object.Object, bool, error) {
	w, err := t.of(o)
	if err != nil {
		return nil, false, err
	}
	return w.lookup(o)
}

// find returns the live object with o's UUID, nil when there is none.
func (t *tenantWalker) find(o *object.Object) (*object.Object, error) {
	w, err := t.of(o)
	if err != nil {
		return nil, err
	}
	return w.find(o)
}

// end finishes the current tenant's walk (see finish) and closes it.
func (t *tenantWalker) end() error {
	w := t.w
	if w == nil {
		return nil
	}
	t.w = nil
	defer w.close()
	if t.finish != nil {
		return t.finish(w)
	}
	return nil
}

// close closes the current tenant's walk without finishing it: after an
// error, or when the rest of the live collection does not matter.
func (t *tenantWalker) close() {
	if t.w != nil {
		t.w.close()
		t.w = nil
	}
}

// liveWalker reads a live collection (one tenant) in UUID order next to a
// snapshot stream in the same order, so a merge compares objects in
// constant memory.
type liveWalker struct {
	tenant    string
	noVectors bool
	ch        chan *object.Object
	errc      chan error
	cancel    context.CancelFunc
	head      *object.Object // next live object, nil before the first peek
	end       bool
	last      string // last snapshot UUID compared
	// byID reads one live object by UUID, for a snapshot object out of
	// UUID order.
	byID func(id string) (*object.Object, error)
}

func walkLive(ctx context.Context, r objectReader, s *live.ObjectSchema, tenant string, noVectors bool, pageSize int) *liveWalker {
	ctx, cancel := context.WithCancel(ctx)
	w := &liveWalker{tenant: tenant, noVectors: noVectors, ch: make(chan *object.Object, 256), errc: make(chan error, 1), cancel: cancel}
	w.byID = func(id string) (*object.Object, error) {
		found, err := r.ReadObjectsByID(ctx, s, live.ReadOptions{Tenant: tenant, NoVectors: noVectors}, []string{id})
		return found[id], err
	}
	go func() {
		defer close(w.ch)
		err := r.ReadObjects(ctx, s, live.ReadOptions{Tenant: tenant, NoVectors: noVectors, PageSize: pageSize}, func(o *object.Object) error {
			select {
			case w.ch <- o:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if err != nil && ctx.Err() == nil {
			w.errc <- err
		}
	}()
	return w
}

// peek returns the next live object without consuming it; nil at the end.
func (w *liveWalker) peek() (*object.Object, error) {
	if w.head != nil || w.end {
		return w.head, nil
	}
	o, ok := <-w.ch
	if !ok {
		w.end = true
		select {
		case err := <-w.errc:
			return nil, err
		default:
			return nil, nil
		}
	}
	w.head = o
	return o, nil
}

func (w *liveWalker) pop() { w.head = nil }

func (w *liveWalker) close() {
	w.cancel()
	for range w.ch {
	}
}

// find returns the live object with o's UUID, or nil when there is none.
func (w *liveWalker) find(o *object.Object) (*object.Object, error) {
	if o.ID <= w.last {
		return w.byID(o.ID) // out of UUID order: the walk is past it
	}
	w.last = o.ID
	for {
		h, err := w.peek()
		if err != nil || h == nil {
			return nil, err
		}
		if h.ID >= o.ID {
			break
		}
		w.pop()
	}
	h, _ := w.peek()
	if h.ID != o.ID {
		return nil, nil
	}
	w.pop()
	return h, nil
}

// lookup returns the live object with o's UUID, nil when there is none,
// and whether its content is identical to o's.
func (w *liveWalker) lookup(o *object.Object) (*object.Object, bool, error) {
	h, err := w.find(o)
	if err != nil || h == nil {
		return nil, false, err
	}
	cmp := o
	if w.noVectors {
		cp := *o
		cp.Vectors, cp.Multi = nil, nil
		cmp = &cp
	}
	return h, h.Hash() == cmp.Hash(), nil
}
