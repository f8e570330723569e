package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/rogpeppe/go-internal/diff"
	"github.com/urfave/cli/v2"

	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/fsutil"
	"github.com/colstate/colstate/internal/workspace"
)

func fmtCommand() *cli.Command {
	return &cli.Command{
		Name:      "fmt",
		Usage:     "rewrite the configuration files in the canonical layout",
		ArgsUsage: " ",
		Description: `fmt rewrites every *.hcl file in the configuration directory in HCL's
canonical layout (indentation, aligned "=" signs, spacing), like terraform fmt,
and prints the name of each file it changed. Files are replaced atomically and
keep their permissions. A file with a syntax error is reported and nothing is
written.

With -check nothing is written: fmt lists the files that are not formatted and
exits 3, or exits 0 when all are (for CI). -diff also prints what changes.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", DisableDefaultText: true, Usage: "write nothing; list unformatted files and exit 3 when there are any"},
			&cli.BoolFlag{Name: "diff", DisableDefaultText: true, Usage: "print the changes as a unified diff"},
		},
		Action: fmtCmd,
	}
}

// formatted is one configuration file and its canonical form.
type formatted struct {
	name     string // as shown to the user
	path     string // to write: a symlink's target
	mode     os.FileMode
	src, out []byte
}

func fmtCmd(c *cli.Context) error {
	if c.NArg() > 0 {
		return fmt.Errorf("fmt takes no arguments (it formats every *.hcl file of the configuration directory; use -chdir to pick another), got %q", c.Args().Slice())
	}
	files, err := formatDir(c.String("chdir"))
	if err != nil {
		return err
	}
	out := c.App.Writer
	changed := 0
	for _, f := range files {
		if bytes.Equal(f.src, f.out) {
			continue
		}
		changed++
		fmt.Fprintln(out, f.name)
		if c.Bool("diff") {
			out.Write(diff.Diff(f.name, f.src, f.name+" (formatted)", f.out))
		}
		if c.Bool("check") {
			continue
		}
		if err := fsutil.WriteFileAtomic(f.path, f.out); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
		// WriteFileAtomic makes private files; a configuration file keeps the
		// permissions its owner gave it.
		if err := os.Chmod(f.path, f.mode); err != nil {
			return err
		}
	}
	if c.Bool("check") && changed > 0 {
		return exitCode(exitUnformatted)
	}
	return nil
}

// formatDir reads every *.hcl file in dir and formats it. Files with syntax
// errors are reported as diagnostics, so fmt never rewrites what it cannot
// parse.
func formatDir(dir string) ([]formatted, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.hcl"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		abs, _ := filepath.Abs(dir)
		return nil, fmt.Errorf("%s has no *.hcl files to format", abs)
	}
	sort.Strings(paths)
	var files []formatted
	var diags hcl.Diagnostics
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		name := p
		if r, err := filepath.Rel(".", p); err == nil {
			name = r
		}
		if d := config.CheckNesting(src, name); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		if _, d := hclsyntax.ParseConfig(src, name, hcl.InitialPos); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		// Rewrite a symlink's target: renaming over the link would replace it.
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, err
		}
		files = append(files, formatted{name: name, path: target, mode: fi.Mode().Perm(), src: src, out: hclwrite.Format(src)})
	}
	if diags.HasErrors() {
		return nil, &workspace.DiagnosticsError{Diags: diags}
	}
	return files, nil
}
