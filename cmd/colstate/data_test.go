package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
)

// TestDataScripts runs the snapshot scripts in testdata/script/data: the
// real colstate binary backing up, restoring, merging and clearing data of
// the real weaviate-server.
func TestDataScripts(t *testing.T) {
	runScripts(t, "../../testdata/script/data", func(url, grpcAddr string) map[string]scriptCmd {
		return map[string]scriptCmd{"wv": wvDataCmd(url, grpcAddr), "corrupt": corruptCmd, "snapid": snapIDCmd}
	})
}

// wvDataCmd extends the wv script command with data subcommands:
//
//	wv seed alltypes THING AUTHOR N    an Author collection (7 objects) and an all-types THING with N objects
//	wv seed tenants NAME TENANTS N     a multi-tenant NAME with tenants t0.. each holding N objects
//	wv same alltypes THING AUTHOR N    succeed when both hold exactly the seeded objects
//	wv same tenants NAME TENANTS N     likewise for a seeded multi-tenant collection
//	wv count NAME N                    succeed when NAME holds N objects (all tenants)
//	wv seed refs A B TREE N            A and B referring to each other, TREE to itself (children before parents), N objects each
//	wv same refs A B TREE N            succeed when all three hold exactly the seeded objects and references
//	wv setprop NAME ID PROP TEXT       set one text property of an object by hand, keeping the rest
//	wv addprop NAME PROP               add a text property by hand
//	wv prop NAME ID PROP               print one property value of an object as JSON
//	wv allvectors NAME N               succeed when NAME holds N objects, each with every vector its schema has (prints those lacking one)
//	wv tenant NAME TENANT STATUS       set a tenant's activity status (HOT, COLD)
//	wv tenantis NAME TENANT STATUS     succeed when the tenant has that status
//
// Other subcommands go to the plain wv command.
func wvDataCmd(url, grpcAddr string) func(ts *testscript.TestScript, neg bool, args []string) {
	plain := wvCmd(url)
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) == 0 {
			ts.Fatalf("usage: wv SUBCOMMAND ...")
		}
		switch args[0] {
		case "seed", "same", "count", "setprop", "addprop", "prop", "allvectors", "tenant", "tenantis":
		default:
			plain(ts, neg, args)
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
		case args[0] == "setprop" && len(args) == 5:
			o := readOne(ts, c, args[1], args[2])
			o.Properties[args[3]] = args[4]
			ts.Check(livetest.Insert(ctx, c, args[1], []*object.Object{o}))
		case args[0] == "addprop" && len(args) == 3:
			opErr = c.AddRawProperty(ctx, args[1], map[string]any{"name": args[2], "dataType": []any{"text"}})
		case args[0] == "prop" && len(args) == 4:
			b, err := json.Marshal(readOne(ts, c, args[1], args[2]).Properties[args[3]])
			ts.Check(err)
			fmt.Fprintln(ts.Stdout(), string(b))
		case args[0] == "allvectors" && len(args) == 3:
			cl, err := c.Class(ctx, args[1])
			ts.Check(err)
			s := live.SchemaOf(cl)
			want := slices.Clone(s.Named)
			if s.Legacy {
				want = append(want, "")
			}
			all, err := livetest.ReadAll(ctx, c, args[1])
			ts.Check(err)
			var lacking []string
			for _, o := range all {
				for _, name := range want {
					if len(o.Vectors[name]) == 0 {
						lacking = append(lacking, fmt.Sprintf("%s lacks vector %q", o.ID, name))
					}
				}
			}
			sort.Strings(lacking)
			for _, l := range lacking {
				fmt.Fprintln(ts.Stdout(), l)
			}
			switch {
			case len(all) != num(args[2]):
				opErr = fmt.Errorf("%s holds %d objects, not %s", args[1], len(all), args[2])
			case len(lacking) > 0:
				opErr = fmt.Errorf("%d vectors are missing:\n%s", len(lacking), strings.Join(lacking, "\n"))
			}
		case args[0] == "tenant" && len(args) == 4:
			opErr = c.UpdateTenants(ctx, args[1], []live.Tenant{{Name: args[2], ActivityStatus: args[3]}})
		case args[0] == "tenantis" && len(args) == 4:
			all, err := c.Tenants(ctx, args[1])
			ts.Check(err)
			opErr = fmt.Errorf("%s has no tenant %s", args[1], args[2])
			for _, t := range all {
				if t.Name == args[2] {
					opErr = nil
					if t.ActivityStatus != args[3] {
						opErr = fmt.Errorf("tenant %s of %s is %s, not %s", args[2], args[1], t.ActivityStatus, args[3])
					}
				}
			}
		case args[0] == "count" && len(args) == 3:
			all, err := livetest.ReadAll(ctx, c, args[1])
			ts.Check(err)
			if len(all) != num(args[2]) {
				opErr = fmt.Errorf("%s holds %d objects, not %s", args[1], len(all), args[2])
			}
		case len(args) == 5 && args[1] == "alltypes":
			thing, author, n := args[2], args[3], num(args[4])
			authors := livetest.Authors(1, 7)
			var ids []string
			for _, a := range authors {
				ids = append(ids, a.ID)
			}
			things := livetest.AllTypes(2, n, author, ids)
			if args[0] == "seed" {
				ts.Check(c.CreateRaw(ctx, livetest.AuthorClass(author)))
				ts.Check(c.CreateRaw(ctx, livetest.AllTypesClass(thing, author)))
				ts.Check(livetest.Insert(ctx, c, author, authors))
				ts.Check(livetest.Insert(ctx, c, thing, things))
			} else {
				opErr = same(ctx, c, map[string][]*object.Object{author: authors, thing: things})
			}
		case len(args) == 6 && args[1] == "refs":
			f := refFixture{a: args[2], b: args[3], tree: args[4], n: num(args[5])}
			if args[0] == "seed" {
				ts.Check(f.seed(ctx, c))
			} else {
				opErr = same(ctx, c, f.objects())
			}
		case len(args) == 5 && args[1] == "tenants":
			name, tenants, n := args[2], num(args[3]), num(args[4])
			var objs []*object.Object
			var ts_ []live.Tenant
			for i := range tenants {
				tn := fmt.Sprintf("t%d", i)
				ts_ = append(ts_, live.Tenant{Name: tn})
				objs = append(objs, livetest.TenantObjects(100+i, n, tn)...)
			}
			if args[0] == "seed" {
				ts.Check(c.CreateRaw(ctx, livetest.MultiTenantClass(name)))
				ts.Check(c.CreateTenants(ctx, name, ts_))
				ts.Check(livetest.Insert(ctx, c, name, objs))
			} else {
				opErr = same(ctx, c, map[string][]*object.Object{name: objs})
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

// readOne reads one object (with its vectors) of a single-tenant collection.
func readOne(ts *testscript.TestScript, c *live.Client, collection, id string) *object.Object {
	ctx := context.Background()
	cl, err := c.Class(ctx, collection)
	ts.Check(err)
	found, err := c.ReadObjectsByID(ctx, live.SchemaOf(cl), live.ReadOptions{}, []string{id})
	ts.Check(err)
	o := found[id]
	if o == nil {
		ts.Fatalf("%s has no object %s", collection, id)
	}
	return o
}

func same(ctx context.Context, c *live.Client, want map[string][]*object.Object) error {
	for name, objs := range want {
		got, err := livetest.ReadAll(ctx, c, name)
		if err != nil {
			return err
		}
		if p := livetest.Diff(objs, got); len(p) > 0 {
			return fmt.Errorf("%s differs:\n%s", name, strings.Join(p, "\n"))
		}
	}
	return nil
}

// corruptCmd flips one byte in the middle of a file: `corrupt FILE`.
func corruptCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: corrupt FILE")
	}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	data[len(data)/2] ^= 0x55
	ts.Check(os.WriteFile(path, data, 0o600))
}
