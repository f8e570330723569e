package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

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

// tenantLog keeps, in STATE.tenants.PID beside the state (STATE.tenants.HOST.PID
// when the state is in a bucket, which other hosts share), the tenants this
// process has activated and not yet set back. A process killed mid-read
// leaves the file behind; the next colstate on the same host sets those
// tenants back (recoverTenants) once that process is gone.
//
// Each change is on disk before Activated or SetBack returns, but changes
// made while a write is under way share the next write (a group commit):
// with tenants read in parallel, one durable write per change (about 4 ms
// here, two per inactive tenant) made the log, not Weaviate, the limit.
type tenantLog struct {
	files   *state.Backend
	name    string
	mu      sync.Mutex
	entries []activatedTenant
	changed uint64     // changes made to entries so far
	written uint64     // changes on disk
	writing bool       // a write is under way (outside mu)
	wrote   *sync.Cond // on mu: a write ended
	writes  int        // writes made, for tests
}

func newTenantLog(files *state.Backend) *tenantLog {
	l := &tenantLog{files: files, name: tenantLogPrefix(files) + strconv.Itoa(os.Getpid())}
	l.wrote = sync.NewCond(&l.mu)
	return l
}

// tenantLogPrefix is the name of this host's tenant logs, up to the pid.
func tenantLogPrefix(files *state.Backend) string {
	if !files.Remote() {
		return "tenants."
	}
	host, _ := os.Hostname()
	return "tenants." + host + "."
}

func (l *tenantLog) Activated(collection string, t live.Tenant) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, activatedTenant{Collection: collection, Tenant: t.Name, Status: t.ActivityStatus})
	return l.commit()
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
	return l.commit()
}

func (l *tenantLog) ActivatedAll(collection string, ts []live.Tenant) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, t := range ts {
		l.entries = append(l.entries, activatedTenant{Collection: collection, Tenant: t.Name, Status: t.ActivityStatus})
	}
	return l.commit()
}

func (l *tenantLog) SetBackAll(collection string, tenants []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	drop := map[string]bool{}
	for _, t := range tenants {
		drop[t] = true
	}
	l.entries = slices.DeleteFunc(l.entries, func(e activatedTenant) bool { return e.Collection == collection && drop[e.Tenant] })
	return l.commit()
}

// commit returns once the change just made to entries (l.mu held) is on
// disk: written by a write that started after it, this caller's own or
// one that another caller started meanwhile. A failed write is retried by
// each caller still waiting, so every caller's error is its own write's.
func (l *tenantLog) commit() error {
	l.changed++
	mine := l.changed
	for l.written < mine {
		if l.writing {
			l.wrote.Wait()
			continue
		}
		l.writing = true
		upto := l.changed
		b, err := json.Marshal(l.entries)
		empty := len(l.entries) == 0
		l.mu.Unlock()
		if err == nil {
			err = l.write(b, empty)
		}
		l.mu.Lock()
		l.writing = false
		l.writes++
		if err == nil {
			l.written = max(l.written, upto)
		}
		l.wrote.Broadcast()
		if err != nil {
			return err
		}
	}
	return nil
}

func (l *tenantLog) write(b []byte, empty bool) error {
	ctx := context.Background() // set-backs must be recorded after Ctrl-C too
	if empty {
		return l.files.RemoveFile(ctx, l.name)
	}
	return l.files.WriteFile(ctx, l.name, b)
}

// recoverTenants sets back the tenants that colstate processes on this host
// which are gone (killed while reading an inactive tenant) left activated.
func recoverTenants(ctx context.Context, c *live.Client, files *state.Backend, log func(string)) error {
	prefix := tenantLogPrefix(files)
	names, err := files.ListFiles(ctx, prefix)
	if err != nil {
		return err
	}
	for _, name := range names {
		f := files.FileLocation(name)
		pid, err := strconv.Atoi(strings.TrimPrefix(name, prefix))
		if err != nil || state.ProcessAlive(pid) {
			continue // not ours, or its process is still reading
		}
		b, err := files.ReadFile(ctx, name)
		if err != nil {
			return err
		}
		var entries []activatedTenant
		if err := json.Unmarshal(b, &entries); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		var back, gone []string
		for i, e := range entries {
			err := c.UpdateTenants(ctx, e.Collection, []live.Tenant{{Name: e.Tenant, ActivityStatus: e.Status}})
			if err != nil {
				// A collection or tenant deleted since has no status to set
				// back; only a tenant that still exists stops recovery.
				if why := tenantGone(ctx, c, e.Collection, e.Tenant); why != "" {
					gone = append(gone, fmt.Sprintf("%s/%s (%s)", e.Collection, e.Tenant, why))
					continue
				}
				// Keep in the log only what is still to be set back.
				if werr := files.WriteFile(ctx, name, mustJSON(entries[i:])); werr != nil {
					err = errors.Join(err, werr)
				}
				return fmt.Errorf("set tenant %s of %s back to %s, which an interrupted colstate (pid %d) left activated: %w; set it back by hand (or check that Weaviate is reachable and run the command again), then remove %s",
					e.Tenant, e.Collection, e.Status, pid, err, f)
			}
			back = append(back, fmt.Sprintf("%s/%s → %s", e.Collection, e.Tenant, e.Status))
		}
		if err := files.RemoveFile(ctx, name); err != nil {
			return err
		}
		if len(back) > 0 {
			log(fmt.Sprintf("set back %d tenant(s) an interrupted colstate (pid %d) had activated to read: %s", len(back), pid, strings.Join(back, ", ")))
		}
		if len(gone) > 0 {
			log(fmt.Sprintf("skipped %d tenant(s) an interrupted colstate (pid %d) had activated to read, which no longer exist (nothing to set back): %s", len(gone), pid, strings.Join(gone, ", ")))
		}
	}
	return nil
}

// tenantGone says why tenant of collection no longer exists ("collection
// deleted", "tenant deleted"), or "" when it does or that cannot be told.
func tenantGone(ctx context.Context, c *live.Client, collection, tenant string) string {
	ts, err := c.Tenants(ctx, collection)
	if errors.Is(err, live.ErrNotFound) {
		return "collection deleted"
	}
	if err != nil {
		return ""
	}
	for _, t := range ts {
		if t.Name == tenant {
			return ""
		}
	}
	return "tenant deleted"
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
