package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestFidelityScripts runs testdata/script/fidelity: collections come back
// exactly as Weaviate held them — every setting, and properties and nested
// properties in their order — through import → HCL → apply and through
// backup → restore, on the real weaviate-server.
func TestFidelityScripts(t *testing.T) {
	runScripts(t, "../../testdata/script/fidelity", func(url, grpcAddr string) map[string]scriptCmd {
		return map[string]scriptCmd{"wv": wvFidelityCmd(url, grpcAddr)}
	})
}

// wvFidelityCmd adds to the content scripts' wv command (which has the
// data and plain subcommands):
//
//	wv sameclass FILE NAME        succeed when NAME's class JSON equals FILE (a saved `wv class`)
//	                              in everything but the class name, property order included;
//	                              print every difference otherwise
//	wv tenants NAME T:STATUS...   create tenants with these activity statuses (HOT, COLD), one object each
//	wv tenantsare NAME T:STATUS... succeed when NAME has exactly these tenants with these statuses
//	wv manytenants NAME N HOT      N tenants t0000.. (the first HOT of them HOT, the others COLD), one object each
//	wv manytenantsare NAME N HOT   succeed when NAME has exactly those tenants with those statuses
func wvFidelityCmd(url, grpcAddr string) func(ts *testscript.TestScript, neg bool, args []string) {
	content := wvContentCmd(url, grpcAddr)
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) == 0 {
			ts.Fatalf("usage: wv SUBCOMMAND ...")
		}
		ctx := context.Background()
		var opErr error
		if (args[0] == "manytenants" || args[0] == "manytenantsare") && len(args) == 4 {
			n, err := strconv.Atoi(args[2])
			ts.Check(err)
			hot, err := strconv.Atoi(args[3])
			ts.Check(err)
			spec := []string{"tenants" + strings.TrimPrefix(args[0], "manytenants"), args[1]}
			for i := range n {
				st := "COLD"
				if i < hot {
					st = "HOT"
				}
				spec = append(spec, fmt.Sprintf("t%04d:%s", i, st))
			}
			args = spec
		}
		switch args[0] {
		case "sameclass":
			if len(args) != 3 {
				ts.Fatalf("usage: wv sameclass FILE NAME")
			}
			var before, after map[string]any
			data, err := os.ReadFile(ts.MkAbs(args[1]))
			ts.Check(err)
			ts.Check(json.Unmarshal(data, &before))
			ts.Check(restCall(ctx, url, http.MethodGet, "/v1/schema/"+args[2], nil, &after))
			delete(before, "class")
			delete(after, "class")
			var diffs []string
			orderedDiff("", before, after, &diffs)
			for _, d := range diffs {
				fmt.Fprintln(ts.Stdout(), d)
			}
			if len(diffs) > 0 {
				opErr = fmt.Errorf("class %s differs from %s:\n  %s", args[2], args[1], strings.Join(diffs, "\n  "))
			}
		case "tenants", "tenantsare":
			if len(args) < 3 {
				ts.Fatalf("usage: wv %s NAME T:STATUS...", args[0])
			}
			want := map[string]string{}
			var names []string
			for _, a := range args[2:] {
				n, s, ok := strings.Cut(a, ":")
				if !ok {
					ts.Fatalf("wv %s: %q is not TENANT:STATUS", args[0], a)
				}
				want[n] = s
				names = append(names, n)
			}
			path := "/v1/schema/" + args[1] + "/tenants"
			if args[0] == "tenantsare" {
				var got []struct {
					Name           string `json:"name"`
					ActivityStatus string `json:"activityStatus"`
				}
				ts.Check(restCall(ctx, url, http.MethodGet, path, nil, &got))
				have := map[string]string{}
				for _, t := range got {
					have[t.Name] = t.ActivityStatus
				}
				if !maps.Equal(have, want) {
					opErr = fmt.Errorf("tenants of %s are %v, not %v", args[1], have, want)
				}
				break
			}
			var create []map[string]any
			for _, n := range names {
				create = append(create, map[string]any{"name": n})
			}
			ts.Check(restCall(ctx, url, http.MethodPost, path, create, nil))
			var objs []map[string]any
			for _, n := range names {
				objs = append(objs, map[string]any{"class": args[1], "tenant": n, "properties": map[string]any{"body": "object of " + n}})
			}
			var res []struct {
				Result struct {
					Errors any `json:"errors"`
				} `json:"result"`
			}
			ts.Check(restCall(ctx, url, http.MethodPost, "/v1/batch/objects", map[string]any{"objects": objs}, &res))
			for _, r := range res {
				if r.Result.Errors != nil {
					ts.Fatalf("wv tenants: insert: %v", r.Result.Errors)
				}
			}
			var update []map[string]any
			for _, n := range names {
				if want[n] != "HOT" {
					update = append(update, map[string]any{"name": n, "activityStatus": want[n]})
				}
			}
			for len(update) > 0 { // Weaviate updates at most 100 tenants a request
				batch := update[:min(len(update), 100)]
				update = update[len(batch):]
				ts.Check(restCall(ctx, url, http.MethodPut, path, batch, nil))
			}
		default:
			content(ts, neg, args)
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

// orderedDiff lists the leaf paths where a and b differ, as "path: a → b".
// Lists of named entries (properties, nested properties) are compared by
// name and in order: a different order is a difference of its own.
func orderedDiff(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := slices.Sorted(maps.Keys(am))
		for k := range bm {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			orderedDiff(join(path, k), am[k], bm[k], out)
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && named(al) && named(bl) {
		names := func(l []any) []string {
			var out []string
			for _, e := range l {
				out = append(out, e.(map[string]any)["name"].(string))
			}
			return out
		}
		an, bn := names(al), names(bl)
		if !slices.Equal(an, bn) {
			*out = append(*out, fmt.Sprintf("%s: order [%s] → [%s]", path, strings.Join(an, ", "), strings.Join(bn, ", ")))
		}
		for i, n := range an {
			if j := slices.Index(bn, n); j >= 0 {
				orderedDiff(join(path, n), al[i], bl[j], out)
			}
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		ab, _ := json.Marshal(a)
		bb, _ := json.Marshal(b)
		*out = append(*out, fmt.Sprintf("%s: %s → %s", path, ab, bb))
	}
}
