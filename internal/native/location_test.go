package native_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/native"
	"github.com/colstate/colstate/internal/s3test"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// s3Clients starts a Weaviate of the test's own with backup-s3 reaching the
// package's S3 server (versitygw).
func s3Clients(t *testing.T) (*live.Client, *native.Client, *s3test.Gateway) {
	gw := s3test.Server(t)
	dir := t.TempDir()
	srv, err := weaviatetest.Start(dir, gw.WeaviateBackupEnv(s3test.Bucket))
	if err != nil {
		if log, rerr := os.ReadFile(filepath.Join(dir, "server.log")); rerr == nil {
			t.Logf("server log:\n%s", log)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(30 * time.Second) })
	lc, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lc.Close() })
	nc, err := native.New(srv.URL, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	nc.Poll = 50 * time.Millisecond
	return lc, nc, gw
}

// A backup placed at a Location (raw REST: the go-client's models have no
// Bucket or Path) is written there, found there by status and restore, and
// not at the module's own place; Ctrl-C cancels it there, and the call
// returns only once the server stopped writing.
func TestLocation(t *testing.T) {
	lc, nc, gw := s3Clients(t)
	ctx := context.Background()
	name := weaviatetest.Name(t, "Native")
	load(t, lc, name, 50)
	loc := native.Location{Bucket: s3test.Bucket, Path: s3test.Prefix(t) + "/snap/native"}
	id := strings.ToLower(name) + "-1"
	b, err := nc.CreateBackup(ctx, "s3", id, loc, []string{name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.Path, loc.Path+"/"+id) {
		t.Errorf("backup path %q, want it under %s", b.Path, loc.Path)
	}
	if _, err := gw.Client().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Path + "/" + id + "/backup_config.json")}); err != nil {
		t.Fatalf("no backup_config.json at the location: %v", err)
	}
	if st, _, err := nc.BackupStatus(ctx, "s3", id, loc); err != nil || st != "SUCCESS" {
		t.Fatalf("status at the location: %q, %v", st, err)
	}
	if st, _, err := nc.BackupStatus(ctx, "s3", id, native.Location{}); err == nil && st == "SUCCESS" {
		t.Fatalf("the backup is also at the module's own place: %q", st)
	}
	if err := lc.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := nc.Restore(ctx, "s3", id, native.Location{}, []string{name}, nil); err == nil {
		t.Fatal("restore from the module's own place found the backup")
	}
	if err := nc.Restore(ctx, "s3", id, loc, []string{name}, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := lc.Count(ctx, name, ""); err != nil || n != 50 {
		t.Fatalf("restored %d objects (%v), want 50", n, err)
	}

	big := weaviatetest.Name(t, "NativeBig")
	load(t, lc, big, 2000)
	cctx, cancel := context.WithCancel(ctx)
	id2 := strings.ToLower(big) + "-c"
	_, err = nc.CreateBackup(cctx, "s3", id2, loc, []string{big}, func(string, time.Duration) { cancel() })
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "was cancelled") {
		t.Fatalf("cancelled backup: %v, want context.Canceled and the backup cancelled", err)
	}
	st, _, err := nc.BackupStatus(ctx, "s3", id2, loc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st, "CANCEL") || strings.HasPrefix(st, "CANCELLING") {
		t.Fatalf("status %q after a cancelled backup returned, want CANCELED", st)
	}
}
