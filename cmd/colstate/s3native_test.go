package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colstate/colstate/internal/s3test"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// TestS3NativeScripts runs the scripts in testdata/script/s3native: native
// snapshot parts (Weaviate's backup-s3) written into the snapshot store's
// bucket beside the portable part. Two real S3 servers (versitygw): the
// package's shared one, which a Weaviate of this test's own reaches with
// backup-s3 (configured as a deployment would: BACKUP_S3_ENDPOINT, the
// AWS variables), and a second one the server does not reach, for the
// failures.
//
// $S3URL is a fresh prefix of the shared bucket; $S3URL_OTHER a prefix of a
// bucket only the second server has (the server's module finds no such
// bucket); $S3URL_TWIN a prefix of a bucket of the shared bucket's name on
// the second server (the module writes into the wrong S3 and reports
// success). s3ls lists a store's keys under its prefix; nosecret fails
// when the S3 secret key appears in any file of the script's work
// directory (state, plans, journal) or any object of its prefixes.
func TestS3NativeScripts(t *testing.T) {
	gw := s3test.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The second server takes the shared one's credentials: colstate uses
	// one set of AWS variables for both stores.
	gw2, err := s3test.Start(ctx, s3test.Options{Dir: t.TempDir(), AccessKey: gw.AccessKey, SecretKey: gw.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw2.Stop(10 * time.Second) })
	for _, b := range []string{"colstate-other", s3test.Bucket} {
		if err := gw2.CreateBucket(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	srv, err := weaviatetest.Start(dir, gw.WeaviateBackupEnv(s3test.Bucket))
	if err != nil {
		if log, rerr := os.ReadFile(filepath.Join(dir, "server.log")); rerr == nil {
			t.Logf("server log:\n%s", log)
		}
		t.Fatalf("start Weaviate with backup-s3: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop(30 * time.Second) })

	wv := wvDataCmd(srv.URL, srv.GRPCAddr)
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script/s3native",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("WEAVIATE_URL", srv.URL)
			env.Setenv("WEAVIATE_GRPC_URL", srv.GRPCAddr)
			env.Setenv("NO_COLOR", "")
			for _, kv := range gw.Env() {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			p := s3test.Prefix(t) + "/" + filepath.Base(env.WorkDir)
			env.Setenv("S3PREFIX", p)
			env.Setenv("S3URL", gw.URL(p))
			env.Setenv("S3URL_OTHER", gw2.BucketURL("colstate-other", p))
			env.Setenv("S3URL_TWIN", gw2.URL(p))
			return nil
		},
		Cmds: map[string]scriptCmd{
			"wv": wv,
			// s3ls main|other|twin: the keys under the script's prefix,
			// relative to it, one a line.
			"s3ls": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: s3ls main|other|twin")
				}
				out := ts.Stdout() // also when nothing is listed: it replaces stdout
				c, bucket := s3Of(ts, args[0], gw, gw2)
				p := ts.Getenv("S3PREFIX") + "/"
				for _, k := range listKeys(ts, c, bucket, p) {
					fmt.Fprintln(out, strings.TrimPrefix(k, p))
				}
			},
			"nosecret": func(ts *testscript.TestScript, neg bool, args []string) {
				secret := []byte(gw.SecretKey)
				found := func(where string) { ts.Fatalf("the S3 secret key is in %s", where) }
				ts.Check(filepath.WalkDir(ts.Getenv("WORK"), func(path string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					data, err := os.ReadFile(path)
					if err != nil {
						return err
					}
					if bytes.Contains(data, secret) {
						found(path)
					}
					return nil
				}))
				for _, which := range []string{"main", "other", "twin"} {
					c, bucket := s3Of(ts, which, gw, gw2)
					for _, k := range listKeys(ts, c, bucket, ts.Getenv("S3PREFIX")+"/") {
						out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
						ts.Check(err)
						data, err := io.ReadAll(out.Body)
						out.Body.Close()
						ts.Check(err)
						if bytes.Contains(data, secret) {
							found("s3://" + bucket + "/" + k)
						}
					}
				}
				if neg {
					ts.Fatalf("nosecret takes no !")
				}
			},
		},
	})
}

func s3Of(ts *testscript.TestScript, which string, gw, gw2 *s3test.Gateway) (*s3.Client, string) {
	switch which {
	case "main":
		return gw.Client(), s3test.Bucket
	case "other":
		return gw2.Client(), "colstate-other"
	case "twin":
		return gw2.Client(), s3test.Bucket
	}
	ts.Fatalf("no S3 store %q: main, other or twin", which)
	return nil, ""
}

func listKeys(ts *testscript.TestScript, c *s3.Client, bucket, prefix string) []string {
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		ts.Check(err)
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}
