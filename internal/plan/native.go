package plan

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Engines: how a snapshot is written (backup --engine) and how a restore
// reads it (restore --engine).
const (
	// EnginePortable is colstate's own chunks: objects and vectors read
	// over gRPC, written back with batch imports (the server rebuilds
	// every vector index).
	EnginePortable = "portable"
	// EngineNative is one of Weaviate's own backups, made and restored by
	// the server's backup module: index files are copied, not rebuilt.
	EngineNative = "native"
	// EngineBoth writes both parts into one snapshot (backup only).
	EngineBoth = "both"
)

// EnginePath is which engine a backup writes or a restore reads, and why
// (restore: the reasons for or against the native path, shown in the
// plan). Portable, the default, is the empty Engine.
type EnginePath struct {
	Engine    string `json:"engine,omitempty"`
	EngineWhy string `json:"engine_why,omitempty"`
}

// Native reports whether the change goes through Weaviate's own backup.
func (e EnginePath) Native() bool { return e.Engine == EngineNative || e.Engine == EngineBoth }

// CheckEngine refuses an engine name colstate does not know; backup takes
// both, restore does not.
func CheckEngine(engine string, backup bool) error {
	switch engine {
	case "", EnginePortable, EngineNative:
		return nil
	case EngineBoth:
		if backup {
			return nil
		}
		return fmt.Errorf("restore --engine=both: a restore reads one part of a snapshot; use native, portable, or leave --engine out to let colstate choose")
	}
	if backup {
		return fmt.Errorf("--engine=%s: use portable (colstate's chunks, the default), native (Weaviate's own backup) or both", engine)
	}
	return fmt.Errorf("--engine=%s: use native (Weaviate's own backup) or portable (colstate's chunks), or leave it out to let colstate choose", engine)
}

// ServerFacts is what the server offers a native backup or restore: its
// version, the backends whose backup module is enabled, its node names.
// Err says why they could not be read (a native path is then refused).
type ServerFacts struct {
	Version  string
	Backends []string
	Nodes    []string
	Err      error
}

// backend is where a native backup goes: filesystem first, else the first
// enabled backend; an error says how to enable one.
func (s ServerFacts) backend() (string, error) {
	if s.Err != nil {
		return "", s.Err
	}
	if len(s.Backends) == 0 {
		return "", fmt.Errorf("this Weaviate has no backup module enabled (backup-filesystem, backup-s3, backup-gcs or backup-azure): enable one on the server (e.g. ENABLE_MODULES=backup-filesystem BACKUP_FILESYSTEM_PATH=/var/lib/weaviate-backups), or use --engine=portable")
	}
	return s.Backends[0], nil
}

// checkNativeBackup refuses a native backup Weaviate could not make
// whole: it backs up whole collections with every object and vector, and
// (before Weaviate 1.35.17) leaves inactive tenants out silently.
func checkNativeBackup(f BackupFacts, name string, lf CollectionFacts) error {
	why := ""
	switch {
	case f.SchemaOnly:
		why = "--schema-only"
	case f.NoVectors:
		why = "--no-vectors"
	case len(f.Tenants) > 0:
		why = "--tenant"
	case f.SkipOffloaded:
		why = "--skip-offloaded"
	case len(lf.Inactive) > 0 || len(lf.Offloaded) > 0:
		return fmt.Errorf("backup --engine=%s: collection %s has inactive tenants (%s), which Weaviate's own backup leaves out (before 1.35.17: COLD ones; always: FROZEN ones); nothing was written. Use --engine=portable, which reads them",
			f.Engine, name, strings.Join(append(slices.Clone(lf.Inactive), lf.Offloaded...), ", "))
	default:
		_, err := f.Server.backend()
		if err != nil {
			return fmt.Errorf("backup --engine=%s: %w", f.Engine, err)
		}
		return nil
	}
	return fmt.Errorf("backup --engine=%s with %s: Weaviate's own backup copies whole collections with every object and vector; use --engine=portable for %s", f.Engine, why, why)
}

// nativeTenantsProblem refuses a snapshot block's native part (engine
// native or both) of a collection with inactive tenants, which Weaviate's
// own backup leaves out, as checkNativeBackup refuses backup
// --engine=native|both: before anything is written. "both" is refused
// too rather than taken portable only: the block asked for a native part.
func (in *Input) nativeTenantsProblem(due DueSnapshot, name string) string {
	if due.Engine != EngineNative && due.Engine != EngineBoth {
		return ""
	}
	ts := in.Tenants[name]
	if len(ts.Inactive) == 0 && len(ts.Offloaded) == 0 {
		return ""
	}
	return fmt.Sprintf("snapshot %q (engine = %q): collection %s has inactive tenants (%s), which Weaviate's own backup leaves out (before 1.35.17: COLD ones; always: FROZEN ones); nothing was written. Set engine = \"portable\" in the block, which reads them, or activate the tenants first",
		due.Policy, due.Engine, name, strings.Join(append(slices.Clone(ts.Inactive), ts.Offloaded...), ", "))
}

// SnapshotNative is a snapshot's native part as a restore plan sees it.
type SnapshotNative struct {
	Backend       string
	ServerVersion string
	Nodes         []string
	Collections   []string
	Only          bool // no portable part
	// Changed is, by collection, how it changed while Weaviate's backup
	// ran: its native part may hold other objects than the portable part.
	Changed map[string]string
}

// RestorePathFacts is what ChooseRestorePath decides from, for one
// collection of a snapshot.
type RestorePathFacts struct {
	Forced   string // restore --engine: "", native or portable
	Snapshot string // its id
	Native   *SnapshotNative
	Source   string // the collection in the snapshot
	Target   string // the collection restored into
	Mode     string // create, merge or replace
	Exists   bool   // the target exists live
	Tenants  bool   // --tenant picks some tenants
	Subset   bool   // the snapshot holds only some tenants
	Server   ServerFacts
	// Replace (--mode=replace into a live target): Weaviate restores only
	// into an absent collection, so the target is deleted first, which is
	// possible only when nothing but its objects is lost and the restore
	// gives it back its schema. SameSchema: the snapshot's schema is the
	// live one (and the declared one, if declared); else SchemaDiff says
	// how they differ.
	// Referrers are the live collections whose references point at the
	// target, Aliases the aliases that do, Offloaded its offloaded tenants:
	// a delete would leave the first two dangling and lose the last.
	SameSchema bool
	SchemaDiff string
	Referrers  []string
	Aliases    []string
	Offloaded  []string
}

// nativeWhy is the plan's reason for taking Weaviate's backup;
// nativeReplaceWhy that of a replace, which deletes the live collection
// first.
const (
	nativeWhy        = "native: same name, same nodes, server ≥ snapshot version"
	nativeReplaceWhy = "native: same schema, same name, same nodes, server ≥ snapshot version"
)

// DeletesFirst reports whether the restore path chosen for f deletes the
// live target before Weaviate restores it (a replace taking the native
// path).
func (f RestorePathFacts) DeletesFirst(p EnginePath) bool {
	return p.Native() && f.Mode == RestoreReplace && f.Exists
}

// why is the reason the plan gives for the native path.
func (f RestorePathFacts) why() string {
	if f.Mode == RestoreReplace && f.Exists {
		return nativeReplaceWhy
	}
	return nativeWhy
}

// ChooseRestorePath picks how a collection is restored: through Weaviate's
// own backup when the snapshot has one and Weaviate can restore it here
// (the target absent; the same name; the same nodes; a server at least as
// new as the one that made it; its backend enabled), else from the portable
// chunks. --engine forces one, and an impossible choice is refused with
// the reason, as is a snapshot without a part that can be restored. The
// returned path's EngineWhy is what the plan shows.
//
// A replace of a live collection takes the native path too when the
// snapshot's schema is the live (and declared) one: the plan then deletes
// the collection first (DeletesFirst), guarded and backed up as a
// portable replace's clear is. A replace that changes the schema stays
// portable: its objects are written into the live schema.
func ChooseRestorePath(f RestorePathFacts) (EnginePath, error) {
	blocker := nativeBlocker(f)
	portable := f.Native == nil || !f.Native.Only
	switch f.Forced {
	case EngineNative:
		if blocker != "" {
			return EnginePath{}, fmt.Errorf("restore --engine=native of %s from snapshot %s is not possible: %s; nothing was changed%s", f.Target, f.Snapshot, blocker, portableHint(portable))
		}
		return EnginePath{Engine: EngineNative, EngineWhy: f.why()}, nil
	case EnginePortable:
		if !portable {
			return EnginePath{}, fmt.Errorf("restore --engine=portable: snapshot %s holds only Weaviate's own backup (taken with --engine=native), no portable chunks; nothing was changed. Restore it with --engine=native (or leave --engine out)", f.Snapshot)
		}
		return EnginePath{Engine: EnginePortable, EngineWhy: "portable: --engine=portable"}, nil
	}
	if blocker == "" && portable && f.Native.Changed[f.Source] != "" {
		return EnginePath{Engine: EnginePortable, EngineWhy: "native part taken while the collection changed: " + f.Native.Changed[f.Source]}, nil
	}
	if blocker == "" {
		return EnginePath{Engine: EngineNative, EngineWhy: f.why()}, nil
	}
	if !portable {
		return EnginePath{}, fmt.Errorf("snapshot %s holds only Weaviate's own backup (taken with --engine=native), and it cannot be restored into %s: %s; nothing was changed", f.Snapshot, f.Target, blocker)
	}
	if f.Native == nil {
		return EnginePath{}, nil // a portable snapshot: nothing to choose
	}
	return EnginePath{Engine: EnginePortable, EngineWhy: "native not possible: " + blocker}, nil
}

func portableHint(portable bool) string {
	if portable {
		return ". Leave --engine out (or use --engine=portable) to restore from the snapshot's portable chunks"
	}
	return ""
}

// nativeBlocker is why Weaviate's own backup cannot restore the
// collection, or "" when it can.
func nativeBlocker(f RestorePathFacts) string {
	n := f.Native
	switch {
	case n == nil:
		return "the snapshot has no native part (take one with colstate backup --engine=native or both)"
	case !slices.Contains(n.Collections, f.Source):
		return fmt.Sprintf("its native part does not hold collection %s", f.Source)
	case f.Target != f.Source:
		return "restored --as " + f.Target + " (Weaviate restores a collection under its own name)"
	case f.Tenants:
		return "--tenant picks tenants (Weaviate restores whole collections)"
	case f.Subset:
		return "the snapshot holds only some tenants"
	case f.Mode == RestoreMerge:
		return "--mode=merge writes into the live collection (Weaviate restores only into an absent one)"
	case f.Mode == RestoreReplace && f.Exists && !f.SameSchema:
		return "--mode=replace keeps the live schema of " + f.Target + ", which differs from the snapshot's (" + f.SchemaDiff + "): the objects are written into it"
	case f.Mode == RestoreReplace && f.Exists && len(f.Referrers) > 0:
		return fmt.Sprintf("--mode=replace would delete %s for Weaviate's restore, and references of %s point at it", f.Target, strings.Join(f.Referrers, ", "))
	case f.Mode == RestoreReplace && f.Exists && len(f.Aliases) > 0:
		return fmt.Sprintf("--mode=replace would delete %s for Weaviate's restore, and alias %s points at it", f.Target, strings.Join(f.Aliases, ", "))
	case f.Mode == RestoreReplace && f.Exists && len(f.Offloaded) > 0:
		return fmt.Sprintf("--mode=replace would delete %s for Weaviate's restore, with offloaded (FROZEN) tenants colstate cannot back up: %s", f.Target, strings.Join(f.Offloaded, ", "))
	case f.Exists && f.Mode != RestoreReplace:
		return "collection " + f.Target + " exists (Weaviate restores only into an absent one)"
	case f.Server.Err != nil:
		return "the server's backup facts could not be read: " + f.Server.Err.Error()
	case !slices.Contains(f.Server.Backends, n.Backend):
		return fmt.Sprintf("this Weaviate has no %s backup backend enabled (module backup-%s)", n.Backend, n.Backend)
	case !slices.Equal(sortedCopy(f.Server.Nodes), sortedCopy(n.Nodes)):
		return fmt.Sprintf("this Weaviate's nodes (%s) are not the snapshot's (%s)", strings.Join(f.Server.Nodes, ", "), strings.Join(n.Nodes, ", "))
	case compareVersions(f.Server.Version, n.ServerVersion) < 0:
		return fmt.Sprintf("this Weaviate (%s) is older than the one that made the backup (%s)", f.Server.Version, n.ServerVersion)
	}
	return ""
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// compareVersions compares dotted versions ("1.35.2", "v1.27.0-rc.1")
// numerically, part by part; a part that is not a number compares as 0.
func compareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func versionParts(v string) []int {
	v = strings.TrimPrefix(v, "v")
	v, _, _ = strings.Cut(v, "-")
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, _ := strconv.Atoi(p)
		out = append(out, n)
	}
	return out
}

// writeEngine prints the engine line of a backup or restore: which part a
// backup writes, which path a restore takes and why.
func writeEngine(w io.Writer, a Action, d *DataChange) {
	switch {
	case a == Backup && d.Engine == EngineNative:
		fmt.Fprintf(w, "      via Weaviate's own backup only (--engine=native): no portable chunks\n")
	case a == Backup && d.Engine == EngineBoth:
		fmt.Fprintf(w, "      portable chunks and Weaviate's own backup (--engine=both)\n")
	case a == Restore && d.Engine == EngineNative:
		fmt.Fprintf(w, "      via Weaviate's backup (%s)\n", d.EngineWhy)
	case a == Restore && d.Engine == EnginePortable:
		fmt.Fprintf(w, "      via portable chunks (%s)\n", d.EngineWhy)
	}
}
