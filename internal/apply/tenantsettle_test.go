package apply_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/weaviateproc"
)

// TestRestoreManyColdTenantsUnderFileLimit: a server holds about ten files
// open per active tenant, so one with a low open-files limit (2,000 here,
// 20,000 on the machine the 10,000-tenant bench ran on) fails writes once
// too many tenants are active. A restore of a snapshot whose tenants are
// mostly COLD used to write every tenant active and set their statuses at
// the end, and failed with "too many open files"; now each group of
// tenants goes back to COLD once written and read back, so the restore
// succeeds, verified, with every status as the snapshot has it.
func TestRestoreManyColdTenantsUnderFileLimit(t *testing.T) {
	bin, err := weaviateproc.FindBinary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "weaviate-server")
	script := fmt.Sprintf("#!/bin/sh\nulimit -n 2000 || exit 1\nexec %s \"$@\"\n", bin)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	srv, err := weaviateproc.Start(ctx, weaviateproc.Options{Binary: wrapper, DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(time.Minute)
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e := &env{t: t, ctx: ctx, c: c, store: t.TempDir()}

	const tenants, hot = 400, 10
	name := "ColdMany"
	cl := live.Class{"class": name, "vectorizer": "none", "multiTenancyConfig": map[string]any{"enabled": true},
		"properties": []any{map[string]any{"name": "n", "dataType": []any{"int"}}}}
	if err := c.CreateRaw(ctx, cl); err != nil {
		t.Fatal(err)
	}
	// Loaded as the bench does: a group active, written, then set COLD
	// but every 40th tenant, which stays HOT.
	s := live.SchemaOf(cl)
	status := map[string]string{}
	for g := 0; g < tenants; g += 50 {
		var group, cold []live.Tenant
		bw := c.NewBatchWriter(ctx, s, name, 200, 2)
		for i := g; i < g+50; i++ {
			tn := fmt.Sprintf("t%04d", i)
			group = append(group, live.Tenant{Name: tn})
			status[tn] = "HOT"
			if i%(tenants/hot) != 0 {
				cold = append(cold, live.Tenant{Name: tn, ActivityStatus: "COLD"})
				status[tn] = "COLD"
			}
		}
		if err := c.CreateTenants(ctx, name, group); err != nil {
			t.Fatal(err)
		}
		for i := g; i < g+50; i++ {
			o := &object.Object{ID: fmt.Sprintf("00000000-0000-0000-0000-%012d", i), Tenant: fmt.Sprintf("t%04d", i), Properties: map[string]any{"n": float64(i)}}
			if err := bw.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		if err := bw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.UpdateTenants(ctx, name, cold); err != nil {
			t.Fatal(err)
		}
	}
	m := e.backup("many", false, name)
	if got := m.Collection(name).Objects; got != tenants {
		t.Fatalf("backup holds %d objects, want %d", got, tenants)
	}
	if err := c.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	e.out.Reset()
	if err := e.run(e.restore("many", name, name, plan.Restore)); err != nil {
		t.Fatalf("restore: %v\n%s", err, e.out.String())
	}
	ts, err := c.Tenants(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != tenants {
		t.Fatalf("%d tenants after the restore, want %d", len(ts), tenants)
	}
	for _, tn := range ts {
		if tn.ActivityStatus != status[tn.Name] {
			t.Errorf("tenant %s is %s after the restore, was %s", tn.Name, tn.ActivityStatus, status[tn.Name])
		}
	}
}
