package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/colstate/colstate/internal/fsutil"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/state"
)

// activatedTenant is a tenant this process activated to read it, with the
// status it must get back.
type activatedTenant struct {
	Collection string `json:"collection"`
	Tenant     string `json:"tenant"`
	Status     string `json:"status"`
}

// tenantLog keeps, in STATE.tenants.PID beside the state file, the tenants
// this process has activated and not yet set back. A process killed
// mid-read leaves the file behind; the next colstate sets those tenants
// back (recoverTenants) once that process is gone.
type tenantLog struct {
	path    string
	mu      sync.Mutex
	entries []activatedTenant
}

func newTenantLog(statePath string) *tenantLog {
	return &tenantLog{path: statePath + ".tenants." + strconv.Itoa(os.Getpid())}
}

func (l *tenantLog) Activated(collection string, t live.Tenant) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, activatedTenant{Collection: collection, Tenant: t.Name, Status: t.ActivityStatus})
	return l.write()
}

func (l *tenantLog) SetBack(collection, tenant string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range l.entries {
		if e.Collection == collection && e.Tenant == tenant {
			l.entries = append(l.entries[:i], l.entries[i+1:]...)
			break
		}
	}
	return l.write()
}

func (l *tenantLog) write() error {
	if len(l.entries) == 0 {
		if err := os.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	b, err := json.Marshal(l.entries)
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(l.path, b)
}

// recoverTenants sets back the tenants that colstate processes which are
// gone (killed while reading an inactive tenant) left activated.
func recoverTenants(ctx context.Context, c *live.Client, statePath string, log func(string)) error {
	files, err := filepath.Glob(statePath + ".tenants.*")
	if err != nil {
		return err
	}
	for _, f := range files {
		pid, err := strconv.Atoi(strings.TrimPrefix(f, statePath+".tenants."))
		if err != nil || state.ProcessAlive(pid) {
			continue // not ours, or its process is still reading
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var entries []activatedTenant
		if err := json.Unmarshal(b, &entries); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		var back []string
		for _, e := range entries {
			if err := c.UpdateTenants(ctx, e.Collection, []live.Tenant{{Name: e.Tenant, ActivityStatus: e.Status}}); err != nil {
				return fmt.Errorf("set tenant %s of %s back to %s, which an interrupted colstate (pid %d) left activated: %w; set it back by hand, then remove %s",
					e.Tenant, e.Collection, e.Status, pid, err, f)
			}
			back = append(back, fmt.Sprintf("%s/%s → %s", e.Collection, e.Tenant, e.Status))
		}
		if err := os.Remove(f); err != nil {
			return err
		}
		if len(back) > 0 {
			log(fmt.Sprintf("set back %d tenant(s) an interrupted colstate (pid %d) had activated to read: %s", len(back), pid, strings.Join(back, ", ")))
		}
	}
	return nil
}
