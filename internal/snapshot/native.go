package snapshot

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
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
	Path string `json:"path,omitempty"`
	// Bucket and BucketPath place the backup where colstate asked the
	// backend to put it (Weaviate's backup config Bucket and Path): the
	// snapshot store's own bucket, beside the portable part, when the
	// store is a bucket the server's module reaches. Empty: where the
	// module is configured to keep backups. Restore, status and verify
	// pass them back to Weaviate. Never credentials.
	Bucket        string   `json:"bucket,omitempty"`
	BucketPath    string   `json:"bucket_path,omitempty"`
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
	if n.BucketPath != "" && (n.Bucket == "" || path.Clean(n.BucketPath) != n.BucketPath || strings.HasPrefix(n.BucketPath, "/") || slices.Contains(strings.Split(n.BucketPath, "/"), "..")) {
		return bad("native part at bucket %q path %q: not a place colstate writes", n.Bucket, n.BucketPath)
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

// NativeDir is the directory of a snapshot's upload a native part goes
// into, beside the schema files and chunks.
const NativeDir = "native"

// BucketPlace is where the snapshot's files go when the store is a bucket:
// its URL scheme (s3, gs, azblob), the bucket's name and the key prefix
// (ending in "/") of this upload, under the snapshot's own id. ok is false
// for a local store. A native part put under the prefix is removed with
// the snapshot, or with the upload when the backup fails.
func (w *Writer) BucketPlace() (scheme, bucket, prefix string, ok bool) {
	p, ok := w.up.(interface {
		place() (string, string, string)
	})
	if !ok {
		return "", "", "", false
	}
	scheme, bucket, prefix = p.place()
	return scheme, bucket, prefix, true
}

// HasFile reports whether the upload holds file (a path relative to the
// upload, as BucketPlace's prefix is): something written beside the
// snapshot's files, as Weaviate's backup module writes the native part.
func (w *Writer) HasFile(file string) (bool, error) {
	e, ok := w.up.(interface{ exists(string) (bool, error) })
	if !ok {
		return false, errors.New("not a bucket store")
	}
	return e.exists(file)
}

// backendScheme is the store URL scheme of a Weaviate backup backend's
// buckets.
var backendScheme = map[string]string{"s3": "s3", "gcs": "gs", "azure": "azblob"}

// NativeInStore reports whether m's native part lies inside the snapshot's
// own prefix in this store, so that removing the snapshot removes it too;
// otherwise it is where the server's backup module keeps it, which
// colstate cannot reach (and Weaviate has no API to delete a backup).
func (s *Store) NativeInStore(ctx context.Context, m *Manifest) bool {
	n := m.Native
	if n == nil || n.Bucket == "" || n.BucketPath == "" {
		return false
	}
	st, err := s.storage(ctx)
	if err != nil {
		return false
	}
	b, ok := st.(*bucketStorage)
	if !ok || backendScheme[n.Backend] != b.scheme || n.Bucket != b.bucket {
		return false
	}
	own := m.ID + "/"
	if b.prefix != "" {
		own = b.prefix + "/" + own
	}
	return strings.HasPrefix(n.BucketPath, own) && path.Clean(n.BucketPath) == n.BucketPath
}

// Where says where a native part is, for messages.
func (n *Native) Where() string {
	switch {
	case n.Bucket != "":
		return fmt.Sprintf("Weaviate's %s backup %s in bucket %s at %s", n.Backend, n.BackupID, n.Bucket, n.BucketPath)
	case n.Path != "":
		return fmt.Sprintf("Weaviate's %s backup %s at %s", n.Backend, n.BackupID, n.Path)
	}
	return fmt.Sprintf("Weaviate's %s backup %s", n.Backend, n.BackupID)
}
