package native

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/weaviate/weaviate-go-client/v4/weaviate/fault"
	"github.com/weaviate/weaviate/entities/models"
)

// Location places a backup in a bucket and a path inside it instead of
// where the backend's module is configured to keep backups: Weaviate's
// backup `config.Bucket` and `config.Path`, taken by create and restore,
// and the `bucket` and `path` query parameters of the status and cancel
// calls (read in Weaviate 1.35.2's REST handlers and backup-s3 module).
// The zero Location is the module's own. It never holds credentials: the
// server uses its own.
type Location struct {
	Bucket string
	Path   string
}

// IsZero reports whether l is the module's own location.
func (l Location) IsZero() bool { return l.Bucket == "" && l.Path == "" }

// restClient makes the backup calls that carry a Location over raw REST:
// weaviate-go-client v4.16.1's models are Weaviate v1.27.0's, whose
// BackupConfig has no Bucket or Path and whose status getters, restorer and
// canceler take no bucket or path. Its answers decode into the same
// models the client returns, and its errors are the client's
// WeaviateClientError, so IsNotFound and the callers see no difference.
type restClient struct {
	base   string // scheme://host[/path]
	hc     *http.Client
	header string // Authorization, when hc does not sign requests itself
}

// locationConfig is the part of Weaviate's BackupConfig and RestoreConfig
// colstate sets; Weaviate reads the capitalised names.
type locationConfig struct {
	CompressionLevel string `json:"CompressionLevel,omitempty"`
	Bucket           string `json:"Bucket,omitempty"`
	Path             string `json:"Path,omitempty"`
}

func (r restClient) create(ctx context.Context, backend, id string, classes []string, cfg *models.BackupConfig, loc Location) (*models.BackupCreateResponse, error) {
	lc := locationConfig{Bucket: loc.Bucket, Path: loc.Path}
	if cfg != nil {
		lc.CompressionLevel = cfg.CompressionLevel
	}
	body := map[string]any{"id": id, "include": classes, "config": lc}
	var out models.BackupCreateResponse
	return &out, r.do(ctx, http.MethodPost, "/v1/backups/"+url.PathEscape(backend), nil, body, &out)
}

func (r restClient) createStatus(ctx context.Context, backend, id string, loc Location) (*models.BackupCreateStatusResponse, error) {
	var out models.BackupCreateStatusResponse
	return &out, r.do(ctx, http.MethodGet, "/v1/backups/"+url.PathEscape(backend)+"/"+url.PathEscape(id), loc.query(), nil, &out)
}

func (r restClient) cancel(ctx context.Context, backend, id string, loc Location) error {
	return r.do(ctx, http.MethodDelete, "/v1/backups/"+url.PathEscape(backend)+"/"+url.PathEscape(id), loc.query(), nil, nil)
}

func (r restClient) restore(ctx context.Context, backend, id string, classes []string, loc Location) (*models.BackupRestoreResponse, error) {
	body := map[string]any{"include": classes, "config": locationConfig{Bucket: loc.Bucket, Path: loc.Path}}
	var out models.BackupRestoreResponse
	return &out, r.do(ctx, http.MethodPost, "/v1/backups/"+url.PathEscape(backend)+"/"+url.PathEscape(id)+"/restore", nil, body, &out)
}

func (r restClient) restoreStatus(ctx context.Context, backend, id string, loc Location) (*models.BackupRestoreStatusResponse, error) {
	var out models.BackupRestoreStatusResponse
	return &out, r.do(ctx, http.MethodGet, "/v1/backups/"+url.PathEscape(backend)+"/"+url.PathEscape(id)+"/restore", loc.query(), nil, &out)
}

func (l Location) query() url.Values {
	q := url.Values{}
	if l.Bucket != "" {
		q.Set("bucket", l.Bucket)
	}
	if l.Path != "" {
		q.Set("path", l.Path)
	}
	return q
}

// do sends one request; a status other than 2xx is a WeaviateClientError
// carrying the server's message.
func (r restClient) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	u := r.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.header != "" {
		req.Header.Set("Authorization", r.header)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return &fault.WeaviateClientError{Msg: "connection to Weaviate failed", DerivedFromError: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &fault.WeaviateClientError{Msg: "read Weaviate's answer", DerivedFromError: err}
	}
	if resp.StatusCode/100 != 2 {
		return &fault.WeaviateClientError{IsUnexpectedStatusCode: true, StatusCode: resp.StatusCode, Msg: string(bytes.TrimSpace(data))}
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode Weaviate's answer to %s %s: %w", method, path, err)
	}
	return nil
}

// running reports whether a backup's status says it may still write.
func running(status string) bool {
	switch status {
	case models.BackupCreateStatusResponseStatusSTARTED, models.BackupCreateStatusResponseStatusTRANSFERRING,
		models.BackupCreateStatusResponseStatusTRANSFERRED, "CANCELLING":
		return true
	}
	return false
}
