package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colstate/colstate/internal/s3test"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestHostileOpenScripts runs the open reproductions in
// testdata/hostile-open (known defects, expected to fail) only when
// HOSTILE_OPEN=1: `HOSTILE_OPEN=1 go test ./cmd/colstate -run
// 'TestHostileOpenScripts/NAME' -count=1`. S3_ROOT_URL is the bucket
// prefix that holds S3_STATE_URL's object (state.json) and
// S3_SNAPSHOT_URL's prefix (snapshots).
func TestHostileOpenScripts(t *testing.T) {
	if os.Getenv("HOSTILE_OPEN") != "1" {
		t.Skip("open reproductions of known defects; set HOSTILE_OPEN=1 to run them")
	}
	if scripts, _ := filepath.Glob("../../testdata/hostile-open/*.txtar"); len(scripts) == 0 {
		t.Skip("no open reproductions in testdata/hostile-open")
	}
	srv := weaviatetest.Server(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/hostile-open",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("WEAVIATE_URL", srv.URL)
			env.Setenv("WEAVIATE_GRPC_URL", srv.GRPCAddr)
			env.Setenv("NO_COLOR", "")
			if err := setupS3(t, env); err != nil {
				return err
			}
			gw, err := s3test.Shared()
			if err == nil {
				p := s3test.Prefix(t)
				env.Setenv("S3_ROOT_URL", gw.URL(p))
				env.Setenv("S3_ROOT_STATE_URL", gw.URL(p+"/prod/state.json"))
				env.Setenv("S3_ROOT_NESTED_URL", gw.URL(p+"/nested"))
				env.Setenv("S3_ROOT_STATE_BACKUP_URL", gw.URL(p+"/prod/state.json.backup"))
			}
			return nil
		},
		Condition: scriptCondition,
		Cmds:      map[string]scriptCmd{"wv": wvTenantCmd(srv.URL, srv.GRPCAddr), "snapid": snapIDCmd, "plantlock": plantLockCmd},
	})
}

// TestHostileOpenOffloadScripts runs the open reproductions that need
// offloaded (FROZEN) tenants, testdata/hostile-open/offload, on a server
// with offload-s3, only when HOSTILE_OPEN=1.
func TestHostileOpenOffloadScripts(t *testing.T) {
	if os.Getenv("HOSTILE_OPEN") != "1" {
		t.Skip("open reproductions of known defects; set HOSTILE_OPEN=1 to run them")
	}
	dir := "../../testdata/hostile-open/offload"
	if scripts, _ := filepath.Glob(filepath.Join(dir, "*.txtar")); len(scripts) == 0 {
		t.Skip("no open offload reproductions left in " + dir)
	}
	runOffloadScripts(t, dir)
}
