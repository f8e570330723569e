package snapshot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/fsutil"
)

// DefaultStore is where snapshots go unless told otherwise, relative to the
// configuration directory.
const DefaultStore = ".colstate/snapshots"

// Store is a local directory of snapshots, one sub-directory each, named by
// the snapshot id. Snapshots being written live in ".tmp-<id>-*" directories
// that List ignores; a snapshot appears under its id only once its manifest
// is complete.
type Store struct{ Dir string }

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

// Path is the directory of the snapshot id.
func (s *Store) Path(id string) string { return filepath.Join(s.Dir, id) }

// Create starts a new snapshot. Nothing is visible under its id until
// Writer.Commit.
func (s *Store) Create(m Manifest) (*Writer, error) {
	if m.ID == "" {
		m.ID = NewID(time.Now())
	}
	if err := validID(m.ID); err != nil {
		return nil, err
	}
	if _, err := os.Stat(s.Path(m.ID)); err == nil {
		return nil, fmt.Errorf("snapshot %s already exists in %s", m.ID, s.Dir)
	}
	if err := os.MkdirAll(s.Dir, fsutil.DirMode); err != nil {
		return nil, err
	}
	// A fresh directory each time: one left by a backup that was killed
	// (".tmp-<id>-*", never listed) must not stop a new backup of the id.
	tmp, err := os.MkdirTemp(s.Dir, ".tmp-"+m.ID+"-")
	if err != nil {
		return nil, err
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now().UTC()
	}
	m.Format = FormatVersion1 // raised by the writer when a multi-vector is written
	return newWriter(tmp, s.Path(m.ID), m), nil
}

// Open opens a committed snapshot.
func (s *Store) Open(id string) (*Reader, error) {
	if err := validID(id); err != nil {
		return nil, err
	}
	dir := s.Path(id)
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w %s in %s", ErrNotFound, id, s.Dir)
	}
	if err != nil {
		return nil, err
	}
	m, err := DecodeManifest(data, id)
	if err != nil {
		return nil, err
	}
	return &Reader{dir: dir, m: m}, nil
}

// List returns the manifests of every committed snapshot, oldest first.
// Directories without a manifest (interrupted backups) are not snapshots
// and are left out; so are snapshots in a format this build cannot read,
// which are reported in the returned error list.
func (s *Store) List() ([]*Manifest, []error, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var out []*Manifest
	var problems []error
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		r, err := s.Open(e.Name())
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

// Remove deletes a snapshot. The manifest goes first, so a removal cut
// short leaves a directory that is no longer a snapshot.
func (s *Store) Remove(id string) error {
	if err := validID(id); err != nil {
		return err
	}
	dir := s.Path(id)
	if err := os.Remove(filepath.Join(dir, ManifestFile)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w %s in %s", ErrNotFound, id, s.Dir)
		}
		return err
	}
	return os.RemoveAll(dir)
}
