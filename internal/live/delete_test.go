package live_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// syncBuffer is a bytes.Buffer safe for the notice goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// onWrite, when set, is called after each write.
	onWrite func()
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	s.mu.Unlock()
	if s.onWrite != nil {
		s.onWrite()
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Deleting a collection with many COLD tenants takes Weaviate longer than
// a request may (10,000 tenants: minutes, against a 60 s client timeout).
// Here 400 tenants take it seconds, and the DELETE request's timeout is
// 300 ms: the request times out, yet Delete waits until Weaviate has
// finished — the class gone from the schema and its files dropped, which
// Weaviate does after the class has left the schema — and succeeds.
// Ctrl-C during the wait stops colstate, not Weaviate, and says so.
func TestDeleteOutlastsRequestTimeout(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	srv := weaviatetest.Server(t)
	name := weaviatetest.Name(t, "BigDelete")
	const tenants = 400
	if err := livetest.ColdTenants(ctx, c, name, tenants); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(srv.DataDir, strings.ToLower(name))
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the collection's files are not where the test looks: %v", err)
	}

	// Ctrl-C at the first notice, while the DELETE runs.
	c.DeleteTimings = live.DeleteTimings{Request: 300 * time.Millisecond, Poll: 50 * time.Millisecond, Notice: 100 * time.Millisecond}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	notices := &syncBuffer{onWrite: cancel}
	c.Notices = notices
	err := c.Delete(cctx, name)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "Weaviate goes on deleting it") {
		t.Fatalf("Delete interrupted by Ctrl-C: %v, want context.Canceled saying Weaviate goes on", err)
	}
	if want := fmt.Sprintf("waiting for Weaviate to finish deleting %s (%d tenants)…", name, tenants); !strings.Contains(notices.String(), want) {
		t.Fatalf("notices %q do not say %q", notices.String(), want)
	}

	// Run again, as the error says: the class is already out of the
	// schema while Weaviate still drops its files. The DELETE times out;
	// Delete waits for the drop and succeeds.
	notices = &syncBuffer{}
	c.Notices = notices
	if err := c.Delete(ctx, name); err != nil {
		t.Fatalf("Delete outlasting its request timeout: %v (notices: %s)", err, notices)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Delete returned while Weaviate still had the collection's files (%v); notices: %s", err, notices)
	}
	if _, err := c.Class(ctx, name); !errors.Is(err, live.ErrNotFound) {
		t.Fatalf("class after Delete: %v, want not found", err)
	}
	t.Logf("notices of the second Delete:\n%s", notices)
}
