package snapshot

import (
	"fmt"
	"strings"
)

// FormatVersion4 is the format of a snapshot holding only a native part
// (backup --engine=native): its collections have no chunks, and a format 3
// reader would restore them empty.
const FormatVersion4 = "4.0"

// Native is the part of a snapshot that is one of Weaviate's own backups
// (backup --engine=native or both), made by the server's backup module.
// Restoring it copies index files instead of rebuilding them, so it needs
// what Weaviate's restore needs: the collections absent under the same
// names, the same nodes, a server at least as new, the backend enabled.
type Native struct {
	Backend  string `json:"backend"`   // filesystem, s3, gcs or azure
	BackupID string `json:"backup_id"` // Weaviate's id of the backup
	// Path is where the backend keeps it, as the server reported it (a
	// directory on the server for filesystem).
	Path          string   `json:"path,omitempty"`
	ServerVersion string   `json:"server_version"`
	Nodes         []string `json:"nodes"`
	// Only: the snapshot has no portable part (no chunks); its
	// collections' object counts are in Collections.
	Only        bool               `json:"only,omitempty"`
	Collections []NativeCollection `json:"collections"`
}

// NativeCollection is one collection in a native backup, with the objects
// it held when the backup was taken (counted by colstate).
type NativeCollection struct {
	Name    string `json:"name"`
	Objects int64  `json:"objects"`
	// Changed, when set, says how the collection changed while Weaviate's
	// backup ran (its count before and after differed, or the portable
	// part holds another count): the native part may not hold the objects
	// the portable part holds, and a restore prefers the portable part.
	Changed string `json:"changed,omitempty"`
}

// Collection returns the named collection of the native part, or nil.
func (n *Native) Collection(name string) *NativeCollection {
	if n == nil {
		return nil
	}
	for i := range n.Collections {
		if n.Collections[i].Name == name {
			return &n.Collections[i]
		}
	}
	return nil
}

// Engine names what a snapshot holds: "portable", "native" or "both".
func (m *Manifest) Engine() string {
	switch {
	case m.Native == nil:
		return "portable"
	case m.Native.Only:
		return "native"
	}
	return "both"
}

// Portable reports whether the snapshot has portable chunks to restore
// from (any snapshot but a native-only one).
func (m *Manifest) Portable() bool { return m.Native == nil || !m.Native.Only }

// ObjectsOf is the object count of collection name: the chunks', or the
// native part's in a native-only snapshot.
func (m *Manifest) ObjectsOf(name string) int64 {
	if m.Native != nil && m.Native.Only {
		if n := m.Native.Collection(name); n != nil {
			return n.Objects
		}
		return 0
	}
	if c := m.Collection(name); c != nil {
		return c.Objects
	}
	return 0
}

// NativeBackupID turns a snapshot id into one Weaviate accepts for a
// backup (lower-case letters, digits, '-' and '_').
func NativeBackupID(snapshotID string) string {
	var b strings.Builder
	b.WriteString("colstate-")
	for _, r := range strings.ToLower(snapshotID) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// SetNative records the native part; it is written with the manifest at
// Commit. A native-only part raises the format to 4.0.
func (w *Writer) SetNative(n *Native) error {
	for _, c := range n.Collections {
		if w.m.Collection(c.Name) == nil {
			return fmt.Errorf("native backup of collection %s, which is not in snapshot %s", c.Name, w.m.ID)
		}
	}
	w.m.Native = n
	if n.Only {
		raiseFormat(&w.m, FormatVersion4)
	}
	return nil
}

// Objects is how many objects of collection the portable part holds so
// far (for comparing with the native part before Commit).
func (w *Writer) Objects(collection string) int64 {
	col := w.m.Collection(collection)
	if col == nil {
		return 0
	}
	n := col.Objects
	if w.cur != nil && w.cur.collection == collection {
		n += w.cur.objects
	}
	return n
}

// checkNative refuses a native part colstate could not have written.
func (m *Manifest) checkNative(bad func(string, ...any) error) error {
	n := m.Native
	if n == nil {
		return nil
	}
	if n.Backend == "" || n.BackupID == "" {
		return bad("native part without backend or backup id")
	}
	for _, c := range n.Collections {
		col := m.Collection(c.Name)
		if col == nil {
			return bad("native part names collection %s, which the snapshot lacks", c.Name)
		}
		if c.Objects < 0 {
			return bad("native part: collection %s: %d objects", c.Name, c.Objects)
		}
		if n.Only && len(col.Chunks) > 0 {
			return bad("native-only snapshot with chunks for collection %s", c.Name)
		}
	}
	return nil
}
