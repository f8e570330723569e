package live

import (
	"context"
	"sync"
)

// setBacks merges the set-backs of one collection's tenants that wait at
// the same time into one request: with tenants read in parallel, each
// tenant's set-back to COLD was a request, and a tenant status change is
// a schema change Weaviate commits one at a time. Whoever finds no request
// under way sends one for every set-back waiting (its own among them,
// at most maxTenantUpdate); the others wait for it. Nothing waits to form
// a batch, so a set-back alone is sent at once, as before.
type setBacks struct {
	mu   sync.Mutex
	wait map[string][]*setBack // by collection, not yet sent
	busy map[string]bool       // a request for the collection is under way
}

type setBack struct {
	t    Tenant
	done chan setBackDone
}

// setBackDone ends a wait: either the set-back's result, or lead: the
// request before is done and this one sends the next.
type setBackDone struct {
	err  error
	lead bool
}

// setBackStatus gives tenant t of collection the status it holds in t,
// in a request shared with other set-backs of the same collection that
// wait meanwhile. A shared request that fails is retried tenant by tenant,
// so that each tenant's error is its own.
func (c *Client) setBackStatus(ctx context.Context, collection string, t Tenant) error {
	q := &c.setBacks
	me := &setBack{t: t, done: make(chan setBackDone, 1)}
	q.mu.Lock()
	if q.wait == nil {
		q.wait, q.busy = map[string][]*setBack{}, map[string]bool{}
	}
	q.wait[collection] = append(q.wait[collection], me)
	if q.busy[collection] {
		q.mu.Unlock()
		if d := <-me.done; !d.lead {
			return d.err
		}
		q.mu.Lock()
	}
	q.busy[collection] = true
	w := q.wait[collection]
	n := min(len(w), maxTenantUpdate)
	batch := w[:n:n]
	q.wait[collection] = w[n:]
	q.mu.Unlock()

	ts := make([]Tenant, len(batch))
	for i, b := range batch {
		ts[i] = b.t
	}
	err := c.UpdateTenants(ctx, collection, ts)
	var mine error
	for _, b := range batch {
		berr := err
		if err != nil && len(batch) > 1 {
			berr = c.UpdateTenants(ctx, collection, []Tenant{b.t})
		}
		if b == me {
			mine = berr
		} else {
			b.done <- setBackDone{err: berr}
		}
	}

	// Hand the next request to the first set-back still waiting.
	q.mu.Lock()
	if w := q.wait[collection]; len(w) > 0 {
		w[0].done <- setBackDone{lead: true}
	} else {
		q.busy[collection] = false
	}
	q.mu.Unlock()
	return mine
}
