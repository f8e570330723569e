package snapshot

import (
	"context"
	"io"
	"time"
)

// storage is where a store keeps its snapshots' files: a local directory
// (dirStorage) or a bucket prefix (bucketStorage). File names are relative
// to the snapshot and slash-separated, as the manifest records them.
type storage interface {
	// String names the store in messages, without secrets.
	String() string
	// begin starts writing a snapshot under id; nothing is visible under
	// the id until the upload commits.
	begin(ctx context.Context, id string) (upload, error)
	// manifest reads the manifest of id; an error wrapping
	// fs.ErrNotExist when the id holds no committed snapshot.
	manifest(ctx context.Context, id string) ([]byte, error)
	// open streams one file of a committed snapshot.
	open(ctx context.Context, id, file string) (io.ReadCloser, error)
	// ids lists the names that may hold a committed snapshot.
	ids(ctx context.Context) ([]string, error)
	// holds reports whether anything at all is stored under id.
	holds(ctx context.Context, id string) (bool, error)
	// remove deletes the manifest of id first, then its files; an error
	// wrapping fs.ErrNotExist when there is no manifest.
	remove(ctx context.Context, id string) error
	// leftovers lists what uncommitted uploads and cut-short removals
	// left behind.
	leftovers(ctx context.Context) ([]Leftover, []error, error)
	// removeLeftover deletes one leftover.
	removeLeftover(ctx context.Context, l Leftover) error
}

// upload is one snapshot being written.
type upload interface {
	// prefix is put before the names of the upload's files in the
	// manifest ("" for a local directory).
	prefix() string
	// create starts a file; Close makes it durable (a failed Close
	// means the file is not there).
	create(file string) (io.WriteCloser, error)
	// commit makes the snapshot exist: the manifest is written last.
	commit(manifest []byte) error
	// touch tells prune that the upload is alive.
	touch() error
	// abort discards everything the upload wrote; open is the file
	// being written, if any, which must not be completed.
	abort(open io.Closer)
	// closeParallel is how many finished files may be completing (Close)
	// at once in the background; 1 completes each inline.
	closeParallel() int
}

// Leftover is what an uncommitted upload (a killed backup) or a removal
// cut short left in a store: never listed, opened or restored, and
// removed by Store.Prune.
type Leftover struct {
	ID     string    // the snapshot id it was written for
	Path   string    // where it is, for messages
	Files  int       // how many files
	Bytes  int64     // their total size
	Newest time.Time // the newest modification of any of them
	// Committed is true when a snapshot of the id exists beside the
	// leftover (an earlier, killed backup under the same id).
	Committed bool

	key string // the storage's own handle
}
