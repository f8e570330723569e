package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// objects is the storage a Backend keeps its state in: a local directory or
// an object-store bucket. Keys are the state's key with a suffix.
type objects interface {
	// get returns the object; an error wrapping fs.ErrNotExist when absent.
	get(ctx context.Context, key string) ([]byte, error)
	// put replaces the object atomically: a reader sees the old one or
	// the whole new one.
	put(ctx context.Context, key string, data []byte) error
	// create writes the object only if it does not exist; the error wraps
	// fs.ErrExist when it does.
	create(ctx context.Context, key string, data []byte) error
	// remove deletes the object; absent is no error.
	remove(ctx context.Context, key string) error
	// list returns the keys that start with prefix.
	list(ctx context.Context, prefix string) ([]string, error)
	// where names an object for messages, without secrets.
	where(key string) string
	close() error
}

// Backend is where one state lives, together with its backup, its lock and
// the files kept beside it (the apply journal, tenant logs): a local file
// (Local) or an object in a bucket (OpenURL). Every machine that opens the
// same backend sees the same state and the same lock.
type Backend struct {
	objs objects
	key  string
	// PollInterval is how often Lock retries a held lock
	// (DefaultPollInterval when zero); tests set milliseconds.
	PollInterval time.Duration
	// remote: the lock's holder may run on another host.
	remote bool
}

// Local is the backend of the state file at path.
func Local(path string) *Backend { return &Backend{objs: localObjects{}, key: path} }

// Location names the state for messages: its path, or its URL without the
// query.
func (b *Backend) Location() string { return b.objs.where(b.key) }

// FileLocation names the file kept beside the state under name.
func (b *Backend) FileLocation(name string) string { return b.objs.where(b.fileKey(name)) }

// Remote reports whether the state is in object storage.
func (b *Backend) Remote() bool { return b.remote }

// Close releases the backend's connection.
func (b *Backend) Close() error { return b.objs.close() }

func (b *Backend) fileKey(name string) string { return b.key + "." + name }

// Read loads the state. A missing state is an empty new state.
func (b *Backend) Read(ctx context.Context) (*State, error) {
	data, err := b.objs.get(ctx, b.key)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil
	}
	if err != nil {
		return nil, err
	}
	return Decode(data, b.Location())
}

// ConflictError says the state changed between the read a write is based
// on and the write: another writer got there first.
type ConflictError struct {
	Location       string
	Lineage        string // of the state being written
	Serial         int64  // the serial it was read at
	StoredLineage  string
	StoredSerial   int64
	StoredUpdated  time.Time
	StoredNotFound bool
}

func (e *ConflictError) Error() string {
	if e.StoredNotFound {
		return fmt.Sprintf("refusing to write the state %s: it was read at serial %d, but the state is gone now (removed by someone else?); nothing was written. Find out who changed it, then run colstate plan again", e.Location, e.Serial)
	}
	what := fmt.Sprintf("its serial is now %d (written %s)", e.StoredSerial, e.StoredUpdated.Format(time.RFC3339))
	if e.StoredLineage != e.Lineage {
		what = fmt.Sprintf("it now has lineage %s (serial %d), not %s", e.StoredLineage, e.StoredSerial, e.Lineage)
	}
	return fmt.Sprintf("refusing to write the state %s: it was read at serial %d, but %s: another colstate wrote it meanwhile, and writing would silently overwrite that. Nothing was written; run colstate plan again to see the state as it is now",
		e.Location, e.Serial, what)
}

// Write increments the serial and writes the state, keeping the previous
// version as <state>.backup. It re-reads the stored state first and refuses
// with a *ConflictError when that is not the version s was read at (same
// lineage and serial), so two writers never silently overwrite each other.
func (b *Backend) Write(ctx context.Context, s *State) error {
	prev, err := b.objs.get(ctx, b.key)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		prev = nil
		if s.Serial != 0 {
			return &ConflictError{Location: b.Location(), Lineage: s.Lineage, Serial: s.Serial, StoredNotFound: true}
		}
	case err != nil:
		return fmt.Errorf("re-read the state before writing it: %w", err)
	default:
		stored, derr := Decode(prev, b.Location())
		if derr != nil {
			return fmt.Errorf("refusing to write the state: the stored one cannot be read back (%w)", derr)
		}
		if stored.Lineage != s.Lineage || stored.Serial != s.Serial {
			return &ConflictError{Location: b.Location(), Lineage: s.Lineage, Serial: s.Serial,
				StoredLineage: stored.Lineage, StoredSerial: stored.Serial, StoredUpdated: stored.UpdatedAt}
		}
	}
	next := *s
	next.Serial++
	next.UpdatedAt = time.Now().UTC()
	data, err := json.MarshalIndent(&next, "", "  ")
	if err != nil {
		return err
	}
	if prev != nil {
		if err := b.objs.put(ctx, b.key+".backup", prev); err != nil {
			return fmt.Errorf("keep previous state as backup: %w", err)
		}
	}
	if err := b.objs.put(ctx, b.key, append(data, '\n')); err != nil {
		return fmt.Errorf("write the state: %w", err)
	}
	s.Serial, s.UpdatedAt = next.Serial, next.UpdatedAt
	return nil
}

// ReadFile returns the file kept beside the state under name (e.g.
// "journal"); the error wraps fs.ErrNotExist when there is none.
func (b *Backend) ReadFile(ctx context.Context, name string) ([]byte, error) {
	return b.objs.get(ctx, b.fileKey(name))
}

// WriteFile replaces the file kept beside the state under name, atomically.
func (b *Backend) WriteFile(ctx context.Context, name string, data []byte) error {
	return b.objs.put(ctx, b.fileKey(name), data)
}

// RemoveFile removes the file kept beside the state under name; a missing
// file is no error.
func (b *Backend) RemoveFile(ctx context.Context, name string) error {
	return b.objs.remove(ctx, b.fileKey(name))
}

// ListFiles returns the names of the files kept beside the state whose
// names start with prefix.
func (b *Backend) ListFiles(ctx context.Context, prefix string) ([]string, error) {
	keys, err := b.objs.list(ctx, b.fileKey(prefix))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(keys))
	for _, k := range keys {
		names = append(names, strings.TrimPrefix(k, b.key+"."))
	}
	return names, nil
}

// sideSuffixes are the endings of the files colstate keeps beside a state
// (fileKey): its backup, its lock, the apply journal; tenant logs are
// "<state>.tenants.<...>" (sideInfix).
var sideSuffixes = []string{".backup", "." + lockName, ".journal"}

const sideInfix = ".tenants."

// CheckName refuses a state path or URL key whose last element is a name
// colstate gives a file it keeps beside another state (X.backup, X.lock,
// X.journal, X.tenants.*): that state's next write would silently replace
// the state kept there. where names the path or URL for the message. It is
// the one check for local paths, URLs, the -state flag and configuration.
func CheckName(key, where string) error {
	base := key
	if i := strings.LastIndexAny(key, `/\`); i >= 0 {
		base = key[i+1:]
	}
	lower := strings.ToLower(base)
	side := ""
	for _, s := range sideSuffixes {
		if strings.HasSuffix(lower, s) && len(lower) > len(s) {
			side = s
		}
	}
	if i := strings.Index(lower, sideInfix); i > 0 {
		side = base[i:i+len(sideInfix)] + "*"
	}
	if side == "" {
		return nil
	}
	return fmt.Errorf("refusing the state %s: its name ends in %q, which colstate uses for a file it keeps beside another state (STATE.backup, STATE.lock, STATE.journal, STATE.tenants.*), so that state's next write would silently replace this one; choose another name for the state, e.g. one ending in .json", where, side)
}
