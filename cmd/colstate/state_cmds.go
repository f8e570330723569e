package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/colstate/colstate/internal/state"
	"github.com/colstate/colstate/internal/workspace"
)

// stateCommand reads or edits the state file without contacting Weaviate.
func stateCommand() *cli.Command {
	return &cli.Command{
		Name:  "state",
		Usage: "inspect and edit colstate's state file (which collections colstate manages)",
		Description: `The state file records the collections colstate manages and what it last
applied to them. These commands read or edit it without contacting Weaviate.`,
		Subcommands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "list the collections colstate manages",
				ArgsUsage: " ",
				Description: `list prints the name of every collection recorded in the state, one a line, sorted,
then alias.NAME for every alias colstate manages.`,
				Flags:  []cli.Flag{statePathFlag},
				Action: stateListCmd,
			},
			{
				Name:      "show",
				Usage:     "print a managed collection as colstate last applied it",
				ArgsUsage: "NAME",
				Description: `show prints the collection NAME as the state records it (what colstate last
applied), as JSON. Compare it with the live schema when plan shows a change
you did not expect.`,
				Flags:  []cli.Flag{statePathFlag},
				Action: stateShowCmd,
			},
			{
				Name:      "rm",
				Usage:     "stop managing collections (or aliases: alias.NAME), without touching Weaviate",
				ArgsUsage: "NAME|alias.NAME...",
				Description: `rm forgets the named collections: they are removed from the state file, and
colstate will no longer change or delete them. The collections and their data
stay in Weaviate.

rm takes the state lock, writes the new state atomically and keeps the previous
one as <state>.backup. Remove the collections' blocks from the configuration
too; otherwise plan stops because they exist but are not managed (adopt them
again with colstate import).`,
				Flags:  []cli.Flag{statePathFlag, lockTimeoutFlag},
				Action: stateRmCmd,
			},
		},
	}
}

// forceUnlockCommand removes a lock left behind by a dead colstate process.
func forceUnlockCommand() *cli.Command {
	return &cli.Command{
		Name:      "force-unlock",
		Usage:     "remove a state lock left behind by a colstate process that died",
		ArgsUsage: "LOCK_ID",
		Description: `force-unlock removes the state lock whose ID is LOCK_ID. The error that says
the state is locked names the ID, the holder (user@host, pid), the operation
and when it started; run force-unlock only when that process is no longer
running, or two colstate runs may change the state at once.

It refuses when LOCK_ID does not match the lock file, so a lock taken since
is never removed by mistake, and when the holder is a process still running
on this host: it then asks for the lock ID again, or, with --force
(-auto-approve), removes it without asking.`,
		Flags:  []cli.Flag{statePathFlag, forceFlag},
		Action: forceUnlockCmd,
	}
}

// stateBackend opens the -state flag's file or URL, or the state the
// configuration names. The caller closes it.
func stateBackend(c *cli.Context) (*state.Backend, error) {
	if p := c.String("state"); p != "" {
		if strings.Contains(p, "://") {
			return state.OpenURL(c.Context, p)
		}
		if err := state.CheckName(p, p); err != nil {
			return nil, err
		}
		return state.Local(p), nil
	}
	dir := c.String("chdir")
	cfg, err := workspace.LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	return workspace.OpenState(c.Context, dir, cfg)
}

// readState reads the state stateBackend names, without a lock, and
// names where it read it.
func readState(c *cli.Context) (string, *state.State, error) {
	b, err := stateBackend(c)
	if err != nil {
		return "", nil, err
	}
	defer b.Close()
	st, err := b.Read(c.Context)
	return b.Location(), st, err
}

func stateListCmd(c *cli.Context) error {
	if c.NArg() > 0 {
		return fmt.Errorf("state list takes no arguments, got %q", c.Args().Slice())
	}
	path, st, err := readState(c)
	if err != nil {
		return err
	}
	names := st.Names()
	if len(names) == 0 && len(st.Aliases) == 0 {
		fmt.Fprintf(c.App.ErrWriter, "No collections are managed (state file %s).\n", path)
	}
	for _, n := range names {
		fmt.Fprintln(c.App.Writer, n)
	}
	for _, n := range slices.Sorted(maps.Keys(st.Aliases)) {
		fmt.Fprintf(c.App.Writer, "%s%s\n", aliasPrefix, n)
	}
	return nil
}

func stateShowCmd(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("state show takes one collection name: colstate state show NAME")
	}
	name := c.Args().First()
	path, st, err := readState(c)
	if err != nil {
		return err
	}
	col, ok := st.Collections[name]
	if !ok {
		return notManaged(path, st, []string{name})
	}
	out, err := json.MarshalIndent(col, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(c.App.Writer, string(out))
	return nil
}

func stateRmCmd(c *cli.Context) error {
	names := c.Args().Slice()
	if len(names) == 0 {
		return errors.New("state rm needs the names of the collections to forget: colstate state rm NAME...")
	}
	b, err := stateBackend(c)
	if err != nil {
		return err
	}
	defer b.Close()
	path := b.Location()
	lock, err := b.Lock(c.Context, "state rm", c.Duration(lockTimeoutFlag.Name))
	if err != nil {
		return err
	}
	defer lock.Unlock()
	st, err := b.Read(c.Context)
	if err != nil {
		return err
	}
	var missing []string
	for _, n := range names {
		if a, ok := strings.CutPrefix(n, aliasPrefix); ok {
			if _, managed := st.Aliases[a]; !managed {
				missing = append(missing, n)
			}
		} else if !st.Managed(n) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return notManaged(path, st, missing)
	}
	for _, n := range names {
		if a, ok := strings.CutPrefix(n, aliasPrefix); ok {
			delete(st.Aliases, a)
		} else {
			delete(st.Collections, n)
		}
	}
	if err := b.Write(context.Background(), st); err != nil {
		return err
	}
	if err := lock.Unlock(); err != nil {
		return err
	}
	out := c.App.Writer
	for _, n := range names {
		if a, ok := strings.CutPrefix(n, aliasPrefix); ok {
			fmt.Fprintf(out, "alias %s is no longer managed; it still exists in Weaviate (an alias block naming it adopts it again)\n", a)
			continue
		}
		fmt.Fprintf(out, "collection %s is no longer managed; it still exists in Weaviate\n", n)
	}
	fmt.Fprintf(out, "\nState saved to %s (previous state kept as %s.backup).\n", path, path)
	fmt.Fprintln(out, "Remove these collections' blocks from the configuration, or plan will stop because they exist but are not managed; to manage one again, run colstate import NAME.")
	return nil
}

// aliasPrefix marks an alias among the names state list prints and state
// rm takes: alias.NAME.
const aliasPrefix = "alias."

// notManaged explains that names are not in the state; nothing was changed.
func notManaged(path string, st *state.State, names []string) error {
	managed := "none"
	n := st.Names()
	for _, a := range slices.Sorted(maps.Keys(st.Aliases)) {
		n = append(n, aliasPrefix+a)
	}
	if len(n) > 0 {
		managed = strings.Join(n, ", ")
	}
	what := "collection " + names[0] + " is"
	switch {
	case len(names) > 1:
		what = "collections " + strings.Join(names, ", ") + " are"
	case strings.HasPrefix(names[0], aliasPrefix):
		what = names[0] + " is"
	}
	return fmt.Errorf("%s not managed by colstate (state file %s manages: %s); nothing was changed", what, path, managed)
}

func forceUnlockCmd(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("force-unlock takes the lock ID from the \"state is locked\" error: colstate force-unlock LOCK_ID")
	}
	b, err := stateBackend(c)
	if err != nil {
		return err
	}
	defer b.Close()
	id := c.Args().First()
	info, err := b.ForceUnlock(c.Context, id, c.Bool(forceFlag.Name))
	var running *state.HolderRunningError
	if errors.As(err, &running) {
		fmt.Fprintf(c.App.Writer, "%v\n", err)
		if err := ask(c, bufio.NewReader(c.App.Reader), "\n  Type the lock ID to remove the lock anyway: ", id,
			func(got string) string { return fmt.Sprintf("%q is not %q; nothing was removed", got, id) }); err != nil {
			return err
		}
		info, err = b.ForceUnlock(c.Context, id, true)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "The state lock %s was removed (held by %s, pid %d, for %q since %s).\n",
		info.ID, info.Who, info.PID, info.Operation, info.Created.Format(time.RFC3339))
	return nil
}
