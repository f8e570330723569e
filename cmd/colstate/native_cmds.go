package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/colstate/colstate/internal/native"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/workspace"
	"github.com/urfave/cli/v2"
)

// nativeKind is the KIND column of snapshot list for a snapshot with a
// native part: "native" alone, or "both" beside the portable kind.
func nativeKind(m *snapshot.Manifest, portable string) string {
	if !m.Portable() {
		return "native"
	}
	return portable + "+native"
}

// snapshotObjects counts a snapshot's objects: its chunks', or the native
// part's in a native-only snapshot.
func snapshotObjects(m *snapshot.Manifest) int64 {
	var n int64
	for _, c := range m.Collections {
		n += m.ObjectsOf(c.Name)
	}
	return n
}

// showNative prints a snapshot's native part (snapshot show).
func showNative(out io.Writer, m *snapshot.Manifest) {
	n := m.Native
	if n == nil {
		return
	}
	what := "beside the portable chunks (--engine=both)"
	if n.Only {
		what = "only (--engine=native): no portable chunks"
	}
	fmt.Fprintf(out, "  native:   Weaviate's own backup %s\n", what)
	fmt.Fprintf(out, "    backend:  %s\n    backup:   %s\n", n.Backend, n.BackupID)
	if n.Bucket != "" {
		fmt.Fprintf(out, "    bucket:   %s\n    path:     %s\n", n.Bucket, n.BucketPath)
	}
	if n.Path != "" {
		fmt.Fprintf(out, "    location: %s\n", n.Path)
	}
	fmt.Fprintf(out, "    server:   Weaviate %s, nodes %s\n", n.ServerVersion, strings.Join(n.Nodes, ", "))
	var cols []string
	for _, c := range n.Collections {
		cols = append(cols, fmt.Sprintf("%s (%d objects)", c.Name, c.Objects))
	}
	fmt.Fprintf(out, "    holds:    %s\n", strings.Join(cols, ", "))
	writeNativeChanged(out, "    changed:  ", m)
}

// writeNativeChanged says which collections changed while the native
// part was taken (snapshot show and verify).
func writeNativeChanged(out io.Writer, prefix string, m *snapshot.Manifest) {
	next := "a restore takes the portable chunks (--engine=native forces Weaviate's)"
	if m.Native.Only {
		next = "its objects may not be those counted"
	}
	for _, c := range m.Native.Collections {
		if c.Changed != "" {
			fmt.Fprintf(out, "%s%s changed while Weaviate's backup ran (%s): %s\n", prefix, c.Name, c.Changed, next)
		}
	}
}

// verifyNative asks the Weaviate the configuration names for the status
// of a snapshot's native backup: it must know it, and report SUCCESS.
func verifyNative(c *cli.Context, out io.Writer, m *snapshot.Manifest) error {
	n := m.Native
	nc, err := workspace.NativeClient(c.String("chdir"))
	if err != nil {
		return fmt.Errorf("cannot ask Weaviate about it: %w", err)
	}
	status, path, err := nc.BackupStatus(c.Context, n.Backend, n.BackupID, native.Location{Bucket: n.Bucket, Path: n.BucketPath})
	switch {
	case native.IsNotFound(err):
		return fmt.Errorf("Weaviate has no %s backup %s (was it made on another server, or removed from the backend?)", n.Backend, n.BackupID)
	case err != nil:
		return fmt.Errorf("ask Weaviate for backup %s on backend %s: %w", n.BackupID, n.Backend, err)
	case status != "SUCCESS":
		return fmt.Errorf("Weaviate reports backup %s %s", n.BackupID, status)
	}
	if path == "" {
		path = n.Path
	}
	fmt.Fprintf(out, "%s native backup %s: ok (Weaviate reports SUCCESS on backend %s, %s)\n", m.ID, n.BackupID, n.Backend, path)
	writeNativeChanged(out, m.ID+" native backup "+n.BackupID+": warning: ", m)
	return nil
}

// nativeParts are, by snapshot id, the native parts of the snapshots
// snapshot rm removes: colstate cannot delete them (Weaviate has no API to
// delete a backup), so rm names each one it leaves behind.
func nativeParts(s *snapshot.Store, ids []string) map[string]*snapshot.Native {
	out := map[string]*snapshot.Native{}
	for _, id := range ids {
		if r, err := s.Open(id); err == nil && r.Manifest().Native != nil {
			out[id] = r.Manifest().Native
		}
	}
	return out
}

// nativeLeftBehind says where a removed snapshot's native part stays.
func nativeLeftBehind(n *snapshot.Native) string {
	var objects int64
	for _, c := range n.Collections {
		objects += c.Objects
	}
	return fmt.Sprintf("Its native part, Weaviate's %s backup %s (%d objects), is left on the server's backup backend: Weaviate has no API to delete a backup; remove it there by hand. Its backup id stays taken: a new snapshot needs another --id.", n.Backend, n.BackupID, objects)
}
