package plan

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// This file plans the tenant-level data commands (--tenant): backup,
// restore and clear of chosen tenants of one multi-tenant collection,
// leaving its other tenants untouched.

// TenantArg is one --tenant argument: a tenant's name, and on restore the
// tenant it is written into when that is another (NAME=NEW_NAME).
type TenantArg struct {
	Name string
	As   string
}

// ParseTenantArgs reads --tenant arguments: NAME, or NAME=NEW_NAME where
// rename allows it (restore).
func ParseTenantArgs(args []string, rename bool) ([]TenantArg, error) {
	var out []TenantArg
	for _, a := range args {
		name, as, renamed := strings.Cut(a, "=")
		switch {
		case renamed && !rename:
			return nil, fmt.Errorf("--tenant %s: only restore renames a tenant (NAME=NEW_NAME); name the tenant alone", a)
		case name == "" || (renamed && as == ""):
			return nil, fmt.Errorf("--tenant %q: give a tenant name (restore: NAME or NAME=NEW_NAME)", a)
		}
		if as != "" && !validTenantName.MatchString(as) {
			return nil, fmt.Errorf("--tenant %s: %q is not a name Weaviate accepts for a tenant (1 to 64 letters, digits, '-' or '_'); nothing was written", a, as)
		}
		if as == name {
			as = ""
		}
		out = append(out, TenantArg{Name: name, As: as})
	}
	return out, nil
}

// validTenantName is Weaviate's rule for tenant names: a restore that
// creates a tenant under a name Weaviate refuses would fail after it has
// cleared the tenants it replaces.
var validTenantName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// TenantFact is one tenant of a live collection or a snapshot.
type TenantFact struct {
	Name    string
	Status  string // HOT, COLD, FROZEN, ...
	Objects int64  // -1: not counted (an inactive live tenant)
}

// TenantPick is one tenant a data change is limited to: the others of the
// collection are neither read nor written. For a backup or clear, Name is
// the live tenant; for a restore or merge, the snapshot's tenant, written
// into As when that is set.
type TenantPick struct {
	Name    string `json:"name"`
	As      string `json:"as,omitempty"`
	Objects int64  `json:"objects"`          // -1: not counted (inactive)
	Status  string `json:"status,omitempty"` // the live status (backup, clear) or the snapshot's (restore, merge)
	// Live is, for a restore or merge, the status of the live tenant
	// written into; "" when the restore creates it.
	Live string `json:"live_status,omitempty"`
}

// Target is the live tenant the pick reads, clears or writes into.
func (p TenantPick) Target() string {
	if p.As != "" {
		return p.As
	}
	return p.Name
}

// factOf finds the tenant named name.
func factOf(ts []TenantFact, name string) (TenantFact, bool) {
	i := slices.IndexFunc(ts, func(t TenantFact) bool { return t.Name == name })
	if i < 0 {
		return TenantFact{}, false
	}
	return ts[i], true
}

// tenantNames lists tenants for a message, the first 20 of them.
func tenantNames(ts []TenantFact) string {
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	if len(names) > 20 {
		return strings.Join(names[:20], ", ") + fmt.Sprintf(" and %d more", len(names)-20)
	}
	return strings.Join(names, ", ")
}

// refuseUnknown refuses tenant names that are not among have, naming
// those that are, and names given twice.
func refuseUnknown(where string, have []TenantFact, names []string) error {
	var unknown []string
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return fmt.Errorf("--tenant %s is given twice; nothing was changed", n)
		}
		seen[n] = true
		if _, ok := factOf(have, n); !ok {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("%s has no tenant %s; nothing was changed. Its tenants: %s", where, strings.Join(unknown, ", "), tenantNames(have))
	}
	return nil
}

// pickLive picks the named tenants of a live collection for a backup or
// clear, refusing names it does not have and offloaded tenants, which
// colstate cannot read or clear.
func pickLive(name string, f CollectionFacts, args []TenantArg, what string) ([]TenantPick, error) {
	if !f.MultiTenant {
		return nil, fmt.Errorf("collection %s is not multi-tenant: --tenant applies only to multi-tenant collections; nothing was changed", name)
	}
	var names []string
	for _, a := range args {
		names = append(names, a.Name)
	}
	if err := refuseUnknown("collection "+name, f.TenantList, names); err != nil {
		return nil, err
	}
	var picks []TenantPick
	var off []string
	for _, n := range names {
		t, _ := factOf(f.TenantList, n)
		if slices.Contains(f.Offloaded, n) {
			off = append(off, n)
		}
		picks = append(picks, TenantPick{Name: n, Objects: t.Objects, Status: t.Status})
	}
	if len(off) > 0 {
		return nil, fmt.Errorf("tenant %s of collection %s is offloaded (FROZEN): colstate cannot %s it; load it back (activityStatus HOT or COLD) first; nothing was changed", strings.Join(off, ", "), name, what)
	}
	return picks, nil
}

// pickedChange is a backup or clear of the picked tenants: their counts.
func pickedChange(picks []TenantPick) *DataChange {
	dc := &DataChange{Tenants: len(picks), TenantStatus: map[string]int{}, OnlyTenants: picks}
	for _, p := range picks {
		if p.Objects < 0 {
			dc.Inactive++
		} else {
			dc.Objects += p.Objects
		}
		dc.TenantStatus[p.Status]++
	}
	return dc
}

// oneCollection refuses --tenant with other than one collection.
func oneCollection(names []string, cmd string) error {
	if len(names) != 1 {
		return fmt.Errorf("--tenant picks tenants of one collection: name exactly one collection to %s (got %d: %s)", cmd, len(names), strings.Join(names, ", "))
	}
	return nil
}

// snapshotPicks picks the tenants of snapshot collection sc a restore is
// limited to: those --tenant names, else every tenant of a snapshot that
// holds only some of the collection's tenants (backup --tenant), so that
// restoring it never touches the others. nil: the whole collection.
func snapshotPicks(s SnapshotFacts, sc *SnapshotCollection, args []TenantArg) ([]TenantPick, error) {
	if len(args) == 0 {
		if !sc.TenantSubset {
			return nil, nil
		}
		for _, t := range sc.TenantList {
			args = append(args, TenantArg{Name: t.Name})
		}
	}
	if len(sc.TenantList) == 0 && len(sc.SkippedOffloaded) > 0 {
		return nil, fmt.Errorf("snapshot %s holds no tenant of collection %s: its backup left out every one (offloaded, --skip-offloaded: %s); nothing was changed. Load them back (activityStatus HOT or COLD) and take a new backup", s.ID, sc.Name, strings.Join(sc.SkippedOffloaded, ", "))
	}
	if len(sc.TenantList) == 0 && sc.Tenants == 0 {
		return nil, fmt.Errorf("collection %s in snapshot %s is not multi-tenant: --tenant applies only to multi-tenant collections; nothing was changed", sc.Name, s.ID)
	}
	var names, targets []string
	for _, a := range args {
		names = append(names, a.Name)
	}
	if err := refuseUnknown(fmt.Sprintf("snapshot %s (collection %s)", s.ID, sc.Name), sc.TenantList, names); err != nil {
		return nil, err
	}
	var picks []TenantPick
	for _, a := range args {
		t, _ := factOf(sc.TenantList, a.Name)
		p := TenantPick{Name: a.Name, As: a.As, Objects: t.Objects, Status: t.Status}
		if slices.Contains(targets, p.Target()) {
			return nil, fmt.Errorf("two --tenant arguments write into tenant %s; nothing was changed", p.Target())
		}
		targets = append(targets, p.Target())
		picks = append(picks, p)
	}
	return picks, nil
}

// TenantNames names the live tenants a change is limited to (restore:
// those written into); nil when it is not limited.
func (d *DataChange) TenantNames() []string {
	if d == nil {
		return nil
	}
	var out []string
	for _, p := range d.OnlyTenants {
		out = append(out, p.Target())
	}
	return out
}

// writePicks prints, for a change limited to some tenants, one line per
// tenant: "tenant acme: 1,204 objects into the live tenant (HOT), set
// COLD afterwards as in the snapshot".
func writePicks(w io.Writer, a Action, d *DataChange) {
	if d == nil || len(d.OnlyTenants) == 0 {
		return
	}
	fmt.Fprintf(w, "      only these tenants; the collection's other tenants are not touched:\n")
	for _, p := range d.OnlyTenants {
		name := p.Name
		if p.As != "" {
			name = p.Name + " → " + p.As
		}
		fmt.Fprintf(w, "        tenant %s: %s\n", name, pickWording(a, p))
	}
	if a != Backup && len(d.SkipTenants) > 0 {
		fmt.Fprintf(w, "      not in the snapshot, not touched: %s, which its backup left out (offloaded, --skip-offloaded): %s\n",
			plural(len(d.SkipTenants), "tenant", "tenants"), strings.Join(d.SkipTenants, ", "))
	}
}

// pickWording says what change a does to one picked tenant. A tenant
// whose objects are not counted (Objects < 0) is inactive: it is read or
// cleared once activated, and set back after.
func pickWording(a Action, p TenantPick) string {
	objects := plural64(p.Objects, "object", "objects")
	switch a {
	case Backup:
		if p.Objects < 0 {
			return fmt.Sprintf("%s, objects not counted yet: activated to be read, then set back to %s", p.Status, p.Status)
		}
		return fmt.Sprintf("%s, %s", objects, p.Status)
	case Clear:
		if p.Objects < 0 {
			return fmt.Sprintf("%s, objects not counted yet: activated, every object deleted, then set back to %s", p.Status, p.Status)
		}
		return fmt.Sprintf("%s deleted, stays %s", objects, p.Status)
	case Restore:
		if p.Live == "" {
			return fmt.Sprintf("%s into a new tenant, %s", objects, statusAsSnapshot(p.Status))
		}
		return fmt.Sprintf("%s into the live tenant (%s), %s", objects, p.Live, statusAsSnapshot(p.Status))
	case Merge:
		if p.Live == "" {
			return fmt.Sprintf("%s upserted into a new tenant, %s", objects, statusAsSnapshot(p.Status))
		}
		return fmt.Sprintf("%s upserted; the live tenant keeps its status %s", objects, p.Live)
	}
	return objects
}

// statusAsSnapshot says which status a restored tenant ends with: the
// one the snapshot recorded.
func statusAsSnapshot(status string) string {
	switch status {
	case "", "HOT", "ACTIVE":
		return "HOT as in the snapshot"
	}
	return "set " + status + " afterwards as in the snapshot"
}

// tenantRestore is what a restore limited to some tenants plans besides
// itself: the backups and clears of the live tenants a replace empties.
type tenantRestore struct {
	action          Action
	backups, clears []Change
}

// planTenantRestore applies the restore mode to each picked tenant of the
// live collection target: create refuses a tenant that holds objects,
// merge upserts into it, replace backs up and clears that tenant only.
// It fills dc with the picked tenants' counts.
func planTenantRestore(f RestoreFacts, target string, lf CollectionFacts, picks []TenantPick, dc *DataChange, unmanaged bool) (tenantRestore, error) {
	mode, s := f.Options.mode(), f.Snapshot
	exists := lf.Missing == nil
	if exists && !lf.MultiTenant {
		return tenantRestore{}, fmt.Errorf("collection %s is not multi-tenant: a restore of tenants needs a multi-tenant collection; nothing was changed", target)
	}
	var cleared []TenantPick
	dc.Objects, dc.Tenants, dc.TenantStatus = 0, len(picks), map[string]int{}
	for i := range picks {
		p := &picks[i]
		dc.Objects += p.Objects
		dc.TenantStatus[p.Status]++
		lt, ok := factOf(lf.TenantList, p.Target())
		if !ok {
			continue // created by the restore
		}
		p.Live = lt.Status
		if slices.Contains(lf.Offloaded, lt.Name) {
			return tenantRestore{}, fmt.Errorf("tenant %s of collection %s is offloaded (FROZEN): colstate cannot write into it; load it back (activityStatus HOT or COLD) first; nothing was changed", lt.Name, target)
		}
		switch mode {
		case RestoreCreate:
			if lt.Objects > 0 {
				return tenantRestore{}, fmt.Errorf("tenant %s of collection %s already holds %s: --mode=create restores only into an absent or empty tenant; nothing was changed. "+
					"Use --mode=merge to upsert into it (which also completes an interrupted restore of it), or --mode=replace to clear that tenant (only) first", lt.Name, target, plural64(lt.Objects, "object", "objects"))
			}
		case RestoreReplace:
			cleared = append(cleared, TenantPick{Name: lt.Name, Objects: lt.Objects, Status: lt.Status})
		}
	}
	dc.OnlyTenants = picks
	t := tenantRestore{action: Restore}
	switch mode {
	case RestoreCreate:
		dc.CreateSchema = !exists
	case RestoreMerge:
		if !exists {
			return t, fmt.Errorf("collection %s does not exist: --mode=merge needs a live collection (restore without --mode creates it)", target)
		}
		t.action = Merge
	case RestoreReplace:
		dc.CreateSchema = !exists
		if len(cleared) == 0 {
			break
		}
		backup, err := lf.destroyGuard(target, "clear and replace tenants of")
		if err != nil {
			return t, err
		}
		cc := pickedChange(cleared)
		mayHold := cc.Objects > 0 || cc.Inactive > 0
		if s.NoVectors && mayHold {
			if err := refuseDroppingVectors(s.ID, target, lf.SelfVectors); err != nil {
				return t, err
			}
		}
		if backup && !f.Options.NoBackup && mayHold {
			bc := pickedChange(cleared)
			bc.Store, bc.Snapshot = s.Store, f.BackupID
			t.backups = append(t.backups, Change{Collection: target, Action: Backup, Data: bc})
		}
		t.clears = append(t.clears, Change{Collection: target, Action: Clear, Data: cc, Unmanaged: unmanaged})
	}
	return t, nil
}

// RestoreTenantTargets names the live tenants a restore of sources (from
// RestoreSelection) writes into when it is limited to some (--tenant, or
// a snapshot of some tenants); nil when it writes whole collections.
func RestoreTenantTargets(s SnapshotFacts, sources []string, args []TenantArg) []string {
	if len(sources) != 1 {
		return nil
	}
	sc := s.collection(sources[0])
	if sc == nil {
		return nil
	}
	picks, err := snapshotPicks(s, sc, args)
	if err != nil {
		return nil // PlanRestore reports it
	}
	var out []string
	for _, p := range picks {
		out = append(out, p.Target())
	}
	return out
}
