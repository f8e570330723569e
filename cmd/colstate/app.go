package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/colstate/colstate/internal/apply"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/workspace"
)

var version = "dev"

func newApp() *cli.App {
	return &cli.App{
		Name:    "colstate",
		Usage:   "keep Weaviate collections — schema and data — as code",
		Version: version,
		Description: `colstate reads every *.hcl file in the working directory, compares the
collections they declare with the live Weaviate and with colstate's state
file, and shows a plan. apply carries the plan out.

Collections colstate does not manage (absent from its state) are never touched.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "chdir", Value: ".", Usage: "read configuration from `DIR` instead of the working directory"},
		},
		HideHelpCommand:      true,
		EnableBashCompletion: false,
		ExitErrHandler:       func(*cli.Context, error) {}, // main reports errors
		Commands: append([]*cli.Command{
			{
				Name:      "validate",
				Usage:     "check the configuration without contacting Weaviate",
				ArgsUsage: " ",
				Action:    validateCmd,
			},
			{
				Name:  "plan",
				Usage: "show what apply would change",
				Description: `plan compares the configuration with the live Weaviate and the state file and
prints the changes: + create, ~ update in place, -/+ replace, - delete.`,
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "no-color", Usage: "print without ANSI colours (also when output is not a terminal or NO_COLOR is set)"},
					&cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 0 with no changes, 2 with changes, 1 on error"},
				},
				Action: planCmd,
			},
			{
				Name:  "apply",
				Usage: "make Weaviate match the configuration",
				Description: `apply plans again, shows the plan, asks for confirmation (unless
-auto-approve), runs the changes and records each finished one in the state
file.`,
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "auto-approve", Usage: "apply without asking for confirmation (for CI)"},
					&cli.BoolFlag{Name: "no-color", Usage: "print without ANSI colours"},
				},
				Action: applyCmd,
			},
		}, dataCommands()...),
	}
}

func validateCmd(c *cli.Context) error {
	cfg, err := workspace.LoadConfig(c.String("chdir"))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "The configuration is valid: %d collection(s).\n", len(cfg.Collections))
	return nil
}

func useColor(c *cli.Context, w io.Writer) bool {
	if c.Bool("no-color") || os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func planCmd(c *cli.Context) error {
	ws, err := workspace.Open(c.Context, c.String("chdir"), c.App.ErrWriter)
	if err != nil {
		return err
	}
	defer ws.Close()
	st, err := ws.ReadState()
	if err != nil {
		return err
	}
	p, err := ws.Plan(c.Context, st)
	if err != nil {
		return err
	}
	plan.Human(c.App.Writer, p, plan.RenderOptions{Color: useColor(c, c.App.Writer)})
	if c.Bool("detailed-exitcode") && !p.Empty() {
		return exitCode(exitChanges)
	}
	return nil
}

func applyCmd(c *cli.Context) error {
	ws, err := workspace.Open(c.Context, c.String("chdir"), c.App.ErrWriter)
	if err != nil {
		return err
	}
	defer ws.Close()
	st, err := ws.ReadState()
	if err != nil {
		return err
	}
	p, err := ws.Plan(c.Context, st)
	if err != nil {
		return err
	}
	out := c.App.Writer
	plan.Human(out, p, plan.RenderOptions{Color: useColor(c, out)})
	if p.Empty() {
		return nil
	}
	if err := apply.Check(p); err != nil {
		return err
	}
	if !c.Bool("auto-approve") {
		if err := confirm(c.App.Reader, out); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	r := &apply.Runner{Schema: ws.Client, State: st, Save: ws.WriteState, Out: out}
	return r.Run(c.Context, p)
}

var errCancelled = errors.New("apply cancelled")

func confirm(in io.Reader, out io.Writer) error {
	fmt.Fprint(out, "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(out)
		return fmt.Errorf("%w: no answer on standard input; run apply -auto-approve where nobody can answer (CI)", errCancelled)
	}
	if strings.TrimSpace(line) != "yes" {
		return fmt.Errorf("%w: nothing was changed", errCancelled)
	}
	return nil
}
