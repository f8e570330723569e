package main

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/Shopify/toxiproxy/v2/toxics"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/rs/zerolog"

	"github.com/colstate/colstate/internal/s3test"
)

// countToxic passes data through unchanged and counts it under Key: the
// tests' readiness signal is bytes that went through a proxy.
type countToxic struct {
	Key string `json:"key"`
}

var toxicCounts sync.Map // key → *atomic.Int64

func toxicCount(key string) *atomic.Int64 {
	c, _ := toxicCounts.LoadOrStore(key, new(atomic.Int64))
	return c.(*atomic.Int64)
}

func (c *countToxic) Pipe(stub *toxics.ToxicStub) {
	n := toxicCount(c.Key)
	for {
		select {
		case <-stub.Interrupt:
			return
		case chunk := <-stub.Input:
			if chunk == nil {
				stub.Close()
				return
			}
			n.Add(int64(len(chunk.Data)))
			stub.Output <- chunk
		}
	}
}

func init() { toxics.Register("count", new(countToxic)) }

// TestS3Fault backs up the 20K-object fault source to a snapshot store on a
// real S3 server (versitygw) reached through a toxiproxy proxy, throttled so
// that the upload of the snapshot's one 1.9 MiB chunk takes seconds, and
// cuts the proxy once 1 MiB has gone up through it (counted by the proxy,
// not guessed with a sleep), that is in the middle of the chunk's PUT:
//
//   - blips: every connection is closed twice, the proxy coming straight
//     back, the second cut once the retried PUT is sending again; the AWS
//     SDK's retries (3 attempts) carry the backup through, and the snapshot
//     verifies.
//   - outage: the proxy stays down; the backup fails with one error naming
//     the store (no secret in it), snapshot list afterwards shows no
//     snapshot, and snapshot prune --older-than 0s removes the upload's
//     leftovers from the bucket.
func TestS3Fault(t *testing.T) {
	srv, source, want := faultSource(t)
	gw := s3test.Server(t)
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())

	setup := func(t *testing.T) (*rig, *toxiproxy.Proxy, string, string) {
		px := toxiproxy.NewProxy(api, "s3-"+t.Name(), "127.0.0.1:0", strings.TrimPrefix(gw.Endpoint, "http://"))
		if err := px.Start(); err != nil {
			t.Fatalf("start proxy: %v", err)
		}
		t.Cleanup(px.Stop)
		// About 300 KB/s towards the S3 server: a few seconds of upload.
		addToxic(t, px, `{"name":"bw_up","type":"bandwidth","stream":"upstream","attributes":{"rate":300}}`)
		addToxic(t, px, `{"name":"count","type":"count","stream":"upstream","attributes":{"key":"`+t.Name()+`"}}`)
		prefix := s3test.Prefix(t)
		store := (&url.URL{Scheme: "s3", Host: s3test.Bucket, Path: "/" + prefix}).String() +
			"?endpoint=http://" + px.Listen + "&use_path_style=true&region=" + s3test.Region + "&disable_https=true"
		r := newRig(t, srv.URL, srv.GRPCAddr)
		r.extraEnv = gw.Env()
		return r, px, prefix, store
	}
	// keys lists the bucket under prefix straight from the S3 server.
	keys := func(t *testing.T, prefix string) []string {
		t.Helper()
		var out []string
		pg := s3.NewListObjectsV2Paginator(gw.Client(), &s3.ListObjectsV2Input{Bucket: aws.String(s3test.Bucket), Prefix: aws.String(prefix + "/")})
		for pg.HasMorePages() {
			page, err := pg.NextPage(context.Background())
			if err != nil {
				t.Fatalf("list %s: %v", prefix, err)
			}
			for _, o := range page.Contents {
				out = append(out, strings.TrimPrefix(aws.ToString(o.Key), prefix+"/"))
			}
		}
		return out
	}
	// sent waits until n more bytes than from went up through the test's
	// proxy while the backup still runs, and returns the count.
	sent := func(t *testing.T, p *proc, from, n int64) int64 {
		t.Helper()
		c := toxicCount(t.Name())
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			if !p.running() {
				t.Fatalf("the backup finished before %d bytes went up (%d did):\n%s", n, c.Load()-from, p.output())
			}
			if v := c.Load(); v-from >= n {
				return v
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("%d bytes never went up to S3 (%d did):\n%s", n, c.Load()-from, p.output())
		return 0
	}

	t.Run("blips", func(t *testing.T) {
		r, px, _, store := setup(t)
		p := r.start("backup", "-auto-approve", "--id", "blips", "--store", store, source)
		at := sent(t, p, 0, 1<<20)
		bounce(t, px)
		// The PUT cut short is retried: bytes flow again.
		at = sent(t, p, at, 256<<10)
		bounce(t, px)
		cuts := 2
		if code := p.wait(t, 4*time.Minute); code != 0 {
			t.Fatalf("backup with %d short S3 outages: exit %d\n%s", cuts, code, p.output())
		}
		t.Logf("backup survived %d cut(s) of every S3 connection in %s", cuts, p.elapsed.Round(time.Millisecond))
		v := r.mustRun("snapshot", "verify", "--store", store, "blips")
		if !strings.Contains(v.stdoutString(), "blips "+source+": ok (20000 objects") {
			t.Fatalf("snapshot verify:\n%s", v.output())
		}
		// The PUTs cut short left nothing behind.
		if pr := r.mustRun("snapshot", "prune", "--dry-run", "--older-than", "0s", "--store", store); !strings.Contains(pr.stdoutString(), "Nothing to prune") {
			t.Fatalf("leftovers after a backup that survived the cuts:\n%s", pr.output())
		}
	})

	t.Run("outage", func(t *testing.T) {
		r, px, prefix, store := setup(t)
		p := r.start("backup", "-auto-approve", "--id", "cut", "--store", store, source)
		sent(t, p, 0, 1<<20)
		px.Stop()
		code := p.wait(t, 4*time.Minute)
		errOut := p.stderrString()
		t.Logf("backup with S3 gone: exit %d after %s: %s", code, p.elapsed.Round(time.Millisecond), strings.TrimSpace(errOut))
		if code != 1 {
			t.Fatalf("backup with the S3 endpoint gone: exit %d, want 1\n%s", code, p.output())
		}
		redacted := "s3://" + s3test.Bucket + "/" + prefix
		if !strings.Contains(errOut, "Error: ") || !strings.Contains(errOut, "snapshot store "+redacted) ||
			!strings.Contains(errOut, "connection refused") || strings.Contains(errOut, "panic") {
			t.Fatalf("unclear failure (want the store %s and connection refused):\n%s", redacted, p.output())
		}
		for _, o := range []*proc{p} {
			if strings.Contains(o.output(), gw.SecretKey) {
				t.Fatalf("the secret key is in the output:\n%s", o.output())
			}
		}
		left := keys(t, prefix)
		t.Logf("the failed backup left %d object(s) in the bucket", len(left))
		for _, k := range left {
			if strings.HasSuffix(k, "/manifest.json") {
				t.Fatalf("the failed backup committed a manifest: %v", left)
			}
		}

		if err := px.Start(); err != nil {
			t.Fatal(err)
		}
		if out := r.mustRun("snapshot", "list", "--store", store).stdoutString(); !strings.Contains(out, "No snapshots") {
			t.Fatalf("snapshot list after the failed backup:\n%s", out)
		}
		if len(left) > 0 {
			pr := r.mustRun("snapshot", "prune", "--older-than", "0s", "--store", store)
			t.Logf("prune: %s", strings.TrimSpace(pr.stdoutString()))
			if rest := keys(t, prefix); len(rest) != 0 {
				t.Fatalf("prune left %v\n%s", rest, pr.output())
			}
		}
	})

	t.Run("restore", func(t *testing.T) {
		r, px, _, store := setup(t)
		removeToxic(t, px, "bw_up")
		r.mustRun("backup", "-auto-approve", "--id", "good", "--store", store, source)
		addToxic(t, px, `{"name":"bw_down","type":"bandwidth","stream":"downstream","attributes":{"rate":300}}`)
		down := t.Name() + "/down"
		addToxic(t, px, `{"name":"count_down","type":"count","stream":"downstream","attributes":{"key":"`+down+`"}}`)
		direct := directClient(t, srv.URL, srv.GRPCAddr, "")
		target := "S3FaultRestore"
		t.Cleanup(func() { _ = direct.Delete(context.Background(), target) })

		p := r.start("restore", "-auto-approve", "--store", store, "--as", target, "good")
		c := toxicCount(down)
		for c.Load() < 1<<20 {
			if !p.running() {
				t.Fatalf("the restore finished before 1 MiB came down from S3 (%d did):\n%s", c.Load(), p.output())
			}
			time.Sleep(10 * time.Millisecond)
		}
		px.Stop()
		code := p.wait(t, 4*time.Minute)
		errOut := p.stderrString()
		t.Logf("restore with S3 gone mid-read: exit %d after %s, %d objects in %s: %s", code, p.elapsed.Round(time.Millisecond), liveCount(direct, target), target, strings.TrimSpace(errOut))
		if code != 1 {
			t.Fatalf("restore with the S3 endpoint gone: exit %d, want 1\n%s", code, p.output())
		}
		if !strings.Contains(errOut, "Error: ") || !strings.Contains(errOut, "snapshot store s3://"+s3test.Bucket+"/") ||
			strings.Contains(errOut, "panic") || strings.Contains(p.output(), gw.SecretKey) {
			t.Fatalf("unclear failure (want the store named, no secret):\n%s", p.output())
		}
		// Every chunk is verified before the collection is created.
		if _, err := direct.Class(context.Background(), target); err == nil || !strings.Contains(errOut, "nothing was written to Weaviate") {
			t.Fatalf("the cut restore wrote to Weaviate (class read: %v):\n%s", err, p.output())
		}

		// Back up: the restore run again completes and verifies.
		if err := px.Start(); err != nil {
			t.Fatal(err)
		}
		removeToxic(t, px, "bw_down")
		p = r.mustRun("restore", "-auto-approve", "--store", store, "--as", target, "good")
		if !strings.Contains(p.stdoutString(), "verified") {
			t.Fatalf("re-run restore did not verify:\n%s", p.output())
		}
		if got := liveDigest(t, direct, target); got != want {
			t.Fatalf("after the re-run %s has %d objects, digest %s; want %d, %s", target, got.Count, got.String(), want.Count, want.String())
		}
	})

	t.Run("restore-blip", func(t *testing.T) {
		r, px, _, store := setup(t)
		removeToxic(t, px, "bw_up")
		r.mustRun("backup", "-auto-approve", "--id", "good", "--store", store, source)
		addToxic(t, px, `{"name":"bw_down","type":"bandwidth","stream":"downstream","attributes":{"rate":300}}`)
		down := t.Name() + "/down"
		addToxic(t, px, `{"name":"count_down","type":"count","stream":"downstream","attributes":{"key":"`+down+`"}}`)
		direct := directClient(t, srv.URL, srv.GRPCAddr, "")
		target := "S3FaultRestoreBlip"
		t.Cleanup(func() { _ = direct.Delete(context.Background(), target) })

		p := r.start("restore", "-auto-approve", "--store", store, "--as", target, "good")
		c := toxicCount(down)
		for c.Load() < 1<<20 {
			if !p.running() {
				t.Fatalf("the restore finished before 1 MiB came down from S3 (%d did):\n%s", c.Load(), p.output())
			}
			time.Sleep(10 * time.Millisecond)
		}
		bounce(t, px) // every connection closed mid-read; the proxy is back at once
		if !p.running() {
			t.Fatalf("the restore finished before the cut:\n%s", p.output())
		}
		if code := p.wait(t, 4*time.Minute); code != 0 || !strings.Contains(p.stdoutString(), "verified") {
			t.Fatalf("restore with one cut mid-read: exit %d\n%s", code, p.output())
		}
		t.Logf("restore survived a cut mid-read in %s", p.elapsed.Round(time.Millisecond))
		if got := liveDigest(t, direct, target); got != want {
			t.Fatalf("%s has %d objects, digest %s; want %d, %s", target, got.Count, got.String(), want.Count, want.String())
		}
	})
}
