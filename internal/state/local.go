package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/colstate/colstate/internal/fsutil"
)

// localObjects keeps objects as files; keys are paths.
type localObjects struct{}

func (localObjects) get(_ context.Context, key string) ([]byte, error) { return os.ReadFile(key) }

func (localObjects) put(_ context.Context, key string, data []byte) error {
	return fsutil.WriteFileAtomic(key, data)
}

// create makes the file so that exactly one process creates it, and no
// reader ever sees it empty or half-written: the data is written to a
// temporary file and made durable, then hard-linked into place (link
// fails when the name exists). Where the file system has no hard links,
// it falls back to O_EXCL and writes into the new file.
func (localObjects) create(_ context.Context, key string, data []byte) error {
	dir := filepath.Dir(key)
	if err := os.MkdirAll(dir, fsutil.DirMode); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(key)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(fsutil.FileMode)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	err = os.Link(tmp.Name(), key)
	if errors.Is(err, os.ErrExist) {
		return err
	}
	if err != nil {
		return createExclusive(key, data)
	}
	return fsutil.SyncDir(dir)
}

// createExclusive creates key with O_EXCL and writes data into it.
func createExclusive(key string, data []byte) error {
	f, err := os.OpenFile(key, os.O_CREATE|os.O_EXCL|os.O_WRONLY, fsutil.FileMode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsutil.SyncDir(filepath.Dir(key))
	}
	if err != nil {
		os.Remove(key)
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

func (localObjects) remove(_ context.Context, key string) error {
	err := os.Remove(key)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return fsutil.SyncDir(filepath.Dir(key))
}

func (localObjects) list(_ context.Context, prefix string) ([]string, error) {
	matches, err := filepath.Glob(escapeGlob(prefix) + "*")
	if err != nil {
		return nil, err
	}
	return matches, nil
}

func (localObjects) where(key string) string { return key }

func (localObjects) close() error { return nil }

func escapeGlob(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`).Replace(s)
}
