package apply

import (
	"slices"

	"github.com/colstate/colstate/internal/live"
)

// withoutSkipped drops from ts the tenants a backup was planned to leave
// out (backup --skip-offloaded) that are still offloaded, and returns the
// names it dropped. A tenant loaded back since the plan is read after all;
// one offloaded since is kept, so that the backup refuses it by name.
func withoutSkipped(ts []live.Tenant, skip []string) (kept []live.Tenant, skipped []string) {
	if len(skip) == 0 {
		return ts, nil
	}
	for _, t := range ts {
		if t.Offloaded() && slices.Contains(skip, t.Name) {
			skipped = append(skipped, t.Name)
			continue
		}
		kept = append(kept, t)
	}
	return kept, skipped
}
