package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/state"
)

func TestTenantLog(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "state.json")
	files := state.Local(statePath)
	l := newTenantLog(files)
	path := files.FileLocation(l.name)
	if want := statePath + ".tenants." + strconv.Itoa(os.Getpid()); path != want {
		t.Fatalf("path = %s, want %s", path, want)
	}
	read := func() []activatedTenant {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var out []activatedTenant
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err := l.Activated("A", live.Tenant{Name: "t1", ActivityStatus: "COLD"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Activated("B", live.Tenant{Name: "t2", ActivityStatus: "COLD"}); err != nil {
		t.Fatal(err)
	}
	want := []activatedTenant{{Collection: "A", Tenant: "t1", Status: "COLD"}, {Collection: "B", Tenant: "t2", Status: "COLD"}}
	if got := read(); !reflect.DeepEqual(got, want) {
		t.Fatalf("log = %+v, want %+v", got, want)
	}
	if err := l.SetBack("A", "t1"); err != nil {
		t.Fatal(err)
	}
	if got := read(); !reflect.DeepEqual(got, want[1:]) {
		t.Fatalf("log after one set back = %+v, want %+v", got, want[1:])
	}
	// A process still running keeps its log: recovery leaves it alone
	// (and needs no Weaviate for it).
	if err := recoverTenants(context.Background(), nil, files, func(msg string) { t.Error(msg) }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the log of a live process is gone: %v", err)
	}
	if err := l.SetBack("B", "t2"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("log with nothing left to set back still exists: %v", err)
	}
	if err := l.SetBack("B", "t2"); err != nil {
		t.Errorf("setting back with no log: %v", err)
	}
}

// TestTenantLogParallel: with tenants activated and set back from several
// goroutines at once (a parallel backup), each activation is on disk when
// Activated returns, each set-back when SetBack returns, though changes
// made during a write share the next one.
func TestTenantLogParallel(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "state.json")
	files := state.Local(statePath)
	l := newTenantLog(files)
	path := files.FileLocation(l.name)
	onDisk := func(tenant string) (bool, error) {
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		var es []activatedTenant
		if err := json.Unmarshal(b, &es); err != nil {
			return false, err
		}
		for _, e := range es {
			if e.Tenant == tenant {
				return true, nil
			}
		}
		return false, nil
	}
	const workers, each = 8, 25
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			errs <- func() error {
				for i := range each {
					name := "t" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
					if err := l.Activated("A", live.Tenant{Name: name, ActivityStatus: "COLD"}); err != nil {
						return err
					}
					if in, err := onDisk(name); err != nil || !in {
						return fmt.Errorf("%s activated but not in the log on disk (%v)", name, err)
					}
					if err := l.SetBack("A", name); err != nil {
						return err
					}
					if in, err := onDisk(name); err != nil || in {
						return fmt.Errorf("%s set back but still in the log on disk (%v)", name, err)
					}
				}
				return nil
			}()
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("log with nothing left to set back still exists: %v", err)
	}
	t.Logf("%d changes, %d writes", 2*workers*each, l.writes)
}

// TestTenantLogBatch: a restore records a group of tenants with one write
// and drops the records of a group with one more, leaving the others.
func TestTenantLogBatch(t *testing.T) {
	files := state.Local(filepath.Join(t.TempDir(), "state.json"))
	l := newTenantLog(files)
	var _ live.TenantLogBatch = l
	path := files.FileLocation(l.name)
	if err := l.Activated("A", live.Tenant{Name: "x", ActivityStatus: "COLD"}); err != nil {
		t.Fatal(err)
	}
	if err := l.ActivatedAll("B", []live.Tenant{{Name: "t1", ActivityStatus: "COLD"}, {Name: "t2", ActivityStatus: "FROZEN"}, {Name: "t3", ActivityStatus: "COLD"}}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBackAll("B", []string{"t1", "t3"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []activatedTenant
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := []activatedTenant{{Collection: "A", Tenant: "x", Status: "COLD"}, {Collection: "B", Tenant: "t2", Status: "FROZEN"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("log = %+v, want %+v", got, want)
	}
	if err := l.SetBackAll("B", []string{"t2"}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBack("A", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("log with nothing left to set back still exists: %v", err)
	}
}
