package snapshot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/fileblob"  // file://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/memblob"   // mem://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"

	"github.com/colstate/colstate/internal/blobcred"
)

// bucketStorage keeps snapshots under a bucket prefix (gocloud.dev/blob):
//
//	PREFIX/<id>/manifest.json                  written last: the commit point
//	PREFIX/<id>/<upload>/schema/Article.json
//	PREFIX/<id>/<upload>/chunks/Article/000001.zst
//	PREFIX/<id>/<upload>/lease                 while the upload runs
//
// A bucket cannot rename, so each upload writes under its own random
// <upload> name, and the manifest — created only if absent, so that of two
// backups under one id exactly one commits — names the files with it.
// Another upload under the same id can thus never overwrite a committed
// snapshot's files, and a killed upload leaves files no manifest names.
type bucketStorage struct {
	b      *blob.Bucket
	scheme string
	bucket string // the bucket's (container's) name, for messages
	prefix string // the store's prefix in the bucket, without slashes at either end
	name   string // for messages
}

// Chunks stream up in parts of this size, a few at a time: the memory an
// upload holds is bounded by them, not by the chunk.
const (
	uploadPartSize    = 8 << 20
	uploadConcurrency = 2
	leaseFile         = "lease"
)

var (
	bucketsMu sync.Mutex
	buckets   = map[string]*blob.Bucket{}
)

// openBucket opens (once per process, so "mem://" names one bucket for the
// life of the process) the bucket of a store URL. The URL's path is the
// prefix under which snapshots live, except for file://, whose path is
// the directory.
func openBucket(ctx context.Context, loc string) (*bucketStorage, error) {
	if err := CheckURL(loc); err != nil {
		return nil, err
	}
	u, err := url.Parse(loc)
	if err != nil {
		return nil, err
	}
	s := &bucketStorage{scheme: u.Scheme, bucket: u.Host, name: "snapshot store " + Redact(loc)}
	if u.Scheme != "file" {
		s.prefix = strings.Trim(u.Path, "/")
	}
	bucketsMu.Lock()
	defer bucketsMu.Unlock()
	if b := buckets[loc]; b != nil {
		s.b = b
		return s, nil
	}
	prefix := ""
	if u.Scheme == "file" {
		q := u.Query()
		if q.Get("create_dir") == "" {
			q.Set("create_dir", "true")
		}
		u.RawQuery = q.Encode()
	} else {
		prefix = strings.Trim(u.Path, "/")
		u.Path, u.RawPath = "", ""
	}
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("%s: %v; check the URL and its parameters (README: snapshots in a bucket)", s.name, err)
	}
	if prefix != "" {
		b = blob.PrefixedBucket(b, prefix+"/")
	}
	buckets[loc] = b
	s.b = b
	return s, nil
}

func (s *bucketStorage) String() string { return s.name }

// wrap names the store in an error and says what to do about the common
// ones.
func (s *bucketStorage) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch code := gcerrors.Code(err); {
	case blobcred.MissingBucket(err):
		return fmt.Errorf("%s: %s: %s", s.name, op, blobcred.MissingBucketHelp(s.scheme, s.bucket))
	case blobcred.Denied(err):
		return fmt.Errorf("%s: %s: access denied: %w; check the credentials (%s) and that they may read and write the bucket", s.name, op, err, blobcred.Where(s.scheme))
	case code == gcerrors.NotFound || code == gcerrors.Canceled || code == gcerrors.DeadlineExceeded:
		return fmt.Errorf("%s: %s: %w", s.name, op, err)
	case strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "connection reset"):
		return fmt.Errorf("%s: %s: %w; the connection to the store broke: check the endpoint and the network, then run the command again", s.name, op, err)
	case strings.Contains(msg, "credential") || strings.Contains(msg, "NoSuchBucket") || strings.Contains(msg, "no such host") || strings.Contains(msg, "connection refused"):
		return fmt.Errorf("%s: %s: %w; check the bucket name, the endpoint and the credentials (%s)", s.name, op, err, blobcred.Where(s.scheme))
	}
	return fmt.Errorf("%s: %s: %w", s.name, op, err)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *bucketStorage) begin(ctx context.Context, id string) (upload, error) {
	ok, err := s.b.Exists(ctx, id+"/"+ManifestFile)
	if err != nil {
		return nil, s.wrap("check snapshot "+id, err)
	}
	if ok {
		return nil, fmt.Errorf("snapshot %s already exists in %s", id, s.name)
	}
	ctx, cancel := context.WithCancel(ctx)
	u := &bucketUpload{s: s, id: id, dir: "upload-" + time.Now().UTC().Format("20060102T150405Z") + "-" + randomHex(4), ctx: ctx, cancel: cancel, sizes: map[string]int64{}}
	if err := u.touch(); err != nil {
		cancel()
		return nil, err
	}
	return u, nil
}

func (s *bucketStorage) manifest(ctx context.Context, id string) ([]byte, error) {
	data, err := s.b.ReadAll(ctx, id+"/"+ManifestFile)
	if gcerrors.Code(err) == gcerrors.NotFound && !blobcred.MissingBucket(err) {
		return nil, fmt.Errorf("%s: %w", id, fs.ErrNotExist)
	}
	return data, s.wrap("read the manifest of "+id, err)
}

func (s *bucketStorage) open(ctx context.Context, id, file string) (io.ReadCloser, error) {
	r, err := s.b.NewReader(ctx, id+"/"+file, nil)
	if err != nil {
		return nil, s.wrap("read "+id+"/"+file, err)
	}
	return &blobReader{ctx: ctx, r: r, s: s, key: id + "/" + file}, nil
}

// readResumes is how many times a read cut short (the connection lost
// mid-file) is resumed where it stopped; the SDK retries requests, not a
// response body that breaks off.
const readResumes = 3

// blobReader resumes a read cut short from where it stopped, and names the
// store in the error when it cannot. Not embedded: blob.Reader's WriteTo
// would let io.Copy go around Read.
type blobReader struct {
	ctx     context.Context
	r       *blob.Reader
	s       *bucketStorage
	key     string
	off     int64
	resumed int
}

func (r *blobReader) Close() error { return r.r.Close() }

func (r *blobReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.off += int64(n)
	if err == nil || err == io.EOF {
		return n, err
	}
	for r.resumed < readResumes && r.ctx.Err() == nil {
		r.resumed++
		time.Sleep(time.Duration(r.resumed) * 200 * time.Millisecond)
		nr, rerr := r.s.b.NewRangeReader(r.ctx, r.key, r.off, -1, nil)
		if rerr != nil {
			err = rerr
			continue
		}
		r.r.Close()
		r.r = nr
		if n > 0 {
			return n, nil
		}
		return r.Read(p)
	}
	return n, r.s.wrap("read "+r.key, err)
}

func (s *bucketStorage) ids(ctx context.Context) ([]string, error) {
	var out []string
	it := s.b.List(&blob.ListOptions{Delimiter: "/"})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, s.wrap("list snapshots", err)
		}
		if obj.IsDir {
			out = append(out, strings.TrimSuffix(obj.Key, "/"))
		}
	}
}

func (s *bucketStorage) holds(ctx context.Context, id string) (bool, error) {
	objs, _, err := s.b.ListPage(ctx, blob.FirstPageToken, 1, &blob.ListOptions{Prefix: id + "/"})
	if err != nil {
		return false, s.wrap("list snapshot "+id, err)
	}
	return len(objs) > 0, nil
}

func (s *bucketStorage) remove(ctx context.Context, id string) error {
	if err := s.b.Delete(ctx, id+"/"+ManifestFile); err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return fmt.Errorf("%s: %w", id, fs.ErrNotExist)
		}
		return s.wrap("remove snapshot "+id, err)
	}
	return s.deletePrefix(ctx, id+"/")
}

func (s *bucketStorage) deletePrefix(ctx context.Context, prefix string) error {
	it := s.b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return s.wrap("list "+prefix, err)
		}
		if err := s.b.Delete(ctx, obj.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return s.wrap("delete "+obj.Key, err)
		}
	}
}

// leftovers groups the objects of colstate's own uploads,
// "<id>/upload-<time>-<hex>/...", by snapshot id and upload: an upload no
// manifest names is a leftover. Nothing else under the prefix is listed or
// removed: it may be a state, another store nested under this one, or
// anything of the user's. The ids whose manifest cannot be read are left
// alone.
func (s *bucketStorage) leftovers(ctx context.Context) ([]Leftover, []error, error) {
	groups := map[string]*Leftover{}
	var order []string
	manifests := map[string]bool{}
	nested := map[string]bool{} // uploads holding a manifest: another store's snapshot
	it := s.b.List(nil)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, s.wrap("list the store", err)
		}
		id, rest, ok := strings.Cut(obj.Key, "/")
		if !ok || validID(id) != nil {
			continue // not colstate's
		}
		if rest == ManifestFile {
			manifests[id] = true
			continue
		}
		part, inner, ok := strings.Cut(rest, "/")
		if !ok || !isUploadDir(part) {
			continue // not colstate's upload: never touched
		}
		key := id + "/" + part + "/"
		if inner == ManifestFile {
			nested[key] = true
		}
		g := groups[key]
		if g == nil {
			g = &Leftover{ID: id, Path: s.name + " " + key, key: key}
			groups[key] = g
			order = append(order, key)
		}
		g.Files++
		g.Bytes += obj.Size
		if obj.ModTime.After(g.Newest) {
			g.Newest = obj.ModTime
		}
	}
	kept := order[:0]
	for _, key := range order {
		if !nested[key] {
			kept = append(kept, key)
		}
	}
	order = kept
	var out []Leftover
	var problems []error
	used := map[string]map[string]bool{}
	for _, key := range order {
		g := groups[key]
		if manifests[g.ID] {
			if used[g.ID] == nil {
				parts, err := s.usedParts(ctx, g.ID)
				if err != nil {
					problems = append(problems, fmt.Errorf("%w; its files were left alone", err))
					used[g.ID] = map[string]bool{"": true}
				} else {
					used[g.ID] = parts
				}
			}
			if used[g.ID][""] { // unreadable manifest
				continue
			}
			part := strings.TrimSuffix(strings.TrimPrefix(key, g.ID+"/"), "/")
			if used[g.ID][part] {
				continue
			}
			g.Committed = true
		}
		out = append(out, *g)
	}
	return out, problems, nil
}

// usedParts returns the first path elements of the files the manifest of
// id names (the upload that committed it).
func (s *bucketStorage) usedParts(ctx context.Context, id string) (map[string]bool, error) {
	data, err := s.manifest(ctx, id)
	if err != nil {
		return nil, err
	}
	m, err := DecodeManifest(data, id)
	if err != nil {
		return nil, err
	}
	parts := map[string]bool{}
	for _, c := range m.Collections {
		files := []string{c.Schema}
		for _, ch := range c.Chunks {
			files = append(files, ch.File)
		}
		for _, f := range files {
			p, _, _ := strings.Cut(f, "/")
			parts[p] = true
		}
	}
	return parts, nil
}

func (s *bucketStorage) removeLeftover(ctx context.Context, l Leftover) error {
	id, part, _ := strings.Cut(strings.TrimSuffix(l.key, "/"), "/")
	if !strings.HasSuffix(l.key, "/") || id != l.ID || validID(id) != nil || !isUploadDir(part) {
		return fmt.Errorf("%s is not an upload of colstate's; it was left alone", l.Path)
	}
	// Checked again: a backup may have committed with this upload meanwhile.
	if ok, err := s.b.Exists(ctx, l.ID+"/"+ManifestFile); err != nil {
		return s.wrap("check snapshot "+l.ID, err)
	} else if ok {
		parts, err := s.usedParts(ctx, l.ID)
		if err != nil {
			return err
		}
		if parts[strings.TrimSuffix(strings.TrimPrefix(l.key, l.ID+"/"), "/")] {
			return fmt.Errorf("%s belongs to a committed snapshot now; it was left alone", l.Path)
		}
	}
	return s.deletePrefix(ctx, l.key)
}

// isUploadDir reports whether name is one begin gives an upload:
// "upload-<YYYYMMDDTHHMMSSZ>-<8 hex digits>".
func isUploadDir(name string) bool {
	rest, ok := strings.CutPrefix(name, "upload-")
	if !ok {
		return false
	}
	stamp, hexPart, ok := strings.Cut(rest, "-")
	if !ok || len(hexPart) != 8 {
		return false
	}
	if _, err := time.Parse("20060102T150405Z", stamp); err != nil {
		return false
	}
	_, err := hex.DecodeString(hexPart)
	return err == nil
}

type bucketUpload struct {
	s      *bucketStorage
	id     string
	dir    string // the upload's own name under the id
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	sizes map[string]int64 // files closed, by key
}

func (u *bucketUpload) prefix() string { return u.dir + "/" }

func (u *bucketUpload) key(file string) string { return u.id + "/" + u.dir + "/" + file }

// place is where the upload's files are in the bucket: its scheme, the
// bucket's name and the key prefix of the upload (ending in "/").
func (u *bucketUpload) place() (scheme, bucket, prefix string) {
	p := u.id + "/" + u.dir + "/"
	if u.s.prefix != "" {
		p = u.s.prefix + "/" + p
	}
	return u.s.scheme, u.s.bucket, p
}

// exists reports whether the upload holds file (written by it, or by
// someone else under its prefix: Weaviate's backup module).
func (u *bucketUpload) exists(file string) (bool, error) {
	ok, err := u.s.b.Exists(u.ctx, u.key(file))
	return ok, u.s.wrap("check "+u.key(file), err)
}

func (u *bucketUpload) create(file string) (io.WriteCloser, error) {
	key := u.key(file)
	w, err := u.s.b.NewWriter(u.ctx, key, &blob.WriterOptions{
		ContentType: "application/octet-stream", BufferSize: uploadPartSize, MaxConcurrency: uploadConcurrency,
	})
	if err != nil {
		return nil, u.s.wrap("write "+key, err)
	}
	return &blobFile{w: w, u: u, key: key}, nil
}

// blobFile counts what is written so that commit can check the bucket
// holds every file whole before the manifest names it.
type blobFile struct {
	w   *blob.Writer
	u   *bucketUpload
	key string
	n   int64
}

func (f *blobFile) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	f.n += int64(n)
	if err != nil {
		return n, f.u.s.wrap("write "+f.key, err)
	}
	return n, nil
}

func (f *blobFile) Close() error {
	if err := f.w.Close(); err != nil {
		return f.u.s.wrap("write "+f.key, err)
	}
	f.u.mu.Lock()
	f.u.sizes[f.key] = f.n
	f.u.mu.Unlock()
	return nil
}

func (u *bucketUpload) commit(manifest []byte) error {
	// Every file must be there, whole, before the manifest names it: prune
	// may have removed an upload that looked abandoned (a machine that
	// slept for hours), and a manifest naming missing files would be a
	// damaged snapshot.
	found := map[string]int64{}
	it := u.s.b.List(&blob.ListOptions{Prefix: u.id + "/" + u.dir + "/"})
	for {
		obj, err := it.Next(u.ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return u.s.wrap("list the upload of "+u.id, err)
		}
		found[obj.Key] = obj.Size
	}
	for key, n := range u.sizes {
		if got, ok := found[key]; !ok || got != n {
			return fmt.Errorf("%s: %s is missing or not whole (%d bytes written) before the commit (was the upload pruned?); the backup was not committed: run it again", u.s.name, key, n)
		}
	}
	err := u.s.b.WriteAll(u.ctx, u.id+"/"+ManifestFile, manifest, &blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
	if gcerrors.Code(err) == gcerrors.FailedPrecondition {
		return fmt.Errorf("snapshot %s already exists in %s: another backup committed it meanwhile; this one was discarded", u.id, u.s.name)
	}
	if err != nil {
		return u.s.wrap("write the manifest of "+u.id, err)
	}
	u.cancel() // stops the lease
	// The lease is no longer needed; a lease left behind is harmless.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = u.s.b.Delete(ctx, u.id+"/"+u.dir+"/"+leaseFile)
	return nil
}

// touch rewrites the lease: prune leaves alone an upload whose newest
// object is recent, and an open chunk is not visible until it is whole.
func (u *bucketUpload) touch() error {
	host, _ := os.Hostname()
	data, _ := json.Marshal(map[string]any{"id": u.id, "host": host, "pid": os.Getpid(), "at": time.Now().UTC()})
	key := u.id + "/" + u.dir + "/" + leaseFile
	return u.s.wrap("write "+key, u.s.b.WriteAll(u.ctx, key, data, &blob.WriterOptions{ContentType: "application/json"}))
}

func (u *bucketUpload) abort(open io.Closer) {
	u.cancel() // an open chunk's upload is abandoned, not completed
	if open != nil {
		open.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// What cannot be deleted now (the store unreachable) is a leftover
	// that colstate snapshot prune removes later.
	_ = u.s.deletePrefix(ctx, u.id+"/"+u.dir+"/")
}

// closeParallel: a bucket completes each chunk's upload inline; an open
// upload holds its part buffers.
func (u *bucketUpload) closeParallel() int { return 1 }
