package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/s3test"
)

// s3Bucket is the bucket colbench creates on its versitygw for both colstate
// and Weaviate's backup-s3 module.
const s3Bucket = "colbench"

// startS3 starts versitygw (posix backend under the work directory, a free
// loopback port, fresh root credentials) with one bucket, and adds the
// backup-s3 module's settings to the weaviate-server environment env.
func (b *bench) startS3(ctx context.Context, env map[string]string) error {
	b.logln("starting versitygw %s", s3test.Version)
	dir := filepath.Join(b.work, "s3")
	gw, err := s3test.Start(ctx, s3test.Options{Dir: dir})
	if err != nil {
		return fmt.Errorf("s3: %w (log: %s)", err, filepath.Join(dir, "versitygw.log"))
	}
	b.gw = gw
	if err := gw.CreateBucket(ctx, s3Bucket); err != nil {
		return err
	}
	b.s3store = gw.BucketURL(s3Bucket, "colstate")
	b.s3env = gw.Env()
	env["ENABLE_MODULES"] += ",backup-s3"
	env["BACKUP_S3_BUCKET"] = s3Bucket
	env["BACKUP_S3_PATH"] = "native"
	env["BACKUP_S3_ENDPOINT"] = strings.TrimPrefix(gw.Endpoint, "http://")
	env["BACKUP_S3_USE_SSL"] = "false"
	env["AWS_ACCESS_KEY_ID"] = gw.AccessKey
	env["AWS_SECRET_ACCESS_KEY"] = gw.SecretKey
	env["AWS_REGION"] = s3test.Region
	return nil
}

// s3 times colstate backup and restore to the S3 server against the same
// to a local directory, run for run in alternation so that the machine's
// load falls on both alike, and Weaviate's own backup-s3 module to the same
// server as the anchor.
func (b *bench) s3(ctx context.Context) error {
	src, d, err := b.restoreSource(ctx)
	if err != nil {
		return err
	}
	var bkS3, bkLocal, bkNatFast, bkNatDef, rsS3, rsLocal, rsNatFast, rsNatDef series
	for r := 1; r <= b.o.runs; r++ {
		b.logln("s3 run %d/%d (%d objects)", r, b.o.runs, d.count)
		ids := map[string]string{}
		for _, v := range []struct {
			name, store string
			s           *series
		}{{"local", b.store, &bkLocal}, {"s3", b.s3store, &bkS3}} {
			id := fmt.Sprintf("s3bench-%s-%d", v.name, r)
			el, rss, err := b.colstate(fmt.Sprintf("s3-backup-%s-%d", v.name, r), "backup", "-auto-approve", "-store", v.store, "-id", id, src)
			if err != nil {
				return err
			}
			v.s.add(el, rss)
			ids[v.name] = id
		}
		for _, v := range []struct {
			name string
			cfg  map[string]any
			s    *series
		}{{"fast", fastest, &bkNatFast}, {"default", nil, &bkNatDef}} {
			start := time.Now()
			if err := b.natS3.backup(ctx, fmt.Sprintf("nat-s3-%s-%s-%d", v.name, b.runID, r), src, v.cfg); err != nil {
				return err
			}
			v.s.add(time.Since(start), 0)
		}
		for _, v := range []struct {
			name, store string
			s           *series
		}{{"local", b.store, &rsLocal}, {"s3", b.s3store, &rsS3}} {
			name := fmt.Sprintf("BenchS3%s%d", strings.ToUpper(v.name[:1])+v.name[1:], r)
			el, rss, err := b.colstate(fmt.Sprintf("s3-restore-%s-%d", v.name, r), "restore", "-auto-approve", "-store", v.store, "-as", name, ids[v.name])
			if err != nil {
				return err
			}
			v.s.add(el, rss)
			if err := b.checkCount(ctx, name, d.count); err != nil {
				return err
			}
			if err := b.c.Delete(ctx, name); err != nil {
				return err
			}
		}
		// Native restore brings back the source collection itself.
		for _, v := range []struct {
			name string
			s    *series
		}{{"fast", &rsNatFast}, {"default", &rsNatDef}} {
			if err := b.c.Delete(ctx, src); err != nil {
				return err
			}
			start := time.Now()
			if err := b.natS3.restore(ctx, fmt.Sprintf("nat-s3-%s-%s-%d", v.name, b.runID, r), src); err != nil {
				return err
			}
			v.s.add(time.Since(start), 0)
			if err := b.checkCount(ctx, src, d.count); err != nil {
				return err
			}
		}
		i := r - 1
		b.logln("  backup: colstate s3 %.2fs, local %.2fs; backup-s3 fastest %.2fs, default %.2fs", bkS3.secs[i], bkLocal.secs[i], bkNatFast.secs[i], bkNatDef.secs[i])
		b.logln("  restore: colstate s3 %.2fs, local %.2fs; backup-s3 fastest %.2fs, default %.2fs", rsS3.secs[i], rsLocal.secs[i], rsNatFast.secs[i], rsNatDef.secs[i])
	}
	n := d.count
	b.addRows(with(bkS3.row("s3-backup", "colstate backup to S3 (versitygw on loopback)", n), "target ≤ 1.2× local"),
		bkLocal.row("s3-backup", "colstate backup to a local directory", n),
		bkNatFast.row("s3-backup", "native backup-s3 to the same server, ZstdBestSpeed 80% CPU", n),
		bkNatDef.row("s3-backup", "native backup-s3 to the same server, defaults (gzip)", n))
	b.addRows(with(rsS3.row("s3-restore", "colstate restore from S3 (into an absent collection, incl. verify)", n), "target ≤ 1.2× local"),
		rsLocal.row("s3-restore", "colstate restore from a local directory", n),
		rsNatFast.row("s3-restore", "native backup-s3 restore (ZstdBestSpeed backup)", n),
		rsNatDef.row("s3-restore", "native backup-s3 restore (default gzip backup)", n))
	return nil
}
