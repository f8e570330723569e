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

// create makes the file with O_EXCL, so exactly one process creates it, and
// makes it durable before reporting success.
func (localObjects) create(_ context.Context, key string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(key), fsutil.DirMode); err != nil {
		return err
	}
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
