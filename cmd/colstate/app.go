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
			planCommand(),
			applyCommand(),
			importCommand(),
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
