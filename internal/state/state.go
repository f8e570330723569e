// Package state owns colstate's state file: which collections colstate
// manages and what it last applied to them. The file is JSON, carries a
// lineage (fixed when the state is first created) and a serial (incremented
// on every write), and is always written atomically.
package state

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/colstate/colstate/internal/collection"
)

// FormatVersion is the state file format this build writes.
const FormatVersion = 1

// State is the content of the state file.
type State struct {
	Version     int                              `json:"version"`
	Lineage     string                           `json:"lineage"`
	Serial      int64                            `json:"serial"`
	UpdatedAt   time.Time                        `json:"updated_at,omitzero"`
	Collections map[string]collection.Collection `json:"collections"`
	// Snapshots is the catalogue of snapshots apply has taken, oldest first.
	Snapshots []SnapshotRecord `json:"snapshots,omitempty"`
	// Seeding maps each collection whose seed-mode content load has begun
	// but not finished to its content source. Such a collection is no
	// longer empty, yet its seed is not done: the next plan and apply
	// complete it as a merge. A tenant's seed is keyed COLLECTION/TENANT.
	Seeding map[string]string `json:"seeding,omitempty"`
	// Aliases maps each Weaviate alias colstate manages (created or
	// adopted from an alias block) to the collection it last pointed it
	// at. An alias that is not here is never touched.
	Aliases map[string]string `json:"aliases,omitempty"`
	// Backing maps each collection name that colstate turned into an alias
	// (a blue/green replace, lifecycle.create_before_destroy) to the
	// collections behind it.
	Backing map[string]Backing `json:"backing,omitempty"`
	// Moved maps each alias a moved block made (the collection's old name)
	// to the collection it resolves to; it is deleted once the
	// configuration drops the block.
	Moved map[string]string `json:"moved,omitempty"`
}

// Backing is what stands behind a collection name that is an alias.
type Backing struct {
	// Collection is the live collection the alias points at.
	Collection string `json:"collection"`
	// Previous is the collection the last blue/green replace retargeted
	// away from and kept (keep_previous = 1); "" when none is kept.
	Previous string `json:"previous,omitempty"`
	// PreviousSchema is the schema Previous was applied with, which a
	// rollback records as the collection's again.
	PreviousSchema *collection.Collection `json:"previous_schema,omitempty"`
	// RolledBackAt is when colstate rollback last pointed the alias back.
	RolledBackAt time.Time `json:"rolled_back_at,omitzero"`
}

// SnapshotRecord is one snapshot apply took.
type SnapshotRecord struct {
	ID      string    `json:"id"`
	Store   string    `json:"store"`
	Policy  string    `json:"policy,omitempty"` // the snapshot block it was taken for
	Reason  string    `json:"reason,omitempty"`
	TakenAt time.Time `json:"taken_at"`
	// Collections maps each collection in the snapshot to its object count
	// and content digest when it was taken.
	Collections map[string]DataMark `json:"collections"`
}

// DataMark is a collection's object count and content digest.
type DataMark struct {
	Objects int64  `json:"objects"`
	Digest  string `json:"digest"`
}

// Newest returns the newest snapshot taken for the policy, or nil.
func (s *State) Newest(policy string) *SnapshotRecord {
	for i := len(s.Snapshots) - 1; i >= 0; i-- {
		if s.Snapshots[i].Policy == policy {
			return &s.Snapshots[i]
		}
	}
	return nil
}

// New returns an empty state with a fresh lineage.
func New() *State {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return &State{Version: FormatVersion, Lineage: hex.EncodeToString(b), Collections: map[string]collection.Collection{}, Aliases: map[string]string{}}
}

// Managed reports whether colstate manages the named collection.
func (s *State) Managed(name string) bool {
	_, ok := s.Collections[name]
	return ok
}

// Names returns the managed collection names, sorted.
func (s *State) Names() []string {
	names := make([]string, 0, len(s.Collections))
	for n := range s.Collections {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Read loads the state file at path. A missing file is an empty new state.
func Read(path string) (*State, error) { return Local(path).Read(context.Background()) }

// Decode parses a state file's bytes; path is used in error messages.
func Decode(data []byte, path string) (*State, error) {
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("state file %s is not valid JSON (%v); restore it from %s.backup, or move it away to start over", path, err, path)
	}
	if s.Version != FormatVersion {
		return nil, fmt.Errorf("state file %s has format version %d; this colstate reads version %d", path, s.Version, FormatVersion)
	}
	if s.Lineage == "" {
		return nil, fmt.Errorf("state file %s has no lineage; it was not written by colstate", path)
	}
	if s.Collections == nil {
		s.Collections = map[string]collection.Collection{}
	}
	if s.Aliases == nil {
		s.Aliases = map[string]string{}
	}
	for name, c := range s.Collections {
		// Everything looks collections up by key and acts on c.Name: the two
		// must agree, or colstate would change a collection it was not asked to.
		if c.Name != name {
			return nil, fmt.Errorf("state file %s records collection %q under the name %q; it was edited by hand: restore it from %s.backup", path, c.Name, name, path)
		}
	}
	return &s, nil
}

// Write writes the state to the file at path; see Backend.Write.
func Write(path string, s *State) error { return Local(path).Write(context.Background(), s) }
