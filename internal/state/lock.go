package state

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strings"
	"time"
)

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
	Path     string // where the lock is: a file, or an object's URL
	backend  *Backend
	released bool
}

// LockPath is the lock file of the state file at statePath.
func LockPath(statePath string) string { return statePath + ".lock" }

// lockName is the lock's name among the files kept beside the state.
const lockName = "lock"

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
	fmt.Fprintf(&b, "the state is locked%s: held by %s (pid %d) for %q since %s (lock ID %s, file %s; taken %s ago). ",
		waited, i.Who, i.PID, i.Operation, i.Created.Format(time.RFC3339), i.ID, e.Path, age(i.Created))
	if e.Stale {
		fmt.Fprintf(&b, "The lock is stale: process %d no longer exists on this host (%s); remove the lock with `colstate force-unlock %s`", i.PID, host, i.ID)
	} else {
		fmt.Fprintf(&b, "If no colstate process is running (pid %d on %s), remove the lock with `colstate force-unlock %s`", i.PID, host, i.ID)
	}
	return b.String()
}

// age says how long ago t was: seconds, or days and hours for old locks.
func age(t time.Time) string {
	d := time.Since(t).Round(time.Second)
	switch {
	case d < 0:
		return "0s"
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	}
	return d.String()
}

// Locker acquires state locks. The zero value polls every
// DefaultPollInterval; tests set PollInterval to milliseconds.
type Locker struct {
	PollInterval time.Duration
}

// Acquire locks the state at statePath for operation (shown to anyone the
// lock blocks, e.g. "apply") with a default Locker; see Locker.Acquire.
//
// The lock is a file beside the state, <state path>.lock, created with
// O_CREATE|O_EXCL so that exactly one colstate process holds it. It records
// who holds it and why, so that a blocked user can tell a colleague's apply
// from a lock left behind by a crashed process. Hold it around anything that
// reads the state, changes Weaviate and writes the state back:
//
//	lock, err := state.Acquire(ctx, statePath, "apply", lockTimeout)
//	if err != nil {
//		return err // a *LockedError when someone else holds it
//	}
//	defer lock.Unlock()
func Acquire(ctx context.Context, statePath, operation string, timeout time.Duration) (*Lock, error) {
	return Locker{}.Acquire(ctx, statePath, operation, timeout)
}

// Acquire locks the state file at statePath; see Backend.Lock.
func (l Locker) Acquire(ctx context.Context, statePath, operation string, timeout time.Duration) (*Lock, error) {
	b := Local(statePath)
	b.PollInterval = l.PollInterval
	return b.Lock(ctx, operation, timeout)
}

// Lock creates the lock beside the state: a file created with O_EXCL, or an
// object written only if it does not exist (a conditional write the store
// enforces), so that exactly one colstate process on any machine holds it.
// While someone else holds the lock it retries until timeout has passed; a
// timeout of 0 tries once. It returns a *LockedError when the lock stays
// held, and ctx's error when ctx ends first. Release the lock with
// (*Lock).Unlock.
func (b *Backend) Lock(ctx context.Context, operation string, timeout time.Duration) (*Lock, error) {
	poll := b.PollInterval
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	where := b.FileLocation(lockName)
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		lock, err := b.tryLock(ctx, operation)
		if err == nil {
			return lock, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock the state: %w", err)
		}
		info, rerr := b.readLock(ctx)
		if errors.Is(rerr, fs.ErrNotExist) {
			continue // released between our create and our read: try again now
		}
		now := time.Now()
		if !now.Before(deadline) {
			e := &LockedError{Path: where, Info: info, Err: rerr}
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
			return nil, fmt.Errorf("waiting for the state lock %s: %w", where, ctx.Err())
		case <-t.C:
		}
	}
}

// tryLock creates the lock once; the error wraps fs.ErrExist when it is
// already there.
func (b *Backend) tryLock(ctx context.Context, operation string) (*Lock, error) {
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
	if err := b.objs.create(ctx, b.fileKey(lockName), append(data, '\n')); err != nil {
		return nil, err
	}
	return &Lock{Info: info, Path: b.FileLocation(lockName), backend: b}, nil
}

// Unlock removes the lock if it is still this lock (its ID matches).
// It returns an error, and removes nothing, when the lock is gone or is
// another one: someone ran force-unlock meanwhile. Unlocking twice is a
// no-op, so `defer lock.Unlock()` is safe after an explicit Unlock.
func (l *Lock) Unlock() error {
	if l == nil || l.released {
		return nil
	}
	// Not the command's context: a lock must be released after Ctrl-C too.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	info, err := l.backend.readLock(ctx)
	if errors.Is(err, fs.ErrNotExist) {
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
	if err := l.backend.objs.remove(ctx, l.backend.fileKey(lockName)); err != nil {
		return fmt.Errorf("release the state lock %s: %w", l.Path, err)
	}
	l.released = true
	return nil
}

// ReadLock returns the lock held on the state at statePath, or nil when the
// state is not locked.
func ReadLock(statePath string) (*LockInfo, error) {
	return Local(statePath).ReadLock(context.Background())
}

// ReadLock returns the lock held on the state, or nil when the state is not
// locked.
func (b *Backend) ReadLock(ctx context.Context) (*LockInfo, error) {
	info, err := b.readLock(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return info, err
}

// ForceUnlock removes the lock on the state at statePath when its ID is id;
// see Backend.ForceUnlock.
func ForceUnlock(statePath, id string, force bool) (*LockInfo, error) {
	return Local(statePath).ForceUnlock(context.Background(), id, force)
}

// HolderRunningError is ForceUnlock's refusal of a lock whose holder is a
// process still running on this host.
type HolderRunningError struct {
	Info     LockInfo
	Location string // the lock file or object
}

func (e *HolderRunningError) Error() string {
	return fmt.Sprintf("the state lock %s is held by %s (pid %d) for %q since %s, and process %d is still running on this host; nothing was removed. "+
		"Wait for it to finish, or stop it (kill %d), then run the command again; remove the lock anyway only if that process is not colstate working on this state: colstate force-unlock --force %s",
		e.Info.ID, e.Info.Who, e.Info.PID, e.Info.Operation, e.Info.Created.Format(time.RFC3339), e.Info.PID, e.Info.PID, e.Info.ID)
}

// ForceUnlock removes the lock on the state when its ID is id. It is for
// locks left behind by a colstate process that died; it refuses a lock with
// another ID so that a stale command line cannot break a lock taken since,
// and, unless force, a lock whose holder still runs on this host
// (*HolderRunningError): removing it would let two runs change the state
// at once.
func (b *Backend) ForceUnlock(ctx context.Context, id string, force bool) (*LockInfo, error) {
	where := b.FileLocation(lockName)
	info, err := b.readLock(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the state is not locked: there is no %s", where)
	}
	if err != nil {
		return nil, fmt.Errorf("%w; if no colstate process is running, delete %s by hand", err, where)
	}
	if info.ID != id {
		return info, fmt.Errorf("lock ID %q does not match the lock on the state (ID %s, held by %s for %q since %s); nothing was removed",
			id, info.ID, info.Who, info.Operation, info.Created.Format(time.RFC3339))
	}
	if !force && running(*info) {
		return info, &HolderRunningError{Info: *info, Location: where}
	}
	if err := b.objs.remove(ctx, b.fileKey(lockName)); err != nil {
		return info, err
	}
	return info, nil
}

func (b *Backend) readLock(ctx context.Context) (*LockInfo, error) {
	data, err := b.objs.get(ctx, b.fileKey(lockName))
	if err != nil {
		return nil, err
	}
	return decodeLock(data, b.FileLocation(lockName))
}

func decodeLock(data []byte, path string) (*LockInfo, error) {
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

// running reports whether the lock's holder ran on this host and still
// runs. A lock from another host is never called running: its process
// cannot be seen.
func running(info LockInfo) bool {
	host, err := os.Hostname()
	if err != nil || info.PID <= 0 || info.Host() != host {
		return false
	}
	return processAlive(info.PID)
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
