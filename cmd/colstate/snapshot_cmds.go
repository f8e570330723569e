package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/redact"
	"github.com/colstate/colstate/internal/snapshot"
	"github.com/colstate/colstate/internal/workspace"
)

// dataCommands are the imperative verbs: each builds a one-action plan and
// runs it with the same engine as apply.
func dataCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name:      "backup",
			Usage:     "write a snapshot of collections (schema, objects, vectors)",
			ArgsUsage: "[COLLECTION...]",
			Description: `backup writes one snapshot of the named collections — every collection
colstate manages when none are named — and prints its id.
With --tenant (repeatable) it backs up only those tenants of the one named
multi-tenant collection; the snapshot lists only them, and restoring it
touches only them.`,
			Flags: []cli.Flag{
				tenantFlag,
				&cli.BoolFlag{Name: "schema-only", DisableDefaultText: true, Usage: "keep only the schema (and tenants), no objects"},
				&cli.BoolFlag{Name: "no-vectors", DisableDefaultText: true, Usage: "leave vectors out"},
				&cli.StringFlag{Name: "id", Usage: "name the snapshot `ID` instead of a fresh timestamped id"},
				&cli.BoolFlag{Name: "skip-offloaded", DisableDefaultText: true, Usage: "leave out offloaded (FROZEN) tenants, which colstate cannot read, instead of refusing; the output names them"},
				engineFlag,
				tenantParallelFlag, consistencyFlag, storeFlag, dryRunFlag, autoApproveFlag, noColorFlag, lockTimeoutFlag, jsonEventsFlag,
			},
			Action: backupCmd,
		},
		{
			Name:      "restore",
			Usage:     "load collections from a snapshot",
			ArgsUsage: "SNAPSHOT",
			Description: `restore loads collections of a snapshot into Weaviate.
  --mode=create  (default) into absent or empty collections, created from the snapshot's schema
  --mode=merge   upsert into existing collections: identical objects are skipped, others stay
  --mode=replace back up and clear the collections, then restore
With --tenant NAME (repeatable) only that tenant of the one chosen collection
is restored, into a live (or absent) collection, and the mode applies to that
tenant alone: create refuses a tenant that holds objects, merge upserts into
it, replace backs up and clears that tenant only. --tenant NAME=NEW_NAME
writes it into tenant NEW_NAME. Other tenants are never touched, and a
snapshot taken with backup --tenant restores only its tenants.`,
			Flags: []cli.Flag{
				tenantFlag,
				&cli.StringSliceFlag{Name: "collection", Usage: "restore only collection `NAME` (repeatable)"},
				&cli.StringFlag{Name: "as", Usage: "restore the one chosen collection under `NEW_NAME`"},
				&cli.StringFlag{Name: "mode", Value: workspace.ModeCreate, Usage: "restore `MODE`: create, merge or replace"},
				engineFlag,
				&cli.StringFlag{Name: "verify", Value: "digest", Usage: "how the restore is checked afterwards: `HOW` digest reads every object back and compares count and content digest with the snapshot; count compares the object count only (faster, notably after a native restore, but blind to changed contents)"},
				noBackupFlag, tenantParallelFlag, consistencyFlag,
				storeFlag, dryRunFlag, autoApproveFlag, noColorFlag, lockTimeoutFlag, jsonEventsFlag,
			},
			Action: restoreCmd,
		},
		{
			Name:      "clear",
			Usage:     "delete every object of collections, keeping the schema",
			ArgsUsage: "COLLECTION...",
			Description: `clear deletes every object of the named collections and keeps their schema.
A snapshot is taken first unless --no-backup. Without -auto-approve you confirm
by typing each collection's name. With --tenant (repeatable) only those tenants
of the one named multi-tenant collection are cleared (and backed up first).`,
			Flags:  []cli.Flag{tenantFlag, noBackupFlag, tenantParallelFlag, consistencyFlag, storeFlag, dryRunFlag, autoApproveFlag, noColorFlag, lockTimeoutFlag, jsonEventsFlag},
			Action: clearCmd,
		},
		{
			Name:  "snapshot",
			Usage: "list, show, verify or remove snapshots",
			Subcommands: []*cli.Command{
				{Name: "list", Usage: "list the snapshots in the store", ArgsUsage: " ", Flags: []cli.Flag{storeFlag}, Action: snapshotListCmd},
				{Name: "show", Usage: "show what a snapshot holds", ArgsUsage: "SNAPSHOT", Flags: []cli.Flag{storeFlag}, Action: snapshotShowCmd},
				{Name: "verify", Usage: "re-hash and decode every chunk of snapshots (all when none are named)", ArgsUsage: "[SNAPSHOT...]", Flags: []cli.Flag{storeFlag}, Action: snapshotVerifyCmd},
				{
					Name: "rm", Usage: "remove snapshots", ArgsUsage: "SNAPSHOT...",
					Description: `rm lists the snapshots it would remove and asks for "yes" (-auto-approve or
--force: do not ask). With --dry-run it only lists them.`,
					Flags:  []cli.Flag{storeFlag, dryRunFlag, forceFlag},
					Action: snapshotRmCmd,
				},
				{
					Name: "prune", Usage: "remove what interrupted backups left in the store", ArgsUsage: " ",
					Description: `prune removes what backups that were killed (or could not clean up) and
removals cut short left in the store: files that no manifest names, so no
snapshot. A running backup renews a lease every minute, so what nothing has
touched for --older-than (default 1h) is taken for abandoned; younger
leftovers are listed and kept. With --dry-run it only lists them.`,
					Flags: []cli.Flag{storeFlag, dryRunFlag,
						&cli.DurationFlag{Name: "older-than", Value: time.Hour, Usage: "remove leftovers nothing has written to for this `DURATION`"}},
					Action: snapshotPruneCmd,
				},
			},
		},
	}
}

// engineFlag is backup's and restore's --engine: one help text for both.
var engineFlag = &cli.StringFlag{Name: "engine", Usage: "`ENGINE`: backup writes portable (colstate's chunks; the default), native (Weaviate's own backup, through its backup module) or both; restore forces native or portable (default: Weaviate's backup where possible, the plan says why)"}

// runData prints the plan, honours --dry-run and confirmation, and runs it.
// Under -json (checked by jsonData before anything is opened) the plan and
// results go to stderr and events to stdout.
func runData(c *cli.Context, ws *workspace.Workspace, p *plan.Plan, confirmFn func(*cli.Context) error) (err error) {
	if err := checkTenantParallel(c); err != nil {
		return err
	}
	jf, out, err := eventsFor(c, true)
	if err != nil {
		return err
	}
	defer func() { err = jf.Finish(len(p.Changes), err) }()
	if err := setConsistency(c, ws.Client); err != nil {
		return err
	}
	plan.Human(out, p, plan.RenderOptions{Color: useColor(c, out)})
	if c.Bool("dry-run") {
		// The same checks the real run makes before it writes: a dry run
		// never shows a plan the real run refuses.
		if err := ws.DataRunner(out, c.App.ErrWriter, false).Check(c.Context, p); err != nil {
			return fmt.Errorf("dry run: the real run would refuse this plan: %w", err)
		}
		fmt.Fprintln(out, "\nDry run: nothing was changed. The plan would:")
		for _, t := range plan.Touches(p) {
			fmt.Fprintf(out, "  - %s\n", t)
		}
		return nil
	}
	if len(p.Changes) == 0 {
		return nil
	}
	if apply.MovesObjects(p) {
		// Refused before anyone is asked to confirm (RunData checks again,
		// memoised).
		if err := ws.Client.CheckEndpoints(c.Context); err != nil {
			return fmt.Errorf("%w\nnothing was written", err)
		}
	}
	if !c.Bool("auto-approve") {
		if err := confirmFn(c); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	d := ws.DataRunner(out, c.App.ErrWriter, isTerminal(c.App.ErrWriter))
	d.TenantParallel = c.Int("tenant-parallel")
	d.Events = jf.Fn()
	return d.RunData(c.Context, p)
}

func openWorkspace(c *cli.Context) (*workspace.Workspace, error) {
	return workspace.Open(c.Context, c.String("chdir"), c.App.ErrWriter)
}

func backupCmd(c *cli.Context) error {
	if _, _, err := eventsFor(c, true); err != nil {
		return err // before the lock: -json never waits on a prompt
	}
	ws, st, done, err := openLockedState(c, "backup")
	if err != nil {
		return err
	}
	defer done()
	tenants, err := plan.ParseTenantArgs(c.StringSlice("tenant"), false)
	if err != nil {
		return err
	}
	p, err := ws.BackupPlan(c.Context, st, c.Args().Slice(), workspace.BackupOptions{
		Store: c.String("store"), ID: c.String("id"), SchemaOnly: c.Bool("schema-only"), NoVectors: c.Bool("no-vectors"),
		SkipOffloaded: c.Bool("skip-offloaded"), Tenants: tenants, Engine: c.String("engine"),
	})
	if err != nil {
		return err
	}
	return runData(c, ws, p, confirm)
}

func restoreCmd(c *cli.Context) error {
	if c.NArg() != 1 {
		for _, a := range c.Args().Slice()[1:] {
			if strings.HasPrefix(a, "-") {
				return fmt.Errorf("flag %s comes after the snapshot id: put flags first, e.g. colstate restore %s %s", a, a, c.Args().First())
			}
		}
		return fmt.Errorf("restore takes one snapshot id (see colstate snapshot list)")
	}
	tenants, err := plan.ParseTenantArgs(c.StringSlice("tenant"), true)
	if err != nil {
		return err
	}
	if _, _, err := eventsFor(c, true); err != nil {
		return err // before the lock: -json never waits on a prompt
	}
	ws, st, done, err := openLockedState(c, "restore")
	if err != nil {
		return err
	}
	defer done()
	p, err := ws.RestorePlan(c.Context, st, workspace.RestoreOptions{
		Store: c.String("store"), Snapshot: c.Args().First(), Collections: c.StringSlice("collection"),
		As: c.String("as"), Mode: c.String("mode"), NoBackup: c.Bool("no-backup"), Tenants: tenants, Engine: c.String("engine"),
		Verify: c.String("verify"),
	})
	if err != nil {
		return err
	}
	return runData(c, ws, p, confirm)
}

func clearCmd(c *cli.Context) error {
	names := c.Args().Slice()
	if len(names) == 0 {
		return fmt.Errorf("name the collections to clear")
	}
	tenants, err := plan.ParseTenantArgs(c.StringSlice("tenant"), false)
	if err != nil {
		return err
	}
	if _, _, err := eventsFor(c, true); err != nil {
		return err // before the lock: -json never waits on a prompt
	}
	ws, st, done, err := openLockedState(c, "clear")
	if err != nil {
		return err
	}
	defer done()
	p, err := ws.ClearPlan(c.Context, st, names, c.Bool("no-backup"), c.String("store"), tenants)
	if err != nil {
		return err
	}
	if len(tenants) > 0 {
		return runData(c, ws, p, func(c *cli.Context) error { return confirmTenants(c, names[0], tenants) })
	}
	return runData(c, ws, p, func(c *cli.Context) error { return confirmNames(c, names) })
}

// confirmTenants asks for each tenant clear --tenant empties to be typed.
func confirmTenants(c *cli.Context, collection string, tenants []plan.TenantArg) error {
	rd := bufio.NewReader(c.App.Reader)
	for _, t := range tenants {
		prompt := fmt.Sprintf("\nEvery object of tenant %s of %s will be deleted (its other tenants are not touched).\n  Type the tenant name to confirm: ", t.Name, collection)
		if err := ask(c, rd, prompt, t.Name, func(got string) string { return fmt.Sprintf("%q is not %q; nothing was changed", got, t.Name) }); err != nil {
			return err
		}
	}
	return nil
}

func store(c *cli.Context) (*snapshot.Store, error) {
	return workspace.Store(c.String("chdir"), c.String("store"))
}

func snapshotListCmd(c *cli.Context) error {
	s, err := store(c)
	if err != nil {
		return err
	}
	list, problems, err := s.ListContext(c.Context)
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintf(c.App.ErrWriter, "warning: %v\n", p)
	}
	out := c.App.Writer
	if len(list) == 0 {
		fmt.Fprintf(out, "No snapshots in %s.\n", s)
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tCOLLECTIONS\tOBJECTS\tSIZE\tKIND")
	for _, m := range list {
		kind := "full"
		switch {
		case m.SchemaOnly:
			kind = "schema-only"
		case m.NoVectors:
			kind = "no-vectors"
		}
		if m.Native != nil {
			kind = nativeKind(m, kind)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", m.ID, m.CreatedAt.Format("2006-01-02 15:04:05Z"),
			strings.Join(m.Names(), ","), snapshotObjects(m), snapshot.ByteSize(m.Size()), kind)
	}
	return tw.Flush()
}

func snapshotShowCmd(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("snapshot show takes one snapshot id")
	}
	s, err := store(c)
	if err != nil {
		return err
	}
	r, err := s.OpenContext(c.Context, c.Args().First())
	if err != nil {
		return err
	}
	m := r.Manifest()
	out := c.App.Writer
	fmt.Fprintf(out, "Snapshot %s\n  format:   %s\n  created:  %s\n  source:   %s\n  objects:  %d\n  size:     %s\n",
		m.ID, m.Format, m.CreatedAt.Format("2006-01-02 15:04:05Z"), redact.URL(m.Source.URL), snapshotObjects(m), snapshot.ByteSize(m.Size()))
	if m.SchemaOnly {
		fmt.Fprintln(out, "  schema only")
	}
	if m.NoVectors {
		fmt.Fprintln(out, "  without vectors")
	}
	showNative(out, m)
	for _, col := range m.Collections {
		if !m.Portable() {
			fmt.Fprintf(out, "\n  collection %s: %d objects in Weaviate's backup only (no chunks)\n", col.Name, m.ObjectsOf(col.Name))
		} else {
			fmt.Fprintf(out, "\n  collection %s: %d objects in %d chunk(s), digest %.16s…\n", col.Name, col.Objects, len(col.Chunks), col.Digest)
		}
		if len(col.Tenants) > 0 {
			var ts []string
			for _, t := range col.Tenants {
				switch t.ActivityStatus {
				case "", "HOT", "ACTIVE":
					ts = append(ts, t.Name)
				default: // restore gives it back this status
					ts = append(ts, t.Name+" ("+t.ActivityStatus+")")
				}
			}
			fmt.Fprintf(out, "    tenants: %s\n", strings.Join(ts, ", "))
			switch {
			case len(col.SkippedOffloaded) > 0:
				fmt.Fprintf(out, "    left out (offloaded, --skip-offloaded): %s; a restore touches no tenant but those above\n", strings.Join(col.SkippedOffloaded, ", "))
			case col.TenantSubset:
				fmt.Fprintln(out, "    only these tenants (backup --tenant): a restore touches no other tenant")
			}
		}
	}
	return nil
}

var errDamaged = errors.New("damaged snapshot")

func snapshotVerifyCmd(c *cli.Context) error {
	s, err := store(c)
	if err != nil {
		return err
	}
	ids := c.Args().Slice()
	if len(ids) == 0 {
		list, problems, err := s.ListContext(c.Context)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return errors.Join(problems...)
		}
		for _, m := range list {
			ids = append(ids, m.ID)
		}
	}
	out := c.App.Writer
	bad := 0
	for _, id := range ids {
		r, err := s.Open(id)
		if err != nil {
			return err
		}
		if m := r.Manifest(); m.Native != nil {
			if err := verifyNative(c, out, m); err != nil {
				bad++
				fmt.Fprintf(out, "%s native backup %s: DAMAGED: %v\n", id, m.Native.BackupID, err)
			}
			if !m.Portable() {
				continue // no chunks to re-hash
			}
		}
		for _, rep := range r.Verify(context.WithoutCancel(c.Context)) {
			if rep.Err != nil {
				bad++
				fmt.Fprintf(out, "%s %s: DAMAGED: %v\n", id, rep.Name, rep.Err)
				continue
			}
			fmt.Fprintf(out, "%s %s: ok (%d objects, %d chunks)\n", id, rep.Name, rep.Objects, rep.Chunks)
		}
		if err := c.Context.Err(); err != nil {
			return err
		}
	}
	if bad > 0 {
		return fmt.Errorf("%w: %d collection(s) failed verification", errDamaged, bad)
	}
	return nil
}

func snapshotRmCmd(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("snapshot rm takes snapshot ids (see colstate snapshot list)")
	}
	s, err := store(c)
	if err != nil {
		return err
	}
	out := c.App.Writer
	// Every id is checked before anything is removed. A snapshot whose
	// manifest cannot be read can still be removed: it is listed as such.
	ids := c.Args().Slice()
	var lines, leftNative []string
	for _, id := range ids {
		r, err := s.Open(id)
		switch {
		case errors.Is(err, snapshot.ErrNotFound) || (err != nil && !holds(s, id)):
			return fmt.Errorf("%w; nothing was removed", err)
		case err != nil:
			lines = append(lines, fmt.Sprintf("snapshot %s (unreadable: %v)", id, err))
		default:
			m := r.Manifest()
			line := fmt.Sprintf("snapshot %s (taken %s): %s, %d objects, %s", m.ID, m.CreatedAt.Format("2006-01-02 15:04:05Z"),
				strings.Join(m.Names(), ", "), snapshotObjects(m), snapshot.ByteSize(m.Size()))
			if note, inStore := workspace.NativeRemoval(c.Context, s, m); inStore {
				line += "\n    " + note
			} else if note != "" {
				leftNative = append(leftNative, note)
			}
			lines = append(lines, line)
		}
	}
	if err := refuseJournalSnapshots(c, ids); err != nil {
		return err
	}
	fmt.Fprintf(out, "colstate will remove these snapshots from %s:\n\n", s)
	for _, l := range lines {
		fmt.Fprintf(out, "  - %s\n", l)
	}
	for _, l := range leftNative {
		fmt.Fprintf(out, "\n%s\n", l)
	}
	if c.Bool("dry-run") {
		fmt.Fprintln(out, "\nDry run: nothing was removed.")
		return nil
	}
	if !c.Bool("auto-approve") {
		if err := confirm(c); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	left := nativeParts(s, ids)
	for _, id := range ids {
		if err := s.Remove(id); err != nil {
			return err
		}
		fmt.Fprintf(out, "Removed snapshot %s.\n", id)
		if n := left[id]; n != nil {
			fmt.Fprintf(out, "  %s\n", nativeLeftBehind(n))
		}
	}
	return nil
}

// refuseJournalSnapshots refuses removing a snapshot an interrupted apply
// still needs: a replace past its delete step holds its objects only there.
func refuseJournalSnapshots(c *cli.Context, ids []string) error {
	dir := c.String("chdir")
	cfg, err := workspace.LoadConfig(dir)
	if err != nil {
		return nil // no configuration here: no state, so no journal of it
	}
	st, err := workspace.OpenState(c.Context, dir, cfg)
	if err != nil {
		return fmt.Errorf("%w; nothing was removed", err)
	}
	defer st.Close()
	j, err := apply.LoadJournal(st)
	if err != nil {
		return fmt.Errorf("%w; nothing was removed", err)
	}
	if j == nil {
		return nil
	}
	for _, id := range ids {
		needs, err := j.NeedsSnapshot(id)
		if err != nil {
			return fmt.Errorf("%w; nothing was removed", err)
		}
		if len(needs) > 0 {
			return fmt.Errorf("snapshot %s is needed by the interrupted apply recorded in %s (started %s): %s restores its objects from it; nothing was removed. Finish that apply with colstate apply, or drop it with colstate apply -abandon, then remove the snapshot",
				id, j.Path(), j.StartedAt.Format(time.RFC3339), strings.Join(needs, ", "))
		}
	}
	return nil
}

func holds(s *snapshot.Store, id string) bool {
	ok, err := s.Holds(id)
	return err == nil && ok
}

func snapshotPruneCmd(c *cli.Context) error {
	s, err := store(c)
	if err != nil {
		return err
	}
	out := c.App.Writer
	older := c.Duration("older-than")
	dry := c.Bool("dry-run")
	removed, kept, problems, err := s.Prune(c.Context, older, time.Now(), dry)
	if err != nil {
		return err
	}
	verb := "Removed"
	if dry {
		verb = "Would remove"
	}
	for _, l := range removed {
		fmt.Fprintf(out, "%s %s: %s left by an interrupted backup or removal of snapshot %s, last written %s ago\n",
			verb, l.Path, fmt.Sprintf("%d file(s), %s", l.Files, snapshot.ByteSize(l.Bytes)), l.ID, time.Since(l.Newest).Round(time.Second))
	}
	for _, l := range kept {
		fmt.Fprintf(out, "Kept %s: written %s ago, less than --older-than %s (a backup may still be running)\n",
			l.Path, time.Since(l.Newest).Round(time.Second), older)
	}
	for _, p := range problems {
		fmt.Fprintf(c.App.ErrWriter, "warning: %v\n", p)
	}
	switch {
	case len(removed) == 0 && len(kept) == 0:
		fmt.Fprintf(out, "Nothing to prune in %s.\n", s)
	case dry:
		fmt.Fprintln(out, "\nDry run: nothing was removed.")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d leftover(s) could not be removed or checked (see the warnings); run colstate snapshot prune again", len(problems))
	}
	return nil
}
