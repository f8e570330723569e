package main

import (
	"fmt"
	"io"
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
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/workspace"
)

var (
	noColorFlag     = &cli.BoolFlag{Name: "no-color", Usage: "print without ANSI colours (also when output is not a terminal or NO_COLOR is set)"}
	targetFlag      = &cli.StringSliceFlag{Name: "target", Usage: "limit the plan to collection `collection.NAME` (repeatable)"}
	lockTimeoutFlag = &cli.DurationFlag{Name: "lock-timeout", Value: 0, Usage: "wait up to `DURATION` for another colstate to release the state lock"}
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
			&cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 0 with no changes, 2 with changes, 1 on error"},
			&cli.StringFlag{Name: "out", Usage: "save the plan to `FILE` for apply"},
			&cli.StringFlag{Name: "format", Value: "human", Usage: "output `FORMAT`: human, markdown or json"},
			&cli.BoolFlag{Name: "json", Usage: "same as -format=json"},
			targetFlag,
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

apply holds a lock beside the state file while it runs.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "auto-approve", Usage: "apply without asking for confirmation (for CI)"},
			noColorFlag,
			targetFlag,
			lockTimeoutFlag,
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
		format = "json"
	}
	if format != "human" && format != "markdown" && format != "json" {
		return fmt.Errorf("-format=%s: expected human, markdown or json", format)
	}
	tgts, err := targets(c)
	if err != nil {
		return err
	}
	ws, err := workspace.Open(c.Context, c.String("chdir"), c.App.ErrWriter)
	if err != nil {
		return err
	}
	defer ws.Close()
	st, err := ws.ReadState()
	if err != nil {
		return err
	}
	p, err := ws.Plan(c.Context, st, tgts)
	if err != nil {
		return err
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

func applyCmd(c *cli.Context) error {
	if c.NArg() > 1 {
		return fmt.Errorf("apply takes at most one saved plan file, got %d arguments", c.NArg())
	}
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
	ws, done, err := openLocked(c, "apply")
	if err != nil {
		return err
	}
	defer done()

	st, err := ws.ReadState()
	if err != nil {
		return err
	}
	out := c.App.Writer
	journalPath := apply.JournalPath(ws.StatePath())
	journal, p, err := resumable(journalPath, saved, out)
	if err != nil {
		return err
	}
	if journal != nil {
		if len(tgts) > 0 {
			return fmt.Errorf("-target cannot be used while an interrupted apply is pending: run colstate apply to resume it, or remove %s to abandon it", journalPath)
		}
		if !journal.SameState(st.Lineage, st.Serial) {
			return fmt.Errorf("the interrupted apply recorded in %s ran against state lineage %s, but %s has lineage %s: it belongs to another state; remove that file to abandon it", journalPath, journal.StateLineage, ws.StatePath(), st.Lineage)
		}
	}
	switch {
	case journal != nil:
		// Resuming: the plan was approved and has partly run, so it is no
		// longer expected to match the state or the live schema.
	case saved != nil:
		if err := ws.CheckFresh(c.Context, saved, st); err != nil {
			return err
		}
		p = saved
	default:
		if p, err = ws.Plan(c.Context, st, tgts); err != nil {
			return err
		}
	}
	plan.Human(out, p, plan.RenderOptions{Color: useColor(c, out)})
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
		if err := confirm(c.App.Reader, out); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	resumed := journal != nil
	if journal == nil {
		if journal, err = apply.NewJournal(journalPath, p, st.Lineage, st.Serial); err != nil {
			return fmt.Errorf("start the apply journal: %w", err)
		}
	}
	data := ws.DataRunner(out, c.App.ErrWriter, isTerminal(c.App.ErrWriter))
	r := &apply.Runner{
		Schema: ws.Client, Data: data, State: st, Save: ws.WriteState, Journal: journal, Resumed: resumed, Out: out,
		Content: func(ch plan.Change) (content.Source, error) { return ws.ContentSource(st, ch.Collection, ch.Data.From) },
	}
	return r.Run(c.Context, p)
}

// resumable looks for the journal of an interrupted apply. With one, it
// returns the journal and its plan (refusing a different saved plan);
// without, nil.
func resumable(path string, saved *plan.Plan, out io.Writer) (*apply.Journal, *plan.Plan, error) {
	j, err := apply.LoadJournal(path)
	if err != nil || j == nil {
		return nil, nil, err
	}
	p, err := j.SavedPlan()
	if err != nil {
		return nil, nil, err
	}
	if saved != nil {
		id, _, err := apply.PlanID(saved)
		if err != nil {
			return nil, nil, err
		}
		if id != j.PlanID {
			return nil, nil, fmt.Errorf("an interrupted apply of another plan (started %s) is recorded in %s: run colstate apply without a plan file to resume it first, or remove that file to abandon it", j.StartedAt.Format(time.RFC3339), path)
		}
	}
	fmt.Fprintf(out, "Resuming the apply interrupted after %d finished steps (started %s, journal %s).\n\n", j.Finished(), j.StartedAt.Format(time.RFC3339), path)
	return j, p, nil
}

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "adopt existing Weaviate collections into colstate",
		ArgsUsage: "NAME...",
		Description: `import records live collections in colstate's state so colstate manages
them from now on. For a collection the configuration does not declare yet,
it writes the HCL that declares it as it is (only settings that differ from
Weaviate's defaults) to the -generate-config-out file, so the next plan shows
no changes. Weaviate itself is not changed.`,
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
	ws, done, err := openLocked(c, "import")
	if err != nil {
		return err
	}
	defer done()
	st, err := ws.ReadState()
	if err != nil {
		return err
	}
	liveCols, err := ws.Client.Collections(c.Context)
	if err != nil {
		return err
	}
	out := c.App.Writer
	var toWrite []string
	for _, name := range c.Args().Slice() {
		col, ok := liveCols[name]
		switch {
		case !ok:
			return fmt.Errorf("collection %s does not exist in Weaviate at %s; names are case-sensitive (live: %s)", name, ws.Client.URL(), strings.Join(slices.Sorted(maps.Keys(liveCols)), ", "))
		case st.Managed(name):
			return fmt.Errorf("collection %s is already managed by colstate", name)
		}
		st.Collections[name] = col
		if ws.Config.Collection(name) == nil {
			toWrite = append(toWrite, name)
		}
	}
	var hclPath string
	if len(toWrite) > 0 {
		hclPath = filepath.Join(ws.Dir, c.String("generate-config-out"))
		if _, err := os.Stat(hclPath); err == nil {
			return fmt.Errorf("%s already exists; pass -generate-config-out=NEW_FILE.hcl", hclPath)
		}
		cols := make([]collection.Collection, 0, len(toWrite))
		for _, n := range toWrite {
			cols = append(cols, liveCols[n])
		}
		src, err := config.Generate(cols)
		if err != nil {
			return err
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
	}
	if hclPath != "" {
		fmt.Fprintf(out, "Wrote the HCL declaring %s to %s.\n", strings.Join(toWrite, ", "), hclPath)
	}
	fmt.Fprintln(out, "Run colstate plan: a collection declared as it is live shows no changes.")
	return nil
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
