package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
)

// TestTenantScripts runs testdata/script/tenants: backup, restore and
// clear of chosen tenants (--tenant) against the real weaviate-server,
// checking that the other tenants are never touched.
func TestTenantScripts(t *testing.T) {
	runScripts(t, "../../testdata/script/tenants", func(url, grpcAddr string) map[string]scriptCmd {
		return map[string]scriptCmd{"wv": wvTenantCmd(url, grpcAddr)}
	})
}

// wvTenantCmd extends the data wv command (wvDataCmd) with:
//
//	wv tcount NAME TENANT N          succeed when tenant TENANT (active) of NAME holds N objects
//	wv tsame NAME K N [INTO]         succeed when tenant INTO (default tK) holds exactly the N objects
//	                                 `wv seed tenants` gave tenant tK
//	wv tadd NAME TENANT K N          add the N objects `wv seed tenants` gives tK into TENANT (created if absent)
//	wv tdelone NAME TENANT           delete one object of tenant TENANT by hand
func wvTenantCmd(url, grpcAddr string) func(ts *testscript.TestScript, neg bool, args []string) {
	data := wvDataCmd(url, grpcAddr)
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) == 0 || (args[0] != "tcount" && args[0] != "tsame" && args[0] != "tadd" && args[0] != "tdelone") {
			data(ts, neg, args)
			return
		}
		c, err := live.New(live.Options{URL: url, GRPCURL: grpcAddr})
		ts.Check(err)
		defer c.Close()
		ctx := context.Background()
		num := func(s string) int {
			n, err := strconv.Atoi(s)
			ts.Check(err)
			return n
		}
		var opErr error
		switch {
		case args[0] == "tcount" && len(args) == 4:
			n, err := c.Count(ctx, args[1], args[2])
			ts.Check(err)
			if n != int64(num(args[3])) {
				opErr = fmt.Errorf("tenant %s of %s holds %d objects, not %s", args[2], args[1], n, args[3])
			}
		case args[0] == "tsame" && (len(args) == 4 || len(args) == 5):
			k, n := num(args[2]), num(args[3])
			from := fmt.Sprintf("t%d", k)
			into := from
			if len(args) == 5 {
				into = args[4]
			}
			want := livetest.TenantObjects(100+k, n, from)
			for _, o := range want {
				o.Tenant = into
			}
			cl, err := c.Class(ctx, args[1])
			ts.Check(err)
			got := map[string]*object.Object{}
			ts.Check(c.ReadObjects(ctx, live.SchemaOf(cl), live.ReadOptions{Tenant: into}, func(o *object.Object) error {
				got[o.Tenant+"/"+o.ID] = o
				return nil
			}))
			if p := livetest.Diff(want, got); len(p) > 0 {
				opErr = fmt.Errorf("tenant %s of %s differs:\n%s", into, args[1], strings.Join(p, "\n"))
			}
		case args[0] == "tadd" && len(args) == 5:
			objs := livetest.TenantObjects(100+num(args[3]), num(args[4]), args[2])
			have, err := c.Tenants(ctx, args[1])
			ts.Check(err)
			if !slices.ContainsFunc(have, func(t live.Tenant) bool { return t.Name == args[2] }) {
				ts.Check(c.CreateTenants(ctx, args[1], []live.Tenant{{Name: args[2]}}))
			}
			ts.Check(livetest.Insert(ctx, c, args[1], objs))
		case args[0] == "tdelone" && len(args) == 3:
			cl, err := c.Class(ctx, args[1])
			ts.Check(err)
			var id string
			ts.Check(c.ReadObjects(ctx, live.SchemaOf(cl), live.ReadOptions{Tenant: args[2], IDsOnly: true}, func(o *object.Object) error {
				if id == "" {
					id = o.ID
				}
				return nil
			}))
			n, err := c.DeleteObjects(ctx, args[1], args[2], []string{id})
			ts.Check(err)
			if n != 1 {
				ts.Fatalf("deleted %d objects", n)
			}
		default:
			ts.Fatalf("wv: bad arguments %v", args)
		}
		if neg && opErr == nil {
			ts.Fatalf("wv %s: unexpectedly succeeded", strings.Join(args, " "))
		}
		if !neg && opErr != nil {
			ts.Fatalf("wv %s: %v", strings.Join(args, " "), opErr)
		}
	}
}
