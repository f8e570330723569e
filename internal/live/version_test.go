package live_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/weaviateproc"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestVersionReadOnce: however often a command asks for the server's
// version, the client reads /v1/meta once (counted by a proxy in front of
// the real server).
func TestVersionReadOnce(t *testing.T) {
	srv := weaviatetest.Server(t)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var metas atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/meta" {
			metas.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	c, err := live.New(live.Options{URL: front.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 3 {
		v, err := c.Version(context.Background())
		if err != nil || "v"+v != weaviateproc.Version {
			t.Fatalf("version %q, %v; want %s", v, err, weaviateproc.Version)
		}
	}
	if n := metas.Load(); n != 1 {
		t.Fatalf("/v1/meta read %d times, want once", n)
	}
}
