package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestVectorScripts runs the scripts in testdata/script/vectors: every
// kind of vector (class-level, named, multi-vector, both) and every class
// setting through backup, restore and replace on the real weaviate-server.
func TestVectorScripts(t *testing.T) {
	runScripts(t, "../../testdata/script/vectors", func(url, grpcAddr string) map[string]scriptCmd {
		return map[string]scriptCmd{"wv": wvVectorCmd(url)}
	})
}

// wvVectorCmd extends the wv script command, through Weaviate's REST API
// only (so it checks colstate with a path colstate does not use):
//
//	wv insert NAME FILE          batch-insert the objects of a JSON array; fail on any object error
//	wv addvector NAME VECTOR     add a named vector (hnsw, no vectorizer) to an existing collection
//	wv vectors NAME              print every object's id and vectors, sorted by id, as Weaviate returns them
//	wv classdiff FILE NAME [PATH...]
//	                             print every setting where NAME's class JSON differs from FILE
//	                             (a saved `wv class`), except under the PATHs; fail when any does
//
// Other subcommands go to the plain wv command.
func wvVectorCmd(url string) func(ts *testscript.TestScript, neg bool, args []string) {
	plain := wvCmd(url)
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 2 {
			ts.Fatalf("usage: wv SUBCOMMAND NAME ...")
		}
		ctx := context.Background()
		var opErr error
		switch args[0] {
		case "insert":
			var objs []map[string]any
			data, err := os.ReadFile(ts.MkAbs(args[2]))
			ts.Check(err)
			ts.Check(json.Unmarshal(data, &objs))
			for _, o := range objs {
				o["class"] = args[1]
			}
			var res []struct {
				ID     string `json:"id"`
				Result struct {
					Errors any `json:"errors"`
				} `json:"result"`
			}
			opErr = restCall(ctx, url, http.MethodPost, "/v1/batch/objects", map[string]any{"objects": objs}, &res)
			for _, r := range res {
				if r.Result.Errors != nil && opErr == nil {
					opErr = fmt.Errorf("object %s: %v", r.ID, r.Result.Errors)
				}
			}
		case "addvector":
			var cl map[string]any
			ts.Check(restCall(ctx, url, http.MethodGet, "/v1/schema/"+args[1], nil, &cl))
			vc, _ := cl["vectorConfig"].(map[string]any)
			if vc == nil {
				vc = map[string]any{}
			}
			vc[args[2]] = map[string]any{"vectorizer": map[string]any{"none": map[string]any{}}, "vectorIndexType": "hnsw"}
			cl["vectorConfig"] = vc
			opErr = restCall(ctx, url, http.MethodPut, "/v1/schema/"+args[1], cl, nil)
		case "vectors":
			var res struct {
				Objects []struct {
					ID      string          `json:"id"`
					Vector  json.RawMessage `json:"vector"`
					Vectors json.RawMessage `json:"vectors"`
				} `json:"objects"`
			}
			opErr = restCall(ctx, url, http.MethodGet, "/v1/objects?class="+args[1]+"&include=vector&limit=10000", nil, &res)
			sort.Slice(res.Objects, func(i, j int) bool { return res.Objects[i].ID < res.Objects[j].ID })
			for _, o := range res.Objects {
				fmt.Fprintf(ts.Stdout(), "%s vector=%s vectors=%s\n", o.ID, compact(o.Vector), compact(o.Vectors))
			}
		case "classdiff":
			if len(args) < 3 {
				ts.Fatalf("usage: wv classdiff FILE NAME [PATH...]")
			}
			var before, after any
			data, err := os.ReadFile(ts.MkAbs(args[1]))
			ts.Check(err)
			ts.Check(json.Unmarshal(data, &before))
			ts.Check(restCall(ctx, url, http.MethodGet, "/v1/schema/"+args[2], nil, &after))
			var diffs []string
			jsonDiff("", before, after, &diffs)
			var kept []string
			for _, d := range diffs {
				path, _, _ := strings.Cut(d, ":")
				if !slices.ContainsFunc(args[3:], func(p string) bool { return path == p || strings.HasPrefix(path, p+".") }) {
					kept = append(kept, d)
				}
				fmt.Fprintln(ts.Stdout(), d)
			}
			if len(kept) > 0 {
				opErr = fmt.Errorf("class %s differs from %s:\n  %s", args[2], args[1], strings.Join(kept, "\n  "))
			}
		default:
			plain(ts, neg, args)
			return
		}
		if neg && opErr == nil {
			ts.Fatalf("wv %s: unexpectedly succeeded", strings.Join(args, " "))
		}
		if !neg && opErr != nil {
			ts.Fatalf("wv %s: %v", strings.Join(args, " "), opErr)
		}
	}
}

func compact(b json.RawMessage) string {
	if len(b) == 0 {
		return "null"
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

// jsonDiff lists the leaf paths where a and b differ, as "path: a → b".
// Properties are matched by name.
func jsonDiff(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			jsonDiff(join(path, k), am[k], bm[k], out)
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && named(al) && named(bl) {
		byName := func(l []any) map[string]any {
			m := map[string]any{}
			for _, e := range l {
				m[e.(map[string]any)["name"].(string)] = e
			}
			return m
		}
		an, bn := byName(al), byName(bl)
		keys := map[string]bool{}
		for k := range an {
			keys[k] = true
		}
		for k := range bn {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			jsonDiff(join(path, k), an[k], bn[k], out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		ab, _ := json.Marshal(a)
		bb, _ := json.Marshal(b)
		*out = append(*out, fmt.Sprintf("%s: %s → %s", path, ab, bb))
	}
}

func named(l []any) bool {
	if len(l) == 0 {
		return false
	}
	for _, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := m["name"].(string); !ok {
			return false
		}
	}
	return true
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// restCall sends a JSON request to Weaviate and decodes the answer.
func restCall(ctx context.Context, url, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, data)
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}
