package snapshot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// DefaultStore is where snapshots go unless told otherwise, relative to the
// configuration directory.
const DefaultStore = ".colstate/snapshots"

// Store holds snapshots: a local directory, one sub-directory each, or a
// bucket prefix (s3://, gs://, azblob://, file://, mem://; see
// storage_bucket.go for its layout). A snapshot appears under its id only
// once its manifest is written, last: what an interrupted backup wrote is
// never listed, opened or restored, and Prune removes it.
type Store struct {
	// Dir is a local directory or a bucket URL. Plans, state and the apply
	// journal record it, so a URL never carries credentials (CheckURL).
	Dir string
	// Name is the snapshot_store block it comes from, if any, for messages.
	Name string
	// LeaseInterval is how often a running backup tells Prune it is alive
	// (default one minute).
	LeaseInterval time.Duration

	mu sync.Mutex
	st storage
}

// ErrNotFound is returned for an id the store does not hold.
var ErrNotFound = errors.New("no such snapshot")

// NewID returns a fresh snapshot id: the UTC time, sortable, and a random
// suffix so two snapshots taken in the same second do not collide.
func NewID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

func validID(id string) error {
	if id == "" || strings.HasPrefix(id, ".") || strings.ContainsAny(id, `/\`) || id != filepath.Clean(id) {
		return fmt.Errorf("%q is not a snapshot id", id)
	}
	return nil
}

// Path is the directory of the snapshot id in a local store.
func (s *Store) Path(id string) string { return filepath.Join(s.Dir, id) }

// String names the store in messages, without secrets.
func (s *Store) String() string {
	if s.Name != "" && s.Name != s.Dir {
		return fmt.Sprintf("snapshot store %q (%s)", s.Name, Redact(s.Dir))
	}
	return Redact(s.Dir)
}

func (s *Store) storage(ctx context.Context) (storage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st != nil {
		return s.st, nil
	}
	if !IsURL(s.Dir) {
		s.st = dirStorage{dir: s.Dir}
		return s.st, nil
	}
	b, err := openBucket(ctx, s.Dir)
	if err != nil {
		if s.Name != "" {
			return nil, fmt.Errorf("snapshot_store %q: %w", s.Name, err)
		}
		return nil, err
	}
	if s.Name != "" {
		b.name = s.String()
	}
	s.st = b
	return s.st, nil
}

// Create starts a new snapshot. Nothing is visible under its id until
// Writer.Commit.
func (s *Store) Create(m Manifest) (*Writer, error) {
	return s.CreateContext(context.Background(), m)
}

// CreateContext is Create with a context: cancelling it abandons the
// upload (what it wrote stays behind uncommitted, as when the process is
// killed, and Prune removes it).
func (s *Store) CreateContext(ctx context.Context, m Manifest) (*Writer, error) {
	if m.ID == "" {
		m.ID = NewID(time.Now())
	}
	if err := validID(m.ID); err != nil {
		return nil, err
	}
	st, err := s.storage(ctx)
	if err != nil {
		return nil, err
	}
	up, err := st.begin(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now().UTC()
	}
	m.Format = FormatVersion1 // raised by the writer when a multi-vector is written
	every := s.LeaseInterval
	if every <= 0 {
		every = time.Minute
	}
	return newWriter(ctx, up, m, every), nil
}

// Open opens a committed snapshot.
func (s *Store) Open(id string) (*Reader, error) {
	return s.OpenContext(context.Background(), id)
}

// OpenContext is Open with a context, which the reader keeps for the reads
// that take none.
func (s *Store) OpenContext(ctx context.Context, id string) (*Reader, error) {
	if err := validID(id); err != nil {
		return nil, err
	}
	st, err := s.storage(ctx)
	if err != nil {
		return nil, err
	}
	data, err := st.manifest(ctx, id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %s in %s", ErrNotFound, id, s)
	}
	if err != nil {
		return nil, err
	}
	m, err := DecodeManifest(data, id)
	if err != nil {
		return nil, err
	}
	return &Reader{ctx: ctx, st: st, id: id, dir: s.Path(id), m: m}, nil
}

// List returns the manifests of every committed snapshot, oldest first.
// Directories without a manifest (interrupted backups) are not snapshots
// and are left out; so are snapshots in a format this build cannot read,
// which are reported in the returned error list.
func (s *Store) List() ([]*Manifest, []error, error) {
	return s.ListContext(context.Background())
}

// ListContext is List with a context.
func (s *Store) ListContext(ctx context.Context) ([]*Manifest, []error, error) {
	st, err := s.storage(ctx)
	if err != nil {
		return nil, nil, err
	}
	ids, err := st.ids(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []*Manifest
	var problems []error
	for _, id := range ids {
		if validID(id) != nil {
			continue
		}
		r, err := s.OpenContext(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			problems = append(problems, err)
			continue
		}
		out = append(out, r.Manifest())
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, problems, nil
}

// Holds reports whether anything is stored under id, committed or not: a
// snapshot whose manifest cannot be read can still be removed.
func (s *Store) Holds(id string) (bool, error) {
	if err := validID(id); err != nil {
		return false, err
	}
	st, err := s.storage(context.Background())
	if err != nil {
		return false, err
	}
	return st.holds(context.Background(), id)
}

// Remove deletes a snapshot. The manifest goes first, so a removal cut
// short leaves files that are no longer a snapshot (Prune removes them).
func (s *Store) Remove(id string) error {
	if err := validID(id); err != nil {
		return err
	}
	st, err := s.storage(context.Background())
	if err != nil {
		return err
	}
	if err := st.remove(context.Background(), id); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w %s in %s", ErrNotFound, id, s)
		}
		return err
	}
	return nil
}

// Leftovers lists what uncommitted uploads (backups killed, failed to
// clean up, or still running) and removals cut short left in the store,
// with the age of the newest file of each: the caller decides which are
// old enough to be abandoned (see Prune).
func (s *Store) Leftovers(ctx context.Context) ([]Leftover, []error, error) {
	st, err := s.storage(ctx)
	if err != nil {
		return nil, nil, err
	}
	return st.leftovers(ctx)
}

// Prune removes the leftovers nothing has touched for olderThan — a
// running backup renews its lease every LeaseInterval, so it is never
// older than that — and returns them, with the younger ones it kept.
// With dryRun nothing is removed.
func (s *Store) Prune(ctx context.Context, olderThan time.Duration, now time.Time, dryRun bool) (removed, kept []Leftover, problems []error, err error) {
	all, problems, err := s.Leftovers(ctx)
	if err != nil {
		return nil, nil, problems, err
	}
	st, _ := s.storage(ctx)
	for _, l := range all {
		if now.Sub(l.Newest) < olderThan {
			kept = append(kept, l)
			continue
		}
		if !dryRun {
			if err := st.removeLeftover(ctx, l); err != nil {
				problems = append(problems, err)
				continue
			}
		}
		removed = append(removed, l)
	}
	return removed, kept, problems, nil
}
