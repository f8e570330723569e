// Package live is colstate's adapter to a running Weaviate: it reads and
// writes collection schemas, streams objects out over the gRPC cursor and
// in through gRPC batches, and manages tenants and aliases.
//
// Schemas go over Weaviate's REST API as raw JSON rather than through the
// weaviate-go-client models: those models are pinned at v1.27 and silently
// drop settings a newer server returns, and an update built from them would
// send those settings back as "unset".
package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/colstate/colstate/internal/auth"
	"github.com/colstate/colstate/internal/redact"
)

// Client talks to one Weaviate server.
type Client struct {
	base   *url.URL
	apiKey string
	// oidc signs requests with OIDC tokens instead of the API key (nil
	// without an auth block).
	oidc *auth.Session
	http *http.Client
	rpc  rpcConn // gRPC, dialled on first use (grpc.go)
	// endpoints records that REST and gRPC reach the same server (endpoints.go).
	endpoints endpointCheck
	// Retry bounds how transient failures are retried (retry.go).
	Retry Backoff
	// TenantLog, when set, records every tenant WithTenantActive activates
	// until it is set back (tenants.go).
	TenantLog TenantLog
	// WriteConsistency and ReadConsistency are the consistency levels
	// (consistency.go) sent with every gRPC batch write and delete, and
	// with every gRPC search and REST object read; "" leaves them to the
	// server.
	WriteConsistency, ReadConsistency string
	// DeleteTimings bound the wait for a collection's deletion (delete.go).
	DeleteTimings DeleteTimings
	// Notices, when set, hears of long waits: "waiting for Weaviate to
	// finish deleting X (N tenants)… 45s".
	Notices io.Writer
	// version caches the server's version: read once per client (every
	// command reads it at most once; see Version).
	versionMu sync.Mutex
	version   string
}

// Options configure a Client.
type Options struct {
	URL     string // REST endpoint, e.g. http://localhost:8080
	GRPCURL string // host:port of the gRPC endpoint
	APIKey  string
	// Auth, when set, authenticates with OIDC instead of an API key.
	Auth    *auth.Config
	Timeout time.Duration
	// DeleteTimeout bounds the wait for Weaviate to delete a collection
	// (DeleteTimings.Limit); 0: DefaultDeleteLimit.
	DeleteTimeout time.Duration
}

// New returns a client for the Weaviate at opts.URL. It does not connect.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("weaviate url %q is not an http(s) URL like http://localhost:8080", redact.URL(opts.URL))
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	if opts.Auth != nil && opts.APIKey != "" {
		return nil, errors.New("weaviate: both an api_key and an auth block are set; keep one")
	}
	// Keep a connection per request in flight: tenants are read in
	// parallel, and http.DefaultTransport keeps only 2 idle per host, so
	// the others were closed and dialled again for every request (hundreds
	// of sockets a minute in TIME_WAIT during a backup of COLD tenants).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	c := &Client{base: u, apiKey: opts.APIKey, http: &http.Client{Timeout: timeout, Transport: tr}, rpc: rpcConn{addr: opts.GRPCURL}, Retry: DefaultBackoff,
		WriteConsistency: DefaultWriteConsistency, ReadConsistency: DefaultReadConsistency,
		DeleteTimings: DeleteTimings{Limit: opts.DeleteTimeout}}
	if opts.Auth != nil {
		c.oidc = auth.New(*opts.Auth, u, timeout)
	}
	return c, nil
}

// URL returns the REST endpoint the client talks to, as colstate shows
// and stores it: a password in it (http://user:password@host, sent as
// basic auth) is masked.
func (c *Client) URL() string { return redact.Of(c.base) }

// ErrNotFound is returned when the addressed collection does not exist.
var ErrNotFound = errors.New("not found")

// StatusError is a non-success answer from Weaviate.
type StatusError struct {
	Method, Path string
	Status       int
	Message      string
	// Hint replaces the API-key hint of a 401 or 403 (set for OIDC).
	Hint string
}

func (e *StatusError) Error() string {
	hint := ""
	if e.Hint != "" {
		hint = " (" + e.Hint + ")"
	}
	switch {
	case hint != "":
	case e.Status == http.StatusUnauthorized:
		hint = " (unauthorized: check the api_key in the weaviate block or WEAVIATE_API_KEY)"
	case e.Status == http.StatusForbidden:
		hint = " (forbidden: the API key lacks the permission for this)"
	}
	return fmt.Sprintf("weaviate %s %s: %d %s%s", e.Method, e.Path, e.Status, e.Message, hint)
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	return c.doWith(ctx, c.http, method, path, body, out)
}

// doWith is do through hc (a DELETE of a collection has its own timeout).
func (c *Client) doWith(ctx context.Context, hc *http.Client, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	p, query, _ := strings.Cut(path, "?")
	u := c.base.JoinPath(p)
	u.RawQuery = query
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	if c.oidc != nil {
		tok, err := c.oidc.Token(ctx)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("weaviate %s %s: %w (is Weaviate running at %s?)", method, path, unwrapURLError(err), c.URL())
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("weaviate %s %s: reading response: %w", method, path, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return ErrNotFound
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{Method: method, Path: path, Status: resp.StatusCode, Message: serverMessage(data)}
		if c.oidc != nil && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
			se.Hint = c.oidc.Hint(se.Status)
		}
		if c.oidc != nil {
			return c.oidc.Redact(se)
		}
		return se
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("weaviate %s %s: decoding response: %w", method, path, err)
		}
	}
	return nil
}

// unwrapURLError drops net/url's "Get \"http://...\":" prefix, which repeats
// what the caller already says.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// serverMessage pulls the human text out of Weaviate's {"error":[{"message":...}]}.
func serverMessage(data []byte) string {
	var e struct {
		Error []struct {
			Message string `json:"message"`
		} `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil {
		var msgs []string
		for _, m := range e.Error {
			msgs = append(msgs, m.Message)
		}
		if e.Message != "" {
			msgs = append(msgs, e.Message)
		}
		if len(msgs) > 0 {
			return strings.Join(msgs, "; ")
		}
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// Version returns the server's version string, e.g. "1.35.2". The first
// successful read is cached for the life of the client, so a command asks
// the server once however many places need it (snapshot manifests, the
// version checks of restores, native backups).
func (c *Client) Version(ctx context.Context) (string, error) {
	c.versionMu.Lock()
	defer c.versionMu.Unlock()
	if c.version != "" {
		return c.version, nil
	}
	var meta struct {
		Version string `json:"version"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/meta", nil, &meta); err != nil {
		return "", err
	}
	if meta.Version == "" {
		return "", errors.New("the server's /v1/meta reports no version")
	}
	c.version = meta.Version
	return c.version, nil
}

// Modules returns the names of the modules the server has enabled (GET
// /v1/meta).
func (c *Client) Modules(ctx context.Context) (map[string]bool, error) {
	var meta struct {
		Modules map[string]json.RawMessage `json:"modules"`
	}
	err := c.retry(ctx, "read the server's modules", func() error {
		return c.do(ctx, http.MethodGet, "/v1/meta", nil, &meta)
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(meta.Modules))
	for name := range meta.Modules {
		out[name] = true
	}
	return out, nil
}
