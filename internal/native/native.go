// Package native drives Weaviate's own backups through
// weaviate-go-client/v4: it creates, polls, cancels and restores backups
// of whole collections, and reads the facts deciding whether a native
// backup can be made or restored here (server version, enabled backup
// modules, node names). Schemas stay with internal/live's raw REST: the
// client's v1.27 models would lose settings.
package native

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/weaviate/weaviate-go-client/v4/weaviate"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/backup"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/fault"
	"github.com/weaviate/weaviate/entities/models"

	"github.com/colstate/colstate/internal/redact"
)

// Backends colstate knows, as Weaviate names them in its backup API, in
// the order colstate prefers them, with the module providing each.
var Backends = []struct{ Name, Module string }{
	{backup.BACKEND_FILESYSTEM, "backup-filesystem"},
	{backup.BACKEND_S3, "backup-s3"},
	{backup.BACKEND_GCS, "backup-gcs"},
	{backup.BACKEND_AZURE, "backup-azure"},
}

// ModuleOf is the Weaviate module providing backend ("" when unknown).
func ModuleOf(backend string) string {
	for _, b := range Backends {
		if b.Name == backend {
			return b.Module
		}
	}
	return ""
}

// Client talks to one Weaviate's backup, meta and nodes APIs.
type Client struct {
	wv *weaviate.Client
	// rest carries the calls that place a backup in a bucket and path of
	// the caller's choosing (location.go): the go-client's models
	// (Weaviate v1.27) have no Bucket or Path.
	rest restClient
	// Poll is how often, at most, a running backup or restore is asked
	// for its status; tests shorten it. A young one is asked sooner (see
	// interval).
	Poll time.Duration
}

// minPoll is the shortest wait between two status requests.
const minPoll = 20 * time.Millisecond

// interval is how long to wait before asking again for the status of a
// backup or restore running for elapsed: a fiftieth of that, between
// minPoll and Poll. The wait after the server finishes adds to every
// backup and restore, so it is kept to about 2% of its time plus 20 ms,
// where a fixed Poll added up to 200 ms to a restore of two seconds.
func (c *Client) interval(elapsed time.Duration) time.Duration {
	return min(max(elapsed/50, minPoll), c.Poll)
}

// New connects to the Weaviate at base (its REST URL), with apiKey as a
// bearer token when set. It does not reach the server.
//
// hc, when not nil, carries every request (colstate passes live's signing
// client, so an API key or an OIDC token is sent exactly as on REST and
// gRPC); otherwise apiKey, if any, is sent as a bearer header.
func New(base, apiKey string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("weaviate url %q: not an http(s) URL", redact.URL(base))
	}
	host := u.Host + strings.TrimSuffix(u.Path, "/")
	cfg := weaviate.Config{Host: host, Scheme: u.Scheme, Timeout: 60 * time.Second}
	switch {
	case hc != nil:
		cfg.ConnectionClient = hc
	case apiKey != "":
		cfg.Headers = map[string]string{"Authorization": "Bearer " + apiKey}
	}
	rc := restClient{base: u.Scheme + "://" + host, hc: hc}
	if rc.hc == nil {
		rc.hc = &http.Client{Timeout: cfg.Timeout}
		if apiKey != "" {
			rc.header = "Bearer " + apiKey
		}
	}
	return &Client{wv: weaviate.New(cfg), rest: rc, Poll: 200 * time.Millisecond}, nil
}

// Server is what a native backup or restore needs to know of the server.
type Server struct {
	Version  string
	Backends []string // backup backends whose module is enabled, in colstate's order
	Nodes    []string // node names, sorted
}

// Has reports whether backend is enabled.
func (s Server) Has(backend string) bool { return slices.Contains(s.Backends, backend) }

// Backend is the backend a native backup goes to: filesystem when
// enabled, else the first other one; "" when none is.
func (s Server) Backend() string {
	if len(s.Backends) == 0 {
		return ""
	}
	return s.Backends[0]
}

// Server reads the server's version, enabled backup modules and nodes.
func (c *Client) Server(ctx context.Context) (Server, error) {
	meta, err := c.wv.Misc().MetaGetter().Do(ctx)
	if err != nil {
		return Server{}, fmt.Errorf("read Weaviate's meta (version, modules): %w", err)
	}
	s := Server{Version: meta.Version}
	mods, _ := meta.Modules.(map[string]any)
	for _, b := range Backends {
		if _, ok := mods[b.Module]; ok {
			s.Backends = append(s.Backends, b.Name)
		}
	}
	nodes, err := c.wv.Cluster().NodesStatusGetter().Do(ctx)
	if err != nil {
		return Server{}, fmt.Errorf("read Weaviate's nodes: %w", err)
	}
	for _, n := range nodes.Nodes {
		s.Nodes = append(s.Nodes, n.Name)
	}
	sort.Strings(s.Nodes)
	return s, nil
}

// Progress is told each status a running backup or restore reports.
type Progress func(status string, elapsed time.Duration)

// Backup is a finished native backup.
type Backup struct {
	Backend string
	ID      string
	Path    string // where the backend keeps it, as Weaviate reports it
}

// zstdBestSpeed is the compression Weaviate 1.27+ takes besides the
// client's enum (gzip levels): about 5× faster than the default here.
const zstdBestSpeed = "ZstdBestSpeed"

// CreateBackup makes a native backup of classes under id into backend (at
// loc, or where the backend's module is configured to keep backups when
// loc is zero) and waits for it, polling its status. When ctx ends first,
// the backup is cancelled on the server (Canceler) and ctx's error
// returned. The backup
// is compressed with ZstdBestSpeed where the server takes it (Weaviate
// 1.27 and later); otherwise with the server's default.
func (c *Client) CreateBackup(ctx context.Context, backend, id string, loc Location, classes []string, progress Progress) (Backup, error) {
	create := func(cfg *models.BackupConfig) (*models.BackupCreateResponse, error) {
		if !loc.IsZero() {
			return c.rest.create(ctx, backend, id, classes, cfg, loc)
		}
		return c.wv.Backup().Creator().WithBackend(backend).WithBackupID(id).
			WithIncludeClassNames(classes...).WithConfig(cfg).Do(ctx)
	}
	cfg := &models.BackupConfig{CompressionLevel: zstdBestSpeed}
	resp, err := whenIdle(ctx, c.Poll, progress, func() (*models.BackupCreateResponse, error) { return create(cfg) })
	if err != nil && strings.Contains(err.Error(), "ompression") && ctx.Err() == nil {
		// an older server without zstd
		resp, err = whenIdle(ctx, c.Poll, progress, func() (*models.BackupCreateResponse, error) { return create(nil) })
	}
	if err != nil {
		return Backup{}, fmt.Errorf("start Weaviate's backup %s on backend %s: %w", id, backend, err)
	}
	b := Backup{Backend: backend, ID: id, Path: resp.Path}
	start := time.Now()
	for {
		st, err := c.createStatus(ctx, backend, id, loc)
		if ctx.Err() != nil {
			return b, c.cancel(ctx, backend, id, loc)
		}
		if err != nil {
			return b, fmt.Errorf("status of Weaviate's backup %s: %w", id, err)
		}
		status := deref(st.Status)
		if st.Path != "" {
			b.Path = st.Path
		}
		if progress != nil {
			progress(status, time.Since(start))
		}
		switch status {
		case models.BackupCreateStatusResponseStatusSUCCESS:
			return b, nil
		case models.BackupCreateStatusResponseStatusFAILED, "CANCELED", "CANCELLED":
			return b, fmt.Errorf("Weaviate's backup %s on backend %s ended %s: %s", id, backend, status, st.Error)
		}
		if err := sleep(ctx, c.interval(time.Since(start))); err != nil {
			return b, c.cancel(ctx, backend, id, loc)
		}
	}
}

// cancel asks the server to cancel a running backup after ctx ended, and
// returns ctx's error with what became of it. A backup placed at loc is
// waited for until the server says it stopped (at most 30 s): the caller
// then removes what it wrote, which it must not do while the server still
// writes there.
func (c *Client) cancel(ctx context.Context, backend, id string, loc Location) error {
	cctx, stop := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer stop()
	var err error
	if loc.IsZero() {
		err = c.wv.Backup().Canceler().WithBackend(backend).WithBackupID(id).Do(cctx)
	} else {
		err = c.rest.cancel(cctx, backend, id, loc)
	}
	if err != nil {
		return fmt.Errorf("%w; cancelling Weaviate's backup %s failed too: %v (check it with GET /v1/backups/%s/%s)", ctx.Err(), id, err, backend, id)
	}
	if !loc.IsZero() {
		for cctx.Err() == nil {
			st, err := c.rest.createStatus(cctx, backend, id, loc)
			if err != nil || !running(deref(st.Status)) {
				break
			}
			if sleep(cctx, c.Poll) != nil {
				break
			}
		}
	}
	return fmt.Errorf("%w: Weaviate's backup %s was cancelled", ctx.Err(), id)
}

// createStatus is the status of backup id, at loc when it is not zero.
func (c *Client) createStatus(ctx context.Context, backend, id string, loc Location) (*models.BackupCreateStatusResponse, error) {
	if !loc.IsZero() {
		return c.rest.createStatus(ctx, backend, id, loc)
	}
	return c.wv.Backup().CreateStatusGetter().WithBackend(backend).WithBackupID(id).Do(ctx)
}

// BackupStatus is the status Weaviate reports for a backup it made (at
// loc, when not zero), with its error when it failed.
func (c *Client) BackupStatus(ctx context.Context, backend, id string, loc Location) (status, path string, err error) {
	st, err := c.createStatus(ctx, backend, id, loc)
	if err != nil {
		return "", "", err
	}
	if st.Error != "" {
		return deref(st.Status) + ": " + st.Error, st.Path, nil
	}
	return deref(st.Status), st.Path, nil
}

// Restore restores classes of the native backup id from backend (at loc,
// when not zero) and waits for it. The classes must be absent: Weaviate
// refuses otherwise.
func (c *Client) Restore(ctx context.Context, backend, id string, loc Location, classes []string, progress Progress) error {
	_, err := whenIdle(ctx, c.Poll, progress, func() (*models.BackupRestoreResponse, error) {
		if !loc.IsZero() {
			return c.rest.restore(ctx, backend, id, classes, loc)
		}
		return c.wv.Backup().Restorer().WithBackend(backend).WithBackupID(id).WithIncludeClassNames(classes...).Do(ctx)
	})
	if err != nil {
		return fmt.Errorf("start restoring Weaviate's backup %s from backend %s: %w", id, backend, err)
	}
	start := time.Now()
	for {
		var st *models.BackupRestoreStatusResponse
		if loc.IsZero() {
			st, err = c.wv.Backup().RestoreStatusGetter().WithBackend(backend).WithBackupID(id).Do(ctx)
		} else {
			st, err = c.rest.restoreStatus(ctx, backend, id, loc)
		}
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w while Weaviate restored backup %s: the server goes on with it; check GET /v1/backups/%s/%s/restore", ctx.Err(), id, backend, id)
			}
			return fmt.Errorf("status of the restore of Weaviate's backup %s: %w", id, err)
		}
		status := deref(st.Status)
		if progress != nil {
			progress(status, time.Since(start))
		}
		switch status {
		case models.BackupRestoreStatusResponseStatusSUCCESS:
			return nil
		case models.BackupRestoreStatusResponseStatusFAILED, "CANCELED", "CANCELLED":
			return fmt.Errorf("Weaviate's restore of backup %s from backend %s ended %s: %s", id, backend, status, st.Error)
		}
		if err := sleep(ctx, c.interval(time.Since(start))); err != nil {
			return fmt.Errorf("%w while Weaviate restored backup %s: the server goes on with it; check GET /v1/backups/%s/%s/restore", err, id, backend, id)
		}
	}
}

// MaxWaitIdle bounds how long a backup or restore waits for another one
// the server is running: Weaviate runs one at a time.
var MaxWaitIdle = 30 * time.Minute

// whenIdle starts a backup or restore with start, waiting while Weaviate
// refuses it because another backup or restore is in progress (it runs
// one at a time, server-wide): another colstate, or an operator, may be
// taking one.
func whenIdle[T any](ctx context.Context, poll time.Duration, progress Progress, start func() (T, error)) (T, error) {
	began := time.Now()
	told := false
	for {
		v, err := start()
		if err == nil || !strings.Contains(err.Error(), "already in progress") || time.Since(began) > MaxWaitIdle {
			return v, err
		}
		if !told && progress != nil {
			progress("WAITING (Weaviate is running another backup or restore)", time.Since(began))
			told = true
		}
		if err := sleep(ctx, poll); err != nil {
			return v, err
		}
	}
}

// IsNotFound reports whether err is Weaviate answering 404.
func IsNotFound(err error) bool {
	var we *fault.WeaviateClientError
	return errors.As(err, &we) && we.StatusCode == http.StatusNotFound
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RestoreStatus is the status Weaviate reports for the latest restore of
// backup id ("" with no error when it never restored it): a restore an
// earlier, interrupted colstate started goes on on the server.
func (c *Client) RestoreStatus(ctx context.Context, backend, id string, loc Location) (string, error) {
	var st *models.BackupRestoreStatusResponse
	var err error
	if loc.IsZero() {
		st, err = c.wv.Backup().RestoreStatusGetter().WithBackend(backend).WithBackupID(id).Do(ctx)
	} else {
		st, err = c.rest.restoreStatus(ctx, backend, id, loc)
	}
	if IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return deref(st.Status), nil
}
