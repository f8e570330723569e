package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/s3test"
	"github.com/colstate/colstate/internal/state"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// withWeaviate starts the package's shared Weaviate around the tests (and
// stops the S3 server a test started), but not in the child processes
// testscript runs as the colstate command.
type withWeaviate struct{ m *testing.M }

func (w withWeaviate) Run() int { return weaviatetest.Main(s3test.Around(w.m)) }

func TestMain(m *testing.M) {
	testscript.Main(withWeaviate{m}, map[string]func(){
		"colstate": func() { os.Exit(run(os.Args)) },
	})
}

// scriptCmd is a custom testscript command.
type scriptCmd = func(ts *testscript.TestScript, neg bool, args []string)

// runScripts runs the scripts in dir against the package's weaviate-server,
// with the real colstate binary and the given extra commands.
func runScripts(t *testing.T, dir string, cmds func(url, grpcAddr string) map[string]scriptCmd) {
	srv := weaviatetest.Server(t)
	testscript.Run(t, testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("WEAVIATE_URL", srv.URL)
			env.Setenv("WEAVIATE_GRPC_URL", srv.GRPCAddr)
			env.Setenv("NO_COLOR", "")
			// The examples, so a script can run examples/ci/ci.sh itself.
			examples, err := filepath.Abs("../../examples")
			if err != nil {
				return err
			}
			env.Setenv("EXAMPLES", examples)
			return setupS3(t, env)
		},
		Condition: scriptCondition,
		Cmds:      cmds(srv.URL, srv.GRPCAddr),
	})
}

// setupS3 gives a script that needs object storage the shared S3 server
// (started on first use): S3_STATE_URL is a state URL under a prefix of its
// own (S3_STATE_KEY its object key; S3_STATE_BACKUP_URL and
// S3_STATE_JOURNAL_URL name the files kept beside it), S3_SNAPSHOT_URL a snapshot store
// under the same prefix, with the credentials in the AWS
// variables. Scripts that use it start with `[!s3] skip`; under CI=true a
// missing server fails them instead.
func setupS3(t *testing.T, env *testscript.Env) error {
	gw, err := s3test.Shared()
	if err != nil {
		if os.Getenv("CI") == "true" {
			return fmt.Errorf("an S3 server (versitygw) is required in CI: %w", err)
		}
		return nil
	}
	prefix := s3test.Prefix(t)
	key := prefix + "/state.json"
	env.Setenv("S3_STATE_URL", gw.URL(key))
	env.Setenv("S3_STATE_KEY", key)
	env.Setenv("S3_STATE_BACKUP_URL", gw.URL(key+".backup")) // names the state's backup: refused as a state
	env.Setenv("S3_STATE_JOURNAL_URL", gw.URL(key+".journal"))
	env.Setenv("S3_SNAPSHOT_URL", gw.URL(prefix+"/snapshots"))
	for _, kv := range gw.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env.Setenv(k, v)
	}
	return nil
}

// scriptCondition answers [s3]: the script has an S3 server.
func scriptCondition(cond string) (bool, error) {
	if cond == "s3" {
		ok, _ := s3test.Available()
		return ok, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// TestScripts runs the end-to-end scripts in testdata/script: the real
// colstate binary against the real weaviate-server.
func TestScripts(t *testing.T) {
	runScripts(t, "../../testdata/script", func(url, _ string) map[string]scriptCmd {
		return map[string]scriptCmd{"wv": wvCmd(url), "hold": holdCmd, "plantlock": plantLockCmd, "snapid": snapIDCmd}
	})
}

// wvCmd is a script command that inspects or changes Weaviate behind
// colstate's back:
//
//	wv create NAME [DESCRIPTION]   create a bare collection by hand
//	wv createjson FILE             create a collection from a raw class JSON file
//	wv setdesc NAME TEXT           change a collection's description by hand
//	wv exists NAME                 succeed when the collection exists
//	wv class NAME                  print the collection's schema as JSON
//	wv delete NAME                 delete a collection by hand
//	wv insert NAME JSON            insert one object with these properties over REST (auto-schema adds unknown ones)
//	wv alias NAME COLLECTION       create an alias by hand
//	wv aliasof NAME COLLECTION     succeed when alias NAME points at COLLECTION ("-": no such alias)
//	wv unalias NAME                delete an alias by hand
func wvCmd(url string) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 2 {
			ts.Fatalf("usage: wv create|exists|class|delete NAME")
		}
		client, err := live.New(live.Options{URL: url})
		ts.Check(err)
		ctx := context.Background()
		name := args[1]
		var opErr error
		switch args[0] {
		case "create":
			cl := live.Class{"class": name, "vectorizer": "none"}
			if len(args) > 2 {
				cl["description"] = args[2]
			}
			opErr = client.CreateRaw(ctx, cl)
		case "createjson":
			var cl live.Class
			data, err := os.ReadFile(ts.MkAbs(name))
			ts.Check(err)
			ts.Check(json.Unmarshal(data, &cl))
			opErr = client.CreateRaw(ctx, cl)
		case "setdesc":
			if len(args) != 3 {
				ts.Fatalf("usage: wv setdesc NAME TEXT")
			}
			var cl live.Class
			if cl, opErr = client.Class(ctx, name); opErr == nil {
				cl["description"] = args[2]
				opErr = client.PutRaw(ctx, cl)
			}
		case "exists":
			// GET /v1/schema/NAME answers for an alias with the collection
			// it points at: only a collection of that very name counts.
			var cl live.Class
			if cl, opErr = client.Class(ctx, name); opErr == nil && cl["class"] != name {
				opErr = fmt.Errorf("%s is an alias of collection %v", name, cl["class"])
			}
		case "class":
			var cl live.Class
			cl, opErr = client.Class(ctx, name)
			if opErr == nil {
				b, _ := json.MarshalIndent(cl, "", "  ")
				fmt.Fprintln(ts.Stdout(), string(b))
			}
		case "delete":
			opErr = client.Delete(ctx, name)
		case "insert":
			if len(args) != 3 {
				ts.Fatalf("usage: wv insert NAME JSON")
			}
			var props map[string]any
			ts.Check(json.Unmarshal([]byte(args[2]), &props))
			body, _ := json.Marshal(map[string]any{"class": name, "properties": props})
			resp, err := http.Post(url+"/v1/objects", "application/json", bytes.NewReader(body))
			ts.Check(err)
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				opErr = fmt.Errorf("insert into %s: %s: %s", name, resp.Status, msg)
			}
		case "alias":
			if len(args) != 3 {
				ts.Fatalf("usage: wv alias NAME COLLECTION")
			}
			opErr = client.CreateAlias(ctx, name, args[2])
		case "aliasof":
			if len(args) != 3 {
				ts.Fatalf("usage: wv aliasof NAME COLLECTION")
			}
			all, err := client.Aliases(ctx)
			ts.Check(err)
			got, ok := all[name]
			if !ok {
				got = "-"
			}
			if got != args[2] {
				opErr = fmt.Errorf("alias %s points at %s, not %s", name, got, args[2])
			}
		case "unalias":
			opErr = client.DeleteAlias(ctx, name)
		default:
			ts.Fatalf("wv: unknown subcommand %q", args[0])
		}
		if neg && opErr == nil {
			ts.Fatalf("wv %s %s: unexpectedly succeeded", args[0], name)
		}
		if !neg && opErr != nil {
			ts.Fatalf("wv %s %s: %v", args[0], name, opErr)
		}
	}
}

// snapIDCmd sets $SNAP to the id of the newest snapshot the state's
// catalogue records for a snapshot block: `snapid POLICY`.
func snapIDCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: snapid POLICY")
	}
	st, err := state.Read(ts.MkAbs(".colstate/state.json"))
	ts.Check(err)
	rec := st.Newest(args[0])
	if rec == nil {
		ts.Fatalf("the state records no snapshot for %s", args[0])
	}
	ts.Setenv("SNAP", rec.ID)
}
