package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestHostileScripts runs testdata/script/hostile: reproductions of defects
// found by trying colstate as a hostile new user against the real
// weaviate-server. Each script asserts the correct behaviour.
//
// A second weaviate-server of its own (no other test uses it) is at
// $WEAVIATE2_URL and $WEAVIATE2_GRPC_URL, and the wv2 command works on it
// as wv does on the shared one.
func TestHostileScripts(t *testing.T) {
	srv := weaviatetest.Server(t)
	dir := t.TempDir()
	other, err := weaviatetest.Start(dir, nil)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		t.Fatalf("start a second Weaviate: %v\n%s", err, log)
	}
	t.Cleanup(func() { _ = other.Stop(30 * time.Second) })
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script/hostile",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("WEAVIATE_URL", srv.URL)
			env.Setenv("WEAVIATE_GRPC_URL", srv.GRPCAddr)
			env.Setenv("WEAVIATE2_URL", other.URL)
			env.Setenv("WEAVIATE2_GRPC_URL", other.GRPCAddr)
			env.Setenv("NO_COLOR", "")
			return nil
		},
		Cmds: map[string]scriptCmd{
			"wv": wvHostileCmd(srv.URL, srv.GRPCAddr), "wv2": wvHostileCmd(other.URL, other.GRPCAddr),
			"genjsonl": genJSONLCmd, "crash": crashCmd, "unlockstale": unlockStaleCmd,
			"journalsnap": journalSnapCmd,
		},
	})
}

// journalSnapCmd sets $SNAP to the snapshot id the pending apply
// journal's plan names for its first change that takes one.
func journalSnapCmd(ts *testscript.TestScript, neg bool, args []string) {
	data, err := os.ReadFile(ts.MkAbs(".colstate/state.json.journal"))
	ts.Check(err)
	var j struct {
		Plan struct {
			Changes []struct {
				Data *struct {
					Snapshot string `json:"snapshot"`
				} `json:"data"`
			} `json:"changes"`
		} `json:"plan"`
	}
	ts.Check(json.Unmarshal(data, &j))
	for _, c := range j.Plan.Changes {
		if c.Data != nil && c.Data.Snapshot != "" {
			ts.Setenv("SNAP", c.Data.Snapshot)
			return
		}
	}
	ts.Fatalf("the journal's plan names no snapshot")
}

// wvHostileCmd joins the content and vector wv commands and adds:
//
//	wv get NAME ID [TENANT]     print the object as REST returns it (properties, vector, vectors), compact JSON
//	wv insertfile NAME FILE     the vector scripts' `wv insert NAME FILE` (batch insert over REST)
//	wv addtenants NAME T...     create active tenants
//	wv alias ALIAS CLASS        create an alias
//
// vectors, classdiff and addvector go to the vector scripts' command;
// everything else to the content scripts' command.
func wvHostileCmd(url, grpcAddr string) func(ts *testscript.TestScript, neg bool, args []string) {
	content := wvContentCmd(url, grpcAddr)
	vec := wvVectorCmd(url)
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) == 0 {
			ts.Fatalf("usage: wv SUBCOMMAND ...")
		}
		switch args[0] {
		case "vectors", "classdiff", "addvector":
			vec(ts, neg, args)
			return
		case "insertfile":
			vec(ts, neg, append([]string{"insert"}, args[1:]...))
			return
		case "addtenants":
			var ts_ []map[string]any
			for _, n := range args[2:] {
				ts_ = append(ts_, map[string]any{"name": n})
			}
			if err := restCall(context.Background(), url, http.MethodPost, "/v1/schema/"+args[1]+"/tenants", ts_, nil); err != nil {
				ts.Fatalf("wv addtenants: %v", err)
			}
			return
		case "alias":
			if len(args) != 3 {
				ts.Fatalf("usage: wv alias ALIAS CLASS")
			}
			if err := restCall(context.Background(), url, http.MethodPost, "/v1/aliases", map[string]any{"alias": args[1], "class": args[2]}, nil); err != nil {
				ts.Fatalf("wv alias: %v", err)
			}
			return
		case "get":
			if len(args) != 3 && len(args) != 4 {
				ts.Fatalf("usage: wv get NAME ID [TENANT]")
			}
			path := "/v1/objects/" + args[1] + "/" + args[2] + "?include=vector"
			if len(args) == 4 {
				path += "&tenant=" + args[3]
			}
			var o struct {
				Properties map[string]any  `json:"properties"`
				Vector     json.RawMessage `json:"vector"`
				Vectors    json.RawMessage `json:"vectors"`
			}
			err := restCall(context.Background(), url, http.MethodGet, path, nil, &o)
			if err == nil {
				for k, v := range o.Properties {
					if l, ok := v.([]any); ok {
						for _, e := range l {
							if m, ok := e.(map[string]any); ok {
								delete(m, "href")
							}
						}
						o.Properties[k] = l
					}
				}
				b, _ := json.Marshal(o.Properties)
				fmt.Fprintf(ts.Stdout(), "properties=%s vector=%s vectors=%s\n", b, compact(o.Vector), compact(o.Vectors))
			}
			if neg && err == nil {
				ts.Fatalf("wv %s: unexpectedly succeeded", strings.Join(args, " "))
			}
			if !neg && err != nil {
				ts.Fatalf("wv %s: %v", strings.Join(args, " "), err)
			}
			return
		}
		content(ts, neg, args)
	}
}
