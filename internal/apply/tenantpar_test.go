package apply_test

// Unit tests of the tenants-in-parallel loop through apply's seam (the
// fake Weaviate of seam_test.go): how many tenants run at once, that the
// snapshot is the one a sequential backup writes, that the first error
// stops the run and names its tenant, and that every tenant activated is
// set back. The real server's round trip is in testdata/script.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/snapshot"
)

// parWeaviate is fakeWeaviate with tenants that can be activated, reads
// that can wait for one another or fail, and a record of both.
type parWeaviate struct {
	*fakeWeaviate
	// readHook, when set, runs as a tenant's read starts; its error fails
	// the read.
	readHook func(ctx context.Context, tenant string) error

	mu                  sync.Mutex
	reading, maxReading int
	active, maxActive   int
	activated, setBack  []string
	started             []string
}

func (p *parWeaviate) WithTenantActive(ctx context.Context, collection string, t live.Tenant, fn func() error) (bool, error) {
	if t.Active() {
		return false, fn()
	}
	p.mu.Lock()
	p.activated = append(p.activated, t.Name)
	p.active++
	p.maxActive = max(p.maxActive, p.active)
	p.mu.Unlock()
	err := fn()
	p.mu.Lock()
	p.active--
	p.setBack = append(p.setBack, t.Name)
	p.mu.Unlock()
	return true, err
}

func (p *parWeaviate) ReadObjects(ctx context.Context, s *live.ObjectSchema, opts live.ReadOptions, fn func(*object.Object) error) error {
	p.mu.Lock()
	p.started = append(p.started, opts.Tenant)
	p.reading++
	p.maxReading = max(p.maxReading, p.reading)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.reading--
		p.mu.Unlock()
	}()
	if p.readHook != nil {
		if err := p.readHook(ctx, opts.Tenant); err != nil {
			return err
		}
	}
	return p.fakeWeaviate.ReadObjects(ctx, s, opts, fn)
}

// parSeam is seam over a parWeaviate: its store is local directory dir.
func parSeam(wv *parWeaviate, dir string, out *bytes.Buffer) *apply.Data {
	st := &snapshot.Store{Dir: dir}
	return &apply.Data{Client: wv, Out: out, Err: out, ProgressEvery: time.Hour,
		OpenStore: func(string) (apply.SnapshotStore, error) { return st, nil }}
}

// parTenants returns n tenants t00… (every third COLD) of collection Doc
// with per objects each, in UUID order per tenant.
func parTenants(n, per int) *parWeaviate {
	f := &fakeWeaviate{classes: map[string]live.Class{"Doc": docClass(true)},
		tenants: map[string][]live.Tenant{}, objects: map[string][]*object.Object{}}
	for i := range n {
		name := fmt.Sprintf("t%02d", i)
		status := "HOT"
		if i%3 == 0 {
			status = "COLD"
		}
		f.tenants["Doc"] = append(f.tenants["Doc"], live.Tenant{Name: name, ActivityStatus: status})
		for j := range per {
			o := doc(fmt.Sprintf("00000000-0000-0000-0000-%012d", j), name)
			o.Tenant = name
			f.objects["Doc"] = append(f.objects["Doc"], o)
		}
	}
	return &parWeaviate{fakeWeaviate: f}
}

// barrier returns a read hook under which the first n tenants' reads wait
// until all n have started: a loop that runs fewer at once never gets
// past it (the test fails after a minute instead of hanging).
func barrier(t *testing.T, n int) func(context.Context, string) error {
	var mu sync.Mutex
	in := 0
	all := make(chan struct{})
	return func(ctx context.Context, tenant string) error {
		mu.Lock()
		in++
		if in == n {
			close(all)
		}
		first := in <= n
		mu.Unlock()
		if !first {
			return nil
		}
		select {
		case <-all:
			return nil
		case <-time.After(time.Minute):
			t.Errorf("tenant %s: %d tenants were never read at once", tenant, n)
			return errors.New("no parallel reads")
		}
	}
}

// A backup with --tenant-parallel 4 reads 4 tenants at once, activates at
// most 4 COLD tenants at a time and sets every one back, counts every
// object, and writes the very snapshot a backup of one tenant at a time
// writes (same chunks in the same tenant order, same digest).
func TestSeamBackupTenantsInParallel(t *testing.T) {
	const tenants, per, parallel = 20, 3, 4
	manifests := map[int]*snapshot.Manifest{}
	for _, n := range []int{1, parallel} {
		wv := parTenants(tenants, per)
		if n > 1 {
			wv.readHook = barrier(t, n)
		}
		dir := t.TempDir()
		var out bytes.Buffer
		d := parSeam(wv, dir, &out)
		d.TenantParallel = n
		if err := d.RunData(context.Background(), backupPlan()); err != nil {
			t.Fatalf("parallel %d: %v\n%s", n, err, out.String())
		}
		if wv.maxReading != n || wv.maxActive > n {
			t.Errorf("parallel %d: %d tenants read at once (want %d), %d activated at once", n, wv.maxReading, n, wv.maxActive)
		}
		if len(wv.activated) != 7 || len(wv.setBack) != 7 || wv.active != 0 {
			t.Errorf("parallel %d: activated %v, set back %v: want the 7 COLD tenants each set back", n, wv.activated, wv.setBack)
		}
		if !strings.Contains(out.String(), fmt.Sprintf("backup Doc: %d objects", tenants*per)) {
			t.Errorf("parallel %d: progress does not count %d objects:\n%s", n, tenants*per, out.String())
		}
		r, err := (&snapshot.Store{Dir: dir}).Open("s1")
		if err != nil {
			t.Fatal(err)
		}
		manifests[n] = r.Manifest()
	}
	seq, par := manifests[1].Collection("Doc"), manifests[parallel].Collection("Doc")
	if par.Objects != tenants*per || par.Digest != seq.Digest || len(par.Chunks) != len(seq.Chunks) {
		t.Fatalf("parallel snapshot: %d objects, digest %s, %d chunks; sequential: %d, %s, %d",
			par.Objects, par.Digest, len(par.Chunks), seq.Objects, seq.Digest, len(seq.Chunks))
	}
	for i := range seq.Chunks {
		a, b := seq.Chunks[i], par.Chunks[i]
		if a.Tenant != b.Tenant || a.Objects != b.Objects || a.SHA256 != b.SHA256 {
			t.Errorf("chunk %d: parallel %s/%d/%.8s, sequential %s/%d/%.8s", i, b.Tenant, b.Objects, b.SHA256, a.Tenant, a.Objects, a.SHA256)
		}
	}
}

// An error reading one tenant stops the parallel backup: the tenants being
// read with it are cancelled, no tenant is started after it, the error
// names the tenant, every activated tenant is set back, and no snapshot is
// left in the store.
func TestSeamBackupTenantErrorStopsTheRun(t *testing.T) {
	wv := parTenants(40, 2)
	boom := errors.New("boom: connection reset")
	wv.readHook = func(ctx context.Context, tenant string) error {
		switch tenant {
		case "t05":
			return boom
		case "t00", "t01", "t02", "t03", "t04":
			return nil
		default:
			// Still reading when t05 fails: only cancellation ends them.
			// (Tenants after t05 block too, so how far a fast worker
			// gets before t05 fails does not depend on scheduling: at
			// most t00–t08 can have started.)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Minute):
				t.Errorf("tenant %s was not cancelled when t05 failed", tenant)
				return nil
			}
		}
	}
	dir := t.TempDir()
	var out bytes.Buffer
	d := parSeam(wv, dir, &out)
	d.TenantParallel = 4
	err := d.RunData(context.Background(), backupPlan())
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "tenant t05 of Doc: boom") {
		t.Fatalf("err = %v, want t05's error naming it", err)
	}
	if len(wv.started) > 9 {
		t.Errorf("%d tenants were started, want the run stopped at t05's error: %v", len(wv.started), wv.started)
	}
	if wv.active != 0 || len(wv.activated) != len(wv.setBack) {
		t.Errorf("activated %v, set back %v: every activated tenant must get its status back", wv.activated, wv.setBack)
	}
	ms, _, lerr := (&snapshot.Store{Dir: dir}).List()
	if lerr != nil || len(ms) != 0 {
		t.Fatalf("store lists %d snapshots (err %v) after the failed backup, want none", len(ms), lerr)
	}
}
