package live_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// outstandingLog is a TenantLog that counts the activations not yet set
// back, and the most at once.
type outstandingLog struct {
	mu        sync.Mutex
	open      map[string]bool
	max, seen int
}

func (l *outstandingLog) Activated(collection string, t live.Tenant) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open[t.Name] = true
	l.seen++
	l.max = max(l.max, len(l.open))
	return nil
}

func (l *outstandingLog) SetBack(collection, tenant string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.open, tenant)
	return nil
}

// EachTenant in parallel over COLD tenants on the real server: each is
// read while active, at most N are activated at once (the tenant log
// records each until it is set back), and when the run is interrupted
// (its context cancelled, as by Ctrl-C) in the middle, every tenant it
// activated is COLD again and the log is empty; the interruption is the
// error, and no tenant after it is started.
func TestEachTenantParallelSetsEveryTenantBack(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := weaviatetest.Name(t, "ParCold")
	if err := c.CreateRaw(ctx, livetest.MultiTenantClass(name)); err != nil {
		t.Fatal(err)
	}
	const n, parallel = 12, 4
	var ts []live.Tenant
	var objs []*object.Object
	for i := range n {
		tn := fmt.Sprintf("t%02d", i)
		ts = append(ts, live.Tenant{Name: tn})
		objs = append(objs, livetest.TenantObjects(i, 2, tn)...)
	}
	if err := c.CreateTenants(ctx, name, ts); err != nil {
		t.Fatal(err)
	}
	if err := livetest.Insert(ctx, c, name, objs); err != nil {
		t.Fatal(err)
	}
	for i := range ts {
		ts[i].ActivityStatus = "COLD"
	}
	if err := c.UpdateTenants(ctx, name, ts); err != nil {
		t.Fatal(err)
	}
	s := &live.ObjectSchema{Collection: name, MultiTenant: true}
	allCold := func() {
		t.Helper()
		got, err := c.Tenants(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, tn := range got {
			if tn.ActivityStatus != "COLD" {
				t.Errorf("tenant %s is %s after the run, want COLD", tn.Name, tn.ActivityStatus)
			}
		}
	}

	// A whole run: every tenant read, at most N activated at once.
	log := &outstandingLog{open: map[string]bool{}}
	c.TenantLog = log
	var mu sync.Mutex
	read := 0
	activated, err := live.EachTenant(ctx, c, name, ts, parallel, func(ctx context.Context, _ int, tn live.Tenant) error {
		return c.ReadObjects(ctx, s, live.ReadOptions{Tenant: tn.Name, IDsOnly: true}, func(*object.Object) error {
			mu.Lock()
			read++
			mu.Unlock()
			return nil
		})
	})
	if err != nil || activated != n || read != 2*n {
		t.Fatalf("EachTenant: err %v, activated %d, read %d; want every one of %d tenants activated and read", err, activated, read, n)
	}
	if log.max > parallel || log.seen != n || len(log.open) != 0 {
		t.Errorf("tenant log: %d activated at most at once (limit %d), %d recorded, %v still open", log.max, parallel, log.seen, log.open)
	}
	allCold()

	// Interrupted at the sixth tenant: the ones being read stop, no other
	// starts, every activated one is COLD again.
	log = &outstandingLog{open: map[string]bool{}}
	c.TenantLog = log
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var started []string
	_, err = live.EachTenant(rctx, c, name, ts, parallel, func(ctx context.Context, i int, tn live.Tenant) error {
		mu.Lock()
		started = append(started, tn.Name)
		mu.Unlock()
		switch {
		case i < 5:
			return nil
		case i == 5:
			cancel()
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted EachTenant: err %v, want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "of "+name) {
		t.Errorf("error %q does not name its tenant", err)
	}
	if len(started) > 6+parallel-1 {
		t.Errorf("%d tenants started after the interruption at the sixth: %v", len(started), started)
	}
	if len(log.open) != 0 || log.max > parallel {
		t.Errorf("tenant log after the interruption: %v still open, %d at most at once", log.open, log.max)
	}
	allCold()
}

// setBackFails activates every tenant and fails to set t01 back; it
// counts the tenants started after t01's read failed.
type setBackFails struct {
	mu             sync.Mutex
	failed         bool
	startedAfter   int
	releaseSetBack chan struct{}
}

var errSetBack = errors.New("set-back refused")

func (s *setBackFails) WithTenantActive(ctx context.Context, collection string, t live.Tenant, fn func() error) (bool, error) {
	s.mu.Lock()
	if s.failed {
		s.startedAfter++
	}
	s.mu.Unlock()
	err := fn()
	if t.Name == "t01" {
		s.mu.Lock()
		s.failed = true
		s.mu.Unlock()
		// The set-back round trip: the others must already be stopped
		// while it is under way, so the test holds it until the loop's
		// context is cancelled.
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second): // the loop was not stopped
		}
		return true, errors.Join(err, errSetBack)
	}
	return true, err
}

// The first error stops the loop before the failing tenant's status is set
// back (set-back is a round trip during which other workers would start new
// tenants), and the error returned still says that the set-back failed.
func TestEachTenantStopsBeforeSetBack(t *testing.T) {
	a := &setBackFails{}
	var ts []live.Tenant
	for i := range 50 {
		ts = append(ts, live.Tenant{Name: fmt.Sprintf("t%02d", i), ActivityStatus: "COLD"})
	}
	boom := errors.New("boom")
	_, err := live.EachTenant(context.Background(), a, "Doc", ts, 4, func(ctx context.Context, i int, tn live.Tenant) error {
		if tn.Name == "t01" {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || !errors.Is(err, errSetBack) || !strings.Contains(err.Error(), "tenant t01 of Doc") {
		t.Fatalf("err = %v, want t01's error and its set-back error, naming t01", err)
	}
	// A worker may have taken its next tenant just before t01 failed.
	if a.startedAfter > 3 {
		t.Errorf("%d tenants were started after t01 failed, want at most one per other worker", a.startedAfter)
	}
}
