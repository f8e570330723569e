package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
	"github.com/colstate/colstate/internal/workspace"
)

// writeConfig writes a colstate configuration that points at the server
// and declares n generated collections.
func writeConfig(dir, url, grpcAddr string, n int) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "weaviate {\n  url      = %q\n  grpc_url = %q\n}\n\nstate { path = \".colstate/state.json\" }\n", url, grpcAddr)
	for i := range n {
		fmt.Fprintf(&b, `
collection "Plan%03d" {
  description = "generated collection %d"
  vectorizer  = "none"
  vector_index "hnsw" {
    distance = "cosine"
    ef       = 128
  }
  property "title" {
    data_type    = "text"
    tokenization = "word"
  }
  property "tags" { data_type = "text[]" }
  property "rank" { data_type = "int" }
  property "published" { data_type = "date" }
}
`, i, i)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.hcl"), b.Bytes(), 0o644)
}

// diffInProcess times what `colstate plan` does after connecting: load
// and normalise the HCL, read the live schema, read the state, plan.Diff.
// It returns the total and the plan.Diff part alone.
func diffInProcess(ctx context.Context, dir string, c *live.Client) (total, diff time.Duration, changes int, err error) {
	start := time.Now()
	cfg, err := workspace.LoadConfig(dir)
	if err != nil {
		return 0, 0, 0, err
	}
	liveCols, err := c.Collections(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	st, err := state.Read(filepath.Join(dir, ".colstate/state.json"))
	if err != nil {
		return 0, 0, 0, err
	}
	desired := make([]plan.Desired, 0, len(cfg.Collections))
	for _, d := range cfg.Collections {
		desired = append(desired, plan.Desired{Collection: d.Collection, PreventDestroy: d.Lifecycle.PreventDestroy, IgnoreChanges: d.Lifecycle.IgnoreChanges})
	}
	ds := time.Now()
	p, err := plan.Diff(plan.Input{Desired: desired, Live: liveCols, Managed: st.Collections})
	diff = time.Since(ds)
	if err != nil {
		return 0, 0, 0, err
	}
	return time.Since(start), diff, len(p.Changes), nil
}

// idHash is one object's UUID and content hash: what a content diff
// compares.
type idHash struct {
	id   string
	hash [32]byte
}

// expectedHashes is the sorted hash list the content diff compares against
// (in the real diff: the desired content's). Built outside the timing.
func expectedHashes(d dataset) []idHash {
	out := make([]idHash, d.count)
	for i := range d.count {
		o := d.object(i)
		out[i] = idHash{o.ID, o.Hash()}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// contentDiff streams the live collection with vectors (UUID order),
// hashes every object and merges it against the sorted list: how many
// objects differ, are missing live, or are extra live.
func contentDiff(ctx context.Context, c *live.Client, s *live.ObjectSchema, want []idHash) (changed, missing, extra int, err error) {
	i := 0
	err = c.ReadObjects(ctx, s, live.ReadOptions{}, func(o *object.Object) error {
		for i < len(want) && want[i].id < o.ID {
			missing++
			i++
		}
		if i < len(want) && want[i].id == o.ID {
			if o.Hash() != want[i].hash {
				changed++
			}
			i++
			return nil
		}
		extra++
		return nil
	})
	missing += len(want) - i
	return changed, missing, extra, err
}
