package live_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// A Weaviate behind a proxy that asks for HTTP basic auth: the url's
// user:password@ is sent on REST and by the client handed to native
// backups, and never shown (URL, connection errors).
func TestBasicAuthURL(t *testing.T) {
	srv := weaviatetest.Server(t)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	var refused atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "admin" || p != "hunter2SECRET" {
			refused.Add(1)
			http.Error(w, "basic auth required", http.StatusUnauthorized)
			return
		}
		r.Header.Del("Authorization")
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	withPW := strings.Replace(proxy.URL, "http://", "http://admin:hunter2SECRET@", 1)

	c, err := live.New(live.Options{URL: withPW, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Version(ctx); err != nil {
		t.Fatalf("REST through the basic-auth proxy: %v", err)
	}
	if got := c.URL(); strings.Contains(got, "hunter2SECRET") || !strings.Contains(got, "admin:***@") {
		t.Errorf("URL() = %q, want the password masked", got)
	}
	// The client native backups use gets URLs without the userinfo.
	req, _ := http.NewRequest(http.MethodGet, proxy.URL+"/v1/meta", nil)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HTTPClient through the basic-auth proxy: %s", resp.Status)
	}
	if n := refused.Load(); n != 0 {
		t.Errorf("the proxy refused %d request(s)", n)
	}

	down, err := live.New(live.Options{URL: "http://admin:hunter2SECRET@127.0.0.1:1", GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	_, err = down.Version(ctx)
	if err == nil || strings.Contains(err.Error(), "hunter2SECRET") {
		t.Errorf("connection error = %v, want one without the password", err)
	}
	if _, err := live.New(live.Options{URL: "ftp://admin:hunter2SECRET@host"}); err == nil || strings.Contains(err.Error(), "hunter2SECRET") {
		t.Errorf("bad url error = %v, want one without the password", err)
	}
}
