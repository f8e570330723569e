package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/colstate/colstate/internal/live"
)

// The multi-tenant section (issue 13 item 3): one collection of -tenants
// tenants × -tenant-objects objects (-dims vectors), -tenant-hot of them
// HOT and the others COLD, backed up and restored by colstate, by the
// -compare build and by Weaviate's own backup-filesystem module.
//
// Most tenants are COLD because most production tenants are inactive, and
// because a server cannot hold many HOT: each holds about ten files open,
// and with an open-files limit of 20,000 Weaviate failed writes at about
// 1,950 HOT tenants. The collection is loaded in groups: a group is
// created HOT, written, and its COLD tenants set COLD before the next.
//
// Weaviate v1.35.2's own backup copies the shards it has loaded, so it
// leaves COLD tenants' objects out; the native figures are therefore also
// taken on a collection of the HOT tenants alone (BenchMTH, section
// "tenants-hot"), with colstate's beside them, and the native restore of
// the mixed collection is inspected and said for what it brings back.

const (
	mtName      = "BenchMT"  // -tenants, -tenant-hot of them HOT
	mtHotName   = "BenchMTH" // -tenant-hot tenants, all HOT
	mtLargeName = "BenchMTL" // -tenant-large-count objects across -tenants (section tenantslarge)
	loadGroup   = 500        // tenants HOT at once while loading, beyond those that stay HOT
)

// mtSpec is one multi-tenant collection of the bench.
type mtSpec struct {
	name              string
	tenants, hot, per int
	index             string
}

// isHot spreads the HOT tenants evenly: with 10,000 tenants and 1,000 HOT,
// every tenth.
func (m mtSpec) isHot(t int) bool { return m.hot >= m.tenants || (t*m.hot)%m.tenants < m.hot }

func (m mtSpec) objects() int { return m.tenants * m.per }

func (m mtSpec) what() string {
	if m.hot >= m.tenants {
		return fmt.Sprintf("%d tenants (all HOT) × %d objects", m.tenants, m.per)
	}
	return fmt.Sprintf("%d tenants (%d HOT, %d COLD) × %d objects", m.tenants, m.hot, m.tenants-m.hot, m.per)
}

func (b *bench) mtSpecs() (mixed mtSpec, hotOnly *mtSpec) {
	mixed = mtSpec{name: mtName, tenants: b.o.tenants, hot: min(b.o.tenantHot, b.o.tenants), per: b.o.tenantObjects, index: "hnsw"}
	if mixed.hot < mixed.tenants {
		hotOnly = &mtSpec{name: mtHotName, tenants: mixed.hot, hot: mixed.hot, per: mixed.per, index: "hnsw"}
	}
	return mixed, hotOnly
}

// loadMT creates collection m and fills it, group by group, or reuses it
// from an earlier run with -data.
func (b *bench) loadMT(ctx context.Context, m mtSpec) error {
	if _, err := b.c.Class(ctx, m.name); err == nil && b.o.data != "" {
		if err := b.checkMT(ctx, m.name, m); err != nil {
			return fmt.Errorf("%w: remove %s or change -tenants", err, b.o.data)
		}
		b.logln("reusing %s from %s", m.name, b.o.data)
		return nil
	}
	b.logln("loading %s: %s × %d dims (%s), in groups of %d tenants", m.name, m.what(), b.o.dims, m.index, loadGroup)
	start := time.Now()
	cl := b.d.class(m.name, m.index)
	cl["multiTenancyConfig"] = map[string]any{"enabled": true}
	if err := b.c.CreateRaw(ctx, cl); err != nil {
		return err
	}
	s := b.d.schema(m.name)
	s.MultiTenant = true
	d := dataset{count: m.objects(), dims: b.o.dims}
	for g := 0; g < m.tenants; g += loadGroup {
		end := min(g+loadGroup, m.tenants)
		var group, cold []live.Tenant
		for t := g; t < end; t++ {
			group = append(group, live.Tenant{Name: tenantName(t)})
			if !m.isHot(t) {
				cold = append(cold, live.Tenant{Name: tenantName(t), ActivityStatus: "COLD"})
			}
		}
		if err := b.c.CreateTenants(ctx, m.name, group); err != nil {
			return err
		}
		bw := b.c.NewBatchWriter(ctx, s, m.name, b.o.rawBatch, b.o.rawFlight)
		for i := g * m.per; i < end*m.per; i++ {
			o := d.object(i)
			o.Tenant = tenantName(i / m.per)
			if err := bw.Add(o); err != nil {
				bw.Close()
				return err
			}
		}
		if err := bw.Close(); err != nil {
			return err
		}
		before := b.serverFiles()
		if err := b.c.UpdateTenants(ctx, m.name, cold); err != nil {
			return err
		}
		if g/loadGroup%4 == 3 || end == m.tenants {
			b.logln("  %d/%d tenants loaded; server open files %d before setting the group's %d COLD, %d after", end, m.tenants, before, len(cold), b.serverFiles())
		}
	}
	b.logln("loaded in %.1fs (%.0f objects/s)", time.Since(start).Seconds(), float64(m.objects())/time.Since(start).Seconds())
	return b.checkMT(ctx, m.name, m)
}

func tenantName(t int) string { return fmt.Sprintf("tenant%05d", t) }

// serverFiles counts the server process's open files (-1 when unknown).
func (b *bench) serverFiles() int {
	ents, err := os.ReadDir(filepath.Join("/proc", fmt.Sprint(b.srv.Pid()), "fd"))
	if err != nil {
		return -1
	}
	return len(ents)
}

// checkMT checks that collection name holds m's tenants, each with its
// status, and that the HOT ones hold their objects. COLD tenants are not
// counted: each would have to be activated (colstate's restore verifies
// every object's digest itself).
func (b *bench) checkMT(ctx context.Context, name string, m mtSpec) error {
	ts, err := b.c.Tenants(ctx, name)
	if err != nil {
		return err
	}
	if len(ts) != m.tenants {
		return fmt.Errorf("%s has %d tenants, want %d", name, len(ts), m.tenants)
	}
	var hot []live.Tenant
	for _, t := range ts {
		var i int
		if _, err := fmt.Sscanf(t.Name, "tenant%d", &i); err != nil {
			return fmt.Errorf("%s: unexpected tenant %q", name, t.Name)
		}
		want := "COLD"
		if m.isHot(i) {
			want = "HOT"
			hot = append(hot, t)
		}
		if t.ActivityStatus != want {
			return fmt.Errorf("%s: tenant %s is %s, want %s", name, t.Name, t.ActivityStatus, want)
		}
	}
	n, err := b.countTenants(ctx, name, hot)
	if err == nil && n != len(hot)*m.per {
		err = fmt.Errorf("%s: its HOT tenants hold %d objects, want %d", name, n, len(hot)*m.per)
	}
	return err
}

// countTenants counts the objects of tenants of collection name (an
// inactive one is activated to be counted, and set back).
func (b *bench) countTenants(ctx context.Context, name string, ts []live.Tenant) (int, error) {
	var total atomic.Int64
	_, err := live.EachTenant(ctx, b.c, name, ts, live.DefaultTenantParallel, func(ctx context.Context, _ int, t live.Tenant) error {
		n, err := b.c.Count(ctx, name, t.Name)
		total.Add(n)
		return err
	})
	return int(total.Load()), err
}

// tenantsSection times backups and restores of the multi-tenant
// collections: the mixed one first, then (once its runs have deleted it)
// the HOT-only one, so the server never holds both collections' HOT
// tenants and a restored copy at once (open files).
func (b *bench) tenantsSection(ctx context.Context) error {
	mixed, hotOnly := b.mtSpecs()
	if err := b.loadMT(ctx, mixed); err != nil {
		return err
	}
	if err := b.mtRuns(ctx, mixed, "tenants"); err != nil {
		return fmt.Errorf("%s: %w", mixed.name, err)
	}
	if hotOnly == nil {
		return nil
	}
	if err := b.c.Delete(ctx, mixed.name); err != nil && !errors.Is(err, live.ErrNotFound) {
		return err
	}
	if err := b.loadMT(ctx, *hotOnly); err != nil {
		return err
	}
	if err := b.mtRuns(ctx, *hotOnly, "tenants-hot"); err != nil {
		return fmt.Errorf("%s: %w", hotOnly.name, err)
	}
	return nil
}

// mtRuns times -runs backups and restores of collection m: colstate's,
// the -compare build's and Weaviate's own, alternated in each run.
func (b *bench) mtRuns(ctx context.Context, m mtSpec, section string) error {
	var csB, cmpB, natB, csR, cmpR, natR series
	var cmpRNote, natNote string
	n := m.objects()
	for r := 1; r <= b.o.runs; r++ {
		b.logln("%s run %d/%d (load: %s)", m.name, r, b.o.runs, loadavg())
		id := fmt.Sprintf("%s-%s-%d", strings.ToLower(m.name), b.runID, r)
		el, rss, err := b.colstate(fmt.Sprintf("%s-backup-%d", m.name, r), "backup", "-auto-approve", "-store", b.store, "-id", id, m.name)
		if err != nil {
			return err
		}
		csB.add(el, rss)
		b.logln("  colstate backup %.2fs, %.0f MiB (load: %s)", el.Seconds(), float64(rss)/(1<<20), loadavg())
		if b.o.compare != "" {
			el, rss, err := runColstate(b.o.compare, nil, "-chdir", b.cfgDir, "backup", "-auto-approve", "-store", b.store, "-id", id+"-cmp", m.name)
			if err != nil {
				return err
			}
			cmpB.add(el, rss)
			b.logln("  comparison build backup %.2fs, %.0f MiB (load: %s)", el.Seconds(), float64(rss)/(1<<20), loadavg())
		}
		natID := "nat-" + id
		start := time.Now()
		if err := b.nat.backup(ctx, natID, m.name, fastest); err != nil {
			return err
		}
		natB.add(time.Since(start), 0)
		b.logln("  native backup %.2fs (load: %s)", time.Since(start).Seconds(), loadavg())

		as := m.name + "R"
		el, rss, err = b.colstate(fmt.Sprintf("%s-restore-%d", m.name, r), "restore", "-auto-approve", "-store", b.store, "-as", as, id)
		if err != nil {
			return err
		}
		csR.add(el, rss)
		b.logln("  colstate restore %.2fs, %.0f MiB (load: %s)", el.Seconds(), float64(rss)/(1<<20), loadavg())
		if err := b.checkMT(ctx, as, m); err != nil {
			return fmt.Errorf("colstate's restore: %w", err)
		}
		if err := b.c.Delete(ctx, as); err != nil {
			return err
		}
		if b.o.compare != "" && (b.o.compareRestore || m.hot >= m.tenants) {
			as := m.name + "C"
			el, rss, err := runColstate(b.o.compare, nil, "-chdir", b.cfgDir, "restore", "-auto-approve", "-store", b.store, "-as", as, id)
			if err == nil {
				err = b.checkMT(ctx, as, m)
			}
			if err != nil {
				// The build before could not restore a snapshot of
				// mostly COLD tenants (every tenant written HOT).
				cmpRNote = "failed: " + firstLine(err.Error(), 300)
				b.logln("  the comparison build's restore failed: %s", cmpRNote)
			} else {
				cmpR.add(el, rss)
			}
			if err := b.c.Delete(ctx, as); err != nil && !errors.Is(err, live.ErrNotFound) {
				return err
			}
		}
		// Native restore brings back the source collection itself.
		if err := b.c.Delete(ctx, m.name); err != nil {
			return err
		}
		start = time.Now()
		if err := b.nat.restore(ctx, natID, m.name); err != nil {
			return err
		}
		natR.add(time.Since(start), 0)
		b.logln("  native restore %.2fs (load: %s)", time.Since(start).Seconds(), loadavg())
		err = b.checkMT(ctx, m.name, m)
		if err == nil && m.hot < m.tenants {
			err = b.checkCold(ctx, m)
		}
		if err == nil && m.hot < m.tenants {
			natNote = "brought back every tenant with its status and the objects of the 10 COLD tenants checked (activated to be counted)"
		}
		if err != nil {
			natNote = b.describeNative(ctx, m, err)
			b.logln("  native restore: %s", natNote)
			// Bring the source back for the next run; after the last, a
			// later run with -data loads it again.
			if err := b.c.Delete(ctx, m.name); err != nil {
				return err
			}
			if r < b.o.runs {
				if _, _, err := b.colstate("", "restore", "-auto-approve", "-store", b.store, id); err != nil {
					return err
				}
			}
		}
		last := func(s series) float64 {
			if len(s.secs) == 0 {
				return 0
			}
			return s.secs[len(s.secs)-1]
		}
		b.logln("  backup: colstate %.2fs, compare %.2fs, native %.2fs; restore: colstate %.2fs, compare %.2fs, native %.2fs (load: %s)",
			last(csB), last(cmpB), last(natB), last(csR), last(cmpR), last(natR), loadavg())
	}
	what := m.what()
	backups := []Row{natB.row(section, "native backup-filesystem, ZstdBestSpeed 80% CPU, "+what, n)}
	restores := []Row{with(natR.row(section, "native restore, "+what, n), natNote)}
	if b.o.compare != "" {
		backups = append(backups, with(cmpB.row(section, "colstate backup, "+filepath.Base(b.o.compare)+", "+what, n), "comparison build"))
		if b.o.compareRestore || m.hot >= m.tenants {
			note := "comparison build"
			if cmpRNote != "" {
				note += "; " + cmpRNote
			}
			restores = append(restores, with(cmpR.row(section, "colstate restore, "+filepath.Base(b.o.compare)+", "+what, n), note))
		}
	}
	b.addRows(csB.row(section, "colstate backup, "+what, n), backups...)
	b.addRows(csR.row(section, "colstate restore (into an absent collection, incl. verify), "+what, n), restores...)
	return nil
}

// checkCold counts the objects of 10 COLD tenants of m (each activated
// and set back).
func (b *bench) checkCold(ctx context.Context, m mtSpec) error {
	ts, err := b.c.Tenants(ctx, m.name)
	if err != nil {
		return err
	}
	var cold []live.Tenant
	for _, t := range ts {
		if !t.Active() && len(cold) < 10 {
			cold = append(cold, t)
		}
	}
	n, err := b.countTenants(ctx, m.name, cold)
	if err == nil && n != len(cold)*m.per {
		err = fmt.Errorf("%d COLD tenants of %s hold %d objects, want %d", len(cold), m.name, n, len(cold)*m.per)
	}
	return err
}

// describeNative says what a native restore of m brought back, when it is
// not m: tenants by status, the HOT tenants' objects, and the objects of
// up to 10 COLD tenants (activated to be counted).
func (b *bench) describeNative(ctx context.Context, m mtSpec, checkErr error) string {
	ts, err := b.c.Tenants(ctx, m.name)
	if err != nil {
		return fmt.Sprintf("%v; tenants: %v", checkErr, err)
	}
	by := map[string]int{}
	var hot, cold []live.Tenant
	for _, t := range ts {
		by[t.ActivityStatus]++
		if t.Active() {
			hot = append(hot, t)
		} else if len(cold) < 10 {
			cold = append(cold, t)
		}
	}
	nh, herr := b.countTenants(ctx, m.name, hot)
	nc, cerr := b.countTenants(ctx, m.name, cold)
	return fmt.Sprintf("brought back %d tenants %v; its active tenants hold %d objects (%v); %d of its inactive tenants, activated, hold %d objects (%v), want %d (check: %v)",
		len(ts), by, nh, herr, len(cold), nc, cerr, len(cold)*m.per, checkErr)
}

func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// loadavg is /proc/loadavg's first three figures: the machine is shared.
func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// tenantsLarge measures colstate's peak RSS for a backup and a restore of
// -tenant-large-count objects across -tenants tenants (-tenant-hot HOT),
// on a flat index so the load takes minutes.
func (b *bench) tenantsLarge(ctx context.Context) error {
	m := mtSpec{name: mtLargeName, tenants: b.o.tenants, hot: min(b.o.tenantHot, b.o.tenants), per: b.o.tenantLargeCount / b.o.tenants, index: "flat"}
	if err := b.loadMT(ctx, m); err != nil {
		return err
	}
	var bk, rs series
	b.logln("tenants large: backup (load: %s)", loadavg())
	el, rss, err := b.colstate("backup-tenants-large", "backup", "-auto-approve", "-store", b.store, "-id", "snap-tenants-large", m.name)
	if err != nil {
		return err
	}
	bk.add(el, rss)
	b.logln("tenants large backup: %.1fs, %.0f MiB", el.Seconds(), float64(rss)/(1<<20))
	as := m.name + "R"
	b.logln("tenants large: restore (load: %s)", loadavg())
	el, rss, err = b.colstate("restore-tenants-large", "restore", "-auto-approve", "-store", b.store, "-as", as, "snap-tenants-large")
	if err != nil {
		return err
	}
	rs.add(el, rss)
	b.logln("tenants large restore: %.1fs, %.0f MiB (load: %s)", el.Seconds(), float64(rss)/(1<<20), loadavg())
	if err := b.checkMT(ctx, as, m); err != nil {
		return err
	}
	if err := b.c.Delete(ctx, as); err != nil {
		return err
	}
	n := m.objects()
	b.res.Rows = append(b.res.Rows,
		with(bk.row("tenantslarge", "colstate backup (flat index), "+m.what()+", 1 run", n), "peak RSS at scale"),
		with(rs.row("tenantslarge", "colstate restore (flat index, incl. verify), "+m.what()+", 1 run", n), "peak RSS at scale"))
	return nil
}

// tenantsAB times only backups of the mixed multi-tenant collection by
// colstate and by the -compare build, alternating which goes first from
// run to run (ABBA…) on the same data, with the load average beside each:
// a fair A/B on a shared machine, where a fixed order gives whichever runs
// second a different load.
func (b *bench) tenantsAB(ctx context.Context) error {
	if b.o.compare == "" {
		return errors.New("section tenantsab needs -compare BINARY")
	}
	m, _ := b.mtSpecs()
	if err := b.loadMT(ctx, m); err != nil {
		return err
	}
	var cs, cmp series
	for r := 1; r <= b.o.runs; r++ {
		id := fmt.Sprintf("ab-%s-%d", b.runID, r)
		newFirst := r%2 == 1
		for k := 0; k < 2; k++ {
			cpu := b.serverCPU()
			if (k == 0) == newFirst {
				el, rss, err := b.colstate(fmt.Sprintf("%s-ab-backup-%d", m.name, r), "backup", "-auto-approve", "-store", b.store, "-id", id, m.name)
				if err != nil {
					return err
				}
				cs.add(el, rss)
				b.logln("run %d: colstate backup %.2fs, %.0f MiB, server CPU %.1fs (load: %s)", r, el.Seconds(), float64(rss)/(1<<20), b.serverCPU()-cpu, loadavg())
			} else {
				el, rss, err := runColstate(b.o.compare, nil, "-chdir", b.cfgDir, "backup", "-auto-approve", "-store", b.store, "-id", id+"-cmp", m.name)
				if err != nil {
					return err
				}
				cmp.add(el, rss)
				b.logln("run %d: comparison build backup %.2fs, %.0f MiB, server CPU %.1fs (load: %s)", r, el.Seconds(), float64(rss)/(1<<20), b.serverCPU()-cpu, loadavg())
			}
		}
	}
	what := m.what()
	b.addRows(cs.row("tenantsab", "colstate backup, "+what, m.objects()),
		with(cmp.row("tenantsab", "colstate backup, "+filepath.Base(b.o.compare)+", "+what, m.objects()), "comparison build, alternated run by run"))
	return nil
}

// serverCPU is the CPU time the Weaviate server has used so far, in
// seconds (user and system, from /proc): on a shared machine the wall time
// of a run swings with the load, the server's work for it much less.
func (b *bench) serverCPU() float64 {
	data, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(b.srv.Pid()), "stat"))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces): state is
	// the first, utime and stime the 12th and 13th, in clock ticks (100/s).
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	var u, st float64
	fmt.Sscan(f[11], &u)
	fmt.Sscan(f[12], &st)
	return (u + st) / 100
}
