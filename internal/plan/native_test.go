package plan

import (
	"errors"
	"strings"
	"testing"
)

func TestChooseRestorePath(t *testing.T) {
	nat := &SnapshotNative{Backend: "filesystem", ServerVersion: "1.35.2", Nodes: []string{"node1"}, Collections: []string{"Article"}}
	only := *nat
	only.Only = true
	server := ServerFacts{Version: "1.35.2", Backends: []string{"filesystem"}, Nodes: []string{"node1"}}
	base := RestorePathFacts{Snapshot: "S1", Native: nat, Source: "Article", Target: "Article", Mode: RestoreCreate, Server: server}
	with := func(edit func(*RestorePathFacts)) RestorePathFacts {
		f := base
		edit(&f)
		return f
	}
	tests := []struct {
		name   string
		f      RestorePathFacts
		engine string // "" with err: refused
		why    string // in EngineWhy or the error
		err    bool
	}{
		{"absent target, same name, nodes, version", base, EngineNative, "native: same name, same nodes, server ≥ snapshot version", false},
		{"newer server", with(func(f *RestorePathFacts) { f.Server.Version = "1.36.0" }), EngineNative, "native:", false},
		{"portable snapshot: nothing to choose", with(func(f *RestorePathFacts) { f.Native = nil }), "", "", false},
		{"--as", with(func(f *RestorePathFacts) { f.Target = "Other" }), EnginePortable, "native not possible: restored --as Other", false},
		{"target exists", with(func(f *RestorePathFacts) { f.Exists = true }), EnginePortable, "collection Article exists", false},
		{"merge", with(func(f *RestorePathFacts) { f.Mode = RestoreMerge; f.Exists = true }), EnginePortable, "--mode=merge", false},
		{"replace of a live collection", with(func(f *RestorePathFacts) { f.Mode = RestoreReplace; f.Exists = true }), EnginePortable, "--mode=replace clears", false},
		{"replace into an absent target", with(func(f *RestorePathFacts) { f.Mode = RestoreReplace }), EngineNative, "native:", false},
		{"--tenant", with(func(f *RestorePathFacts) { f.Tenants = true }), EnginePortable, "--tenant", false},
		{"tenant subset", with(func(f *RestorePathFacts) { f.Subset = true }), EnginePortable, "only some tenants", false},
		{"older server", with(func(f *RestorePathFacts) { f.Server.Version = "1.34.9" }), EnginePortable, "(1.34.9) is older than the one that made the backup (1.35.2)", false},
		{"other nodes", with(func(f *RestorePathFacts) { f.Server.Nodes = []string{"a", "b"} }), EnginePortable, "nodes (a, b) are not the snapshot's (node1)", false},
		{"backend missing", with(func(f *RestorePathFacts) { f.Server.Backends = nil }), EnginePortable, "no filesystem backup backend enabled", false},
		{"server facts unreadable", with(func(f *RestorePathFacts) { f.Server.Err = errors.New("403") }), EnginePortable, "could not be read: 403", false},
		{"collection not in the native part", with(func(f *RestorePathFacts) { f.Source, f.Target = "Author", "Author" }), EnginePortable, "does not hold collection Author", false},
		{"forced portable", with(func(f *RestorePathFacts) { f.Forced = EnginePortable }), EnginePortable, "--engine=portable", false},
		{"forced native, possible", with(func(f *RestorePathFacts) { f.Forced = EngineNative }), EngineNative, "native:", false},
		{"forced native with --as", with(func(f *RestorePathFacts) { f.Forced = EngineNative; f.Target = "Other" }), "", "not possible: restored --as Other", true},
		{"forced native, no native part", with(func(f *RestorePathFacts) { f.Forced = EngineNative; f.Native = nil }), "", "has no native part", true},
		{"native-only, native possible", with(func(f *RestorePathFacts) { f.Native = &only }), EngineNative, "native:", false},
		{"native-only, --as", with(func(f *RestorePathFacts) { f.Native = &only; f.Target = "Other" }), "", "holds only Weaviate's own backup", true},
		{"native part taken while the collection changed", with(func(f *RestorePathFacts) {
			c := *nat
			c.Changed = map[string]string{"Article": "Article held 0 objects when Weaviate's backup started and 5 when it ended"}
			f.Native = &c
		}), EnginePortable, "native part taken while the collection changed: Article held 0", false},
		{"native-only taken while it changed: still native", with(func(f *RestorePathFacts) {
			c := only
			c.Changed = map[string]string{"Article": "changed"}
			f.Native = &c
		}), EngineNative, "native:", false},
		{"native-only, forced portable", with(func(f *RestorePathFacts) { f.Native = &only; f.Forced = EnginePortable }), "", "no portable chunks", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ChooseRestorePath(tt.f)
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), tt.why) || !strings.Contains(err.Error(), "nothing was changed") {
					t.Fatalf("ChooseRestorePath = %+v, %v; want a refusal saying %q and that nothing was changed", got, err, tt.why)
				}
				return
			}
			if err != nil || got.Engine != tt.engine || !strings.Contains(got.EngineWhy, tt.why) {
				t.Fatalf("ChooseRestorePath = %+v, %v; want engine %q, reason with %q", got, err, tt.engine, tt.why)
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"1.35.2", "1.35.2", 0}, {"1.35.10", "1.35.9", 1}, {"v1.27.0", "1.27.0-rc.1", 0}, {"1.9", "1.10.0", -1}} {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPlanBackupNativeRefusals(t *testing.T) {
	live := map[string]CollectionFacts{"Article": {Managed: true, Objects: 3}, "Cust": {Managed: true, MultiTenant: true, Tenants: 2, Inactive: []string{"t2"}}}
	server := ServerFacts{Version: "1.35.2", Backends: []string{"filesystem"}, Nodes: []string{"n"}}
	for _, tt := range []struct {
		name string
		f    BackupFacts
		want string
	}{
		{"schema only", BackupFacts{Names: []string{"Article"}, SchemaOnly: true, Engine: EngineBoth, Server: server}, "--schema-only"},
		{"no backend", BackupFacts{Names: []string{"Article"}, Engine: EngineNative}, "no backup module enabled"},
		{"inactive tenants", BackupFacts{Names: []string{"Cust"}, Engine: EngineNative, Server: server}, "inactive tenants (t2)"},
	} {
		tt.f.Live = live
		if _, err := PlanBackup(tt.f); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: PlanBackup error %v, want one saying %q", tt.name, err, tt.want)
		}
	}
	p, err := PlanBackup(BackupFacts{Names: []string{"Article"}, Engine: EngineBoth, Server: server, Live: live, Snapshot: "S"})
	if err != nil || p.Changes[0].Data.Engine != EngineBoth {
		t.Fatalf("PlanBackup both = %+v, %v", p, err)
	}
}
