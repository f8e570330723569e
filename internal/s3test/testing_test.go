package s3test_test

import (
	"context"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/colstate/colstate/internal/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// openPrefix opens the URL's bucket through gocloud with the URL's path as
// the prefix, the way colstate reads these URLs.
func openPrefix(t *testing.T, raw string) *blob.Bucket {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("prefix", strings.TrimPrefix(u.Path, "/")+"/")
	u.Path, u.RawQuery = "", q.Encode()
	b, err := blob.OpenBucket(context.Background(), u.String())
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestGateway: the shared gateway serves the bucket at the URL it hands out,
// gocloud reads back what it wrote, and a conditional write loses with
// FailedPrecondition, which colstate's locks rely on.
func TestGateway(t *testing.T) {
	gw := s3test.Server(t)
	gw.SetEnv(t)
	ctx := context.Background()
	raw := gw.URL(s3test.Prefix(t))
	if !strings.HasPrefix(raw, "s3://"+s3test.Bucket+"/TestGateway-") ||
		!strings.Contains(raw, "endpoint="+gw.Endpoint) || strings.Contains(raw, gw.SecretKey) {
		t.Fatalf("URL = %s", raw)
	}
	b := openPrefix(t, raw)
	if err := b.WriteAll(ctx, "a.json", []byte(`{"x":1}`), nil); err != nil {
		t.Fatal(err)
	}
	got, err := b.ReadAll(ctx, "a.json")
	if err != nil || string(got) != `{"x":1}` {
		t.Fatalf("read back %q, %v", got, err)
	}
	err = b.WriteAll(ctx, "a.json", []byte("second"), &blob.WriterOptions{IfNotExist: true})
	if gcerrors.Code(err) != gcerrors.FailedPrecondition {
		t.Fatalf("conditional overwrite: %v (code %v), want FailedPrecondition", err, gcerrors.Code(err))
	}

	// The same object through the AWS SDK, under the prefix.
	out, err := gw.Client().GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s3test.Bucket),
		Key:    aws.String(strings.TrimPrefix(mustParse(t, raw).Path, "/") + "/a.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(body) != `{"x":1}` {
		t.Fatalf("SDK read %q", body)
	}

	// A second call returns the same server; prefixes never repeat.
	if s3test.Server(t) != gw || s3test.Prefix(t) == s3test.Prefix(t) {
		t.Fatal("Server or Prefix not stable")
	}
}

// TestWrongCredentials: the gateway checks signatures, so tests of
// credential errors are real.
func TestWrongCredentials(t *testing.T) {
	gw := s3test.Server(t)
	gw.SetEnv(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	b := openPrefix(t, gw.URL(s3test.Prefix(t)))
	err := b.WriteAll(context.Background(), "x", []byte("x"), nil)
	if err == nil {
		t.Fatal("write with a wrong secret succeeded")
	}
	// gocloud v0.49.0 maps this 403 to code Unknown, so callers must look
	// at the S3 error itself.
	if !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("write with a wrong secret: %v", err)
	}
}

// TestStartFailsClearly: a missing binary is an error naming how to install.
func TestStartFailsClearly(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOBIN", "")
	t.Setenv("GOPATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	_, err := s3test.Start(context.Background(), s3test.Options{Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0") {
		t.Fatalf("err = %v", err)
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
