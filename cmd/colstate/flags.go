package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/colstate/colstate/internal/live"
)

// The flags several commands take, each defined once so that every command
// takes it with the same name, default and help. Bool flags leave out
// "(default: false)".
var (
	// noColorFlag is both global (colstate -no-color plan) and a flag of
	// the commands that print plans (colstate plan -no-color): useColor
	// asks every level.
	noColorFlag = &cli.BoolFlag{Name: "no-color", DisableDefaultText: true,
		Usage: "print without ANSI colours (colour is also off when the output is not a terminal, or NO_COLOR is set)"}
	lockTimeoutFlag = &cli.DurationFlag{Name: "lock-timeout", DefaultText: "0s, fail at once",
		Usage: "wait up to `DURATION` (e.g. 30s) for another colstate to release the state lock"}
	autoApproveFlag = &cli.BoolFlag{Name: "auto-approve", DisableDefaultText: true,
		Usage: "run without asking for confirmation (for CI)"}
	// forceFlag is -auto-approve as snapshot rm takes it, also spelled --force.
	forceFlag = &cli.BoolFlag{Name: autoApproveFlag.Name, Aliases: []string{"force"}, DisableDefaultText: true,
		Usage: autoApproveFlag.Usage}
	dryRunFlag = &cli.BoolFlag{Name: "dry-run", DisableDefaultText: true,
		Usage: "print what would change, with the checks the real run makes; change nothing"}
	tenantParallelFlag = &cli.IntFlag{Name: "tenant-parallel", Value: live.DefaultTenantParallel,
		Usage: "read, write or clear up to `N` tenants of a multi-tenant collection at once, 1 to 256 (inactive ones are activated at most N at a time)"}
	noBackupFlag = &cli.BoolFlag{Name: "no-backup", DisableDefaultText: true,
		Usage: "do not take a snapshot of the collections before their objects are deleted"}
	storeFlag = &cli.StringFlag{Name: "store",
		Usage: "snapshot store: a `DIR`, a bucket URL (s3://BUCKET/PREFIX?region=..., gs://, azblob://, file://), or the name of a snapshot_store block (default: the one declared, else .colstate/snapshots)"}
	// tenantFlag limits backup, restore and clear to tenants of one
	// multi-tenant collection.
	tenantFlag = &cli.StringSliceFlag{Name: "tenant",
		Usage: "only tenant `NAME` of the one collection, no other tenant (repeatable); restore: NAME=NEW_NAME writes it into tenant NEW_NAME"}
	targetFlag = &cli.StringSliceFlag{Name: "target",
		Usage: "limit the plan to `collection.NAME` and the collections it refers to (repeatable)"}
	// statePathFlag lets state commands work on a state file directly, e.g.
	// when the configuration does not load.
	statePathFlag = &cli.StringFlag{Name: "state",
		Usage: "use the state file at `PATH` (or the state object at a URL such as s3://bucket/prod.json?region=...) instead of the one the configuration names"}
)

// checkTenantParallel refuses a --tenant-parallel below 1 or above
// live.MaxTenantParallel.
func checkTenantParallel(c *cli.Context) error {
	if !c.IsSet(tenantParallelFlag.Name) {
		return nil
	}
	switch n := c.Int(tenantParallelFlag.Name); {
	case n < 1:
		return fmt.Errorf("--tenant-parallel %d: give at least 1 (1 reads and writes one tenant at a time)", n)
	case n > live.MaxTenantParallel:
		return fmt.Errorf("--tenant-parallel %d: give at most %d (each is a reader or writer of its own; beyond that requests only queue at the server)", n, live.MaxTenantParallel)
	}
	return nil
}

// consistencyFlag sets the consistency level of the object reads and
// writes of backup, restore, clear and apply (README "Clusters"); it is
// checked before anything is opened.
var consistencyFlag = &cli.StringFlag{Name: "consistency",
	DefaultText: live.DefaultWriteConsistency + " for writes, " + live.DefaultReadConsistency + " for reads",
	Usage:       "consistency `LEVEL` (ONE, QUORUM or ALL) of every object write and read on a replicated collection: how many replicas must acknowledge",
	Action: func(_ *cli.Context, v string) error {
		if _, err := live.ParseConsistency(v); err != nil {
			return fmt.Errorf("--consistency: %w", err)
		}
		return nil
	}}

// setConsistency gives client the level --consistency names, when given.
func setConsistency(c *cli.Context, client *live.Client) error {
	if !c.IsSet(consistencyFlag.Name) {
		return nil
	}
	return client.SetConsistency(c.String(consistencyFlag.Name))
}

// jsonEventsFlag is -json: plan prints its JSON document (same as
// -format=json); apply, backup, restore and clear write JSON lines
// (docs/apply-json.md) to stdout and their human output to stderr.
var jsonEventsFlag = &cli.BoolFlag{Name: "json", DisableDefaultText: true,
	Usage: "machine-readable stdout: plan prints its JSON document (same as -format=json, docs/plan-json.md); apply, backup, restore and clear write one JSON event a line (docs/apply-json.md), human output to stderr, and need -auto-approve"}
