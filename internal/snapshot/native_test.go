package snapshot

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/s3test"
)

// A native-only snapshot is format 4.0 with its counts in the native part;
// one with both parts keeps its chunks' format; a native part naming a
// collection the snapshot lacks is refused when opened.
func TestNativePart(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	write := func(id string, only bool) *Manifest {
		w, err := s.Create(Manifest{ID: id})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddCollection("Article", []byte(`{"class":"Article"}`), nil); err != nil {
			t.Fatal(err)
		}
		if !only {
			for _, o := range testObjects(2) {
				if err := w.Write("Article", "", o); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := w.SetNative(&Native{Backend: "filesystem", BackupID: NativeBackupID(id), ServerVersion: "1.35.2", Nodes: []string{"node1"}, Only: only,
			Collections: []NativeCollection{{Name: "Article", Objects: 2}}}); err != nil {
			t.Fatal(err)
		}
		if err := w.SetNative(&Native{Backend: "filesystem", BackupID: "x", Collections: []NativeCollection{{Name: "Nope"}}}); err == nil {
			t.Fatal("SetNative took a collection the snapshot lacks")
		}
		m, err := w.Commit()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	only := write("20261205T120000Z-aa", true)
	both := write("20261205T120000Z-bb", false)
	for _, tt := range []struct {
		m              *Manifest
		format, engine string
		portable       bool
	}{{only, FormatVersion4, "native", false}, {both, FormatVersion1, "both", true}} {
		r, err := s.Open(tt.m.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := r.Manifest()
		if m.Format != tt.format || m.Engine() != tt.engine || m.Portable() != tt.portable || m.ObjectsOf("Article") != 2 {
			t.Errorf("%s: format %s engine %s portable %v objects %d", m.ID, m.Format, m.Engine(), m.Portable(), m.ObjectsOf("Article"))
		}
		if m.Native.BackupID != "colstate-"+strings.ToLower(m.ID) {
			t.Errorf("backup id %s", m.Native.BackupID)
		}
	}
	corrupt(t, filepath.Join(s.Path(only.ID), ManifestFile), func(b []byte) []byte {
		return []byte(strings.Replace(string(b), `"name": "Article",
        "objects": 2`, `"name": "Gone",
        "objects": 2`, 1))
	})
	if _, err := s.Open(only.ID); err == nil || !strings.Contains(err.Error(), "native part names collection Gone") {
		t.Fatalf("Open of a tampered native part: %v", err)
	}
}

// A native part put where BucketPlace says is inside the snapshot's own
// prefix (removed with it); one anywhere else is not, and a bucket_path
// leaving its prefix ("..") is refused when the manifest is read.
func TestNativeInStore(t *testing.T) {
	gw := s3test.Server(t)
	gw.SetEnv(t)
	ctx := context.Background()
	prefix := s3test.Prefix(t)
	s := &Store{Dir: gw.URL(prefix)}
	w, err := s.Create(Manifest{ID: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	scheme, bucket, place, ok := w.BucketPlace()
	if !ok || scheme != "s3" || bucket != s3test.Bucket || !strings.HasPrefix(place, prefix+"/n1/upload-") || !strings.HasSuffix(place, "/") {
		t.Fatalf("BucketPlace = %q %q %q %v", scheme, bucket, place, ok)
	}
	if err := w.AddCollection("Article", []byte(`{"class":"Article"}`), nil); err != nil {
		t.Fatal(err)
	}
	if has, err := w.HasFile("schema/Article.json"); err != nil || !has {
		t.Fatalf("HasFile of the schema file: %v %v", has, err)
	}
	if has, err := w.HasFile(NativeDir + "/x/backup_config.json"); err != nil || has {
		t.Fatalf("HasFile of nothing: %v %v", has, err)
	}
	n := &Native{Backend: "s3", BackupID: "colstate-n1", Bucket: bucket, BucketPath: place + NativeDir, ServerVersion: "1.35.2", Nodes: []string{"node1"},
		Collections: []NativeCollection{{Name: "Article"}}}
	if err := w.SetNative(n); err != nil {
		t.Fatal(err)
	}
	m, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if !s.NativeInStore(ctx, m) {
		t.Fatalf("native part at %s %s not in store %s", n.Bucket, n.BucketPath, prefix)
	}
	for name, change := range map[string]func(n *Native){
		"other snapshot":   func(n *Native) { n.BucketPath = prefix + "/n2/upload-x/native" },
		"store's root":     func(n *Native) { n.BucketPath = prefix + "/native" },
		"other bucket":     func(n *Native) { n.Bucket = "elsewhere" },
		"filesystem":       func(n *Native) { n.Backend = "filesystem"; n.Bucket, n.BucketPath = "", "" },
		"module's default": func(n *Native) { n.Bucket, n.BucketPath = "", "" },
		"gcs backend":      func(n *Native) { n.Backend = "gcs" },
	} {
		mm := *m
		nn := *m.Native
		change(&nn)
		mm.Native = &nn
		if s.NativeInStore(ctx, &mm) {
			t.Errorf("%s: native part %+v taken as inside snapshot n1", name, nn)
		}
	}
	local := &Store{Dir: t.TempDir()}
	if local.NativeInStore(ctx, m) {
		t.Error("a local store claims a native part in a bucket")
	}
	bad := *m
	nn := *m.Native
	nn.BucketPath = prefix + "/n1/../n2/native"
	bad.Native = &nn
	data, err := json.Marshal(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeManifest(data, "n1"); err == nil || !strings.Contains(err.Error(), "not a place colstate writes") {
		t.Fatalf("manifest with bucket_path %q: %v", nn.BucketPath, err)
	}
}
