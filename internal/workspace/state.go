package workspace

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// This file resolves where a workspace keeps things: its state file, the
// apply journal beside it, and snapshot stores.

// OpenState opens where the configuration in dir keeps its state: the
// object at state.url, or the file at state.path (relative to dir).
func OpenState(ctx context.Context, dir string, cfg *config.Config) (*state.Backend, error) {
	if cfg.State.URL != "" {
		return state.OpenURL(ctx, cfg.State.URL)
	}
	path := cfg.State.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	if err := state.CheckName(path, path); err != nil {
		return nil, err
	}
	return state.Local(path), nil
}

// StatePath names the state for messages: the file's path, or the
// object's URL without its query.
func (ws *Workspace) StatePath() string { return ws.State.Location() }

// ReadState reads the state (an empty state when there is none).
func (ws *Workspace) ReadState() (*state.State, error) { return ws.State.Read(context.Background()) }

// WriteState saves the state atomically, refusing when someone else wrote
// it since it was read. It is not cancelled with the command: what apply
// did must be recorded even after Ctrl-C.
func (ws *Workspace) WriteState(s *state.State) error { return ws.State.Write(context.Background(), s) }

// PendingJournal returns the journal of an interrupted apply of st, nil when
// there is none, and an error when the journal belongs to another state.
func (ws *Workspace) PendingJournal(st *state.State) (*apply.Journal, error) {
	j, err := apply.LoadJournal(ws.State)
	if err != nil || j == nil {
		return nil, err
	}
	if !j.SameState(st.Lineage, st.Serial) {
		return nil, fmt.Errorf("the interrupted apply recorded in %s ran against state lineage %s, but %s has lineage %s: it belongs to another state; run colstate apply -abandon to drop it", j.Path(), j.StateLineage, ws.StatePath(), st.Lineage)
	}
	return j, nil
}

// StoreDir resolves the snapshot store directory of a command: the --store
// flag (a directory, a bucket URL, or the name of a snapshot_store block),
// else the one snapshot_store the configuration declares, else the default
// store. Relative paths are relative to the configuration directory; a URL
// is kept as it is (snapshot.Store reads both).
func StoreDir(configDir, flag string) string {
	cfg, err := LoadConfig(configDir)
	if err != nil {
		cfg = nil // a command on the store alone works without a valid configuration
	}
	return resolveStore(cfg, configDir, flag)
}

// Store is the snapshot store of a command, as StoreDir resolves it, named
// after its snapshot_store block when it comes from one (for messages). A
// configuration that does not load is ignored, as by StoreDir, unless a
// snapshot_store block is what is wrong: then the store is not known, and
// the default store must not be taken for it.
func Store(configDir, flag string) (*snapshot.Store, error) {
	cfg, err := LoadConfig(configDir)
	if err != nil {
		if msg := err.Error(); strings.Contains(msg, "snapshot store") || strings.Contains(msg, "snapshot_store") {
			return nil, err
		}
		cfg = nil
	}
	s := &snapshot.Store{Dir: resolveStore(cfg, configDir, flag)}
	if cfg != nil {
		for _, st := range cfg.Stores {
			if flag == st.Name || (flag == "" && len(cfg.Stores) == 1) {
				s.Name = st.Name
			}
		}
	}
	return s, nil
}

// storeDir resolves a snapshot store name or directory ("" is the default
// store) against the workspace's configuration.
func (ws *Workspace) storeDir(nameOrDir string) string {
	return resolveStore(ws.Config, ws.Dir, nameOrDir)
}

// resolveStore is StoreDir with the configuration at hand (cfg may be nil).
// The result is absolute: the state, saved plans and the apply journal
// record it, and it must mean the same store from any working directory.
func resolveStore(cfg *config.Config, configDir, flag string) string {
	dir := flag
	if cfg != nil {
		for _, st := range cfg.Stores {
			if flag == st.Name || (flag == "" && len(cfg.Stores) == 1) {
				dir = st.Location()
			}
		}
	}
	if dir == "" {
		dir = snapshot.DefaultStore
	}
	if snapshot.IsURL(dir) {
		return dir
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(configDir, dir)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}
