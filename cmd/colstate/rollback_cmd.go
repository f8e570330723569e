package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"
)

func rollbackCommand() *cli.Command {
	return &cli.Command{
		Name:      "rollback",
		Usage:     "point a collection's alias back at the collection a blue/green replace kept",
		ArgsUsage: "NAME",
		Description: `rollback undoes the last blue/green replace of collection NAME
(lifecycle { create_before_destroy = true, keep_previous = 1 }): it points the
alias NAME back at the collection the replace retargeted away from, in one
call, and records that in the state. The collection rolled back from is kept
in its place, so a second rollback goes forward again. Objects written
through the alias since the replace stay in the collection rolled back from.
The configuration still declares the newer schema: plan shows the replace
again until the configuration is changed back.`,
		Flags:  []cli.Flag{lockTimeoutFlag},
		Action: rollbackCmd,
	}
}

func rollbackCmd(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("name one collection to roll back, e.g. colstate rollback Article")
	}
	name := c.Args().First()
	ws, st, done, err := openLockedState(c, "rollback")
	if err != nil {
		return err
	}
	defer done()
	rec, ok := st.Backing[name]
	switch {
	case !st.Managed(name):
		return fmt.Errorf("collection %s is not managed by colstate: nothing to roll back", name)
	case !ok:
		return fmt.Errorf("collection %s has never been replaced blue/green, so no previous collection is kept: set lifecycle { create_before_destroy = true, keep_previous = 1 } before the next replace; to go back to older data now, restore a snapshot (colstate snapshot list, colstate restore)", name)
	case rec.Previous == "" || rec.PreviousSchema == nil:
		return fmt.Errorf("collection %s keeps no previous collection (keep_previous = 0, or its first blue/green replace, whose old collection's name became the alias): nothing to roll back to; restore the snapshot taken before the replace instead (colstate snapshot list, colstate restore)", name)
	}
	ctx := c.Context
	aliases, err := ws.Client.Aliases(ctx)
	if err != nil {
		return err
	}
	if aliases[name] != rec.Collection {
		return fmt.Errorf("alias %s points at %q, but the state records %s behind it: it was changed outside colstate; nothing was rolled back: run colstate plan to see the live state", name, aliases[name], rec.Collection)
	}
	if _, err := ws.Client.Class(ctx, rec.Previous); err != nil {
		return fmt.Errorf("the kept previous collection %s cannot be read (%v); nothing was rolled back", rec.Previous, err)
	}
	start := time.Now()
	if err := ws.Client.RetargetAlias(ctx, name, rec.Previous); err != nil {
		return err
	}
	took := time.Since(start)
	current := st.Collections[name]
	current.Name = name
	st.Collections[name] = *rec.PreviousSchema
	rec.Collection, rec.Previous, rec.PreviousSchema = rec.Previous, rec.Collection, &current
	rec.RolledBackAt = time.Now().UTC()
	st.Backing[name] = rec
	if err := ws.WriteState(st); err != nil {
		return fmt.Errorf("alias %s now points at %s, but saving the state failed: %w; run colstate rollback %s again once the state is writable", name, rec.Collection, err, name)
	}
	fmt.Fprintf(c.App.Writer, "Rolled back %s: alias %s → %s (was %s), in one call (%s). %s is kept: colstate rollback %s goes forward again.\n",
		name, name, rec.Collection, rec.Previous, took.Round(time.Microsecond), rec.Previous, name)
	fmt.Fprintln(c.App.Writer, "The configuration still declares the schema rolled back from: colstate plan shows the replace again until you change the configuration back.")
	return nil
}
