package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// native drives one of Weaviate's own backup modules over REST: backend
// "filesystem" (the default) or "s3".
type native struct{ url, backend string }

func (n native) path(id string) string {
	backend := n.backend
	if backend == "" {
		backend = "filesystem"
	}
	return "/v1/backups/" + backend + "/" + id
}

func (n native) call(ctx context.Context, method, path string, body any) (map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, n.url+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	out := map[string]any{}
	_ = json.Unmarshal(data, &out)
	return out, nil
}

// wait polls path until the backup or restore reports SUCCESS.
func (n native) wait(ctx context.Context, path string) error {
	for {
		st, err := n.call(ctx, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		switch st["status"] {
		case "SUCCESS":
			return nil
		case "FAILED", "CANCELED":
			return fmt.Errorf("%s: %v: %v", path, st["status"], st["error"])
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// backup takes a native backup of collection; config nil means the
// module's defaults (gzip).
func (n native) backup(ctx context.Context, id, collection string, config map[string]any) error {
	body := map[string]any{"id": id, "include": []string{collection}}
	if config != nil {
		body["config"] = config
	}
	if _, err := n.call(ctx, http.MethodPost, strings.TrimSuffix(n.path(""), "/"), body); err != nil {
		return err
	}
	return n.wait(ctx, n.path(id))
}

// restore restores collection (which must be absent) from backup id.
func (n native) restore(ctx context.Context, id, collection string) error {
	body := map[string]any{"include": []string{collection}}
	if _, err := n.call(ctx, http.MethodPost, n.path(id)+"/restore", body); err != nil {
		return err
	}
	return n.wait(ctx, n.path(id)+"/restore")
}

var fastest = map[string]any{"CompressionLevel": "ZstdBestSpeed", "CPUPercentage": 80}
