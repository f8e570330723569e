package main

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colstate/colstate/internal/s3test"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestS3StoreScripts runs the scripts in testdata/script/s3store: snapshots
// kept in a bucket of a real S3 server (versitygw). $S3URL is a fresh
// prefix of the server's bucket for each script; the AWS SDK finds the
// server's credentials in the environment, as it would in CI.
func TestS3StoreScripts(t *testing.T) {
	srv := weaviatetest.Server(t)
	gw := s3test.Server(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script/s3store",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("WEAVIATE_URL", srv.URL)
			env.Setenv("WEAVIATE_GRPC_URL", srv.GRPCAddr)
			env.Setenv("NO_COLOR", "")
			for _, kv := range gw.Env() {
				k, v, _ := cut(kv)
				env.Setenv(k, v)
			}
			env.Setenv("GOODSECRET", gw.SecretKey) // to set it back after a wrong one
			p := s3test.Prefix(t) + "/" + filepath.Base(env.WorkDir)
			env.Setenv("S3URL", gw.URL(p))
			// A state and a store nested under $S3URL (prune_state.txtar).
			env.Setenv("S3URL_STATE", gw.URL(p+"/prod/state.json"))
			env.Setenv("S3URL_NESTED", gw.URL(p+"/nested"))
			return nil
		},
		Cmds: map[string]scriptCmd{"wv": wvDataCmd(srv.URL, srv.GRPCAddr)},
	})
}

func cut(kv string) (string, string, bool) {
	for i := range kv {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}
