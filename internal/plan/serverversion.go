package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// This file decides whether a collection's schema can be created on a
// given Weaviate release: a snapshot taken on a newer server may use a
// setting an older server rejects, or silently drops (which would lose what
// the snapshot holds). The table below lists the settings whose first
// release was measured by running the older servers (docs/compat.md, `make
// compat`); the check is a pure function of the class JSON and the two
// version strings.

// ServerVersion is a Weaviate release, major.minor.patch.
type ServerVersion struct{ Major, Minor, Patch int }

// ParseServerVersion reads "1.35.2", "v1.27.0" or "1.30.0-rc.1" (the
// pre-release counts as its release).
func ParseServerVersion(s string) (ServerVersion, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return ServerVersion{}, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return ServerVersion{}, false
		}
		n[i] = v
	}
	return ServerVersion{n[0], n[1], n[2]}, true
}

// Less reports whether v is an older release than w.
func (v ServerVersion) Less(w ServerVersion) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	if v.Minor != w.Minor {
		return v.Minor < w.Minor
	}
	return v.Patch < w.Patch
}

func (v ServerVersion) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// ServerSetting is a schema setting that Weaviate accepts from one release
// on.
type ServerSetting struct {
	Name  string // as a user names it
	Since string // the first release line that accepts it
	// Older is what a server before Since does with it (measured).
	Older string
	// Fix says what to do when the target server is older.
	Fix string
	// used reports whether one vector index config (hnsw, flat or
	// dynamic, class-level or of a named vector) uses the setting.
	used func(index map[string]any) bool
}

// ServerSettings are the settings checked, each verified against the
// releases docs/compat.md names.
var ServerSettings = []ServerSetting{
	{
		Name:  "multi-vector index (vectorIndexConfig.multivector.enabled)",
		Since: "1.29.0",
		Older: "ignores it and creates a single-vector index: the snapshot's multi-vectors could not be written",
		Fix:   "restore into Weaviate 1.29 or newer; an older server cannot hold multi-vectors",
		used:  func(ix map[string]any) bool { return enabled(ix, "multivector") },
	},
	{
		Name:  "MUVERA encoding (vectorIndexConfig.multivector.muvera.enabled)",
		Since: "1.31.0",
		Older: "ignores it: the collection would be created without the encoding",
		Fix:   "restore into Weaviate 1.31 or newer, or restore into a collection created on this server without MUVERA (create it first, then `colstate restore --mode=merge`)",
		used: func(ix map[string]any) bool {
			mv, _ := ix["multivector"].(map[string]any)
			return enabled(mv, "muvera")
		},
	},
	{
		Name:  "rotational quantization (vectorIndexConfig.rq.enabled)",
		Since: "1.32.0",
		Older: "ignores it: the collection would be created uncompressed",
		Fix:   "restore into Weaviate 1.32 or newer, or restore into a collection created on this server with another quantizer or none (create it first, then `colstate restore --mode=merge`)",
		used:  func(ix map[string]any) bool { return enabled(ix, "rq") },
	},
}

// enabled reports whether m[key] is an object with "enabled": true.
func enabled(m map[string]any, key string) bool {
	sub, _ := m[key].(map[string]any)
	on, _ := sub["enabled"].(bool)
	return on
}

// SchemaToCreate is a collection a restore creates from a snapshot's
// schema: its name on the target, and the class JSON as the snapshot holds
// it.
type SchemaToCreate struct {
	Collection string
	Class      map[string]any
}

// VersionConflict is a setting of a collection that the target server is
// too old for.
type VersionConflict struct {
	Collection string
	Where      string // "" for the class-level vector index, else the named vector
	Setting    ServerSetting
}

// ServerVersionError refuses a restore before anything is written: the
// target server is older than the snapshot's and lacks settings its
// schemas use.
type ServerVersionError struct {
	Server, SnapshotServer string
	Conflicts              []VersionConflict
}

func (e *ServerVersionError) Error() string {
	var b strings.Builder
	from := ""
	if e.SnapshotServer != "" {
		from = " (the snapshot was taken on Weaviate " + e.SnapshotServer + ")"
	}
	fmt.Fprintf(&b, "refusing to restore: Weaviate %s lacks settings the snapshot's schema uses%s; nothing was written:", e.Server, from)
	for _, c := range e.Conflicts {
		where := ""
		if c.Where != "" {
			where = " of named vector " + c.Where
		}
		fmt.Fprintf(&b, "\n  collection %s uses the %s%s, which needs Weaviate %s or newer (Weaviate %s %s): %s",
			c.Collection, c.Setting.Name, where, c.Setting.Since, e.Server, c.Setting.Older, c.Setting.Fix)
	}
	return b.String()
}

// CheckServerVersion returns a *ServerVersionError when a collection in
// create would use a setting the server at version server lacks;
// snapshotServer is the version the snapshot was taken on ("" when its
// manifest does not say), named in the message. An unreadable server
// version checks nothing: the check cannot tell, and the server still
// refuses what it rejects outright.
func CheckServerVersion(server, snapshotServer string, create []SchemaToCreate) error {
	sv, ok := ParseServerVersion(server)
	if !ok {
		return nil
	}
	var conflicts []VersionConflict
	for _, c := range create {
		for _, ix := range vectorIndexes(c.Class) {
			for _, s := range ServerSettings {
				since, _ := ParseServerVersion(s.Since)
				if sv.Less(since) && s.used(ix.config) {
					conflicts = append(conflicts, VersionConflict{Collection: c.Collection, Where: ix.where, Setting: s})
				}
			}
		}
	}
	if len(conflicts) == 0 {
		return nil
	}
	return &ServerVersionError{Server: server, SnapshotServer: snapshotServer, Conflicts: conflicts}
}

type vectorIndex struct {
	where  string
	config map[string]any
}

// vectorIndexes lists a class's vector index configs: the class-level one
// and each named vector's, in name order, with the hnsw and flat parts of a
// dynamic index as their own.
func vectorIndexes(cl map[string]any) []vectorIndex {
	var out []vectorIndex
	add := func(where string, ix any) {
		m, ok := ix.(map[string]any)
		if !ok {
			return
		}
		out = append(out, vectorIndex{where, m})
		for _, part := range []string{"hnsw", "flat"} {
			if sub, ok := m[part].(map[string]any); ok {
				out = append(out, vectorIndex{where, sub})
			}
		}
	}
	add("", cl["vectorIndexConfig"])
	vc, _ := cl["vectorConfig"].(map[string]any)
	names := make([]string, 0, len(vc))
	for n := range vc {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v, _ := vc[n].(map[string]any)
		add(n, v["vectorIndexConfig"])
	}
	return out
}
