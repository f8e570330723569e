package compattest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/weaviateproc"
)

// ServersEnv names the older weaviate-server binaries, comma-separated.
const ServersEnv = "COLSTATE_COMPAT_SERVERS"

// colstateBin is the CLI under test, built once in TestMain.
var colstateBin string

func TestMain(m *testing.M) {
	if os.Getenv(ServersEnv) == "" {
		// Not asked for: the tests skip (make test runs ./...).
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "colstate-compat-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	colstateBin = filepath.Join(dir, "colstate")
	build := exec.Command("go", "build", "-o", colstateBin, "../../cmd/colstate")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "compattest: build colstate:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// olderServers returns the binaries of ServersEnv. Without it the test
// skips; under CI=true a binary that is not there fails it.
func olderServers(t *testing.T) []string {
	t.Helper()
	v := os.Getenv(ServersEnv)
	if v == "" {
		t.Skipf("SKIPPED: set %s to older weaviate-server binaries (make compat does)", ServersEnv)
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s names %s, which is not a weaviate-server binary (%v): run make compat, which installs it", ServersEnv, p, err)
			}
			t.Logf("SKIPPED server %s: %v", p, err)
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		t.Skipf("SKIPPED: no binary of %s exists", ServersEnv)
	}
	return out
}

// server is a running weaviate-server with a colstate configuration
// directory pointing at it.
type server struct {
	proc    *weaviateproc.Server
	client  *live.Client
	version string // as /v1/meta reports it
	dir     string // colstate's -chdir
}

// start runs bin (the newest when empty) on free ports.
func start(t *testing.T, bin string) *server {
	t.Helper()
	if bin == "" {
		var err error
		if bin, err = weaviateproc.FindBinary(); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	logPath := filepath.Join(dir, "server.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	proc, err := weaviateproc.Start(context.Background(), weaviateproc.Options{Binary: bin, DataDir: filepath.Join(dir, "data"), Log: logf})
	if err != nil {
		logf.Close()
		data, _ := os.ReadFile(logPath)
		t.Fatalf("start %s: %v\n%s", bin, err, tail(string(data), 3000))
	}
	t.Cleanup(func() {
		if err := proc.Stop(30 * time.Second); err != nil {
			t.Log(err)
		}
		logf.Close()
	})
	client, err := live.New(live.Options{URL: proc.URL, GRPCURL: proc.GRPCAddr})
	if err != nil {
		t.Fatal(err)
	}
	v, err := client.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config")
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	hcl := fmt.Sprintf("weaviate {\n  url      = %q\n  grpc_url = %q\n}\n", proc.URL, proc.GRPCAddr)
	if err := os.WriteFile(filepath.Join(cfg, "main.hcl"), []byte(hcl), 0o644); err != nil {
		t.Fatal(err)
	}
	return &server{proc: proc, client: client, version: v, dir: cfg}
}

// colstate runs the CLI against s and returns stdout, stderr and the error.
func (s *server) colstate(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(colstateBin, append([]string{"-chdir", s.dir}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

func (s *server) mustColstate(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := s.colstate(t, args...)
	if err != nil {
		t.Fatalf("colstate %v on Weaviate %s: %v\nstdout:\n%s\nstderr:\n%s", args, s.version, err, out, errOut)
	}
	return out
}

// fixture is a seeded collection and the objects it holds.
type fixture struct {
	name    string
	class   live.Class
	tenants []string
	objects []*object.Object
}

// plainFixtures are collections every release here holds: every property
// type, named vectors (hnsw and flat), references, a legacy vector, and a
// multi-tenant collection.
func plainFixtures() []fixture {
	authors := livetest.Authors(11, 7)
	var ids []string
	for _, a := range authors {
		ids = append(ids, a.ID)
	}
	var tenantObjs []*object.Object
	for i, tn := range []string{"alpha", "beta"} {
		tenantObjs = append(tenantObjs, livetest.TenantObjects(20+i, 15, tn)...)
	}
	return []fixture{
		{name: "CompatAuthor", class: livetest.AuthorClass("CompatAuthor"), objects: authors},
		{name: "CompatThing", class: livetest.AllTypesClass("CompatThing", "CompatAuthor"), objects: livetest.AllTypes(12, 60, "CompatAuthor", ids)},
		{name: "CompatTenants", class: livetest.MultiTenantClass("CompatTenants"), tenants: []string{"alpha", "beta"}, objects: tenantObjs},
	}
}

// rqFixture uses rotational quantization on its legacy vector.
func rqFixture() fixture {
	cl := livetest.AuthorClass("CompatRQ")
	cl["vectorIndexConfig"] = map[string]any{"distance": "cosine", "rq": map[string]any{"enabled": true}}
	return fixture{name: "CompatRQ", class: cl, objects: livetest.Authors(31, 9)}
}

// multiFixture has a multi-vector (ColBERT-style) named vector.
func multiFixture() fixture {
	cl := live.Class{
		"class": "CompatMulti",
		"vectorConfig": map[string]any{"colbert": map[string]any{
			"vectorizer":        map[string]any{"none": map[string]any{}},
			"vectorIndexType":   "hnsw",
			"vectorIndexConfig": map[string]any{"multivector": map[string]any{"enabled": true}},
		}},
		"properties": []any{map[string]any{"name": "text", "dataType": []any{"text"}}},
	}
	var objs []*object.Object
	for i := range 6 {
		rows := [][]float32{{float32(i), 0.5, -1}, {1.5, float32(-i) / 8, 2}}
		if i%2 == 1 {
			rows = append(rows, []float32{0.25, 0.125, float32(i)})
		}
		objs = append(objs, &object.Object{ID: livetest.UUID(41, i), Properties: map[string]any{"text": fmt.Sprint("doc ", i)}, Multi: map[string][][]float32{"colbert": rows}})
	}
	return fixture{name: "CompatMulti", class: cl, objects: objs}
}

// muveraFixture is multiFixture with the MUVERA encoding on.
func muveraFixture() fixture {
	f := multiFixture()
	f.name = "CompatMuvera"
	f.class["class"] = f.name
	vc := f.class["vectorConfig"].(map[string]any)["colbert"].(map[string]any)
	vc["vectorIndexConfig"] = map[string]any{"multivector": map[string]any{"enabled": true, "muvera": map[string]any{"enabled": true}}}
	for _, o := range f.objects {
		o.ID = strings.Replace(o.ID, fmt.Sprintf("%08x", 41), fmt.Sprintf("%08x", 42), 1)
	}
	return f
}

func (s *server) seed(t *testing.T, fs ...fixture) {
	t.Helper()
	ctx := context.Background()
	for _, f := range fs {
		if err := s.client.CreateRaw(ctx, f.class); err != nil {
			t.Fatalf("create %s on Weaviate %s: %v", f.name, s.version, err)
		}
		if len(f.tenants) > 0 {
			var ts []live.Tenant
			for _, n := range f.tenants {
				ts = append(ts, live.Tenant{Name: n})
			}
			if err := s.client.CreateTenants(ctx, f.name, ts); err != nil {
				t.Fatalf("create tenants of %s on Weaviate %s: %v", f.name, s.version, err)
			}
		}
		if err := livetest.Insert(ctx, s.client, f.name, f.objects); err != nil {
			t.Fatalf("insert into %s on Weaviate %s: %v", f.name, s.version, err)
		}
	}
}

// checkObjects compares every object of f's collection on s with the
// objects seeded.
func (s *server) checkObjects(t *testing.T, f fixture) {
	t.Helper()
	got, err := livetest.ReadAll(context.Background(), s.client, f.name)
	if err != nil {
		t.Fatalf("read %s on Weaviate %s: %v", f.name, s.version, err)
	}
	if problems := livetest.Diff(f.objects, got); len(problems) > 0 {
		t.Errorf("%s on Weaviate %s differs from what was seeded:\n%s", f.name, s.version, strings.Join(problems, "\n"))
	}
	for _, w := range f.objects {
		if len(w.Multi) > 0 && !reflect.DeepEqual(w.Multi, got[w.Tenant+"/"+w.ID].Multi) {
			t.Errorf("%s/%s on Weaviate %s: multi-vectors %v, want %v", f.name, w.ID, s.version, got[w.Tenant+"/"+w.ID].Multi, w.Multi)
		}
	}
}

func (s *server) class(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := s.client.ClassJSON(context.Background(), name)
	if err != nil {
		t.Fatalf("read class %s on Weaviate %s: %v", name, s.version, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (s *server) exists(t *testing.T, name string) bool {
	t.Helper()
	_, err := s.client.Class(context.Background(), name)
	if errors.Is(err, live.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// sameSchema checks that every setting the older server reports for a
// collection has the same value on the newer one: the schema "as far as
// the older server has it".
func sameSchema(t *testing.T, name string, older, newer map[string]any, olderV, newerV string) {
	t.Helper()
	o, n := map[string]string{}, map[string]string{}
	leaves("", older, o)
	leaves("", newer, n)
	var diffs []string
	for path, ov := range o {
		if nv, ok := n[path]; !ok || nv != ov {
			if !ok {
				nv = "(absent)"
			}
			diffs = append(diffs, fmt.Sprintf("  %s: %s on %s, %s on %s", path, ov, olderV, nv, newerV))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("schema of %s differs between Weaviate %s and %s:\n%s", name, olderV, newerV, strings.Join(diffs, "\n"))
	}
}

// leaves flattens JSON into path → value; list elements of properties are
// keyed by their name so property order differences show by name.
func leaves(path string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			leaves(path+"."+k, sub, out)
		}
	case []any:
		for i, sub := range v {
			key := fmt.Sprint(i)
			if m, ok := sub.(map[string]any); ok {
				if n, ok := m["name"].(string); ok {
					key = n
				}
			}
			leaves(path+"["+key+"]", sub, out)
		}
	default:
		b, _ := json.Marshal(v)
		out[path] = string(b)
	}
}

// manifestVersion is the server version a snapshot's manifest records.
func manifestVersion(t *testing.T, store, id string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(store, id, snapshot.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	m, err := snapshot.DecodeManifest(data, id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Source.Version
}

// TestOlderToNewest: a snapshot the CLI takes on each older server
// restores into the newest identical, objects, vectors and schema.
func TestOlderToNewest(t *testing.T) {
	bins := olderServers(t)
	newest := start(t, "")
	for _, bin := range bins {
		older := start(t, bin)
		t.Run("from-"+older.version, func(t *testing.T) {
			fs := plainFixtures()
			older.seed(t, fs...)
			store := t.TempDir()
			id := "from-" + older.version
			args := []string{"backup", "-auto-approve", "--store", store, "--id", id}
			for _, f := range fs {
				args = append(args, f.name)
			}
			older.mustColstate(t, args...)
			if v := manifestVersion(t, store, id); v != older.version {
				t.Errorf("manifest records weaviate_version %q, want %q", v, older.version)
			}
			out := newest.mustColstate(t, "restore", "-auto-approve", "--store", store, id)
			for _, f := range fs {
				if !strings.Contains(out, "Restored "+f.name+": ") || !strings.Contains(out, "verified") {
					t.Errorf("restore output lacks the verified restore of %s:\n%s", f.name, out)
				}
				newest.checkObjects(t, f)
				sameSchema(t, f.name, older.class(t, f.name), newest.class(t, f.name), older.version, newest.version)
			}
			// The next older server gets a clean newest.
			for _, f := range fs {
				if err := newest.client.Delete(context.Background(), f.name); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestNewestToOlder: a snapshot taken on the newest server restores into
// each older server where the older server keeps every setting of its
// schema, and is refused before any write, naming the setting, where it
// does not. Whether the older server keeps a setting is measured here by
// creating the snapshot's class on it directly, so the expectation comes
// from the server, not from colstate's table.
func TestNewestToOlder(t *testing.T) {
	bins := olderServers(t)
	newest := start(t, "")
	plain := plainFixtures()
	rq, multi, muvera := rqFixture(), multiFixture(), muveraFixture()
	newest.seed(t, append(plain, rq, multi, muvera)...)
	store := t.TempDir()
	args := []string{"backup", "-auto-approve", "--store", store, "--id", "plain"}
	for _, f := range plain {
		args = append(args, f.name)
	}
	newest.mustColstate(t, args...)
	newest.mustColstate(t, "backup", "-auto-approve", "--store", store, "--id", "rq", rq.name)
	newest.mustColstate(t, "backup", "-auto-approve", "--store", store, "--id", "multi", multi.name)
	newest.mustColstate(t, "backup", "-auto-approve", "--store", store, "--id", "muvera", muvera.name)
	if v := manifestVersion(t, store, "plain"); v != newest.version {
		t.Errorf("manifest records weaviate_version %q, want %q", v, newest.version)
	}

	for _, bin := range bins {
		older := start(t, bin)
		t.Run("into-"+older.version, func(t *testing.T) {
			out := older.mustColstate(t, "restore", "-auto-approve", "--store", store, "plain")
			for _, f := range plain {
				if !strings.Contains(out, "Restored "+f.name+": ") {
					t.Errorf("restore output lacks %s:\n%s", f.name, out)
				}
				older.checkObjects(t, f)
				sameSchema(t, f.name, older.class(t, f.name), newest.class(t, f.name), older.version, newest.version)
			}
			for _, c := range []struct {
				f       fixture
				id      string
				setting string // as the refusal names it
				kept    func(cl map[string]any) bool
			}{
				{rq, "rq", "vectorIndexConfig.rq.enabled", func(cl map[string]any) bool {
					ix, _ := cl["vectorIndexConfig"].(map[string]any)
					r, _ := ix["rq"].(map[string]any)
					return r["enabled"] == true
				}},
				{multi, "multi", "vectorIndexConfig.multivector.enabled", func(cl map[string]any) bool {
					vc, _ := cl["vectorConfig"].(map[string]any)
					cb, _ := vc["colbert"].(map[string]any)
					ix, _ := cb["vectorIndexConfig"].(map[string]any)
					mv, _ := ix["multivector"].(map[string]any)
					return mv["enabled"] == true
				}},
				{muvera, "muvera", "vectorIndexConfig.multivector.muvera.enabled", func(cl map[string]any) bool {
					vc, _ := cl["vectorConfig"].(map[string]any)
					cb, _ := vc["colbert"].(map[string]any)
					ix, _ := cb["vectorIndexConfig"].(map[string]any)
					mv, _ := ix["multivector"].(map[string]any)
					mu, _ := mv["muvera"].(map[string]any)
					return mv["enabled"] == true && mu["enabled"] == true
				}},
			} {
				kept, how := keepsSetting(t, older, newest.class(t, c.f.name), c.kept)
				t.Logf("Weaviate %s given %s's schema directly: %s", older.version, c.f.name, how)
				out, errOut, err := older.colstate(t, "restore", "-auto-approve", "--store", store, c.id)
				if kept {
					if err != nil {
						t.Errorf("Weaviate %s keeps %s, but colstate refused the restore: %v\n%s%s", older.version, c.setting, err, out, errOut)
						continue
					}
					older.checkObjects(t, c.f)
					sameSchema(t, c.f.name, older.class(t, c.f.name), newest.class(t, c.f.name), older.version, newest.version)
					continue
				}
				if err == nil {
					t.Errorf("Weaviate %s does not keep %s (%s), but colstate restored the snapshot:\n%s", older.version, c.setting, how, out)
					continue
				}
				t.Logf("colstate refused %s into Weaviate %s:\n%s", c.id, older.version, strings.TrimSpace(errOut))
				for _, want := range []string{"refusing to restore", "Weaviate " + older.version, "taken on Weaviate " + newest.version, c.setting, "nothing was written"} {
					if !strings.Contains(errOut, want) {
						t.Errorf("refusal lacks %q:\n%s", want, errOut)
					}
				}
				if older.exists(t, c.f.name) {
					t.Errorf("refused restore left collection %s on Weaviate %s", c.f.name, older.version)
				}
				// The refusal is the plan's: the same check, from the table.
				var ve *plan.ServerVersionError
				if err := plan.CheckServerVersion(older.version, newest.version, []plan.SchemaToCreate{{Collection: c.f.name, Class: newest.class(t, c.f.name)}}); !errors.As(err, &ve) {
					t.Errorf("plan.CheckServerVersion(%s) accepts %s", older.version, c.f.name)
					continue
				}
				// Where the refusal offers it, its advice works: a
				// collection created on the older server without the
				// setting takes the snapshot's objects with --mode=merge.
				for _, cf := range ve.Conflicts {
					if !strings.Contains(cf.Setting.Fix, "--mode=merge") {
						t.Logf("no merge advice for %s into %s: %s", c.id, older.version, cf.Setting.Fix)
						goto next
					}
				}
				{
					without := withoutSetting(c.f)
					if err := older.client.CreateRaw(context.Background(), without); err != nil {
						t.Fatalf("create %s without %s on Weaviate %s: %v", c.f.name, c.setting, older.version, err)
					}
					older.mustColstate(t, "restore", "-auto-approve", "--mode=merge", "--collection", c.f.name, "--store", store, c.id)
					older.checkObjects(t, c.f)
					t.Logf("%s merged into %s created on Weaviate %s without %s: every object identical", c.id, c.f.name, older.version, c.setting)
				}
			next:
			}
		})
	}
}

// withoutSetting is f's class with its newer setting left out: what the
// refusal advises creating on the older server before a merge.
func withoutSetting(f fixture) live.Class {
	switch f.name {
	case "CompatRQ":
		cl := livetest.AuthorClass(f.name)
		cl["vectorIndexConfig"] = map[string]any{"distance": "cosine"}
		return cl
	case "CompatMuvera":
		cl := multiFixture().class
		cl["class"] = f.name
		return cl
	}
	panic("no class without the setting for " + f.name)
}

// keepsSetting creates cl (renamed) on s directly and reports whether the
// server keeps the setting kept looks for: it may reject the class, or
// create it without the setting.
func keepsSetting(t *testing.T, s *server, cl map[string]any, kept func(map[string]any) bool) (bool, string) {
	t.Helper()
	ctx := context.Background()
	probe := live.Class{}
	for k, v := range cl {
		probe[k] = v
	}
	name := "Probe" + fmt.Sprint(cl["class"])
	probe["class"] = name
	if err := s.client.CreateRaw(ctx, probe); err != nil {
		return false, "rejected: " + err.Error()
	}
	defer func() {
		if err := s.client.Delete(ctx, name); err != nil {
			t.Error(err)
		}
	}()
	if kept(s.class(t, name)) {
		return true, "created with the setting"
	}
	return false, "created without the setting (silently dropped)"
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
