package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestOffloadedTenantScripts runs testdata/script/offload against a
// weaviate-server of its own with the offload-s3 module, offloading to a
// real S3 server (versitygw) on loopback, so that tenants can really be
// FROZEN: colstate cannot read those, and refuses or (backup
// --skip-offloaded) leaves them out by name.
func TestOffloadedTenantScripts(t *testing.T) {
	runOffloadScripts(t, "../../testdata/script/offload")
}

// runOffloadScripts runs the scripts of dir against a weaviate-server with
// offload-s3 (TestOffloadedTenantScripts, TestHostileOpenOffloadScripts).
func runOffloadScripts(t *testing.T, scriptDir string) {
	weaviatetest.Server(t) // fails under CI=true, skips elsewhere, when there is no weaviate-server
	gw, err := exec.LookPath("versitygw")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("versitygw is required in CI (make test installs it): %v", err)
		}
		t.Skipf("SKIPPED: no versitygw (%v)", err)
	}
	dir := t.TempDir()
	s3Port := freePort(t)
	s3Dir := filepath.Join(dir, "s3")
	if err := os.MkdirAll(s3Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gw, "--quiet", "--port", fmt.Sprintf("127.0.0.1:%d", s3Port), "posix", "--sidecar", filepath.Join(dir, "meta"), s3Dir)
	if err := os.MkdirAll(filepath.Join(dir, "meta"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY=offloadkey", "ROOT_SECRET_KEY=offloadsecret")
	logf, err := os.Create(filepath.Join(dir, "versitygw.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitPort(t, s3Port, cmd)

	wdir := filepath.Join(dir, "weaviate")
	if err := os.MkdirAll(wdir, 0o755); err != nil {
		t.Fatal(err)
	}
	srv, err := weaviatetest.Start(wdir, map[string]string{
		"ENABLE_MODULES":                "offload-s3",
		"OFFLOAD_S3_ENDPOINT":           fmt.Sprintf("http://127.0.0.1:%d", s3Port),
		"OFFLOAD_S3_BUCKET":             "weaviate-offload",
		"OFFLOAD_S3_BUCKET_AUTO_CREATE": "true",
		"AWS_ACCESS_KEY_ID":             "offloadkey",
		"AWS_SECRET_ACCESS_KEY":         "offloadsecret",
		"AWS_REGION":                    "us-east-1",
	})
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(wdir, "server.log"))
		t.Fatalf("start a Weaviate with offload-s3: %v\n%s", err, log)
	}
	t.Cleanup(func() { _ = srv.Stop(30 * time.Second) })
	testscript.Run(t, testscript.Params{
		Dir:                 scriptDir,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("WEAVIATE_URL", srv.URL)
			env.Setenv("WEAVIATE_GRPC_URL", srv.GRPCAddr)
			env.Setenv("NO_COLOR", "")
			return nil
		},
		Cmds: map[string]scriptCmd{"wv": wvOffloadCmd(srv.URL, srv.GRPCAddr)},
	})
}

// wvOffloadCmd adds to the fidelity scripts' wv command:
//
//	wv waittenant NAME TENANT STATUS   wait (up to 2 minutes) until the tenant has the status
func wvOffloadCmd(url, grpcAddr string) func(ts *testscript.TestScript, neg bool, args []string) {
	fid := wvFidelityCmd(url, grpcAddr)
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) == 0 || args[0] != "waittenant" {
			fid(ts, neg, args)
			return
		}
		if len(args) != 4 || neg {
			ts.Fatalf("usage: wv waittenant NAME TENANT STATUS")
		}
		deadline := time.Now().Add(2 * time.Minute)
		last := ""
		for time.Now().Before(deadline) {
			var got []struct {
				Name           string `json:"name"`
				ActivityStatus string `json:"activityStatus"`
			}
			ts.Check(restCall(context.Background(), url, http.MethodGet, "/v1/schema/"+args[1]+"/tenants", nil, &got))
			for _, t := range got {
				if t.Name == args[2] {
					last = t.ActivityStatus
				}
			}
			if last == args[3] {
				return
			}
			time.Sleep(100 * time.Millisecond) // polling the status Weaviate reports, not a stand-in for it
		}
		ts.Fatalf("tenant %s of %s is %q, not %s, after 2 minutes", args[2], args[1], last, args[3])
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitPort waits until the process listens on the port.
func waitPort(t *testing.T, port int, cmd *exec.Cmd) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s is not listening on port %d", strings.Join(cmd.Args, " "), port)
}
