package state

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/fileblob"  // file://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/memblob"   // mem://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"

	"github.com/colstate/colstate/internal/blobcred"
)

// StateURL is a parsed state URL: the bucket to open and the state
// object's key in it.
type StateURL struct {
	Scheme    string
	Bucket    string // the bucket's (container's) name, for messages
	BucketURL string // what gocloud opens: scheme://bucket?params
	Key       string // the state object
	Display   string // scheme://bucket/key: no query, for messages
}

// ParseURL checks a state URL and splits it into bucket and key:
// s3://bucket/dir/prod.json?region=... keeps the state in object
// dir/prod.json of bucket; file:///dir/prod.json in file prod.json of
// directory /dir. A URL carrying credentials (user:password@, or any
// parameter not known to be harmless) is refused: credentials come from the
// cloud's own chain.
func ParseURL(raw string) (*StateURL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("state url: %v", redact(err))
	}
	if blobcred.Params(u.Scheme) == nil {
		return nil, fmt.Errorf("state url: scheme %q is not supported; use s3://, gs://, azblob://, file:// or mem://", u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("state url %s://%s... carries credentials (user info); refusing it: credentials never go in the configuration. Remove them from the URL and provide them through %s", u.Scheme, u.Host, blobcred.Where(u.Scheme))
	}
	q := u.Query()
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if err := blobcred.CheckParam(u.Scheme, name); err != nil {
			return nil, fmt.Errorf("state url %s://%s%s: %w", u.Scheme, u.Host, u.Path, err)
		}
	}
	p := &StateURL{Scheme: u.Scheme, Bucket: u.Host}
	key := strings.TrimPrefix(u.Path, "/")
	bucket := url.URL{Scheme: u.Scheme, Host: u.Host, RawQuery: q.Encode()}
	if u.Scheme == "file" {
		// The directory is the bucket, the file name the key.
		dir, file := path.Split(u.Path)
		key = file
		bucket.Path = dir
		if !q.Has("create_dir") {
			q.Set("create_dir", "true")
			bucket.RawQuery = q.Encode()
		}
	} else if u.Host == "" && u.Scheme != "mem" {
		return nil, fmt.Errorf("state url %s: no bucket; write %s://BUCKET/path/state.json", raw, u.Scheme)
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return nil, fmt.Errorf("state url %s://%s%s names no state object; end it with the object's name, e.g. %s://%s/colstate/state.json", u.Scheme, u.Host, u.Path, u.Scheme, u.Host)
	}
	p.Key = key
	p.BucketURL = bucket.String()
	p.Display = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/" + key}).String()
	if u.Scheme == "file" {
		p.Display = "file://" + u.Path
	}
	if err := CheckName(key, p.Display); err != nil {
		return nil, err
	}
	return p, nil
}

// redact keeps a URL parse error from echoing the URL, which may hold a
// password.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// OpenURL opens the backend of the state at a URL (see ParseURL). The
// bucket is opened lazily by the store's SDK: wrong credentials show on the
// first read, naming the state.
func OpenURL(ctx context.Context, raw string) (*Backend, error) {
	p, err := ParseURL(raw)
	if err != nil {
		return nil, err
	}
	bkt, err := blob.OpenBucket(ctx, p.BucketURL)
	if err != nil {
		return nil, fmt.Errorf("open the state %s: %v", p.Display, err)
	}
	objs := &blobObjects{bkt: bkt, display: p.Display, key: p.Key, scheme: p.Scheme, bucket: p.Bucket}
	return &Backend{objs: objs, key: p.Key, remote: true}, nil
}

// blobObjects keeps objects in a gocloud bucket. A blob write becomes
// visible only when the writer closes successfully (S3 PutObject and
// multipart completion, GCS and Azure uploads, fileblob's rename): a
// reader never sees half of one.
type blobObjects struct {
	bkt     *blob.Bucket
	display string // the state URL without its query
	key     string // the state's key, which display shows
	scheme  string
	bucket  string
}

func (o *blobObjects) where(key string) string {
	return strings.TrimSuffix(o.display, o.key) + key
}

func (o *blobObjects) close() error { return o.bkt.Close() }

func (o *blobObjects) get(ctx context.Context, key string) ([]byte, error) {
	data, err := o.bkt.ReadAll(ctx, key)
	if err != nil {
		return nil, o.wrap("read", key, err)
	}
	return data, nil
}

func (o *blobObjects) put(ctx context.Context, key string, data []byte) error {
	return o.write(ctx, key, data, false)
}

func (o *blobObjects) create(ctx context.Context, key string, data []byte) error {
	return o.write(ctx, key, data, true)
}

func (o *blobObjects) write(ctx context.Context, key string, data []byte, ifNotExist bool) error {
	opts := &blob.WriterOptions{ContentType: "application/json", IfNotExist: ifNotExist}
	if err := o.bkt.WriteAll(ctx, key, data, opts); err != nil {
		if ifNotExist && gcerrors.Code(err) == gcerrors.FailedPrecondition {
			return fmt.Errorf("%s: %w", o.where(key), fs.ErrExist)
		}
		return o.wrap("write", key, err)
	}
	return nil
}

func (o *blobObjects) remove(ctx context.Context, key string) error {
	err := o.bkt.Delete(ctx, key)
	if err == nil || gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return o.wrap("remove", key, err)
}

func (o *blobObjects) list(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	it := o.bkt.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return keys, nil
			}
			return nil, o.wrap("list", prefix, err)
		}
		keys = append(keys, obj.Key)
	}
}

// wrap turns a store error into one that names the object and says what to
// do: a missing object wraps fs.ErrNotExist; refused credentials name
// where this scheme's credentials come from.
func (o *blobObjects) wrap(op, key string, err error) error {
	where := o.where(key)
	if blobcred.MissingBucket(err) {
		return fmt.Errorf("%s %s: %s", op, where, blobcred.MissingBucketHelp(o.scheme, o.bucket))
	}
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("%s: %w", where, fs.ErrNotExist)
	}
	if blobcred.Denied(err) {
		return fmt.Errorf("%s %s: the store refused the credentials (%s); check the credentials colstate finds through %s",
			op, where, blobcred.Code(err), blobcred.Where(o.scheme))
	}
	return fmt.Errorf("%s %s: %v", op, where, err)
}
