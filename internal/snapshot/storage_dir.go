package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/fsutil"
)

// dirStorage keeps snapshots in a local directory, one sub-directory each.
// An upload writes into a fresh ".tmp-<id>-*" directory that is renamed to
// <id> once its manifest is written (see docs/snapshot-format.md).
type dirStorage struct{ dir string }

func (d dirStorage) String() string { return d.dir }

func (d dirStorage) path(id string) string { return filepath.Join(d.dir, id) }

func (d dirStorage) begin(_ context.Context, id string) (upload, error) {
	if _, err := os.Stat(d.path(id)); err == nil {
		return nil, fmt.Errorf("snapshot %s already exists in %s", id, d.dir)
	}
	if err := os.MkdirAll(d.dir, fsutil.DirMode); err != nil {
		return nil, err
	}
	// A fresh directory each time: one left by a backup that was killed
	// (".tmp-<id>-*", never listed) must not stop a new backup of the id.
	tmp, err := os.MkdirTemp(d.dir, ".tmp-"+id+"-")
	if err != nil {
		return nil, err
	}
	return &dirUpload{tmp: tmp, final: d.path(id), id: id}, nil
}

func (d dirStorage) manifest(_ context.Context, id string) ([]byte, error) {
	return os.ReadFile(filepath.Join(d.path(id), ManifestFile))
}

func (d dirStorage) open(_ context.Context, id, file string) (io.ReadCloser, error) {
	return os.Open(filepath.Join(d.path(id), filepath.FromSlash(file)))
}

func (d dirStorage) ids(context.Context) ([]string, error) {
	entries, err := os.ReadDir(d.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

func (d dirStorage) holds(_ context.Context, id string) (bool, error) {
	fi, err := os.Stat(d.path(id))
	return err == nil && fi.IsDir(), nil
}

func (d dirStorage) remove(_ context.Context, id string) error {
	dir := d.path(id)
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err != nil {
		return err
	}
	// Renamed first (atomic: the snapshot is gone at once) to a ".tmp-"
	// name of colstate's own, so that a removal cut short leaves what
	// prune recognises; nothing else under the store is ever pruned.
	gone := filepath.Join(d.dir, ".tmp-"+id+"-rm"+randomHex(4))
	if err := os.Rename(dir, gone); err != nil {
		return err
	}
	return os.RemoveAll(gone)
}

// leftovers are only colstate's own ".tmp-<id>-*" directories (backups
// killed or still running, removals cut short). Nothing else under the
// store's directory is listed or removed: a directory without a manifest
// may be another store, the project, or anything of the user's.
func (d dirStorage) leftovers(context.Context) ([]Leftover, []error, error) {
	entries, err := os.ReadDir(d.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var out []Leftover
	var problems []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		rest, ok := strings.CutPrefix(name, ".tmp-")
		if !ok {
			continue // not colstate's upload: never touched
		}
		// ".tmp-<id>-<random>"
		i := strings.LastIndex(rest, "-")
		if i <= 0 || validID(rest[:i]) != nil {
			continue
		}
		id := rest[:i]
		l := Leftover{ID: id, Path: filepath.Join(d.dir, name), key: name}
		if _, err := os.Stat(d.path(id)); err == nil {
			l.Committed = true
		}
		err := filepath.WalkDir(l.Path, func(path string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := de.Info()
			if err != nil {
				return err
			}
			if fi.ModTime().After(l.Newest) {
				l.Newest = fi.ModTime()
			}
			if !de.IsDir() {
				l.Files++
				l.Bytes += fi.Size()
			}
			return nil
		})
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", l.Path, err))
			continue
		}
		out = append(out, l)
	}
	return out, problems, nil
}

func (d dirStorage) removeLeftover(_ context.Context, l Leftover) error {
	if l.key == "" || strings.ContainsAny(l.key, `/\`) {
		return fmt.Errorf("%q is not a leftover of %s", l.Path, d.dir)
	}
	if !strings.HasPrefix(l.key, ".tmp-") {
		return fmt.Errorf("%q is not a leftover of %s: only colstate's .tmp- directories are removed", l.Path, d.dir)
	}
	return os.RemoveAll(filepath.Join(d.dir, l.key))
}

type dirUpload struct {
	tmp, final, id string
}

func (u *dirUpload) prefix() string { return "" }

func (u *dirUpload) create(file string) (io.WriteCloser, error) {
	path := filepath.Join(u.tmp, filepath.FromSlash(file))
	if err := os.MkdirAll(filepath.Dir(path), fsutil.DirMode); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, fsutil.FileMode)
	if err != nil {
		return nil, err
	}
	return syncedFile{f}, nil
}

// syncedFile is fsynced when it is closed.
type syncedFile struct{ *os.File }

func (f syncedFile) Close() error {
	if err := f.Sync(); err != nil {
		f.File.Close()
		return err
	}
	return f.File.Close()
}

func (u *dirUpload) commit(manifest []byte) error {
	// Every chunk and schema file is already synced; sync their directories
	// so that the manifest cannot outlive them after a crash.
	if err := syncTree(u.tmp); err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(u.tmp, ManifestFile), manifest); err != nil {
		return err
	}
	if err := os.Rename(u.tmp, u.final); err != nil {
		if _, serr := os.Stat(u.final); serr == nil {
			return fmt.Errorf("snapshot %s already exists in %s: another backup committed it meanwhile; this one was discarded", u.id, filepath.Dir(u.final))
		}
		return err
	}
	return fsutil.SyncDir(filepath.Dir(u.final))
}

func (u *dirUpload) touch() error {
	now := time.Now()
	return os.Chtimes(u.tmp, now, now)
}

func (u *dirUpload) abort(open io.Closer) {
	if open != nil {
		if f, ok := open.(syncedFile); ok {
			f.File.Close() // no sync: it is removed
		} else {
			open.Close()
		}
	}
	os.RemoveAll(u.tmp)
}

func syncTree(root string) error {
	return filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return fsutil.SyncDir(path)
		}
		return nil
	})
}

// closeParallel: a directory's chunk files are fsynced in the background,
// eight at once (Commit waits for them).
func (u *dirUpload) closeParallel() int { return 8 }
