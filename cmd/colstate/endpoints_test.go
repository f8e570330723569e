package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestEndpointsMismatch: the REST and the gRPC endpoint reach two
// different servers (a stale WEAVIATE_GRPC_URL). colstate must notice
// before it reads or writes any object, refuse with both addresses, and
// leave both servers as they were. Before the check, clear counted 0
// objects over REST and deleted 12 over gRPC, and backup mixed one
// server's schema with the other's objects.
func TestEndpointsMismatch(t *testing.T) {
	t.Parallel()
	shared := weaviatetest.Server(t) // gRPC side throughout
	dir := t.TempDir()
	other, err := weaviatetest.Start(dir, nil) // REST side: a server of its own, so the test controls every collection on it
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		t.Fatalf("start a second Weaviate: %v\n%s", err, log)
	}
	t.Cleanup(func() { _ = other.Stop(30 * time.Second) })
	ctx := context.Background()
	grpcSide := directClient(t, shared.URL, shared.GRPCAddr, "")
	restSide := directClient(t, other.URL, other.GRPCAddr, "")
	mixed := newRig(t, other.URL, shared.GRPCAddr)
	refused := func(p *proc, code int, what string) {
		t.Helper()
		errOut := p.stderrString()
		if code != 1 || !strings.Contains(errOut, "do not reach the same Weaviate") ||
			!strings.Contains(errOut, other.URL) || !strings.Contains(errOut, shared.GRPCAddr) {
			t.Fatalf("%s with REST and gRPC on different servers: exit %d, want 1 and a refusal naming both addresses\n%s", what, code, p.output())
		}
		t.Logf("%s refused: %s", what, strings.TrimSpace(errOut[strings.LastIndex(errOut, "Error: "):]))
	}

	// clear: the collection is empty over REST and holds 12 objects over gRPC.
	const post = "EpMixPost"
	seed(t, grpcSide, post, 12)
	t.Cleanup(func() { _ = grpcSide.Delete(ctx, post) })
	if err := restSide.CreateRaw(ctx, faultClass(post)); err != nil {
		t.Fatal(err)
	}
	p, code := mixed.run("clear", "-auto-approve", "--no-backup", post)
	refused(p, code, "clear")
	if n := liveCount(grpcSide, post); n != 12 {
		t.Fatalf("after the refused clear the gRPC side's %s holds %d objects, want 12", post, n)
	}

	// backup: both servers hold the same objects under the same UUIDs (a
	// logical copy); their creation times tell them apart.
	const copied = "EpMixCopy"
	want := seed(t, grpcSide, copied, 500) // three batches of a restore: the first object must hold back all of them
	t.Cleanup(func() { _ = grpcSide.Delete(ctx, copied) })
	seed(t, restSide, copied, 500)
	p, code = mixed.run("backup", "-auto-approve", "--id", "mixed", copied)
	refused(p, code, "backup")
	if entries, _ := os.ReadDir(mixed.store()); len(entries) != 0 {
		t.Fatalf("the refused backup left %v in the store", names(entries))
	}

	// restore into a server with no collections: nothing to compare until
	// the restore creates the collection over REST; the gRPC side does not
	// know it, and no object is written anywhere.
	good := newRig(t, shared.URL, shared.GRPCAddr)
	good.mustRun("backup", "-auto-approve", "--id", "good", copied)
	for _, name := range []string{post, copied} {
		if err := restSide.Delete(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	const restored = "EpMixRestored"
	t.Cleanup(func() { _ = grpcSide.Delete(ctx, restored) })
	p, code = mixed.run("restore", "-auto-approve", "--store", good.store(), "--as", restored, "good")
	refused(p, code, "restore")
	if _, err := grpcSide.Class(ctx, restored); !errors.Is(err, live.ErrNotFound) {
		t.Fatalf("the refused restore left %s on the gRPC side (%v)", restored, err)
	}
	if got := liveDigest(t, grpcSide, copied); got != want {
		t.Fatalf("the gRPC side's %s changed", copied)
	}

	// Both servers hold a collection of that name, empty: nothing tells
	// them apart until an object is written. The first object goes alone
	// and is read back over REST; it is missing there, and nothing more is
	// written.
	if err := restSide.Delete(ctx, restored); err != nil {
		t.Fatal(err)
	}
	const empty = "EpMixEmpty"
	for _, c := range []*live.Client{restSide, grpcSide} {
		if err := c.CreateRaw(ctx, faultClass(empty)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = grpcSide.Delete(ctx, empty) })
	p, code = mixed.run("restore", "-auto-approve", "--store", good.store(), "--as", empty, "good")
	refused(p, code, "restore into a collection empty on both")
	if !strings.Contains(p.stderrString(), "colstate wrote that object only") {
		t.Fatalf("the refusal does not say how much was written:\n%s", p.output())
	}
	if n := liveCount(grpcSide, empty); n != 1 {
		t.Fatalf("the gRPC side's %s holds %d objects, want the 1 written before the read-back", empty, n)
	}

	// The same commands with both endpoints on one server work.
	good.mustRun("restore", "-auto-approve", "--as", restored, "good")
}
