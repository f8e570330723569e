package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/content"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
	"github.com/colstate/colstate/internal/workspace"
)

func planCommand() *cli.Command {
	return &cli.Command{
		Name:  "plan",
		Usage: "show what apply would change",
		Description: `plan compares the configuration with the live Weaviate and the state file and
prints the changes: + create, ~ update in place, -/+ replace (the collection
is deleted and created again), - delete.

  -out=FILE               save the plan; "colstate apply FILE" runs exactly it
  -format=markdown        for a pull-request comment
  -json                   the versioned JSON document (docs/plan-json.md)
  -detailed-exitcode      exit 0 for no changes, 2 for changes, 1 for errors`,
		Flags: []cli.Flag{
			noColorFlag,
			&cli.BoolFlag{Name: "detailed-exitcode", DisableDefaultText: true, Usage: "exit 0 with no changes, 2 with changes, 1 on error"},
			&cli.StringFlag{Name: "out", Usage: "save the plan to `FILE` for apply"},
			&cli.StringFlag{Name: "format", Value: "human", Usage: "output `FORMAT`: human, markdown or json"},
			jsonEventsFlag,
			targetFlag,
			tenantParallelFlag,
		},
		Action: planCmd,
	}
}

func applyCommand() *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "make Weaviate match the configuration",
		ArgsUsage: "[SAVED_PLAN]",
		Description: `apply plans again, shows the plan, asks for confirmation (unless
-auto-approve), runs the changes and records each finished one in the state
file. Given a plan saved with "plan -out=FILE", it runs exactly that plan
without asking, and refuses it when the state or the live schema of a
collection it changes has moved on since.

apply holds a lock beside the state file while it runs, and journals its
progress beside it (STATE.journal). When an apply stops part-way (Ctrl-C,
a crash, a failed step), plan and apply show the pending journal: apply
finishes first what cannot be left half done (a replace whose collection is
already deleted: its objects are restored from the snapshot the replace
took) and plans everything else afresh from the configuration and the live
state. A step the configuration no longer asks for (a delete, a replace,
exact-mode deletes) is dropped and named, never run.

  -json                   one JSON event a line on stdout (docs/apply-json.md),
                          the plan and other human output on stderr; needs
                          -auto-approve unless a saved plan is given

  -abandon                drop the journal instead; it says what will not
                          run and where the objects of a half-done replace
                          are, and asks for confirmation unless -auto-approve`,
		Flags: []cli.Flag{
			autoApproveFlag,
			&cli.BoolFlag{Name: "abandon", DisableDefaultText: true, Usage: "drop the journal of an interrupted apply instead of finishing it (says what will not run; asks unless -auto-approve)"},
			noColorFlag,
			targetFlag,
			consistencyFlag,
			tenantParallelFlag,
			lockTimeoutFlag,
			jsonEventsFlag,
		},
		Action: applyCmd,
	}
}

// targets turns -target values (collection.Name or Name) into names.
func targets(c *cli.Context) ([]string, error) {
	var out []string
	for _, t := range c.StringSlice("target") {
		name := strings.TrimPrefix(t, "collection.")
		if name == "" || strings.Contains(name, ".") {
			return nil, fmt.Errorf("-target=%s: expected collection.NAME", t)
		}
		out = append(out, name)
	}
	return out, nil
}

func planCmd(c *cli.Context) error {
	format := c.String("format")
	if c.Bool("json") {
		if c.IsSet("format") && format != "json" {
			return fmt.Errorf("-json and -format=%s ask for two different outputs: use one of them (-json is -format=json)", format)
		}
		format = "json"
	}
	if format != "human" && format != "markdown" && format != "json" {
		return fmt.Errorf("-format=%s: expected human, markdown or json", format)
	}
	tgts, err := targets(c)
	if err != nil {
		return err
	}
	if err := checkTenantParallel(c); err != nil {
		return err
	}
	ws, err := workspace.Open(c.Context, c.String("chdir"), c.App.ErrWriter)
	if err != nil {
		return err
	}
	defer ws.Close()
	ws.TenantParallel = c.Int(tenantParallelFlag.Name)
	st, err := ws.ReadState()
	if err != nil {
		return err
	}
	p, err := ws.Plan(c.Context, st, tgts)
	if err != nil {
		return err
	}
	if p.Interrupted != nil {
		// plan takes no lock: the journal may be that of an apply still running.
		if info, _ := ws.State.ReadLock(c.Context); info != nil {
			fmt.Fprintf(c.App.ErrWriter, "warning: the state is locked by %s for %q since %s: the pending journal below may belong to an apply that is still running\n",
				info.Who, info.Operation, info.Created.Format(time.RFC3339))
		}
	}
	out := c.App.Writer
	switch format {
	case "json":
		if err := plan.WriteJSON(out, p); err != nil {
			return err
		}
	case "markdown":
		plan.Markdown(out, p)
	default:
		plan.Human(out, p, plan.RenderOptions{Color: useColor(c, out)})
	}
	if path := c.String("out"); path != "" {
		if err := plan.Save(path, p); err != nil {
			return fmt.Errorf("save plan: %w", err)
		}
		if format == "human" {
			fmt.Fprintf(out, "\nSaved the plan to %s. To perform exactly these actions, run:\n  colstate apply %s\n", path, path)
		}
	}
	if c.Bool("detailed-exitcode") && !p.Empty() {
		return exitCode(exitChanges)
	}
	return nil
}

func applyCmd(c *cli.Context) (err error) {
	if c.Bool("abandon") {
		if c.Bool(jsonEventsFlag.Name) {
			return fmt.Errorf("apply -abandon has no -json output: run it without -json")
		}
		return abandonCmd(c)
	}
	if c.NArg() > 1 {
		return fmt.Errorf("apply takes at most one saved plan file, got %d arguments", c.NArg())
	}
	jf, out, err := eventsFor(c, c.NArg() == 0)
	if err != nil {
		return err
	}
	changes := 0
	defer func() { err = jf.Finish(changes, err) }()
	var saved *plan.Plan
	if c.NArg() == 1 {
		if len(c.StringSlice("target")) > 0 {
			return fmt.Errorf("-target cannot be combined with a saved plan: the plan already says what it changes")
		}
		var err error
		if saved, err = plan.Load(c.Args().First()); err != nil {
			return err
		}
	}
	tgts, err := targets(c)
	if err != nil {
		return err
	}
	if err := checkTenantParallel(c); err != nil {
		return err
	}
	ws, st, done, err := openLockedState(c, "apply")
	if err != nil {
		return err
	}
	defer done()
	ws.TenantParallel = c.Int(tenantParallelFlag.Name)
	if err := setConsistency(c, ws.Client); err != nil {
		return err
	}
	var p *plan.Plan
	if saved != nil {
		if err := checkSavedAgainstJournal(ws, st, saved); err != nil {
			return err
		}
		if err := ws.CheckFresh(c.Context, saved, st); err != nil {
			return err
		}
		p = saved
	} else if p, err = ws.Plan(c.Context, st, tgts); err != nil {
		return err // a pending journal is part of the plan: see workspace.Plan
	}
	plan.Human(out, p, plan.RenderOptions{Color: useColor(c, out)})
	changes = len(p.Changes)
	if p.Empty() {
		return nil
	}
	if err := apply.Check(p); err != nil {
		return err
	}
	if apply.MovesObjects(p) {
		// Before the confirmation and the journal: a plan that cannot
		// move its objects is refused while nothing has happened.
		if err := ws.Client.CheckEndpoints(c.Context); err != nil {
			return fmt.Errorf("%w\nnothing was applied", err)
		}
	}
	if saved == nil && !c.Bool("auto-approve") {
		if err := confirm(c); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	// The new journal replaces an interrupted apply's: this plan settles it.
	journal, err := apply.NewJournal(ws.State, p, st.Lineage, st.Serial)
	if err != nil {
		return fmt.Errorf("start the apply journal: %w", err)
	}
	data := ws.DataRunner(out, c.App.ErrWriter, isTerminal(c.App.ErrWriter))
	data.TenantParallel = ws.TenantParallel
	r := &apply.Runner{
		Schema: ws.Client, Data: data, State: st, Save: ws.WriteState, Journal: journal, Out: out,
		Content: func(ch plan.Change) (content.Source, error) { return ws.ContentSource(st, ch.Collection, ch.Data.From) },
		Events:  jf.Fn(), Aliases: ws.Client,
	}
	if err := r.Run(c.Context, p); err != nil {
		return err
	}
	return ws.PruneRetention(c.Context, st, p, out)
}

// checkSavedAgainstJournal refuses a saved plan that does not settle the
// pending journal as it is now: one made before the interruption, or one
// made for a journal that has moved on or is gone.
func checkSavedAgainstJournal(ws *workspace.Workspace, st *state.State, saved *plan.Plan) error {
	j, err := ws.PendingJournal(st)
	if err != nil {
		return err
	}
	again := "run colstate plan -out=FILE again: it shows what is left of the interrupted apply"
	switch in := saved.Interrupted; {
	case j != nil && in == nil:
		return fmt.Errorf("an interrupted apply (started %s) is pending in %s, and the saved plan does not account for it; %s, or run colstate apply -abandon to drop it", j.StartedAt.Format(time.RFC3339), j.Path(), again)
	case j == nil && in != nil:
		return fmt.Errorf("saved plan is stale: it settles the interrupted apply %s, whose journal is gone; run colstate plan -out=FILE again", in.PlanID)
	case j != nil && (j.PlanID != in.PlanID || j.Finished() != in.Finished):
		return fmt.Errorf("saved plan is stale: the interrupted apply in %s is not the one it was made for (plan %s with %d finished steps, now %s with %d); %s", j.Path(), in.PlanID, in.Finished, j.PlanID, j.Finished(), again)
	}
	return nil
}

// abandonCmd drops the journal of an interrupted apply, after saying what
// of it will never run and where the data of a half-done replace is.
func abandonCmd(c *cli.Context) error {
	if c.NArg() > 0 || len(c.StringSlice("target")) > 0 {
		return fmt.Errorf("apply -abandon takes no saved plan and no -target: it drops the whole journal of the interrupted apply")
	}
	ws, done, err := openLocked(c, "apply -abandon")
	if err != nil {
		return err
	}
	defer done()
	out := c.App.Writer
	j, err := apply.LoadJournal(ws.State)
	if err != nil {
		return err
	}
	if j == nil {
		fmt.Fprintf(out, "No interrupted apply is pending (there is no journal at %s): nothing to abandon.\n", ws.State.FileLocation("journal"))
		return nil
	}
	st, err := ws.ReadState()
	if err != nil {
		return err
	}
	steps := "steps"
	if j.Finished() == 1 {
		steps = "step"
	}
	fmt.Fprintf(out, "Abandoning the interrupted apply recorded in %s (started %s, %d %s finished).\n",
		j.Path(), j.StartedAt.Format(time.RFC3339), j.Finished(), steps)
	liveCols, lerr := ws.Client.Collections(c.Context)
	if lerr != nil {
		fmt.Fprintf(c.App.ErrWriter, "warning: cannot read the live schema (%v); listing the journal's plan as it was\n", lerr)
		liveCols = nil
	}
	carried, dropped, err := j.Pending(st, liveCols)
	if err != nil {
		return err
	}
	if lerr != nil {
		// Without the live schema nothing can be told apart: list every
		// unfinished change.
		dropped, carried = append(carried, dropped...), nil
	}
	for _, ch := range carried {
		switch {
		case ch.Action == plan.Replace:
			fmt.Fprintf(out, "  ! collection %s was deleted by the interrupted replace and its objects are not restored; they are in snapshot %s (store %s): restore them with colstate restore --collection %s %s\n",
				ch.Collection, ch.Data.Snapshot, ch.Data.Store, ch.Collection, ch.Data.Snapshot)
		case ch.Action == plan.Create:
			fmt.Fprintf(out, "  ! collection %s was created by the interrupted apply but is not recorded in the state: adopt it with colstate import %s, or delete it\n", ch.Collection, ch.Collection)
		default:
			fmt.Fprintf(out, "  ! %s %s of collection %s is half done in Weaviate and will not be recorded in the state\n", ch.Action.Symbol(), ch.Action, ch.Collection)
		}
	}
	for _, ch := range dropped {
		fmt.Fprintf(out, "  not run: %s %s %s (its change %d)\n", ch.Action.Symbol(), ch.Action, ch.Collection, ch.Resumes.Change)
	}
	fmt.Fprintln(out, "Snapshots it took are kept. The next plan is made from the configuration and the live state alone.")
	if !c.Bool("auto-approve") {
		if err := confirm(c); err != nil {
			return err
		}
	}
	if err := j.Remove(); err != nil {
		return err
	}
	fmt.Fprintf(out, "Removed %s. Run colstate plan to see what the configuration asks for now.\n", j.Path())
	return nil
}

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "adopt existing Weaviate collections (and their aliases) into colstate",
		ArgsUsage: "NAME...",
		Description: `import records live collections in colstate's state so colstate manages
them from now on. For a collection the configuration does not declare yet,
it writes the HCL that declares it as it is (only settings that differ from
Weaviate's defaults) to the -generate-config-out file, so the next plan shows
no changes. The live aliases that point at an imported collection are
imported with it: recorded as managed, and written as alias blocks unless
the configuration declares them. A NAME that is an alias over NAME_vN (a
blue/green name the state forgot: state rm, a lost state) is adopted as a
blue/green collection, declared with lifecycle { create_before_destroy = true };
any other alias is refused, naming its collection. Weaviate itself is not
changed.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "generate-config-out", Value: "imported.hcl", Usage: "write HCL for undeclared collections to `FILE` in the configuration directory (must not exist)"},
			lockTimeoutFlag,
		},
		Action: importCmd,
	}
}

func importCmd(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("name at least one collection to import, e.g. colstate import Article")
	}
	ws, st, done, err := openLockedState(c, "import")
	if err != nil {
		return err
	}
	defer done()
	liveCols, err := ws.Client.Collections(c.Context)
	if err != nil {
		return err
	}
	liveAliases, err := ws.Client.Aliases(c.Context)
	if err != nil {
		return err
	}
	out := c.App.Writer
	var toWrite []string
	imported := map[string]collection.Collection{}
	blueGreen := map[string]bool{} // names adopted as blue/green names
	for _, name := range c.Args().Slice() {
		col, ok := liveCols[name]
		if st.Managed(name) {
			return fmt.Errorf("collection %s is already managed by colstate", name)
		}
		if target, alias := liveAliases[name]; alias && !ok {
			bcol, rec, err := workspace.AdoptBlueGreen(st, name, target, liveCols)
			if err != nil {
				return err
			}
			if st.Backing == nil {
				st.Backing = map[string]state.Backing{}
			}
			st.Backing[name] = rec
			col, ok = bcol, true
			blueGreen[name] = true
		}
		if !ok {
			return fmt.Errorf("collection %s does not exist in Weaviate at %s; names are case-sensitive (live: %s)", name, ws.Client.URL(), strings.Join(slices.Sorted(maps.Keys(liveCols)), ", "))
		}
		st.Collections[name] = col
		imported[name] = col
		if ws.Config.Collection(name) == nil {
			toWrite = append(toWrite, name)
		}
	}
	// A reference needs its target declared (colstate validate says so):
	// import the targets together rather than write a configuration that
	// does not load.
	for _, name := range c.Args().Slice() {
		col := imported[name]
		for _, t := range col.References() {
			if ws.Config.Collection(t) == nil && !slices.Contains(c.Args().Slice(), t) {
				return fmt.Errorf("collection %s refers to collection %s, which the configuration does not declare: import both (colstate import %s %s) or declare %s first; nothing was imported", name, t, strings.Join(c.Args().Slice(), " "), t, t)
			}
		}
	}
	// The aliases of the imported collections come with them: recorded as
	// managed, and declared unless the configuration declares them already.
	aliasesToWrite := map[string]string{}
	var importedAliases []string
	for _, name := range slices.Sorted(maps.Keys(liveAliases)) {
		target := liveAliases[name]
		if !slices.Contains(c.Args().Slice(), target) {
			continue
		}
		if _, managed := st.Aliases[name]; !managed {
			st.Aliases[name] = target
			importedAliases = append(importedAliases, fmt.Sprintf("%s (→ %s)", name, target))
		}
		if ws.Config.Alias(name) == nil {
			aliasesToWrite[name] = target
		}
	}
	var hclPath string
	if len(toWrite) > 0 || len(aliasesToWrite) > 0 {
		hclPath = filepath.Join(ws.Dir, c.String("generate-config-out"))
		if _, err := os.Stat(hclPath); err == nil {
			return fmt.Errorf("%s already exists; pass -generate-config-out=NEW_FILE.hcl", hclPath)
		}
		cols := make([]collection.Collection, 0, len(toWrite))
		for _, n := range toWrite {
			cols = append(cols, imported[n])
		}
		src, err := config.GenerateBlueGreen(cols, blueGreen)
		if err != nil {
			return err
		}
		if len(aliasesToWrite) > 0 {
			if len(src) > 0 {
				src = append(src, '\n')
			}
			src = append(src, config.GenerateAliases(aliasesToWrite)...)
		}
		header := fmt.Sprintf("# Generated by colstate import on %s from %s.\n# Review it, then keep it with the rest of your configuration.\n\n",
			time.Now().UTC().Format(time.RFC3339), ws.Client.URL())
		if err := writeNew(hclPath, append([]byte(header), src...)); err != nil {
			return err
		}
	}
	if err := ws.WriteState(st); err != nil {
		if hclPath != "" {
			os.Remove(hclPath) // nothing was imported: leave no half of it
		}
		return fmt.Errorf("save state: %w", err)
	}
	for _, name := range c.Args().Slice() {
		fmt.Fprintf(out, "Imported collection %s.\n", name)
		if blueGreen[name] {
			importedBlueGreen(c, ws, st, name, liveAliases)
		}
		cl, err := ws.Client.Class(c.Context, name)
		if err != nil {
			return fmt.Errorf("imported %s, but reading its settings back failed: %w", name, err)
		}
		if extra := live.Unmodeled(cl); len(extra) > 0 {
			fmt.Fprintf(out, "  %s has settings HCL cannot declare; updates and replaces keep them as they are:\n    %s\n", name, strings.Join(extra, "\n    "))
		}
	}
	if len(importedAliases) > 0 {
		fmt.Fprintf(out, "Imported the aliases of these collections: %s.\n", strings.Join(importedAliases, ", "))
	}
	if hclPath != "" {
		declared := slices.Clone(toWrite)
		for _, n := range slices.Sorted(maps.Keys(aliasesToWrite)) {
			declared = append(declared, "alias "+n)
		}
		fmt.Fprintf(out, "Wrote the HCL declaring %s to %s.\n", strings.Join(declared, ", "), hclPath)
	}
	fmt.Fprintln(out, "Run colstate plan: a collection declared as it is live shows no changes.")
	return nil
}

// importedBlueGreen says how import adopted name, an alias over NAME_vN,
// as a blue/green name, and what a later replace needs.
func importedBlueGreen(c *cli.Context, ws *workspace.Workspace, st *state.State, name string, liveAliases map[string]string) {
	out := c.App.Writer
	rec := st.Backing[name]
	fmt.Fprintf(out, "  %s is the alias %s → %s, named as a blue/green replace names the collection behind it: recorded as a blue/green collection (lifecycle create_before_destroy); colstate keeps %s behind the name.\n", name, name, rec.Collection, rec.Collection)
	if rec.Previous != "" {
		fmt.Fprintf(out, "  The previous collection %s the state kept for colstate rollback %s is kept again.\n", rec.Previous, name)
	}
	if d := ws.Config.Collection(name); d != nil && !d.Lifecycle.CreateBeforeDestroy {
		fmt.Fprintf(out, "  The configuration declares collection %s without lifecycle { create_before_destroy = true }: add it, so that a later replace creates the next %s_vN and retargets the alias.\n", name, name)
	}
	for _, a := range slices.Sorted(maps.Keys(liveAliases)) {
		if liveAliases[a] == rec.Collection && a != name {
			fmt.Fprintf(out, "  Alias %s also points at %s; it is not imported (an alias block cannot point at a blue/green collection), and colstate refuses a blue/green replace of %s while it exists.\n", a, rec.Collection, name)
		}
	}
}

// writeNew creates path with data, refusing to overwrite a file that
// appeared since it was checked (O_EXCL).
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("%w; pass -generate-config-out=NEW_FILE.hcl", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
