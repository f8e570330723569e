package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/snapshot"
)

// engines is the section "native" (issue 15): colstate's restore through
// the native path — Weaviate's own backup in a `both` snapshot, restored
// by the server, then read back and compared by colstate — against
// Weaviate's native restore of the same backup called directly (target
// ≤ 1.2×), with the default --verify=digest and with --verify=count; and
// `backup --engine=both` against the sum of its parts, each
// taken alone (--engine=portable, --engine=native).
func (b *bench) engines(ctx context.Context) error {
	var portable, nat, both, csRestore, csCount, natRestore series
	const src = "Bench"
	for r := 1; r <= b.o.runs; r++ {
		b.logln("native run %d/%d", r, b.o.runs)
		ids := map[string]string{}
		for _, v := range []struct {
			engine string
			s      *series
		}{{"portable", &portable}, {"native", &nat}, {"both", &both}} {
			id := fmt.Sprintf("eng-%s-%s-%d", v.engine, b.runID, r)
			el, rss, err := b.colstate("", "backup", "-auto-approve", "-store", b.store, "-engine", v.engine, "-id", id, src)
			if err != nil {
				return err
			}
			v.s.add(el, rss)
			ids[v.engine] = id
		}
		// colstate (--verify=digest, the default), Weaviate directly,
		// colstate --verify=count, Weaviate directly: alternating, so a
		// noisy neighbour weighs on both sides alike.
		var direct []float64
		for _, verify := range []string{"digest", "count"} {
			if err := b.c.Delete(ctx, src); err != nil {
				return err
			}
			el, rss, out, err := b.colstateOut(fmt.Sprintf("native-restore-%s-%d", verify, r), "restore", "-auto-approve", "-store", b.store, "-verify", verify, ids["both"])
			if err != nil {
				return err
			}
			// colstate's own account of where the time went (native
			// restore, read-back), for the log.
			for _, l := range strings.Split(string(out), "\n") {
				if strings.Contains(l, " in ") && (strings.Contains(l, "Weaviate restored") || strings.Contains(l, "read back")) {
					b.logln("    colstate --verify=%s: %s", verify, l)
				}
			}
			if verify == "digest" {
				csRestore.add(el, rss)
			} else {
				csCount.add(el, rss)
			}
			if err := b.checkCount(ctx, src, b.o.count); err != nil {
				return err
			}
			if err := b.c.Delete(ctx, src); err != nil {
				return err
			}
			start := time.Now()
			if err := b.nat.restore(ctx, snapshot.NativeBackupID(ids["both"]), src); err != nil {
				return err
			}
			natRestore.add(time.Since(start), 0)
			direct = append(direct, time.Since(start).Seconds())
			if err := b.checkCount(ctx, src, b.o.count); err != nil {
				return err
			}
		}
		b.logln("  restore colstate native path --verify=digest %.2fs (%.2f× the direct restore after it), --verify=count %.2fs (%.2f×)",
			csRestore.secs[r-1], csRestore.secs[r-1]/direct[0], csCount.secs[r-1], csCount.secs[r-1]/direct[1])
		b.logln("  backup portable %.2fs, native %.2fs, both %.2fs", portable.secs[r-1], nat.secs[r-1], both.secs[r-1])
	}
	n := b.o.count
	b.addRows(csRestore.row("native", "colstate restore via Weaviate's backup (both snapshot, incl. verify)", n),
		natRestore.row("native", "Weaviate's native restore of the same backup, called directly", n))
	b.addRows(csCount.row("native", "colstate restore via Weaviate's backup, --verify=count", n),
		natRestore.row("native", "Weaviate's native restore, called directly (the same runs as above)", n))
	sum := series{}
	for i := range portable.secs {
		sum.secs = append(sum.secs, portable.secs[i]+nat.secs[i])
	}
	b.addRows(both.row("native", "colstate backup --engine=both", n),
		sum.row("native", "sum of its parts: --engine=portable + --engine=native, run alone", n),
		portable.row("native", "colstate backup --engine=portable", n),
		nat.row("native", "colstate backup --engine=native", n))
	return nil
}
