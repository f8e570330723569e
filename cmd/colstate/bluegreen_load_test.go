package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// blueGreenHCL declares the imported collection name with
// create_before_destroy and the title property tokenized as tok.
func blueGreenHCL(t *testing.T, imported, name, tok string, keep int) string {
	t.Helper()
	out := strings.Replace(imported, fmt.Sprintf("collection %q {", name),
		fmt.Sprintf("collection %q {\n  lifecycle {\n    create_before_destroy = true\n    keep_previous = %d\n  }\n", name, keep), 1)
	title := regexp.MustCompile(`property "title" \{[^}]*\}`)
	if !title.MatchString(out) {
		t.Fatalf("no title property in the imported HCL:\n%s", imported)
	}
	return title.ReplaceAllString(out, fmt.Sprintf("property \"title\" {\n    data_type    = \"text\"\n    tokenization = %q\n  }", tok))
}

// loadStats is what the reader and writer saw while a replace ran.
type loadStats struct {
	reads, readErrors, grpcReads, grpcErrors atomic.Int64
	minCount                                 atomic.Int64
	short                                    atomic.Int64 // reads that saw fewer than 20,000 objects
	lagMax                                   atomic.Int64 // most acknowledged adds a count missed
	writes, writeErrors, adds                atomic.Int64
	mu                                       sync.Mutex
	firstErr                                 string
	lastOld, firstNew                        time.Time // reads served by the old / new backing collection
	written                                  map[string]string
}

func (s *loadStats) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.firstErr == "" {
		s.firstErr = fmt.Sprintf(format, args...)
	}
}

// TestBlueGreenUnderLoad proves a blue/green replace of a 20,000-object
// collection (16-dimensional vectors, flat index) under load, against the
// real server: a reader queries the alias in a loop over REST (GraphQL
// Aggregate count, GET /v1/objects) and gRPC (Search by ids), a writer
// upserts through the alias (updates and adds), while colstate apply runs
// the replace. The reader must never see an error or fewer than the 20,000
// objects; every write must be present afterwards; plan says No changes.
func TestBlueGreenUnderLoad(t *testing.T) {
	srv := weaviatetest.Server(t)
	c := directClient(t, srv.URL, srv.GRPCAddr, "")
	ctx := context.Background()
	const name = "BgLoad"
	start := time.Now()
	seed(t, c, name, faultObjects)
	t.Logf("seeded %s with %d objects (%d dims, flat index) in %s", name, faultObjects, faultDims, time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		for _, n := range []string{name, name + "_v2", name + "_v3"} {
			_ = c.Delete(ctx, n)
		}
	})

	r := newRig(t, srv.URL, srv.GRPCAddr)
	r.mustRun("import", name)
	imported, err := os.ReadFile(filepath.Join(r.dir, "imported.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(r.dir, "imported.hcl")); err != nil {
		t.Fatal(err)
	}
	write := func(tok string) {
		if err := os.WriteFile(filepath.Join(r.dir, "load.hcl"), []byte(blueGreenHCL(t, string(imported), name, tok, 0)), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// The first blue/green replace makes the name an alias: the reader
	// alone runs, to measure the moment the name is unavailable.
	write("field")
	first := runUnderLoad(t, r, c, srv.URL, name, false)
	t.Logf("first replace (plain collection → alias %s → %s_v2): cutover gap reported by apply %s; reader: %d REST reads, %d errors (expected in the gap), min count %d; gRPC %d reads, %d errors",
		name, name, first.gap, first.s.reads.Load(), first.s.readErrors.Load(), first.s.minCount.Load(), first.s.grpcReads.Load(), first.s.grpcErrors.Load())

	// The second replace only retarget the alias: reader and writer run.
	write("whitespace")
	second := runUnderLoad(t, r, c, srv.URL, name, true)
	s := second.s
	t.Logf("second replace (retarget %s_v2 → %s_v3) under load: apply took %s, retarget call %s; reader: %d REST reads, %d errors, min count %d, %d reads below 20000; gRPC Search: %d reads, %d errors; last read served by %s_v2 at +%s, first by %s_v3 at +%s (gap %s); writer: %d upserts (%d adds), %d errors; most acknowledged adds a count missed (between the retarget and settle): %d",
		name, name, second.took.Round(time.Millisecond), second.gap, s.reads.Load(), s.readErrors.Load(), s.minCount.Load(), s.short.Load(), s.grpcReads.Load(), s.grpcErrors.Load(),
		name, s.lastOld.Sub(second.start).Round(time.Millisecond), name, s.firstNew.Sub(second.start).Round(time.Millisecond), s.firstNew.Sub(s.lastOld).Round(time.Microsecond),
		s.writes.Load(), s.adds.Load(), s.writeErrors.Load(), s.lagMax.Load())
	if s.firstErr != "" {
		t.Errorf("under load: %s", s.firstErr)
	}
	if s.readErrors.Load() > 0 || s.grpcErrors.Load() > 0 || s.writeErrors.Load() > 0 {
		t.Errorf("errors during the retarget replace: %d REST reads, %d gRPC reads, %d writes", s.readErrors.Load(), s.grpcErrors.Load(), s.writeErrors.Load())
	}
	if s.minCount.Load() < faultObjects {
		t.Errorf("the reader saw %d objects, fewer than the %d there", s.minCount.Load(), faultObjects)
	}
	if s.writes.Load() == 0 || s.lastOld.IsZero() || s.firstNew.IsZero() {
		t.Errorf("the load did not span the retarget: %d writes, last old read %v, first new read %v", s.writes.Load(), s.lastOld, s.firstNew)
	}
	// Every write is present, as last written.
	cl, err := c.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if got := cl["class"]; got != name+"_v3" {
		t.Fatalf("alias %s points at %v, want %s_v3", name, got, name)
	}
	sch := live.SchemaOf(cl)
	var ids []string
	for id := range s.written {
		ids = append(ids, id)
	}
	missing, stale := 0, 0
	for i := 0; i < len(ids); i += 500 {
		got, err := c.ReadObjectsByID(ctx, sch, live.ReadOptions{NoVectors: true}, ids[i:min(i+500, len(ids))])
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids[i:min(i+500, len(ids))] {
			o := got[id]
			switch {
			case o == nil:
				missing++
			case o.Properties["title"] != s.written[id]:
				stale++
			}
		}
	}
	if missing > 0 || stale > 0 {
		t.Errorf("of %d objects written during the replace, %d are missing and %d do not hold their last write", len(ids), missing, stale)
	}
	n, err := c.Count(ctx, name, "")
	if err != nil || n != int64(faultObjects)+s.adds.Load() {
		t.Errorf("after the replace %s holds %d objects (%v), want %d", name, n, err, int64(faultObjects)+s.adds.Load())
	}
	if _, err := c.Class(ctx, name+"_v2"); err == nil {
		t.Errorf("%s_v2 was not deleted (keep_previous = 0)", name)
	}
	p := r.mustRun("plan", "-detailed-exitcode")
	if !strings.Contains(p.stdoutString(), "No changes.") {
		t.Fatalf("plan after the replace:\n%s", p.output())
	}
}

type loadRun struct {
	s     *loadStats
	start time.Time
	took  time.Duration
	gap   string // as apply reported it
}

var reportedGap = regexp.MustCompile(`(?:the name was unavailable for |in one call \()([0-9.]+[µnm]?s)`)

// runUnderLoad applies the configuration while a reader (and, with
// writer, a writer) works on name through its alias.
func runUnderLoad(t *testing.T, r *rig, c *live.Client, url, name string, writer bool) loadRun {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	s := &loadStats{written: map[string]string{}}
	s.minCount.Store(1 << 62)
	cl, err := c.Class(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	oldTarget, _ := cl["class"].(string)
	aliasSchema := live.SchemaOf(cl)
	aliasSchema.Collection = name
	probe := []string{faultObject(1).ID, faultObject(9_999).ID, faultObject(19_998).ID}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // reader
		defer wg.Done()
		hc := &http.Client{Timeout: 10 * time.Second}
		for ctx.Err() == nil {
			acked := s.adds.Load()
			n, err := c.Count(ctx, name, "")
			if ctx.Err() != nil {
				return
			}
			s.reads.Add(1)
			if err != nil {
				s.readErrors.Add(1)
				if writer {
					s.fail("REST count: %v", err)
				}
			} else {
				if n < s.minCount.Load() {
					s.minCount.Store(n)
				}
				if n < faultObjects {
					s.short.Add(1)
				}
				if lag := int64(faultObjects) + acked - n; lag > s.lagMax.Load() {
					s.lagMax.Store(lag)
				}
			}
			// Which collection served the read: objects come back with
			// the real class name.
			target, err := servedBy(ctx, hc, url, name)
			now := time.Now()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				s.readErrors.Add(1)
				if writer && ctx.Err() == nil {
					s.fail("REST GET /v1/objects: %v", err)
				}
			} else if target == oldTarget {
				s.lastOld = now
			} else if s.firstNew.IsZero() {
				s.firstNew = now
			}
			got, err := c.ReadObjectsByID(ctx, aliasSchema, live.ReadOptions{NoVectors: true}, probe)
			s.grpcReads.Add(1)
			if err != nil || len(got) != len(probe) {
				if ctx.Err() != nil {
					return
				}
				s.grpcErrors.Add(1)
				if writer {
					s.fail("gRPC Search by ids: %d of %d found, %v", len(got), len(probe), err)
				}
			}
		}
	}()
	// The writer stops between writes (never mid-write, so every write it
	// counts is acknowledged and every acknowledged one is counted).
	var stopWrites atomic.Bool
	var writerDone sync.WaitGroup
	if writer {
		writerDone.Add(1)
		go func() { // writer: updates of existing objects and new ones, through the alias
			defer writerDone.Done()
			ctx := context.Background()
			for i := 0; !stopWrites.Load(); i++ {
				o := faultObject(i * 37 % faultObjects)
				add := i%3 == 0
				if add {
					o = faultObject(faultObjects + i)
				}
				o.Properties["title"] = fmt.Sprintf("written %d", i)
				bw := c.NewBatchWriter(ctx, aliasSchema, name, 1, 1)
				err := bw.Add(o)
				if err == nil {
					err = bw.Close()
				} else {
					bw.Close()
				}
				s.writes.Add(1)
				if err != nil {
					s.writeErrors.Add(1)
					s.fail("write through the alias: %v", err)
					continue
				}
				s.mu.Lock()
				_, seen := s.written[o.ID]
				s.written[o.ID] = o.Properties["title"].(string)
				s.mu.Unlock()
				if add && !seen {
					s.adds.Add(1)
				}
			}
		}()
	}
	// Let the load run before the apply starts, so it spans every step.
	for s.reads.Load() < 3 || (writer && s.writes.Load() < 20) {
		time.Sleep(10 * time.Millisecond)
	}
	run := loadRun{s: s, start: time.Now()}
	p := r.mustRun("apply", "-auto-approve")
	run.took = time.Since(run.start)
	reads := s.reads.Load()
	for s.reads.Load() < reads+3 { // a few reads after the apply
		time.Sleep(10 * time.Millisecond)
	}
	stopWrites.Store(true)
	writerDone.Wait()
	stop()
	wg.Wait()
	out := p.stdoutString()
	if m := reportedGap.FindStringSubmatch(out); m != nil {
		run.gap = m[1]
	}
	t.Logf("apply output:\n%s", out)
	return run
}

// servedBy reads one object through the alias over REST and returns the
// collection that answered.
func servedBy(ctx context.Context, hc *http.Client, url, alias string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/objects?limit=1&class="+alias, nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s", resp.Status)
	}
	var body struct {
		Objects []struct {
			Class string `json:"class"`
		} `json:"objects"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", err
	}
	if len(body.Objects) == 0 {
		return "", fmt.Errorf("no objects")
	}
	return body.Objects[0].Class, nil
}
