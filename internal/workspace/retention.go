package workspace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/state"
)

// PruneRetention removes, after an apply, the snapshots the plan's backups
// marked for pruning by their policy's keep — only those of a backup whose
// snapshot is now committed and in the state's catalogue, so a policy never
// loses an old snapshot before it has a newer one. Each is removed from its
// store, then from the catalogue.
func (ws *Workspace) PruneRetention(ctx context.Context, st *state.State, p *plan.Plan, out io.Writer) error {
	taken := map[string]bool{}
	for _, r := range st.Snapshots {
		taken[r.ID] = true
	}
	gone := map[string]bool{}
	for _, c := range p.Changes {
		if c.Action != plan.Backup || c.Data == nil || len(c.Data.Prune) == 0 || !taken[c.Data.Snapshot] {
			continue
		}
		for _, old := range c.Data.Prune {
			if old.ID == c.Data.Snapshot {
				continue
			}
			store := &snapshot.Store{Dir: old.Store}
			note := ""
			if r, err := store.OpenContext(ctx, old.ID); err == nil {
				note, _ = NativeRemoval(ctx, store, r.Manifest())
			}
			err := store.Remove(old.ID)
			if err != nil && !errors.Is(err, snapshot.ErrNotFound) {
				return fmt.Errorf("snapshot %q keeps fewer snapshots: removing %s: %w; the newer snapshot %s is committed, run colstate apply again to retry", c.Data.Policy, old.ID, err, c.Data.Snapshot)
			}
			gone[old.Store+"\x00"+old.ID] = true
			fmt.Fprintf(out, "Removed snapshot %s of %q (keep).\n", old.ID, c.Data.Policy)
			if note != "" {
				fmt.Fprintf(out, "  %s\n", strings.ToUpper(note[:1])+note[1:])
			}
		}
	}
	if len(gone) == 0 {
		return nil
	}
	kept := st.Snapshots[:0]
	for _, r := range st.Snapshots {
		if !gone[r.Store+"\x00"+r.ID] {
			kept = append(kept, r)
		}
	}
	st.Snapshots = kept
	return ws.WriteState(st)
}
