package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestHostileScripts runs testdata/script/hostile: reproductions of defects
// found by trying colstate as a hostile new user against the real
// weaviate-server. Each script asserts the correct behaviour.
func TestHostileScripts(t *testing.T) {
	runScripts(t, "../../testdata/script/hostile", func(url, grpcAddr string) map[string]scriptCmd {
		return map[string]scriptCmd{
			"wv": wvHostileCmd(url, grpcAddr), "genjsonl": genJSONLCmd, "crash": crashCmd, "unlockstale": unlockStaleCmd,
		}
	})
}

// wvHostileCmd joins the content and vector wv commands and adds:
//
//	wv get NAME ID [TENANT]     print the object as REST returns it (properties, vector, vectors), compact JSON
//	wv insertfile NAME FILE     the vector scripts' `wv insert NAME FILE` (batch insert over REST)
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
