package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

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

plan and apply never change a collection colstate does not manage (absent
from its state); clear and restore change one only when their command line
names it.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "chdir", Value: ".", Usage: "read configuration from `DIR` instead of the working directory"},
			noColorFlag,
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
			planCommand(),
			applyCommand(),
			importCommand(), rollbackCommand(),
			fmtCommand(), stateCommand(), forceUnlockCommand(),
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
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	// -no-color is both global (colstate -no-color plan) and a flag of the
	// commands that print plans (colstate plan -no-color); a command's own
	// definition shadows the global one, so ask every level.
	for _, cc := range c.Lineage() {
		if cc.Bool(noColorFlag.Name) {
			return false
		}
	}
	return isTerminal(w)
}

// isTerminal reports whether w is a terminal: colours and progress bars
// are for people, not for files and pipes.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

var errCancelled = errors.New("cancelled")

// commandPath is the command as typed after "colstate": "snapshot rm".
func commandPath(c *cli.Context) string {
	var names []string
	for _, cc := range c.Lineage() {
		if cc.Command != nil && cc.Command.Name != "" && cc.Command.Name != c.App.Name {
			names = append([]string{cc.Command.Name}, names...)
		}
	}
	return strings.Join(names, " ")
}

// cancelled is the error of a confirmation that was refused or could not
// be asked: it names the command, and how to run it where nobody answers.
func cancelled(c *cli.Context, why string) error {
	return fmt.Errorf("%s %w: %s", commandPath(c), errCancelled, why)
}

// noAnswer says how to run the command without a prompt.
func noAnswer(c *cli.Context) string {
	return fmt.Sprintf("no answer on standard input; where nobody can answer (CI), run colstate %s -auto-approve", commandPath(c))
}

// confirm asks for "yes" before the command changes anything.
func confirm(c *cli.Context) error {
	return ask(c, bufio.NewReader(c.App.Reader), "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ", "yes",
		func(string) string { return "nothing was changed" })
}

// confirmNames asks the user to type each collection's name: clearing is
// too destructive for a plain "yes".
func confirmNames(c *cli.Context, names []string) error {
	rd := bufio.NewReader(c.App.Reader)
	for _, name := range names {
		if err := ask(c, rd, fmt.Sprintf("\nEvery object of %s will be deleted.\n  Type the collection name to confirm: ", name), name,
			func(got string) string { return fmt.Sprintf("%q is not %q; nothing was changed", got, name) }); err != nil {
			return err
		}
	}
	return nil
}

// ask prints prompt and reads one line from standard input. Any answer
// but want cancels the command (refused says why), and so does no answer
// at all: the error then says how to run the command without a prompt.
func ask(c *cli.Context, rd *bufio.Reader, prompt, want string, refused func(got string) string) error {
	out := c.App.Writer
	fmt.Fprint(out, prompt)
	line, err := rd.ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(out)
		return cancelled(c, noAnswer(c))
	}
	if got := strings.TrimSpace(line); got != want {
		return cancelled(c, refused(got))
	}
	return nil
}
