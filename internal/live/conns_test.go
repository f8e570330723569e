package live

import (
	"context"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/colstate/colstate/internal/weaviatetest"
)

// Tenants are read DefaultTenantParallel at once: the client keeps that
// many connections to the server between requests instead of closing all
// but two (http.DefaultTransport's idle limit per host) and dialling again
// for the next requests.
func TestClientKeepsParallelConnections(t *testing.T) {
	ctx := context.Background()
	srv := weaviatetest.Server(t)
	c, err := New(Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	const n = DefaultTenantParallel
	// round sends n requests that each hold their connection until all n
	// have one (so n connections are in use at once), and counts the
	// connections that were dialled rather than reused.
	round := func() int64 {
		var dialled atomic.Int64
		var got sync.WaitGroup
		got.Add(n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
					if !i.Reused {
						dialled.Add(1)
					}
					got.Done()
					got.Wait()
				}})
				_, err := c.Collections(tctx)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		return dialled.Load()
	}
	if d := round(); d != n {
		t.Fatalf("first round dialled %d connections, want %d", d, n)
	}
	if d := round(); d != 0 {
		t.Errorf("second round dialled %d new connections, want 0 (all %d kept from the first)", d, n)
	}
}
