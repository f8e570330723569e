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
		{"replace, same schema", with(func(f *RestorePathFacts) { f.Mode = RestoreReplace; f.Exists = true; f.SameSchema = true }), EngineNative, "native: same schema, same name, same nodes, server ≥ snapshot version", false},
		{"replace, schema not compared", with(func(f *RestorePathFacts) { f.Mode = RestoreReplace; f.Exists = true }), EnginePortable, "keeps the live schema of Article", false},
		{"replace, other schema", with(func(f *RestorePathFacts) {
			f.Mode, f.Exists, f.SchemaDiff = RestoreReplace, true, "live property.title.tokenization"
		}), EnginePortable, "native not possible: --mode=replace keeps the live schema of Article, which differs from the snapshot's (live property.title.tokenization): the objects are written into it", false},
		{"replace, referred to", with(func(f *RestorePathFacts) {
			f.Mode, f.Exists, f.SameSchema, f.Referrers = RestoreReplace, true, true, []string{"Comment"}
		}), EnginePortable, "references of Comment point at it", false},
		{"replace, alias", with(func(f *RestorePathFacts) {
			f.Mode, f.Exists, f.SameSchema, f.Aliases = RestoreReplace, true, true, []string{"Posts"}
		}), EnginePortable, "alias Posts points at it", false},
		{"replace, offloaded tenants", with(func(f *RestorePathFacts) {
			f.Mode, f.Exists, f.SameSchema, f.Offloaded = RestoreReplace, true, true, []string{"t9"}
		}), EnginePortable, "offloaded (FROZEN) tenants colstate cannot back up: t9", false},
		{"replace, same schema, older server", with(func(f *RestorePathFacts) {
			f.Mode, f.Exists, f.SameSchema, f.Server.Version = RestoreReplace, true, true, "1.34.0"
		}), EnginePortable, "is older than", false},
		{"replace, same schema, forced native", with(func(f *RestorePathFacts) {
			f.Mode, f.Exists, f.SameSchema, f.Forced = RestoreReplace, true, true, EngineNative
		}), EngineNative, "native: same schema", false},
		{"replace, other schema, forced native", with(func(f *RestorePathFacts) {
			f.Mode, f.Exists, f.SchemaDiff, f.Forced = RestoreReplace, true, "live description", EngineNative
		}), "", "not possible: --mode=replace keeps the live schema of Article", true},
		{"replace, same schema, native-only snapshot", with(func(f *RestorePathFacts) {
			f.Mode, f.Exists, f.SameSchema, f.Native = RestoreReplace, true, true, &only
		}), EngineNative, "native: same schema", false},
		{"replace, other schema, native-only snapshot", with(func(f *RestorePathFacts) {
			f.Mode, f.Exists, f.SchemaDiff, f.Native = RestoreReplace, true, "live description", &only
		}), "", "holds only Weaviate's own backup", true},
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

// TestPlanRestoreNativeReplace: a replace that takes Weaviate's backup
// backs the live objects up, deletes the collection and restores it; the
// guards of a portable replace hold for it too.
func TestPlanRestoreNativeReplace(t *testing.T) {
	server := ServerFacts{Version: "1.35.2", Backends: []string{"filesystem"}, Nodes: []string{"n"}}
	snap := SnapshotFacts{ID: "S1", Store: "/s", Collections: []SnapshotCollection{{Name: "Article", Objects: 5}},
		Native: &SnapshotNative{Backend: "filesystem", ServerVersion: "1.35.2", Nodes: []string{"n"}, Collections: []string{"Article"}}}
	base := RestoreFacts{Snapshot: snap, Options: RestoreOptions{Mode: RestoreReplace}, BackupID: "B1", Server: server,
		Live:    map[string]CollectionFacts{"Article": {Managed: true, Objects: 9}},
		Replace: map[string]ReplaceFacts{"Article": {SameSchema: true}}}
	actions := func(p *Plan) string {
		var out []string
		for _, c := range p.Changes {
			out = append(out, c.Action.String())
		}
		return strings.Join(out, " ")
	}

	p, err := PlanRestore(base)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(p); got != "backup delete restore" {
		t.Fatalf("same schema: actions %q, want backup delete restore", got)
	}
	if d := p.Changes[1].Data; d.Reason != BeforeNativeRestore || d.Objects != 9 {
		t.Errorf("delete's data = %+v, want reason %q and the 9 live objects", d, BeforeNativeRestore)
	}
	if d := p.Changes[2].Data; d.Engine != EngineNative || !strings.Contains(d.EngineWhy, "same schema") || !d.CreateSchema {
		t.Errorf("restore's data = %+v, want native, same schema, created", d)
	}
	if err := p.Changes[1].Data.validate(Delete); err != nil {
		t.Errorf("the delete's reason is not one a saved plan accepts: %v", err)
	}

	noBackup := base
	noBackup.Options.NoBackup = true
	if p, err := PlanRestore(noBackup); err != nil || actions(p) != "delete restore" {
		t.Errorf("--no-backup: %v, %v; want delete restore", p, err)
	}

	lifecycle := base
	lifecycle.Live = map[string]CollectionFacts{"Article": {Managed: true, Objects: 9, Lifecycle: Lifecycle{NoBackupBeforeDestroy: true}}}
	if p, err := PlanRestore(lifecycle); err != nil || actions(p) != "delete restore" {
		t.Errorf("backup_before_destroy = false: %v, %v; want delete restore", p, err)
	}

	guarded := base
	guarded.Live = map[string]CollectionFacts{"Article": {Managed: true, Objects: 9, Lifecycle: Lifecycle{PreventDestroy: true}}}
	if _, err := PlanRestore(guarded); err == nil || !strings.Contains(err.Error(), "prevent_destroy") {
		t.Errorf("prevent_destroy: error %v, want a refusal", err)
	}

	other := base
	other.Replace = map[string]ReplaceFacts{"Article": {SchemaDiff: "live description"}}
	p, err = PlanRestore(other)
	if err != nil || actions(p) != "backup clear restore" || p.Changes[2].Data.Engine != EnginePortable {
		t.Fatalf("other schema: %v, %v; want backup clear restore, portable", p, err)
	}

	absent := base
	absent.Live = map[string]CollectionFacts{"Article": {Missing: errors.New("absent")}}
	absent.Replace = nil
	if p, err := PlanRestore(absent); err != nil || actions(p) != "restore" || p.Changes[0].Data.EngineWhy != nativeWhy {
		t.Errorf("absent target: %v, %v; want one native restore", p, err)
	}
}
