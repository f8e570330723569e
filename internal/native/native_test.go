package native_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/native"
	"github.com/colstate/colstate/internal/s3test"
	"github.com/colstate/colstate/internal/weaviatetest"
)

func TestMain(m *testing.M) { os.Exit(weaviatetest.Main(s3test.Around(m))) }

func clients(t *testing.T) (*live.Client, *native.Client) {
	srv := weaviatetest.Server(t)
	lc, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	nc, err := native.New(srv.URL, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	nc.Poll = 50 * time.Millisecond
	return lc, nc
}

func load(t *testing.T, lc *live.Client, name string, n int) {
	ctx := context.Background()
	if err := lc.CreateRaw(ctx, livetest.AuthorClass(name)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lc.Delete(context.Background(), name) })
	if err := livetest.Insert(ctx, lc, name, livetest.Authors(1, n)); err != nil {
		t.Fatal(err)
	}
}

func TestServerFacts(t *testing.T) {
	_, nc := clients(t)
	s, err := nc.Server(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Version == "" || len(s.Nodes) != 1 || !s.Has("filesystem") || s.Backend() != "filesystem" {
		t.Fatalf("server facts %+v: want a version, one node and the filesystem backend", s)
	}
}

// A native backup made, reported, and restored into the absent collection
// with every object back.
func TestBackupRestore(t *testing.T) {
	lc, nc := clients(t)
	ctx := context.Background()
	name := weaviatetest.Name(t, "Native")
	load(t, lc, name, 50)
	var seen []string
	id := strings.ToLower(name) + "-1"
	b, err := nc.CreateBackup(ctx, "filesystem", id, native.Location{}, []string{name}, func(s string, _ time.Duration) { seen = append(seen, s) })
	if err != nil {
		t.Fatal(err)
	}
	if b.Path == "" || len(seen) == 0 || seen[len(seen)-1] != "SUCCESS" {
		t.Fatalf("backup %+v, statuses %v: want a path and SUCCESS last", b, seen)
	}
	st, _, err := nc.BackupStatus(ctx, "filesystem", id, native.Location{})
	if err != nil || st != "SUCCESS" {
		t.Fatalf("status %q, %v", st, err)
	}
	if _, _, err := nc.BackupStatus(ctx, "filesystem", id+"-absent", native.Location{}); !native.IsNotFound(err) {
		t.Fatalf("status of an absent backup: %v, want a 404", err)
	}
	if err := lc.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := nc.Restore(ctx, "filesystem", id, native.Location{}, []string{name}, nil); err != nil {
		t.Fatal(err)
	}
	n, err := lc.Count(ctx, name, "")
	if err != nil || n != 50 {
		t.Fatalf("restored %d objects (%v), want 50", n, err)
	}
	// Weaviate refuses restoring into a collection that exists.
	if err := nc.Restore(ctx, "filesystem", id, native.Location{}, []string{name}, nil); err == nil {
		t.Fatal("restore into an existing collection succeeded")
	}
}

// Ctrl-C during a backup cancels it on the server (Canceler): the call
// returns the context's error, and Weaviate reports the backup cancelled,
// not a success.
func TestBackupCancel(t *testing.T) {
	lc, nc := clients(t)
	name := weaviatetest.Name(t, "Native")
	load(t, lc, name, 2000)
	ctx, cancel := context.WithCancel(context.Background())
	id := strings.ToLower(name) + "-1"
	_, err := nc.CreateBackup(ctx, "filesystem", id, native.Location{}, []string{name}, func(string, time.Duration) { cancel() })
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "was cancelled") {
		t.Fatalf("cancelled backup: %v, want context.Canceled and the backup cancelled", err)
	}
	// The server finishes cancelling on its own time: wait for it to say so.
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, _, err := nc.BackupStatus(context.Background(), "filesystem", id, native.Location{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(st, "CANCEL") && !strings.HasPrefix(st, "CANCELLING") {
			return
		}
		if st == "SUCCESS" {
			t.Fatalf("backup status %s after cancel, want CANCELED", st)
		}
		if time.Now().After(deadline) {
			t.Fatalf("backup status still %s a minute after cancel", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
