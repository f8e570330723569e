package snapshot

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

func init() {
	// The conformance suite runs against a real S3 server too.
	extraStoreKinds["s3"] = func(t *testing.T) *Store {
		gw := s3test.Server(t)
		gw.SetEnv(t)
		return &Store{Dir: gw.URL(s3test.Prefix(t)), Name: "prod"}
	}
}

// Wrong credentials: a clear error that names the store, says what to do,
// and repeats no secret.
func TestS3WrongCredentials(t *testing.T) {
	gw := s3test.Server(t)
	gw.SetEnv(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-hunter2")
	s := &Store{Dir: gw.URL(s3test.Prefix(t)), Name: "prod"}
	for name, op := range map[string]func() error{
		"list":   func() error { _, _, err := s.List(); return err },
		"open":   func() error { _, err := s.Open("x"); return err },
		"create": func() error { _, err := s.Create(Manifest{}); return err },
	} {
		err := op()
		if err == nil {
			t.Fatalf("%s with wrong credentials succeeded", name)
		}
		msg := err.Error()
		for _, want := range []string{`snapshot store "prod" (s3://colstate-test/`, "access denied", "AWS_ACCESS_KEY_ID"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: error %q does not say %q", name, msg, want)
			}
		}
		if strings.Contains(msg, "hunter2") || strings.Contains(msg, gw.SecretKey) {
			t.Errorf("%s: error repeats a secret: %s", name, msg)
		}
	}
}

// A bucket that does not exist: the error names the store and says what
// to check.
func TestS3MissingBucket(t *testing.T) {
	gw := s3test.Server(t)
	gw.SetEnv(t)
	s := &Store{Dir: gw.BucketURL("no-such-bucket", "snaps")}
	for name, op := range map[string]func() error{
		"list":   func() error { _, _, err := s.ListContext(context.Background()); return err },
		"open":   func() error { _, err := s.Open("x"); return err },
		"create": func() error { _, err := s.Create(Manifest{}); return err },
	} {
		err := op()
		if err == nil {
			t.Errorf("%s in a missing bucket succeeded", name)
			continue
		}
		for _, want := range []string{"s3://no-such-bucket/snaps", `bucket "no-such-bucket" does not exist`, "create it", "check the bucket name and the endpoint in the URL"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q lacks %q", name, err, want)
			}
		}
	}
}
