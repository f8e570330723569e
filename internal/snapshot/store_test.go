package snapshot

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/object"
)

// storeKinds are the stores every test of this file runs on: the shared
// conformance suite of the storage backends.
func storeKinds(t *testing.T) map[string]func(t *testing.T) *Store {
	kinds := map[string]func(t *testing.T) *Store{
		"dir": func(t *testing.T) *Store { return &Store{Dir: t.TempDir()} },
		"file": func(t *testing.T) *Store {
			return &Store{Dir: (&url.URL{Scheme: "file", Path: t.TempDir()}).String()}
		},
		"mem": func(t *testing.T) *Store {
			// A bucket per test: mem:// URLs name one bucket per process.
			return &Store{Dir: "mem://" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-") + "/snapshots"}
		},
	}
	for name, f := range extraStoreKinds {
		kinds[name] = f
	}
	return kinds
}

// extraStoreKinds adds stores needing a server (s3_test.go).
var extraStoreKinds = map[string]func(t *testing.T) *Store{}

func forEachStore(t *testing.T, f func(t *testing.T, s *Store)) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) { f(t, open(t)) })
	}
}

func readAll(t *testing.T, s *Store, id, collection string) []*object.Object {
	t.Helper()
	r, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	var got []*object.Object
	if err := r.Objects(context.Background(), collection, func(o *object.Object) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestStoreRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		objs := testObjects(10)
		m := writeSnapshot(t, s, objs)
		got := readAll(t, s, m.ID, "Article")
		if len(got) != len(objs) {
			t.Fatalf("read %d objects, want %d", len(got), len(objs))
		}
		for i := range objs {
			if got[i].Hash() != objs[i].Hash() {
				t.Errorf("object %d: content hash changed in the round trip", i)
			}
		}
		r, err := s.Open(m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, rep := range r.Verify(context.Background()) {
			if rep.Err != nil {
				t.Errorf("verify %s: %v", rep.Name, rep.Err)
			}
		}
		list, problems, err := s.List()
		if err != nil || len(problems) > 0 || len(list) != 1 || list[0].ID != m.ID {
			t.Fatalf("List = %v, %v, %v", list, problems, err)
		}
		if _, err := s.Create(Manifest{ID: m.ID}); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("Create of an existing id = %v", err)
		}
		if err := s.Remove(m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(m.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open after Remove = %v", err)
		}
		if err := s.Remove(m.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("second Remove = %v", err)
		}
		if held, err := s.Holds(m.ID); err != nil || held {
			t.Errorf("Holds after Remove = %v, %v", held, err)
		}
		if l, _, err := s.Leftovers(context.Background()); err != nil || len(l) != 0 {
			t.Errorf("Remove left %v, %v", l, err)
		}
	})
}

// A backup whose context is cancelled mid-upload, and which is then never
// aborted (the process was killed), leaves files that are never listed or
// opened; a new backup of the id commits; prune removes the leftovers once
// they are old enough, and only them.
func TestStoreKilledUpload(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx, cancel := context.WithCancel(context.Background())
		w, err := s.CreateContext(ctx, Manifest{ID: "nightly"})
		if err != nil {
			t.Fatal(err)
		}
		w.ChunkObjects = 2
		if err := w.AddCollection("Article", []byte(`{"class":"Article"}`), nil); err != nil {
			t.Fatal(err)
		}
		for _, o := range testObjects(5) { // two chunks closed, one open
			if err := w.Write("Article", "", o); err != nil {
				t.Fatal(err)
			}
		}
		cancel() // killed mid-upload: no Abort
		if _, err := w.Commit(); err == nil {
			t.Fatal("Commit after the context was cancelled succeeded")
		}
		if list, _, err := s.List(); err != nil || len(list) != 0 {
			t.Fatalf("List after a killed upload = %v, %v", list, err)
		}
		if _, err := s.Open("nightly"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open of a killed upload = %v", err)
		}
		left, _, err := s.Leftovers(context.Background())
		if err != nil || len(left) != 1 || left[0].ID != "nightly" || left[0].Files == 0 || left[0].Committed {
			t.Fatalf("Leftovers = %+v, %v; want the killed upload", left, err)
		}

		m := writeSnapshotID(t, s, "nightly", testObjects(4))
		want := readAll(t, s, m.ID, "Article")

		// Young leftovers are kept: a running backup looks the same.
		removed, kept, problems, err := s.Prune(context.Background(), time.Hour, time.Now(), false)
		if err != nil || len(problems) > 0 || len(removed) != 0 || len(kept) != 1 {
			t.Fatalf("Prune of young leftovers: removed %v kept %v %v %v", removed, kept, problems, err)
		}
		later := time.Now().Add(2 * time.Hour)
		removed, _, _, err = s.Prune(context.Background(), time.Hour, later, true)
		if err != nil || len(removed) != 1 || !removed[0].Committed {
			t.Fatalf("Prune dry run = %+v, %v", removed, err)
		}
		if left, _, _ := s.Leftovers(context.Background()); len(left) != 1 {
			t.Fatalf("the dry run removed something: %v", left)
		}
		removed, _, problems, err = s.Prune(context.Background(), time.Hour, later, false)
		if err != nil || len(problems) > 0 || len(removed) != 1 {
			t.Fatalf("Prune = %+v, %v, %v", removed, problems, err)
		}
		if left, _, _ := s.Leftovers(context.Background()); len(left) != 0 {
			t.Fatalf("Prune left %v", left)
		}
		got := readAll(t, s, m.ID, "Article")
		if len(got) != len(want) {
			t.Fatalf("the committed snapshot lost objects to prune: %d, want %d", len(got), len(want))
		}
		r, _ := s.Open(m.ID)
		for _, rep := range r.Verify(context.Background()) {
			if rep.Err != nil {
				t.Errorf("after prune, verify %s: %v", rep.Name, rep.Err)
			}
		}
	})
}

// Abort removes everything the upload wrote.
func TestStoreAbort(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		w, err := s.Create(Manifest{})
		if err != nil {
			t.Fatal(err)
		}
		w.ChunkObjects = 2
		if err := w.AddCollection("Article", []byte(`{}`), nil); err != nil {
			t.Fatal(err)
		}
		for _, o := range testObjects(5) {
			if err := w.Write("Article", "", o); err != nil {
				t.Fatal(err)
			}
		}
		w.Abort()
		if left, _, err := s.Leftovers(context.Background()); err != nil || len(left) != 0 {
			t.Fatalf("Abort left %+v, %v", left, err)
		}
		if _, err := w.Commit(); err == nil {
			t.Fatal("Commit after Abort succeeded")
		}
	})
}

// Two backups under one id at once: exactly one commits, and its snapshot
// is whole.
func TestStoreConcurrentCommit(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		var writers []*Writer
		for i := range 2 {
			w, err := s.Create(Manifest{ID: "same"})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.AddCollection("Article", []byte(`{}`), nil); err != nil {
				t.Fatal(err)
			}
			for _, o := range testObjects(3 + i) {
				if err := w.Write("Article", "", o); err != nil {
					t.Fatal(err)
				}
			}
			writers = append(writers, w)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, w := range writers {
			wg.Add(1)
			go func() { defer wg.Done(); _, errs[i] = w.Commit() }()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("commits: %v, %v; want exactly one to succeed", errs[0], errs[1])
		}
		for _, w := range writers {
			w.Abort()
		}
		r, err := s.Open("same")
		if err != nil {
			t.Fatal(err)
		}
		for _, rep := range r.Verify(context.Background()) {
			if rep.Err != nil {
				t.Errorf("verify %s: %v", rep.Name, rep.Err)
			}
		}
	})
}

func writeSnapshotID(t *testing.T, s *Store, id string, objs []*object.Object) *Manifest {
	t.Helper()
	w, err := s.Create(Manifest{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	w.ChunkObjects = 2
	if err := w.AddCollection("Article", []byte(`{"class":"Article"}`), nil); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if err := w.Write("Article", "", o); err != nil {
			t.Fatal(err)
		}
	}
	m, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want string // "" when accepted
	}{
		{"s3://bucket/snapshots?region=us-east-1&endpoint=http://127.0.0.1:9000&use_path_style=true", ""},
		{"gs://bucket/prefix", ""},
		{"azblob://container/prefix", ""},
		{"file:///tmp/x", ""},
		{"mem://", ""},
		{"s3://AKIA:hunter2@bucket/p", "carries credentials"},
		{"s3://bucket/p?aws_secret_access_key=hunter2", `parameter "aws_secret_access_key" carries or points at a credential`},
		{"azblob://c/p?sas_token=hunter2", "carries or points at a credential"},
		{"gs://b/p?private_key_path=/k.pem", "carries or points at a credential"},
		{"gs://b/p?access_id=hunter2@x.iam.gserviceaccount.com", "carries or points at a credential"},
		// The state backend refuses what is not a connection setting; so
		// does the store now (one policy, blobcred.CheckParam).
		{"s3://bucket/p?prefix=x", `parameter "prefix" is not accepted`},
		{"ftp://host/x", "not supported"},
		{"s3:///prefix", "names no bucket"},
	} {
		err := CheckURL(tc.url)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckURL(%s) = %v", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckURL(%s) = %v, want %q", tc.url, err, tc.want)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("CheckURL(%s) repeats the secret: %v", tc.url, err)
		}
	}
}

// Prune touches only colstate's own uploads: a committed snapshot of a
// store nested under this one is never a leftover (it once was deleted).
func TestStorePruneLeavesNestedStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		dir, query, _ := strings.Cut(s.Dir, "?")
		nestedDir := dir + "/nested"
		if query != "" {
			nestedDir += "?" + query
		}
		nested := &Store{Dir: nestedDir}
		m := writeSnapshotID(t, nested, "kept", testObjects(3))
		if left, _, err := s.Leftovers(context.Background()); err != nil || len(left) != 0 {
			t.Fatalf("Leftovers = %+v, %v; want none", left, err)
		}
		removed, _, _, err := s.Prune(context.Background(), time.Hour, time.Now().Add(2*time.Hour), false)
		if err != nil || len(removed) != 0 {
			t.Fatalf("Prune removed %+v, %v", removed, err)
		}
		if got := readAll(t, nested, m.ID, "Article"); len(got) != 3 {
			t.Fatalf("the nested store's snapshot has %d objects after prune, want 3", len(got))
		}
	})
}
