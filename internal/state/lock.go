package state

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/fsutil"
)

// The state lock is a file beside the state, <state path>.lock, created with
// O_CREATE|O_EXCL so that exactly one colstate process holds it. It records
// who holds it and why, so that a blocked user can tell a colleague's apply
// from a lock left behind by a crashed process.
//
// Usage, around anything that reads the state, changes Weaviate and writes
// the state back:
//
//	lock, err := state.Acquire(ctx, statePath, "apply", lockTimeout)
//	if err != nil {
//		return err // a *LockedError when someone else holds it
//	}
//	defer lock.Unlock()

// DefaultPollInterval is how often Acquire retries a held lock.
const DefaultPollInterval = time.Second

// LockInfo is the content of a lock file.
type LockInfo struct {
	ID        string    `json:"id"`        // random; force-unlock must name it
	Who       string    `json:"who"`       // user@host
	PID       int       `json:"pid"`       // of the holding colstate process on host
	Operation string    `json:"operation"` // what the holder is doing: apply, state rm, ...
	Created   time.Time `json:"created"`   // RFC 3339
}

// Host is the host part of Who, or "" when Who has none.
func (i LockInfo) Host() string {
	if at := strings.LastIndex(i.Who, "@"); at >= 0 {
		return i.Who[at+1:]
	}
	return ""
}

// Lock is a state lock this process holds.
type Lock struct {
	Info     LockInfo
	Path     string // the lock file
	released bool
}

// LockPath is the lock file of the state file at statePath.
func LockPath(statePath string) string { return statePath + ".lock" }

// LockedError says the state is locked by someone else: who, since when, for
// what, and how to clear the lock if it was left behind.
type LockedError struct {
	Path   string    // the lock file
	Info   *LockInfo // nil when the lock file could not be read
	Stale  bool      // the holder ran on this host and its process is gone
	Waited time.Duration
	Err    error // why the lock file could not be read, when Info is nil
}

func (e *LockedError) Error() string {
	var b strings.Builder
	waited := ""
	if e.Waited > 0 {
		waited = fmt.Sprintf(" (waited %s)", e.Waited.Round(time.Millisecond))
	}
	if e.Info == nil {
		fmt.Fprintf(&b, "the state is locked%s: lock file %s exists but cannot be read (%v); it may be being written right now. If no colstate process is running, delete %s", waited, e.Path, e.Err, e.Path)
		return b.String()
	}
	i := e.Info
	host := i.Host()
	if host == "" {
		host = "unknown host"
	}
	fmt.Fprintf(&b, "the state is locked%s: held by %s (pid %d) for %q since %s (lock ID %s, file %s). ",
		waited, i.Who, i.PID, i.Operation, i.Created.Format(time.RFC3339), i.ID, e.Path)
	if e.Stale {
		fmt.Fprintf(&b, "The lock is stale: process %d no longer exists on this host (%s); remove the lock with `colstate force-unlock %s`", i.PID, host, i.ID)
	} else {
		fmt.Fprintf(&b, "If no colstate process is running (pid %d on %s), remove the lock with `colstate force-unlock %s`", i.PID, host, i.ID)
	}
	return b.String()
}

// Locker acquires state locks. The zero value polls every
// DefaultPollInterval; tests set PollInterval to milliseconds.
type Locker struct {
	PollInterval time.Duration
}

// Acquire locks the state at statePath for operation (shown to anyone the
// lock blocks, e.g. "apply") with a default Locker. See Locker.Acquire.
func Acquire(ctx context.Context, statePath, operation string, timeout time.Duration) (*Lock, error) {
	return Locker{}.Acquire(ctx, statePath, operation, timeout)
}

// Acquire creates the lock file beside the state at statePath (and the
// state's directory, when missing). While someone else holds the lock it
// retries until timeout has passed; a timeout of 0 tries once. It returns a
// *LockedError when the lock stays held, and ctx's error when ctx ends
// first. Release the lock with (*Lock).Unlock.
func (l Locker) Acquire(ctx context.Context, statePath, operation string, timeout time.Duration) (*Lock, error) {
	poll := l.PollInterval
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	path := LockPath(statePath)
	if err := os.MkdirAll(filepath.Dir(path), fsutil.DirMode); err != nil {
		return nil, err
	}
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		lock, err := tryLock(path, operation)
		if err == nil {
			return lock, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("lock the state: %w", err)
		}
		info, rerr := readLockFile(path)
		if errors.Is(rerr, os.ErrNotExist) {
			continue // released between our create and our read: try again now
		}
		now := time.Now()
		if !now.Before(deadline) {
			e := &LockedError{Path: path, Info: info, Err: rerr}
			if timeout > 0 {
				e.Waited = now.Sub(start)
			}
			if info != nil {
				e.Stale = stale(*info)
			}
			return nil, e
		}
		wait := min(poll, deadline.Sub(now))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for the state lock %s: %w", path, ctx.Err())
		case <-t.C:
		}
	}
}

// tryLock creates the lock file once; the error wraps os.ErrExist when it is
// already there.
func tryLock(path, operation string) (*Lock, error) {
	info := LockInfo{
		ID:        newLockID(),
		Who:       whoAmI(),
		PID:       os.Getpid(),
		Operation: operation,
		Created:   time.Now().UTC().Truncate(time.Second),
	}
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, fsutil.FileMode)
	if err != nil {
		return nil, err
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsutil.SyncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write lock file %s: %w", path, err)
	}
	return &Lock{Info: info, Path: path}, nil
}

// Unlock removes the lock file if it is still this lock (its ID matches).
// It returns an error, and removes nothing, when the file is gone or holds
// another lock: someone ran force-unlock meanwhile. Unlocking twice is a
// no-op, so `defer lock.Unlock()` is safe after an explicit Unlock.
func (l *Lock) Unlock() error {
	if l == nil || l.released {
		return nil
	}
	info, err := readLockFile(l.Path)
	if errors.Is(err, os.ErrNotExist) {
		l.released = true
		return fmt.Errorf("state lock %s was removed while colstate held it (force-unlock?); check that nobody else changed the state meanwhile", l.Path)
	}
	if err != nil {
		return fmt.Errorf("release the state lock: %w", err)
	}
	if info.ID != l.Info.ID {
		l.released = true
		return fmt.Errorf("state lock %s now belongs to %s (lock ID %s) after a force-unlock; leaving it in place", l.Path, info.Who, info.ID)
	}
	if err := os.Remove(l.Path); err != nil {
		return fmt.Errorf("release the state lock: %w", err)
	}
	l.released = true
	return fsutil.SyncDir(filepath.Dir(l.Path))
}

// ReadLock returns the lock held on the state at statePath, or nil when the
// state is not locked.
func ReadLock(statePath string) (*LockInfo, error) {
	info, err := readLockFile(LockPath(statePath))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return info, err
}

// ForceUnlock removes the lock on the state at statePath when its ID is id.
// It is for locks left behind by a colstate process that died; it refuses a
// lock with another ID so that a stale command line cannot break a lock
// taken since.
func ForceUnlock(statePath, id string) (*LockInfo, error) {
	path := LockPath(statePath)
	info, err := readLockFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("the state is not locked: there is no %s", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w; if no colstate process is running, delete %s by hand", err, path)
	}
	if info.ID != id {
		return info, fmt.Errorf("lock ID %q does not match the lock on the state (ID %s, held by %s for %q since %s); nothing was removed",
			id, info.ID, info.Who, info.Operation, info.Created.Format(time.RFC3339))
	}
	if err := os.Remove(path); err != nil {
		return info, err
	}
	return info, fsutil.SyncDir(filepath.Dir(path))
}

func readLockFile(path string) (*LockInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var info LockInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("lock file %s is not valid JSON: %v", path, err)
	}
	if info.ID == "" {
		return nil, fmt.Errorf("lock file %s has no lock ID", path)
	}
	return &info, nil
}

// stale reports whether the lock's holder ran on this host and is gone. A
// lock from another host is never called stale: its process cannot be seen.
func stale(info LockInfo) bool {
	host, err := os.Hostname()
	if err != nil || info.PID <= 0 || info.Host() != host {
		return false
	}
	return !processAlive(info.PID)
}

func newLockID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40 // UUID version 4
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func whoAmI() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return name + "@" + host
}
