package apply_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// BenchmarkBackupRestore backs up and restores a collection of
// COLSTATE_BENCH_OBJECTS objects (default 20000) with COLSTATE_BENCH_DIMS
// dimensions (default 128) and reports objects/s and the process's peak
// RSS. Run with: go test -run - -bench BackupRestore -benchtime 1x ./internal/apply
func BenchmarkBackupRestore(b *testing.B) {
	n, dims := envInt("COLSTATE_BENCH_OBJECTS", 20000), envInt("COLSTATE_BENCH_DIMS", 128)
	srv := weaviatetest.Server(b)
	c, err := live.New(live.Options{URL: srv.URL, GRPCURL: srv.GRPCAddr})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("Bench%d", i)
		if err := c.CreateRaw(ctx, live.Class{"class": name, "vectorizer": "none", "properties": []any{
			map[string]any{"name": "body", "dataType": []any{"text"}},
			map[string]any{"name": "n", "dataType": []any{"int"}},
		}}); err != nil {
			b.Fatal(err)
		}
		s := &live.ObjectSchema{Collection: name, Legacy: true, Properties: []live.PropertySchema{{Name: "body", DataType: []string{"text"}}, {Name: "n", DataType: []string{"int"}}}}
		w := c.NewBatchWriter(ctx, s, name, 200, 4)
		r := rand.New(rand.NewPCG(1, 2))
		for j := range n {
			v := make([]float32, dims)
			for k := range v {
				v[k] = r.Float32()
			}
			if err := w.Add(&object.Object{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i, j), Properties: map[string]any{"body": strings.Repeat("lorem ipsum ", 8), "n": int64(j)}, Vectors: map[string][]float32{"": v}}); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		store := b.TempDir()
		d := newBenchData(c)
		start := time.Now()
		if _, err := d.Backup(ctx, []plan.Change{{Collection: name, Action: plan.Backup, Data: &plan.DataChange{Store: store, Snapshot: "bench"}}}); err != nil {
			b.Fatal(err)
		}
		backup := time.Since(start)
		if err := c.Delete(ctx, name); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		if err := d.RunData(ctx, &plan.Plan{Changes: []plan.Change{{Collection: name, Action: plan.Restore, Data: &plan.DataChange{Store: store, Snapshot: "bench"}}}}); err != nil {
			b.Fatal(err)
		}
		restore := time.Since(start)
		b.ReportMetric(float64(n)/backup.Seconds(), "backup-objects/s")
		b.ReportMetric(float64(n)/restore.Seconds(), "restore-objects/s")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
	}
}

func newBenchData(c *live.Client) *apply.Data {
	return &apply.Data{Client: c, Out: os.Stderr, Err: os.Stderr}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// peakRSS is the process's high-water resident set size in bytes (Linux).
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
