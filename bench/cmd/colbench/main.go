// Command colbench measures colstate against Weaviate's own backups and
// against raw gRPC client loops, on one real weaviate-server, in one run.
// See the "Benchmarks" section of README.md; `make bench` runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/s3test"
	"github.com/colstate/colstate/internal/weaviateproc"
)

type options struct {
	count, dims, runs   int
	large               bool
	largeCount          int
	out, bin, profile   string
	rawBatch, rawFlight int
	page                int
	only                string
	collections         int
	data                string
	restoreCount        int
	compare             string
	tenants             int
	tenantObjects       int
	tenantHot           int
	tenantLargeCount    int
	compareRestore      bool
}

func main() {
	var o options
	flag.IntVar(&o.count, "count", 100_000, "objects in the dataset")
	flag.IntVar(&o.dims, "dims", 384, "vector dimensions")
	flag.IntVar(&o.runs, "runs", 3, "runs per figure (the median is reported)")
	flag.BoolVar(&o.large, "large", false, "also measure colstate's peak RSS at -large-count objects (flat index, so the load takes minutes, not an hour)")
	flag.IntVar(&o.largeCount, "large-count", 1_000_000, "objects for -large")
	flag.StringVar(&o.out, "out", "bench/results", "directory for the JSON results")
	flag.StringVar(&o.bin, "colstate", "", "colstate binary (default: build ./cmd/colstate)")
	flag.StringVar(&o.profile, "profile", "", "write CPU profiles of colstate's runs to `DIR`")
	flag.IntVar(&o.rawBatch, "raw-batch", 200, "objects per batch of the raw import loop (200 × 4 beat 500 × 4 here)")
	flag.IntVar(&o.rawFlight, "raw-inflight", 4, "batches in flight in the raw import loop")
	flag.IntVar(&o.page, "raw-page", 500, "objects per cursor page of the raw read loop")
	flag.StringVar(&o.only, "only", "backup,diff,restore,native,plan,s3,tenants", "sections to run (tenantsab, not in the default: only backups of the multi-tenant collection by colstate and the -compare build, alternated run by run; tenantslarge, not in the default: peak RSS at -tenant-large-count objects across -tenants tenants; native: colstate's restore via Weaviate's backup vs Weaviate's restore called directly, and backup --engine=both vs its parts; s3: colstate backup/restore to a versitygw S3 server vs a local directory, and Weaviate's backup-s3 module; tenants: a multi-tenant collection)")
	flag.IntVar(&o.tenants, "tenants", 10_000, "tenants of the multi-tenant collection (sections tenants, tenantsab, tenantslarge); 1000 runs in a few minutes")
	flag.IntVar(&o.tenantObjects, "tenant-objects", 10, "objects per tenant (section tenants)")
	flag.IntVar(&o.tenantHot, "tenant-hot", 1000, "HOT tenants of -tenants (spread evenly), the others COLD: Weaviate holds about ten files open per HOT tenant, and failed writes at about 1,950 HOT tenants with an open-files limit of 20,000; with fewer HOT than -tenants, native backup and restore (which leave COLD tenants out on v1.35.2) are also measured on a collection of the HOT tenants alone")
	flag.IntVar(&o.tenantLargeCount, "tenant-large-count", 1_000_000, "objects across -tenants tenants for section tenantslarge (peak RSS of colstate backup and restore; flat index)")
	flag.BoolVar(&o.compareRestore, "compare-restore", true, "also time the -compare build's restore of the mixed HOT/COLD collection in section tenants (a build before 4e5fb3a fails there once more tenants than the server's open-files limit allows are HOT: it writes every tenant HOT); the HOT-only collection's is always timed")
	flag.IntVar(&o.collections, "collections", 200, "declared collections for the plan figure")
	flag.IntVar(&o.restoreCount, "restore-count", 0, "objects for the restore section (default -count); restores are bound by the server's HNSW indexing, a few hundred objects/s on 2 cores")
	flag.StringVar(&o.compare, "compare", "", "also time this other colstate `BINARY` (e.g. a build before an optimisation) in the backup section")
	flag.StringVar(&o.data, "data", "", "keep the server's data (and native backups) in `DIR` and reuse a loaded dataset from an earlier run (default: a temporary directory)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the harness (in-process content diff and plan) to `FILE`")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "colbench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "colbench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// Row is one line of the results: a measurement and its median.
type Row struct {
	Section   string    `json:"section"`
	Name      string    `json:"name"`
	Objects   int       `json:"objects,omitempty"`
	Seconds   float64   `json:"seconds"`
	Runs      []float64 `json:"runs_seconds"`
	PerSecond float64   `json:"objects_per_second,omitempty"`
	PeakRSS   float64   `json:"peak_rss_mib,omitempty"`
	// ColstateRatio is colstate's time divided by this baseline's: below 1
	// colstate is faster. For throughput the ratio is its inverse.
	ColstateRatio float64 `json:"colstate_time_ratio,omitempty"`
	Note          string  `json:"note,omitempty"`
}

// Results is what a run writes under bench/results.
type Results struct {
	Started  time.Time         `json:"started"`
	Machine  map[string]string `json:"machine"`
	Count    int               `json:"count"`
	Dims     int               `json:"dims"`
	RunsEach int               `json:"runs"`
	Rows     []Row             `json:"rows"`
}

type bench struct {
	o       options
	d       dataset
	srv     *weaviateproc.Server
	c       *live.Client
	raw     *rawClient
	nat     native
	natS3   native // Weaviate's backup-s3 module, on gw
	gw      *s3test.Gateway
	s3store string   // colstate's --store URL in gw's bucket
	s3env   []string // gw's credentials, for colstate
	work    string
	cfgDir  string
	store   string
	res     *Results
	logf    *os.File
	snapIDs []string
	runID   string // native backup ids are unique per run: -data keeps them
}

func (b *bench) logln(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(ctx context.Context, o options) error {
	b := &bench{o: o, d: dataset{count: o.count, dims: o.dims}}
	b.res = &Results{Started: time.Now().UTC(), Count: o.count, Dims: o.dims, RunsEach: o.runs, Machine: machine()}
	var err error
	if b.work, err = os.MkdirTemp("", "colbench-"); err != nil {
		return err
	}
	defer os.RemoveAll(b.work)
	if o.bin == "" {
		o.bin = filepath.Join(b.work, "colstate")
		b.logln("building colstate")
		if out, err := exec.Command("go", "build", "-o", o.bin, "./cmd/colstate").CombinedOutput(); err != nil {
			return fmt.Errorf("build colstate: %v\n%s", err, out)
		}
		b.o.bin = o.bin
	}
	if b.logf, err = os.Create(filepath.Join(b.work, "weaviate.log")); err != nil {
		return err
	}
	dataDir := b.work
	if o.data != "" {
		if dataDir, err = filepath.Abs(o.data); err != nil {
			return err
		}
	}
	b.runID = time.Now().UTC().Format("150405")
	sections := strings.Split(o.only, ",")
	env := map[string]string{"ENABLE_MODULES": "backup-filesystem", "BACKUP_FILESYSTEM_PATH": filepath.Join(dataDir, "native")}
	if slices.Contains(sections, "s3") {
		if err := b.startS3(ctx, env); err != nil {
			return err
		}
		defer b.gw.Stop(10 * time.Second)
	}
	b.logln("starting weaviate-server %s with %s", weaviateproc.Version, env["ENABLE_MODULES"])
	b.srv, err = weaviateproc.Start(ctx, weaviateproc.Options{
		DataDir: filepath.Join(dataDir, "data"), Log: b.logf, Env: env,
	})
	if err != nil {
		return err
	}
	defer b.srv.Stop(time.Minute)
	if b.c, err = live.New(live.Options{URL: b.srv.URL, GRPCURL: b.srv.GRPCAddr}); err != nil {
		return err
	}
	// Deleting a copy of 10,000 mostly COLD tenants takes Weaviate minutes:
	// Delete waits for it (past the request timeout) and says so.
	b.c.Notices = os.Stderr
	defer b.c.Close()
	if b.raw, err = dialRaw(b.srv.GRPCAddr); err != nil {
		return err
	}
	defer b.raw.conn.Close()
	b.nat = native{url: b.srv.URL}
	b.natS3 = native{url: b.srv.URL, backend: "s3"}
	b.cfgDir = filepath.Join(b.work, "ws")
	b.store = filepath.Join(b.work, "snapshots")
	if err := writeConfig(b.cfgDir, b.srv.URL, b.srv.GRPCAddr, 0); err != nil {
		return err
	}
	if o.restoreCount == 0 {
		b.o.restoreCount = o.count
	}
	if err := b.cleanup(ctx); err != nil {
		return err
	}
	if slices.Contains(sections, "backup") || slices.Contains(sections, "diff") || slices.Contains(sections, "native") ||
		((slices.Contains(sections, "restore") || slices.Contains(sections, "s3")) && b.o.restoreCount == o.count) {
		if err := b.load(ctx, "Bench", b.d); err != nil {
			return err
		}
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{{"backup", b.backup}, {"diff", b.contentDiff}, {"restore", b.restore}, {"native", b.engines}, {"s3", b.s3}, {"plan", b.plan}, {"tenants", b.tenantsSection}, {"tenantsab", b.tenantsAB}, {"tenantslarge", b.tenantsLarge}}
	for _, s := range steps {
		if !slices.Contains(sections, s.name) {
			continue
		}
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	if o.large {
		if err := b.largeRSS(ctx); err != nil {
			return fmt.Errorf("large: %w", err)
		}
	}
	b.print()
	return b.save()
}

func machine() map[string]string {
	m := map[string]string{"cpus": fmt.Sprint(runtime.NumCPU()), "go": runtime.Version(), "weaviate": weaviateproc.Version}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m["commit"] = strings.TrimSpace(string(out))
	}
	return m
}

// cleanup deletes collections an interrupted run left behind (with
// -data): they would slow this one.
func (b *bench) cleanup(ctx context.Context) error {
	cols, err := b.c.Collections(ctx)
	if err != nil {
		return err
	}
	for name := range cols {
		if name != "Bench" && name != "BenchS" && name != mtName && name != mtHotName && name != mtLargeName {
			if err := b.c.Delete(ctx, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// load creates a source collection and fills it with the dataset d, or
// reuses it from an earlier run with -data.
func (b *bench) load(ctx context.Context, name string, d dataset) error {
	if _, err := b.c.Class(ctx, name); err == nil && b.o.data != "" {
		if err := b.checkCount(ctx, name, d.count); err != nil {
			return fmt.Errorf("%w: remove %s or change -count", err, b.o.data)
		}
		b.logln("reusing %s from %s", name, b.o.data)
		return nil
	}
	b.logln("loading %d objects × %d dims into %s", d.count, d.dims, name)
	if err := b.c.CreateRaw(ctx, d.class(name, "hnsw")); err != nil {
		return err
	}
	start := time.Now()
	if err := b.raw.importAll(ctx, d, name, b.o.rawBatch, b.o.rawFlight); err != nil {
		return err
	}
	b.logln("loaded in %.1fs (%.0f objects/s)", time.Since(start).Seconds(), float64(d.count)/time.Since(start).Seconds())
	return b.checkCount(ctx, name, d.count)
}

func (b *bench) checkCount(ctx context.Context, name string, want int) error {
	n, err := b.c.Count(ctx, name, "")
	if err != nil {
		return err
	}
	if int(n) != want {
		return fmt.Errorf("%s holds %d objects, want %d", name, n, want)
	}
	return nil
}

func (b *bench) colstate(profile string, args ...string) (time.Duration, int64, error) {
	var env []string
	if b.o.profile != "" && profile != "" {
		_ = os.MkdirAll(b.o.profile, 0o755)
		env = append(env, "COLSTATE_CPUPROFILE="+filepath.Join(b.o.profile, profile+".pprof"))
	}
	env = append(env, b.s3env...)
	return runColstate(b.o.bin, env, append([]string{"-chdir", b.cfgDir}, args...)...)
}

// colstateOut is colstate that also returns what colstate printed.
func (b *bench) colstateOut(profile string, args ...string) (time.Duration, int64, []byte, error) {
	var env []string
	if b.o.profile != "" && profile != "" {
		_ = os.MkdirAll(b.o.profile, 0o755)
		env = append(env, "COLSTATE_CPUPROFILE="+filepath.Join(b.o.profile, profile+".pprof"))
	}
	env = append(env, b.s3env...)
	return runColstateOut(b.o.bin, env, append([]string{"-chdir", b.cfgDir}, args...)...)
}

// series collects the runs of one measurement.
type series struct {
	secs []float64
	rss  []int64
}

func (s *series) add(d time.Duration, rss int64) {
	s.secs = append(s.secs, d.Seconds())
	s.rss = append(s.rss, rss)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (s *series) row(section, name string, objects int) Row {
	r := Row{Section: section, Name: name, Objects: objects, Runs: s.secs, Seconds: median(s.secs)}
	if objects > 0 && r.Seconds > 0 {
		r.PerSecond = float64(objects) / r.Seconds
	}
	if len(s.rss) > 0 && slices.Max(s.rss) > 0 {
		r.PeakRSS = float64(slices.Max(s.rss)) / (1 << 20)
	}
	return r
}

// addRows records a section: colstate's row first, then each baseline with
// colstate's time ratio to it.
func (b *bench) addRows(cs Row, baselines ...Row) {
	b.res.Rows = append(b.res.Rows, cs)
	for _, r := range baselines {
		if r.Seconds > 0 {
			r.ColstateRatio = cs.Seconds / r.Seconds
		}
		b.res.Rows = append(b.res.Rows, r)
	}
}

func (b *bench) backup(ctx context.Context) error {
	var cs, raw, natDef, natFast, cmp series
	for r := 1; r <= b.o.runs; r++ {
		b.logln("backup run %d/%d", r, b.o.runs)
		start := time.Now()
		n, err := b.raw.readAll(ctx, "Bench", b.o.page)
		if err != nil {
			return err
		}
		if n != b.o.count {
			return fmt.Errorf("raw read: %d objects, want %d", n, b.o.count)
		}
		raw.add(time.Since(start), 0)

		id := fmt.Sprintf("snap-%d", r)
		el, rss, err := b.colstate(fmt.Sprintf("backup-%d", r), "backup", "-auto-approve", "-store", b.store, "-id", id, "Bench")
		if err != nil {
			return err
		}
		cs.add(el, rss)
		b.snapIDs = append(b.snapIDs, id)
		if b.o.compare != "" {
			el, rss, err := runColstate(b.o.compare, nil, "-chdir", b.cfgDir, "backup", "-auto-approve", "-store", b.store, "-id", id+"-cmp", "Bench")
			if err != nil {
				return err
			}
			cmp.add(el, rss)
			b.logln("  %s: %.2fs (%.0f MiB)", b.o.compare, el.Seconds(), float64(rss)/(1<<20))
		}

		start = time.Now()
		if err := b.nat.backup(ctx, fmt.Sprintf("nat-fast-%s-%d", b.runID, r), "Bench", fastest); err != nil {
			return err
		}
		natFast.add(time.Since(start), 0)

		start = time.Now()
		if err := b.nat.backup(ctx, fmt.Sprintf("nat-default-%s-%d", b.runID, r), "Bench", nil); err != nil {
			return err
		}
		natDef.add(time.Since(start), 0)
		b.logln("  raw read %.2fs, colstate %.2fs (%.0f MiB), native fastest %.2fs, native default %.2fs",
			raw.secs[r-1], cs.secs[r-1], float64(rss)/(1<<20), natFast.secs[r-1], natDef.secs[r-1])
	}
	n := b.o.count
	rows := []Row{
		raw.row("backup", "raw gRPC cursor read (read limit)", n),
		natFast.row("backup", "native backup-filesystem, ZstdBestSpeed 80% CPU", n),
		natDef.row("backup", "native backup-filesystem, defaults (gzip)", n),
	}
	if b.o.compare != "" {
		rows = append(rows, with(cmp.row("backup", "colstate backup, "+filepath.Base(b.o.compare), n), "comparison build"))
	}
	b.addRows(cs.row("backup", "colstate backup", n), rows...)
	return nil
}

func (b *bench) restore(ctx context.Context) error {
	var cs, raw, natFast, natDef series
	src, d, err := b.restoreSource(ctx)
	if err != nil {
		return err
	}
	snap := "snap-restore"
	if _, _, err := b.colstate("", "backup", "-auto-approve", "-store", b.store, "-id", snap, src); err != nil {
		return err
	}
	for _, v := range []struct {
		id  string
		cfg map[string]any
	}{{"nat-fast", fastest}, {"nat-default", nil}} {
		if err := b.nat.backup(ctx, v.id+"-"+b.runID, src, v.cfg); err != nil {
			return err
		}
	}
	for r := 1; r <= b.o.runs; r++ {
		b.logln("restore run %d/%d", r, b.o.runs)
		name := fmt.Sprintf("BenchW%d", r)
		if err := b.c.CreateRaw(ctx, d.class(name, "hnsw")); err != nil {
			return err
		}
		start := time.Now()
		if err := b.raw.importAll(ctx, d, name, b.o.rawBatch, b.o.rawFlight); err != nil {
			return err
		}
		raw.add(time.Since(start), 0)
		if err := b.checkCount(ctx, name, d.count); err != nil {
			return err
		}
		if err := b.c.Delete(ctx, name); err != nil {
			return err
		}

		name = fmt.Sprintf("BenchR%d", r)
		el, rss, err := b.colstate(fmt.Sprintf("restore-%d", r), "restore", "-auto-approve", "-store", b.store, "-as", name, snap)
		if err != nil {
			return err
		}
		cs.add(el, rss)
		if err := b.checkCount(ctx, name, d.count); err != nil {
			return err
		}
		if err := b.c.Delete(ctx, name); err != nil {
			return err
		}

		// Native restore brings back the source collection itself.
		for _, v := range []struct {
			id string
			s  *series
		}{{"nat-fast", &natFast}, {"nat-default", &natDef}} {
			id := v.id + "-" + b.runID
			if err := b.c.Delete(ctx, src); err != nil {
				return err
			}
			start = time.Now()
			if err := b.nat.restore(ctx, id, src); err != nil {
				return err
			}
			v.s.add(time.Since(start), 0)
			if err := b.checkCount(ctx, src, d.count); err != nil {
				return err
			}
		}
		b.logln("  raw import %.2fs, colstate %.2fs (%.0f MiB), native fastest %.2fs, native default %.2fs",
			raw.secs[r-1], cs.secs[r-1], float64(rss)/(1<<20), natFast.secs[r-1], natDef.secs[r-1])
	}
	n := d.count
	rawRow := raw.row("restore", fmt.Sprintf("raw gRPC batch import, %d × %d in flight (write limit)", b.o.rawBatch, b.o.rawFlight), n)
	b.addRows(cs.row("restore", "colstate restore (into an absent collection, incl. verify)", n),
		rawRow,
		natFast.row("restore", "native restore (ZstdBestSpeed backup)", n),
		natDef.row("restore", "native restore (default gzip backup)", n))
	return nil
}

// restoreSource is the collection the restore sections restore: Bench, or
// BenchS with -restore-count objects.
func (b *bench) restoreSource(ctx context.Context) (string, dataset, error) {
	if b.o.restoreCount == b.o.count {
		return "Bench", b.d, nil
	}
	d := dataset{count: b.o.restoreCount, dims: b.o.dims}
	if _, err := b.c.Class(ctx, "BenchS"); err == nil {
		// Loaded by an earlier section of this run (or with -data).
		return "BenchS", d, b.checkCount(ctx, "BenchS", d.count)
	}
	return "BenchS", d, b.load(ctx, "BenchS", d)
}

func (b *bench) contentDiff(ctx context.Context) error {
	want := expectedHashes(b.d)
	var s series
	for r := 1; r <= b.o.runs; r++ {
		start := time.Now()
		changed, missing, extra, err := contentDiff(ctx, b.c, b.d.schema("Bench"), want)
		if err != nil {
			return err
		}
		s.add(time.Since(start), 0)
		if changed+missing+extra != 0 {
			return fmt.Errorf("content diff found %d changed, %d missing, %d extra: the hashes disagree", changed, missing, extra)
		}
		b.logln("content diff run %d/%d: %.2fs", r, b.o.runs, s.secs[r-1])
	}
	row := s.row("diff", "content diff stand-in: stream with vectors + object.Hash + merge vs sorted list (in-process)", b.o.count)
	b.res.Rows = append(b.res.Rows, row)
	return nil
}

func (b *bench) plan(ctx context.Context) error {
	dir := filepath.Join(b.work, "plan")
	if err := writeConfig(dir, b.srv.URL, b.srv.GRPCAddr, b.o.collections); err != nil {
		return err
	}
	b.logln("creating %d collections with colstate apply", b.o.collections)
	if _, _, err := runColstate(b.o.bin, nil, "-chdir", dir, "apply", "-auto-approve"); err != nil {
		return err
	}
	var e2e, inproc, differ series
	for r := 1; r <= b.o.runs; r++ {
		el, rss, err := runColstate(b.o.bin, nil, "-chdir", dir, "plan", "-detailed-exitcode")
		if err != nil {
			return fmt.Errorf("plan should report no changes: %w", err)
		}
		e2e.add(el, rss)
		total, diff, changes, err := diffInProcess(ctx, dir, b.c)
		if err != nil {
			return err
		}
		if changes != 0 {
			return fmt.Errorf("in-process plan: %d changes, want none", changes)
		}
		inproc.add(total, 0)
		differ.add(diff, 0)
		b.logln("plan run %d/%d: colstate plan %.3fs, in-process %.3fs, plan.Diff %.4fs", r, b.o.runs, el.Seconds(), total.Seconds(), diff.Seconds())
	}
	n := b.o.collections
	b.res.Rows = append(b.res.Rows,
		with(e2e.row("plan", fmt.Sprintf("colstate plan, %d collections, end to end (process, HCL, live schema, state, diff)", n), 0), "no changes"),
		with(inproc.row("plan", "in-process: LoadConfig + live schema + state + plan.Diff", 0), ""),
		with(differ.row("plan", "plan.Diff alone", 0), ""))
	return nil
}

func with(r Row, note string) Row { r.Note = note; return r }

// largeRSS measures colstate's peak RSS for backup and restore of a large
// collection. The collection uses a flat index: colstate's memory does not
// depend on the index type, and an HNSW load of 1M objects would take most
// of an hour on 2 cores.
func (b *bench) largeRSS(ctx context.Context) error {
	d := dataset{count: b.o.largeCount, dims: b.o.dims}
	b.logln("large: loading %d objects (flat index)", d.count)
	if err := b.c.CreateRaw(ctx, d.class("BenchLarge", "flat")); err != nil {
		return err
	}
	if err := b.raw.importAll(ctx, d, "BenchLarge", b.o.rawBatch, b.o.rawFlight); err != nil {
		return err
	}
	var bk, rs series
	el, rss, err := b.colstate("backup-large", "backup", "-auto-approve", "-store", b.store, "-id", "snap-large", "BenchLarge")
	if err != nil {
		return err
	}
	bk.add(el, rss)
	b.logln("large backup: %.1fs, %.0f MiB", el.Seconds(), float64(rss)/(1<<20))
	if err := b.c.Delete(ctx, "BenchLarge"); err != nil {
		return err
	}
	el, rss, err = b.colstate("restore-large", "restore", "-auto-approve", "-store", b.store, "snap-large")
	if err != nil {
		return err
	}
	rs.add(el, rss)
	b.logln("large restore: %.1fs, %.0f MiB", el.Seconds(), float64(rss)/(1<<20))
	b.res.Rows = append(b.res.Rows,
		with(bk.row("large", "colstate backup (flat index), 1 run", d.count), "peak RSS at scale"),
		with(rs.row("large", "colstate restore (flat index), 1 run", d.count), "peak RSS at scale"))
	return nil
}

func (b *bench) print() {
	fmt.Printf("\ncolbench: %d objects × %d dims, median of %d runs, %s, %s cores\n", b.o.count, b.o.dims, b.o.runs, b.res.Machine["cpu"], b.res.Machine["cpus"])
	section := ""
	for _, r := range b.res.Rows {
		if r.Section != section {
			section = r.Section
			fmt.Printf("\n%-9s %-88s %9s %11s %9s %10s\n", strings.ToUpper(section), "", "seconds", "objects/s", "peak MiB", "colstate×")
		}
		ps, rss, ratio := "", "", ""
		if r.PerSecond > 0 {
			ps = fmt.Sprintf("%.0f", r.PerSecond)
		}
		if r.PeakRSS > 0 {
			rss = fmt.Sprintf("%.0f", r.PeakRSS)
		}
		if r.ColstateRatio > 0 {
			ratio = fmt.Sprintf("%.2f", r.ColstateRatio)
		}
		name := r.Name
		if r.Note != "" {
			name += " [" + r.Note + "]"
		}
		fmt.Printf("  %-95s %9.3f %11s %9s %10s\n", name, r.Seconds, ps, rss, ratio)
	}
	fmt.Println("\ncolstate× is colstate's time divided by the baseline's (below 1: colstate is faster; its throughput ratio is the inverse).")
}

func (b *bench) save() error {
	if err := os.MkdirAll(b.o.out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(b.o.out, b.res.Started.Format("20060102T150405Z")+".json")
	data, err := json.MarshalIndent(b.res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println("results written to", path)
	return nil
}
