package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestSharedFlagsReadTheSame: a flag that several commands take (and the
// app itself, for -no-color) has one help text and one default under every
// command, and every command's --help prints.
func TestSharedFlagsReadTheSame(t *testing.T) {
	app := newApp()
	type def struct{ where, usage, deflt string }
	seen := map[string]def{}
	var paths [][]string
	check := func(where string, flags []cli.Flag) {
		for _, f := range flags {
			df, ok := f.(cli.DocGenerationFlag)
			if !ok {
				continue
			}
			name := f.Names()[0]
			d := def{where, df.GetUsage(), df.GetDefaultText()}
			if prev, ok := seen[name]; ok && (prev.usage != d.usage || prev.deflt != d.deflt) {
				t.Errorf("-%s reads differently under %s (%q, default %q) and %s (%q, default %q)", name, prev.where, prev.usage, prev.deflt, where, d.usage, d.deflt)
				continue
			}
			seen[name] = d
		}
	}
	check("colstate", app.Flags)
	var walk func(path []string, cmds []*cli.Command)
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := append(append([]string(nil), path...), c.Name)
			paths = append(paths, p)
			check("colstate "+strings.Join(p, " "), c.Flags)
			walk(p, c.Subcommands)
		}
	}
	walk(nil, app.Commands)
	for _, name := range []string{"no-color", "lock-timeout", "auto-approve", "dry-run", "no-backup", "store", "target"} {
		if _, ok := seen[name]; !ok {
			t.Errorf("no command takes -%s", name)
		}
	}
	for _, p := range paths {
		var out bytes.Buffer
		a := newApp()
		a.Writer, a.ErrWriter = &out, &out
		if err := a.Run(append(append([]string{"colstate"}, p...), "--help")); err != nil {
			t.Errorf("colstate %s --help: %v", strings.Join(p, " "), err)
		}
		if !strings.Contains(out.String(), "colstate "+strings.Join(p, " ")) || strings.Contains(out.String(), "(default: false)") {
			t.Errorf("colstate %s --help reads:\n%s", strings.Join(p, " "), out.String())
		}
	}
}
