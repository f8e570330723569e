package snapshot

import (
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
)

// check refuses a manifest that colstate could not have written: a file
// path that leaves the snapshot directory, a malformed checksum, negative
// sizes or counts, chunk counts that do not add up, duplicate collections.
// A manifest that was damaged or edited is refused when the snapshot is
// opened, before anything reads the files it names.
func (m *Manifest) check(id string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("snapshot %s: manifest: %s: the snapshot is damaged or was edited", id, fmt.Sprintf(format, args...))
	}
	seen := map[string]bool{}
	for i, c := range m.Collections {
		if c.Name == "" {
			return bad("collection %d has no name", i+1)
		}
		if seen[c.Name] {
			return bad("collection %s is listed twice", c.Name)
		}
		seen[c.Name] = true
		if !localFile(c.Schema) {
			return bad("collection %s: schema file %q is not a file inside the snapshot", c.Name, c.Schema)
		}
		if !isSHA256(c.SchemaSHA256) {
			return bad("collection %s: schema checksum %q is not a SHA-256", c.Name, c.SchemaSHA256)
		}
		if c.Objects < 0 {
			return bad("collection %s: %d objects", c.Name, c.Objects)
		}
		var objects int64
		for _, ch := range c.Chunks {
			if !localFile(ch.File) {
				return bad("collection %s: chunk %q is not a file inside the snapshot", c.Name, ch.File)
			}
			if !isSHA256(ch.SHA256) {
				return bad("collection %s: chunk %s: checksum %q is not a SHA-256", c.Name, ch.File, ch.SHA256)
			}
			if ch.Objects < 0 || ch.Size < 0 {
				return bad("collection %s: chunk %s: %d objects in %d bytes", c.Name, ch.File, ch.Objects, ch.Size)
			}
			objects += ch.Objects
		}
		if objects != c.Objects {
			return bad("collection %s: its chunks hold %d objects, the collection %d", c.Name, objects, c.Objects)
		}
	}
	return m.checkNative(bad)
}

// localFile reports whether p (slash-separated, as the manifest holds it)
// names a file inside the snapshot directory.
func localFile(p string) bool {
	return p != "" && !strings.Contains(p, `\`) && filepath.IsLocal(filepath.FromSlash(p))
}

func isSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}
