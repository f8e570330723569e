package state

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// backends opens one state in every kind of backend: the local file, a
// file:// URL, a mem:// URL and an s3:// URL on the real S3 server. open
// returns a new Backend of the same state each call, as a second machine
// would have (mem:// buckets live in one Backend only).
func backends(t *testing.T) map[string]func() *Backend {
	t.Helper()
	ctx := context.Background()
	localPath := filepath.Join(t.TempDir(), "state.json")
	fileURL := "file://" + filepath.Join(t.TempDir(), "dir", "prod.json")
	gw := s3test.Server(t)
	gw.SetEnv(t)
	s3URL := gw.URL(s3test.Prefix(t) + "/prod.json")
	open := func(raw string) func() *Backend {
		return func() *Backend {
			b, err := OpenURL(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			b.PollInterval = 10 * time.Millisecond
			t.Cleanup(func() { b.Close() })
			return b
		}
	}
	mem := open("mem://colstate/prod.json")()
	return map[string]func() *Backend{
		"local": func() *Backend { b := Local(localPath); b.PollInterval = 10 * time.Millisecond; return b },
		"file":  open(fileURL),
		"mem":   func() *Backend { return mem },
		"s3":    open(s3URL),
	}
}

// TestBackendConformance runs the same checks on every backend: the
// guarantees of the local state file hold wherever the state lives.
func TestBackendConformance(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			b := open()

			// Round trip, serial, backup.
			s, err := b.Read(ctx)
			if err != nil || s.Serial != 0 || s.Lineage == "" {
				t.Fatalf("empty read: %+v, %v", s, err)
			}
			c := collection.Collection{Name: "A", Description: "first"}
			s.Collections["A"] = c
			if err := b.Write(ctx, s); err != nil {
				t.Fatal(err)
			}
			c.Description = "second"
			s.Collections["A"] = c
			if err := b.Write(ctx, s); err != nil {
				t.Fatal(err)
			}
			got, err := open().Read(ctx)
			if err != nil || got.Serial != 2 || got.Lineage != s.Lineage || got.Collections["A"].Description != "second" {
				t.Fatalf("read back %+v, %v", got, err)
			}
			prev, err := b.objs.get(ctx, b.key+".backup")
			if err != nil {
				t.Fatal(err)
			}
			if ps, err := Decode(prev, "backup"); err != nil || ps.Serial != 1 || ps.Collections["A"].Description != "first" {
				t.Fatalf("backup = %+v, %v", ps, err)
			}

			// Two writers that read the same serial: the second is refused
			// and the first one's state stays.
			one, _ := open().Read(ctx)
			two, _ := open().Read(ctx)
			one.Collections["B"] = collection.Collection{Name: "B"}
			if err := open().Write(ctx, one); err != nil {
				t.Fatal(err)
			}
			two.Collections["C"] = collection.Collection{Name: "C"}
			err = open().Write(ctx, two)
			var ce *ConflictError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), "read at serial 2") || !strings.Contains(err.Error(), "serial is now 3") {
				t.Fatalf("second writer: %v, want a conflict naming serials 2 and 3", err)
			}
			if two.Serial != 2 {
				t.Fatalf("refused write changed the serial to %d", two.Serial)
			}
			if now, _ := open().Read(ctx); now.Serial != 3 || !now.Managed("B") || now.Managed("C") {
				t.Fatalf("after the refused write: %+v", now)
			}

			// Files beside the state.
			if _, err := b.ReadFile(ctx, "journal"); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("missing journal: %v", err)
			}
			if err := b.WriteFile(ctx, "journal", []byte("j1")); err != nil {
				t.Fatal(err)
			}
			if err := b.WriteFile(ctx, "tenants.7", []byte("t")); err != nil {
				t.Fatal(err)
			}
			if data, err := open().ReadFile(ctx, "journal"); err != nil || string(data) != "j1" {
				t.Fatalf("journal read back %q, %v", data, err)
			}
			if names, err := open().ListFiles(ctx, "tenants."); err != nil || len(names) != 1 || names[0] != "tenants.7" {
				t.Fatalf("ListFiles = %v, %v", names, err)
			}
			if err := b.RemoveFile(ctx, "journal"); err != nil {
				t.Fatal(err)
			}
			if err := b.RemoveFile(ctx, "journal"); err != nil {
				t.Fatalf("removing a missing file: %v", err)
			}
			if _, err := b.ReadFile(ctx, "journal"); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("removed journal: %v", err)
			}

			testLocks(t, open)
		})
	}
}

// testLocks: of concurrent lockers on separate backends (machines) exactly
// one wins; the others fail naming the holder and the lock's age, or wait
// and then get it; force-unlock removes only the lock it names.
func testLocks(t *testing.T, open func() *Backend) {
	ctx := context.Background()
	const n = 6
	var wg sync.WaitGroup
	locks := make([]*Lock, n)
	errs := make([]error, n)
	for i := range n {
		b := open()
		wg.Go(func() { locks[i], errs[i] = b.Lock(ctx, "apply", 0) })
	}
	wg.Wait()
	var winner *Lock
	for i := range n {
		if errs[i] == nil {
			if winner != nil {
				t.Fatal("two lockers hold the lock")
			}
			winner = locks[i]
			continue
		}
		var le *LockedError
		if !errors.As(errs[i], &le) || le.Info == nil {
			t.Fatalf("loser %d: %v", i, errs[i])
		}
	}
	if winner == nil {
		t.Fatalf("nobody got the lock: %v", errs)
	}
	_, err := open().Lock(ctx, "plan", 30*time.Millisecond)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	for _, want := range []string{"held by " + winner.Info.Who, `for "apply"`, "s ago)", "waited", winner.Info.ID, "force-unlock"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("blocked locker: %q lacks %q", msg, want)
		}
	}
	if info, err := open().ReadLock(ctx); err != nil || info == nil || info.ID != winner.Info.ID {
		t.Fatalf("ReadLock = %+v, %v", info, err)
	}

	// A waiter gets the lock once the holder releases it.
	got := make(chan error, 1)
	waiter := open()
	go func() {
		l, err := waiter.Lock(ctx, "apply", 30*time.Second)
		if err == nil {
			err = l.Unlock()
		}
		got <- err
	}()
	time.AfterFunc(50*time.Millisecond, func() { winner.Unlock() })
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}

	// force-unlock: a wrong ID removes nothing; the right one does, and
	// the old holder's Unlock then says so.
	held, err := open().Lock(ctx, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open().ForceUnlock(ctx, "not-the-id", false); err == nil || !strings.Contains(err.Error(), "nothing was removed") {
		t.Fatalf("force-unlock with a wrong ID: %v", err)
	}
	// Its holder (this process) still runs on this host: refused unless
	// forced, naming the holder's pid and what to do.
	var running *HolderRunningError
	if _, err := open().ForceUnlock(ctx, held.Info.ID, false); !errors.As(err, &running) || !strings.Contains(err.Error(), "force-unlock --force "+held.Info.ID) {
		t.Fatalf("force-unlock of a lock whose holder runs: %v", err)
	}
	if info, err := open().ForceUnlock(ctx, held.Info.ID, true); err != nil || info.ID != held.Info.ID {
		t.Fatalf("force-unlock: %+v, %v", info, err)
	}
	if err := held.Unlock(); err == nil || !strings.Contains(err.Error(), "removed while colstate held it") {
		t.Fatalf("Unlock after force-unlock: %v", err)
	}
	if info, err := open().ReadLock(ctx); err != nil || info != nil {
		t.Fatalf("after force-unlock the lock is %+v, %v", info, err)
	}
}

// TestS3WrongCredentials: a refused secret is a clear error naming the state
// URL and where credentials come from, and never the secret.
func TestS3WrongCredentials(t *testing.T) {
	gw := s3test.Server(t)
	gw.SetEnv(t)
	const secret = "not-the-right-secret-1234"
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	key := s3test.Prefix(t) + "/prod.json"
	b, err := OpenURL(context.Background(), gw.URL(key))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = b.Read(context.Background())
	if err == nil {
		t.Fatal("read with a wrong secret succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"s3://" + s3test.Bucket + "/" + key, "refused the credentials", "SignatureDoesNotMatch", "AWS_ACCESS_KEY_ID"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, secret) || strings.Contains(msg, gw.Endpoint+"&") {
		t.Errorf("error leaks the secret or the query: %q", msg)
	}
	if _, err := b.Lock(context.Background(), "apply", 0); err == nil || !strings.Contains(err.Error(), "refused the credentials") {
		t.Errorf("lock with a wrong secret: %v", err)
	}
}

// TestS3MissingBucket: a state URL naming a bucket that does not exist is
// an error that names the bucket and says to create it or fix the URL, for
// a read (never an empty new state, which would plan everything afresh), a
// lock and a write.
func TestS3MissingBucket(t *testing.T) {
	gw := s3test.Server(t)
	gw.SetEnv(t)
	ctx := context.Background()
	b, err := OpenURL(ctx, gw.BucketURL("no-such-bucket", "prod/state.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, rerr := b.Read(ctx)
	_, lerr := b.Lock(ctx, "apply", 0)
	werr := b.Write(ctx, New())
	for op, err := range map[string]error{"read": rerr, "lock": lerr, "write": werr} {
		if err == nil {
			t.Errorf("%s of a state in a missing bucket succeeded", op)
			continue
		}
		for _, want := range []string{`bucket "no-such-bucket" does not exist`, "create it", "check the bucket name and the endpoint in the URL"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q lacks %q", op, err, want)
			}
		}
	}
}

// TestS3InterruptedWriteIsNeverRead: an upload cut off before it completes
// (a multipart upload of 12 MB, its context cancelled after the first 6)
// leaves the previous state in place; S3 only shows an object once it is
// complete.
func TestS3InterruptedWriteIsNeverRead(t *testing.T) {
	gw := s3test.Server(t)
	gw.SetEnv(t)
	ctx := context.Background()
	b, err := OpenURL(ctx, gw.URL(s3test.Prefix(t)+"/prod.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, _ := b.Read(ctx)
	if err := b.Write(ctx, s); err != nil {
		t.Fatal(err)
	}
	bkt := b.objs.(*blobObjects).bkt
	wctx, cancel := context.WithCancel(ctx)
	w, err := bkt.NewWriter(wctx, b.key, &blob.WriterOptions{BufferSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("x"), 6<<20)
	if _, err := w.Write(chunk); err != nil {
		t.Fatal(err)
	}
	cancel()
	w.Write(chunk)
	if err := w.Close(); err == nil {
		t.Fatal("the cancelled upload completed")
	}
	got, err := b.Read(ctx)
	if err != nil || got.Serial != 1 || got.Lineage != s.Lineage {
		t.Fatalf("after an interrupted write: %+v, %v", got, err)
	}
}

func TestParseURL(t *testing.T) {
	for raw, want := range map[string]string{
		"s3://b/dir/prod.json?region=eu-west-1&endpoint=http://h:9000&use_path_style=true": "bucket s3://b?endpoint=http%3A%2F%2Fh%3A9000&region=eu-west-1&use_path_style=true key dir/prod.json show s3://b/dir/prod.json",
		"gs://b/prod.json":                               "bucket gs://b key prod.json show gs://b/prod.json",
		"azblob://c/x/prod.json":                         "bucket azblob://c key x/prod.json show azblob://c/x/prod.json",
		"file:///tmp/st/prod.json":                       "bucket file:///tmp/st/?create_dir=true key prod.json show file:///tmp/st/prod.json",
		"mem://m/prod.json":                              "bucket mem://m key prod.json show mem://m/prod.json",
		"s3://user:hunter2@b/prod.json":                  "error carries credentials",
		"s3://b/prod.json?aws_secret_access_key=hunter2": `error parameter "aws_secret_access_key" carries or points at a credential`,
		"s3://b/prod.json?prefix=x":                      `error parameter "prefix" is not accepted`,
		"azblob://c/prod.json?sig=hunter2":               `error parameter "sig" carries or points at a credential`,
		// gocloud reads these, but they name credentials: refused as the
		// snapshot store refuses them (one policy, blobcred.CheckParam).
		"gs://b/prod.json?access_id=hunter2":                    `error parameter "access_id" carries or points at a credential`,
		"gs://b/prod.json?private_key_path=/hunter2.pem":        `error parameter "private_key_path" carries or points at a credential`,
		"s3://b/prod.json?web_identity_token_file=/hunter2.jwt": `error parameter "web_identity_token_file" carries or points at a credential`,
		"s3://b/":            "error names no state object",
		"s3:///prod.json":    "error no bucket",
		"http://b/prod.json": "error not supported",
	} {
		p, err := ParseURL(raw)
		if strings.HasPrefix(want, "error ") {
			if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(want, "error ")) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%s: err = %v, want %q without the secret", raw, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if got := "bucket " + p.BucketURL + " key " + p.Key + " show " + p.Display; got != want {
			t.Errorf("%s:\n got %s\nwant %s", raw, got, want)
		}
	}
}

// TestCheckNameRefusesSideFiles: a state named like a file kept beside
// another state (X.backup, X.lock, X.journal, X.tenants.*) is refused, as a
// path and as a URL, since that state's next write would replace it.
func TestCheckNameRefusesSideFiles(t *testing.T) {
	for name, refused := range map[string]bool{
		"state.json":                   false,
		".colstate/state.json":         false,
		"backup":                       false,
		"prod.backups/state.json":      false,
		"tenants.json":                 false,
		"dir.lock/state.json":          false,
		"state.json.backup":            true,
		"../shared/state.json.backup":  true,
		"state.json.BACKUP":            true,
		"state.json.lock":              true,
		"state.json.journal":           true,
		"state.json.tenants.42":        true,
		"state.json.tenants.host.42":   true,
		`C:\st\state.json.journal`:     true,
		"prod/state.json.tenants.x.js": true,
	} {
		err := CheckName(name, name)
		if (err != nil) != refused {
			t.Errorf("%s: err = %v, want refused %v", name, err, refused)
			continue
		}
		if err != nil && (!strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "choose another name")) {
			t.Errorf("%s: message does not name the state or say what to do: %v", name, err)
		}
	}
	for _, raw := range []string{"s3://b/prod/state.json.backup", "mem://m/state.json.lock", "file:///tmp/st/state.json.tenants.7", "gs://b/x.journal?"} {
		_, err := ParseURL(raw)
		if err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(raw, "?")) || !strings.Contains(err.Error(), "choose another name") {
			t.Errorf("%s: err = %v, want a refusal naming the URL", raw, err)
		}
	}
	if _, err := OpenURL(context.Background(), "mem://m/state.json.journal"); err == nil {
		t.Error("OpenURL opened a state named like a journal")
	}
}
