package live_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestBigObjectsPageAndBatch: a cursor page or a write batch of big
// objects can exceed the server's gRPC message limit
// (GRPC_MAX_MESSAGE_SIZE, 104 MB by default; 1 MiB here). Found as a
// hostile user: a backup of 120 objects of 1 MB each failed with
// "trying to send message larger than max", after 84 s of retries. A page
// is now asked for in halves, a batch sent in halves.
func TestBigObjectsPageAndBatch(t *testing.T) {
	dir := t.TempDir()
	srv, err := weaviatetest.Start(dir, map[string]string{"GRPC_MAX_MESSAGE_SIZE": "1048576"})
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		t.Fatalf("start Weaviate: %v\n%s", err, log)
	}
	t.Cleanup(func() { _ = srv.Stop(30 * time.Second) })
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.CreateRaw(ctx, live.Class{"class": "Big", "vectorizer": "none", "properties": []any{
		map[string]any{"name": "t", "dataType": []any{"text"}, "indexSearchable": false, "indexFilterable": false},
	}}); err != nil {
		t.Fatal(err)
	}
	cl, err := c.Class(ctx, "Big")
	if err != nil {
		t.Fatal(err)
	}
	s := live.SchemaOf(cl)
	const n, size = 24, 200 << 10 // 4.8 MB in all, 24 in one batch and one page
	bw := c.NewBatchWriter(ctx, s, "Big", 100, 1)
	for i := range n {
		o := &object.Object{ID: fmt.Sprintf("70000000-0000-4000-8000-%012d", i),
			Properties: map[string]any{"t": strings.Repeat(string(rune('a'+i)), size)}}
		if err := bw.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Close(); err != nil {
		t.Fatalf("write %d objects of %d KiB: %v", n, size>>10, err)
	}
	got := 0
	err = c.ReadObjects(ctx, s, live.ReadOptions{}, func(o *object.Object) error {
		if v, _ := o.Properties["t"].(string); len(v) != size || v[0] != byte('a'+got) {
			return fmt.Errorf("object %s read back with %d bytes", o.ID, len(v))
		}
		got++
		return nil
	})
	if err != nil || got != n {
		t.Fatalf("read back %d of %d objects: %v", got, n, err)
	}
}
