package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/colstate/colstate/internal/live"
)

// The multi-tenant section (issue 13 item 3): one collection of -tenants
// tenants × -tenant-objects objects (all HOT, -dims vectors), backed up and
// restored by colstate, by the -compare build and by Weaviate's own
// backup-filesystem module.

const mtName = "BenchMT"

// loadTenants creates BenchMT and fills it, or reuses it from an earlier
// run with -data.
func (b *bench) loadTenants(ctx context.Context) (int, error) {
	n := b.o.tenants * b.o.tenantObjects
	if _, err := b.c.Class(ctx, mtName); err == nil && b.o.data != "" {
		if got, err := b.mtCount(ctx, mtName); err != nil || got != n {
			return 0, fmt.Errorf("%s holds %d objects (%v), want %d: remove %s or change -tenants", mtName, got, err, n, b.o.data)
		}
		b.logln("reusing %s from %s", mtName, b.o.data)
		return n, nil
	}
	b.logln("loading %d tenants × %d objects × %d dims into %s", b.o.tenants, b.o.tenantObjects, b.o.dims, mtName)
	start := time.Now()
	cl := b.d.class(mtName, "hnsw")
	cl["multiTenancyConfig"] = map[string]any{"enabled": true}
	if err := b.c.CreateRaw(ctx, cl); err != nil {
		return 0, err
	}
	var ts []live.Tenant
	for t := range b.o.tenants {
		ts = append(ts, live.Tenant{Name: tenantName(t)})
	}
	for len(ts) > 0 {
		batch := ts[:min(len(ts), 1000)]
		ts = ts[len(batch):]
		if err := b.c.CreateTenants(ctx, mtName, batch); err != nil {
			return 0, err
		}
	}
	s := b.d.schema(mtName)
	s.MultiTenant = true
	bw := b.c.NewBatchWriter(ctx, s, mtName, b.o.rawBatch, b.o.rawFlight)
	for i := range n {
		o := b.d.object(i)
		o.Tenant = tenantName(i / b.o.tenantObjects)
		if err := bw.Add(o); err != nil {
			bw.Close()
			return 0, err
		}
	}
	if err := bw.Close(); err != nil {
		return 0, err
	}
	b.logln("loaded in %.1fs (%.0f objects/s)", time.Since(start).Seconds(), float64(n)/time.Since(start).Seconds())
	got, err := b.mtCount(ctx, mtName)
	if err == nil && got != n {
		err = fmt.Errorf("%s holds %d objects, want %d", mtName, got, n)
	}
	return n, err
}

func tenantName(t int) string { return fmt.Sprintf("tenant%05d", t) }

// mtCount counts a multi-tenant collection's objects, every tenant.
func (b *bench) mtCount(ctx context.Context, name string) (int, error) {
	ts, err := b.c.Tenants(ctx, name)
	if err != nil {
		return 0, err
	}
	var total atomic.Int64
	_, err = live.EachTenant(ctx, b.c, name, ts, live.DefaultTenantParallel, func(ctx context.Context, _ int, t live.Tenant) error {
		n, err := b.c.Count(ctx, name, t.Name)
		total.Add(n)
		return err
	})
	return int(total.Load()), err
}

// tenantsSection times backups and restores of BenchMT.
func (b *bench) tenantsSection(ctx context.Context) error {
	n, err := b.loadTenants(ctx)
	if err != nil {
		return err
	}
	var csB, cmpB, natB, csR, cmpR, natR series
	for r := 1; r <= b.o.runs; r++ {
		b.logln("tenants run %d/%d", r, b.o.runs)
		id := fmt.Sprintf("mt-%s-%d", b.runID, r)
		el, rss, err := b.colstate(fmt.Sprintf("mt-backup-%d", r), "backup", "-auto-approve", "-store", b.store, "-id", id, mtName)
		if err != nil {
			return err
		}
		csB.add(el, rss)
		if b.o.compare != "" {
			el, rss, err := runColstate(b.o.compare, nil, "-chdir", b.cfgDir, "backup", "-auto-approve", "-store", b.store, "-id", id+"-cmp", mtName)
			if err != nil {
				return err
			}
			cmpB.add(el, rss)
		}
		start := time.Now()
		if err := b.nat.backup(ctx, "nat-"+id, mtName, fastest); err != nil {
			return err
		}
		natB.add(time.Since(start), 0)

		for _, v := range []struct {
			bin, as string
			s       *series
		}{{b.o.bin, "BenchMTR", &csR}, {b.o.compare, "BenchMTC", &cmpR}} {
			if v.bin == "" {
				continue
			}
			el, rss, err := runColstate(v.bin, nil, "-chdir", b.cfgDir, "restore", "-auto-approve", "-store", b.store, "-as", v.as, id)
			if err != nil {
				return err
			}
			v.s.add(el, rss)
			if got, err := b.mtCount(ctx, v.as); err != nil || got != n {
				return fmt.Errorf("restored %s holds %d objects (%v), want %d", v.as, got, err, n)
			}
			if err := b.c.Delete(ctx, v.as); err != nil {
				return err
			}
		}
		// Native restore brings back the source collection itself.
		if err := b.c.Delete(ctx, mtName); err != nil {
			return err
		}
		start = time.Now()
		if err := b.nat.restore(ctx, "nat-"+id, mtName); err != nil {
			return err
		}
		natR.add(time.Since(start), 0)
		if got, err := b.mtCount(ctx, mtName); err != nil || got != n {
			return fmt.Errorf("natively restored %s holds %d objects (%v), want %d", mtName, got, err, n)
		}
		last := func(s series) float64 {
			if len(s.secs) == 0 {
				return 0
			}
			return s.secs[len(s.secs)-1]
		}
		b.logln("  backup: colstate %.2fs, compare %.2fs, native %.2fs; restore: colstate %.2fs, compare %.2fs, native %.2fs",
			last(csB), last(cmpB), last(natB), last(csR), last(cmpR), last(natR))
	}
	what := fmt.Sprintf("%d tenants × %d objects", b.o.tenants, b.o.tenantObjects)
	backups := []Row{natB.row("tenants", "native backup-filesystem, ZstdBestSpeed 80% CPU, "+what, n)}
	restores := []Row{natR.row("tenants", "native restore, "+what, n)}
	if b.o.compare != "" {
		backups = append(backups, with(cmpB.row("tenants", "colstate backup, "+filepath.Base(b.o.compare)+", "+what, n), "comparison build"))
		restores = append(restores, with(cmpR.row("tenants", "colstate restore, "+filepath.Base(b.o.compare)+", "+what, n), "comparison build"))
	}
	b.addRows(csB.row("tenants", "colstate backup, "+what, n), backups...)
	b.addRows(csR.row("tenants", "colstate restore (into an absent collection, incl. verify), "+what, n), restores...)
	return nil
}
