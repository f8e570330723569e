package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// TestAPIKeySecurity runs colstate against a weaviate-server that requires
// an API key (anonymous access off). With the key — from the environment,
// or written in the HCL — plan, apply, a saved plan, backup and restore
// work; a wrong or missing key fails with "unauthorized" on the REST and
// the gRPC paths; and afterwards the key appears in no file colstate wrote
// (state, saved plan, snapshots, the embedded server's log), in the test
// server's log, and in no output. Every file colstate wrote is 0600 and
// every directory 0700.
func TestAPIKeySecurity(t *testing.T) {
	t.Parallel() // with the other fault tests: much of their time is throttled streams and server restarts
	key := "csk-" + randomHex(t, 16)
	wrong := "csk-" + randomHex(t, 16)
	ws := newRestartable(t, map[string]string{
		"AUTHENTICATION_APIKEY_ENABLED":           "true",
		"AUTHENTICATION_APIKEY_ALLOWED_KEYS":      key,
		"AUTHENTICATION_APIKEY_USERS":             "colstate-ci",
		"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "false",
	})
	srv := ws.srv
	ctx := context.Background()
	direct := directClient(t, srv.URL, srv.GRPCAddr, key)
	want := seed(t, direct, "SecSource", 500)

	// The key from the environment (main.hcl reads WEAVIATE_API_KEY).
	r := newRig(t, srv.URL, srv.GRPCAddr)
	r.apiKey = key
	writeFile(t, r.dir, "collections.hcl", "collection \"SecApplied\" {\n  vectorizer = \"none\"\n  property \"title\" { data_type = \"text\" }\n}\n")
	r.mustRun("plan")
	r.mustRun("plan", "-out=saved.plan")
	r.mustRun("apply", "saved.plan")
	if _, err := direct.Class(ctx, "SecApplied"); err != nil {
		t.Fatalf("apply of the saved plan did not create SecApplied: %v", err)
	}
	r.mustRun("backup", "-auto-approve", "--id", "sec", "SecSource")
	r.mustRun("restore", "-auto-approve", "--as", "SecCopy", "sec")
	if got := liveDigest(t, direct, "SecCopy"); got != want {
		t.Fatalf("SecCopy: %d objects, digest %s; want %d, %s", got.Count, got.String(), want.Count, want.String())
	}
	r.mustRun("snapshot", "verify", "sec")

	// The key written in the HCL itself (that file is the one place it may
	// be), no WEAVIATE_API_KEY in the environment.
	h := newRig(t, srv.URL, srv.GRPCAddr)
	writeFile(t, h.dir, "main.hcl", "weaviate {\n  url      = env(\"WEAVIATE_URL\", \"\")\n  grpc_url = env(\"WEAVIATE_GRPC_URL\", \"\")\n  api_key  = \""+key+"\"\n}\n")
	h.mustRun("plan")
	h.mustRun("backup", "-auto-approve", "--id", "hcl", "SecSource")
	h.mustRun("restore", "-auto-approve", "--as", "SecCopyHCL", "hcl")
	if got := liveDigest(t, direct, "SecCopyHCL"); got != want {
		t.Fatalf("SecCopyHCL: digest %s, want %s", got.String(), want.String())
	}

	// A wrong key, and none at all: "unauthorized", exit 1, nothing written.
	for _, k := range []string{wrong, ""} {
		b := newRig(t, srv.URL, srv.GRPCAddr)
		b.apiKey = k
		for _, args := range [][]string{
			{"plan"},
			{"backup", "-auto-approve", "--id", "nope", "SecSource"},
			{"restore", "-auto-approve", "--store", r.store(), "--as", "SecNope", "sec"},
		} {
			p, code := b.run(args...)
			if code != 1 || !strings.Contains(p.stderrString(), "unauthorized") {
				t.Fatalf("colstate %v with key %q: exit %d, want 1 and \"unauthorized\":\n%s", args, k, code, p.output())
			}
			r.procs = append(r.procs, p)
		}
		if _, err := os.Stat(filepath.Join(b.store(), "nope")); !os.IsNotExist(err) {
			t.Fatalf("a backup with a bad key left a snapshot: %v", err)
		}
	}
	if _, err := direct.Class(ctx, "SecNope"); err == nil {
		t.Fatal("a restore with a bad key created its collection")
	}
	// The gRPC paths on their own (colstate's REST calls fail first).
	bad, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr, APIKey: wrong})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	cl, err := direct.Class(ctx, "SecSource")
	if err != nil {
		t.Fatal(err)
	}
	err = bad.ReadObjects(ctx, live.SchemaOf(cl), live.ReadOptions{}, func(*object.Object) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "unauthorized") || strings.Contains(err.Error(), wrong) {
		t.Fatalf("gRPC read with a wrong key: %v", err)
	}
	w := bad.NewBatchWriter(ctx, live.SchemaOf(cl), "SecSource", 10, 1)
	if err := w.Add(faultObject(999_999)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "unauthorized") || strings.Contains(err.Error(), wrong) {
		t.Fatalf("gRPC batch write with a wrong key: %v", err)
	}

	// Embedded mode: colstate starts its own server and logs it under
	// .colstate; the key must not reach that log either.
	e := newRig(t, "", "")
	e.apiKey = key
	writeFile(t, e.dir, "main.hcl", "weaviate {\n  embedded = true\n  api_key  = env(\"WEAVIATE_API_KEY\", \"\")\n}\n"+
		"collection \"SecEmbedded\" {\n  vectorizer = \"none\"\n  property \"title\" { data_type = \"text\" }\n}\n")
	e.mustRun("apply", "-auto-approve")
	e.mustRun("backup", "-auto-approve", "--id", "emb", "SecEmbedded")
	if _, err := os.Stat(filepath.Join(e.dir, ".colstate", "weaviate.log")); err != nil {
		t.Fatalf("embedded mode wrote no server log: %v", err)
	}

	// Nowhere: every file under every work directory (but the HCL that
	// holds the key on purpose), the test server's log and data, and every
	// output captured.
	for _, rg := range []*rig{r, h, e} {
		for _, p := range rg.procs {
			for _, s := range []string{p.stdoutString(), p.stderrString()} {
				if strings.Contains(s, key) || strings.Contains(s, wrong) {
					t.Errorf("colstate %v printed the API key:\n%s", p.cmd.Args[1:], s)
				}
			}
		}
	}
	scanned := 0
	for _, root := range []string{r.dir, h.dir, e.dir, ws.dir} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path == filepath.Join(h.dir, "main.hcl") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			scanned++
			if bytes.Contains(data, []byte(key)) || bytes.Contains(data, []byte(wrong)) {
				t.Errorf("%s holds the API key", path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("the key is in none of %d files and %d outputs", scanned, len(r.procs)+len(h.procs)+len(e.procs))

	// Private files: state, saved plan, snapshots, embedded server data.
	for _, path := range []string{filepath.Join(r.dir, ".colstate"), filepath.Join(r.dir, "saved.plan"), filepath.Join(h.dir, ".colstate"), filepath.Join(e.dir, ".colstate")} {
		assertPrivate(t, path)
	}
}

// assertPrivate checks that root and everything colstate wrote under it
// is private: directories 0700, files 0600. The embedded server's data
// directory is Weaviate's own and is only checked at its top.
func assertPrivate(t *testing.T, root string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		n++
		if d.IsDir() && filepath.Base(path) == "weaviate" && filepath.Base(filepath.Dir(path)) == ".colstate" {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("nothing under %s", root)
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
