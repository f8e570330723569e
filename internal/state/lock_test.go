package state

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var fastLocker = Locker{PollInterval: 2 * time.Millisecond}

func plantLock(t *testing.T, statePath string, info LockInfo) {
	t.Helper()
	data, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(LockPath(statePath), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestAcquireWritesLockFileAndUnlockRemovesIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested")
	statePath := filepath.Join(dir, "state.json")
	lock, err := fastLocker.Acquire(context.Background(), statePath, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(statePath + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode %v, want 0700", di.Mode().Perm())
	}
	info, err := ReadLock(statePath)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	switch {
	case info.ID != lock.Info.ID || info.ID == "":
		t.Errorf("lock ID %q, want %q", info.ID, lock.Info.ID)
	case info.PID != os.Getpid():
		t.Errorf("pid %d, want %d", info.PID, os.Getpid())
	case info.Operation != "apply":
		t.Errorf("operation %q", info.Operation)
	case !strings.HasSuffix(info.Who, "@"+host):
		t.Errorf("who %q does not end in @%s", info.Who, host)
	case time.Since(info.Created) > time.Minute:
		t.Errorf("created %v", info.Created)
	}
	raw, _ := os.ReadFile(statePath + ".lock")
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "who", "pid", "operation", "created"} {
		if _, ok := m[k]; !ok {
			t.Errorf("lock file has no %q: %s", k, raw)
		}
	}
	if _, err := time.Parse(time.RFC3339, m["created"].(string)); err != nil {
		t.Errorf("created is not RFC 3339: %v", err)
	}

	if err := lock.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(statePath + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lock file still there after Unlock: %v", err)
	}
	if err := lock.Unlock(); err != nil {
		t.Fatalf("second Unlock: %v", err)
	}
	if info, err := ReadLock(statePath); info != nil || err != nil {
		t.Fatalf("ReadLock after Unlock = %v, %v", info, err)
	}
}

func TestAcquireHeldLock(t *testing.T) {
	host, _ := os.Hostname()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name      string
		holder    LockInfo
		raw       string // planted as is instead of holder
		timeout   time.Duration
		wantStale bool
		want      []string
		dontWant  []string
	}{
		{
			name:   "live process on this host",
			holder: LockInfo{ID: "live-id", Who: "alice@" + host, PID: os.Getpid(), Operation: "apply", Created: created},
			want: []string{"held by alice@" + host, "pid " + strconv.Itoa(os.Getpid()), `for "apply"`, "since 2026-01-02T03:04:05Z",
				"If no colstate process is running (pid " + strconv.Itoa(os.Getpid()) + " on " + host + "), remove the lock with `colstate force-unlock live-id`"},
			dontWant: []string{"is stale", "waited"},
		},
		{
			name:      "dead process on this host",
			holder:    LockInfo{ID: "dead-id", Who: "bob@" + host, PID: -1, Operation: "state rm", Created: created},
			wantStale: true,
			want:      []string{"The lock is stale: process PID no longer exists on this host", "no longer exists on this host (" + host + ")", "`colstate force-unlock dead-id`"},
		},
		{
			name:     "process on another host is never stale",
			holder:   LockInfo{ID: "far-id", Who: "carol@elsewhere.invalid", PID: -1, Operation: "apply", Created: created},
			want:     []string{"held by carol@elsewhere.invalid", "on elsewhere.invalid), remove the lock with `colstate force-unlock far-id`"},
			dontWant: []string{"is stale"},
		},
		{
			name:    "waits until the timeout",
			holder:  LockInfo{ID: "live-id", Who: "alice@" + host, PID: os.Getpid(), Operation: "apply", Created: created},
			timeout: 30 * time.Millisecond,
			want:    []string{"the state is locked (waited "},
		},
		{
			name: "unreadable lock file",
			raw:  "{",
			want: []string{"exists but cannot be read", "not valid JSON", "delete "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			statePath := filepath.Join(t.TempDir(), "state.json")
			if tt.holder.PID == -1 {
				tt.holder.PID = deadPID(t)
				for i := range tt.want {
					tt.want[i] = strings.ReplaceAll(tt.want[i], "PID", strconv.Itoa(tt.holder.PID))
				}
			}
			if tt.raw != "" {
				if err := os.WriteFile(LockPath(statePath), []byte(tt.raw), 0o600); err != nil {
					t.Fatal(err)
				}
			} else {
				plantLock(t, statePath, tt.holder)
			}
			start := time.Now()
			lock, err := fastLocker.Acquire(context.Background(), statePath, "state rm", tt.timeout)
			if err == nil {
				lock.Unlock()
				t.Fatal("acquired a held lock")
			}
			if time.Since(start) < tt.timeout {
				t.Errorf("gave up after %v, before the %v timeout", time.Since(start), tt.timeout)
			}
			var locked *LockedError
			if !errors.As(err, &locked) {
				t.Fatalf("error %T %v, want *LockedError", err, err)
			}
			if locked.Stale != tt.wantStale {
				t.Errorf("Stale = %v, want %v", locked.Stale, tt.wantStale)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ncontains %q", err, w)
				}
			}
			if tt.raw == "" {
				if info, _ := ReadLock(statePath); info == nil || info.ID != tt.holder.ID {
					t.Errorf("the holder's lock was touched: %+v", info)
				}
			}
		})
	}
}

func TestConcurrentAcquireExactlyOneWins(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "state.json")
	const n = 16
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []*Lock
		locked  int
	)
	startGate := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGate
			lock, err := fastLocker.Acquire(context.Background(), statePath, "apply", 0)
			mu.Lock()
			defer mu.Unlock()
			var le *LockedError
			switch {
			case err == nil:
				winners = append(winners, lock)
			case errors.As(err, &le):
				locked++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	close(startGate)
	wg.Wait()
	if len(winners) != 1 || locked != n-1 {
		t.Fatalf("%d winners and %d locked out, want 1 and %d", len(winners), locked, n-1)
	}
	info, err := ReadLock(statePath)
	if err != nil || info.ID != winners[0].Info.ID {
		t.Fatalf("lock file holds %+v (%v), want the winner's ID %s", info, err, winners[0].Info.ID)
	}
	if err := winners[0].Unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentAcquireWithTimeoutSerialises(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "state.json")
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		holding int
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lock, err := fastLocker.Acquire(context.Background(), statePath, "apply", 10*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			holding++
			if holding != 1 {
				t.Errorf("%d holders at once", holding)
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			holding--
			mu.Unlock()
			if err := lock.Unlock(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestAcquireWaitsForRelease(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "state.json")
	first, err := fastLocker.Acquire(context.Background(), statePath, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	const hold = 50 * time.Millisecond
	go func() {
		time.Sleep(hold)
		first.Unlock()
	}()
	start := time.Now()
	second, err := fastLocker.Acquire(context.Background(), statePath, "apply", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Unlock()
	if waited := time.Since(start); waited < hold {
		t.Errorf("acquired after %v, before the first lock was released", waited)
	}
	if second.Info.ID == first.Info.ID {
		t.Error("second lock reuses the first lock's ID")
	}
}

func TestAcquireStopsWhenContextEnds(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "state.json")
	first, err := fastLocker.Acquire(context.Background(), statePath, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = fastLocker.Acquire(ctx, statePath, "apply", time.Hour)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want context.DeadlineExceeded", err)
	}
}

func TestUnlockLeavesSomeoneElsesLock(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "state.json")
	lock, err := fastLocker.Acquire(context.Background(), statePath, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Someone force-unlocks and takes the lock meanwhile.
	if _, err := ForceUnlock(statePath, lock.Info.ID, true); err != nil {
		t.Fatal(err)
	}
	other, err := fastLocker.Acquire(context.Background(), statePath, "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := lock.Unlock(); err == nil || !strings.Contains(err.Error(), other.Info.ID) {
		t.Fatalf("Unlock of a replaced lock = %v, want an error naming %s", err, other.Info.ID)
	}
	if info, _ := ReadLock(statePath); info == nil || info.ID != other.Info.ID {
		t.Fatalf("the other lock was removed: %+v", info)
	}
	if err := other.Unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestForceUnlock(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "state.json")
	if _, err := ForceUnlock(statePath, "x", false); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Fatalf("ForceUnlock without a lock = %v", err)
	}
	plantLock(t, statePath, LockInfo{ID: "abc", Who: "a@b", PID: 1, Operation: "apply", Created: time.Now()})
	if _, err := ForceUnlock(statePath, "abd", false); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("ForceUnlock with a wrong ID = %v", err)
	}
	if _, err := os.Stat(LockPath(statePath)); err != nil {
		t.Fatalf("wrong ID removed the lock: %v", err)
	}
	info, err := ForceUnlock(statePath, "abc", false)
	if err != nil || info.Who != "a@b" {
		t.Fatalf("ForceUnlock = %+v, %v", info, err)
	}
	if _, err := os.Stat(LockPath(statePath)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lock still there: %v", err)
	}
}
