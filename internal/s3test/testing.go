// Package s3test gives a test package one real S3 server: versitygw with its
// posix backend on a temporary directory, listening on a free loopback port,
// started on first use and stopped when the tests end:
//
//	func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		gw := s3test.Server(t)
//		gw.SetEnv(t)                  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
//		url := gw.URL(s3test.Prefix(t)) // s3://bucket/prefix?endpoint=...
//		...
//	}
//
// A package that also needs Weaviate wraps one Main in the other:
// weaviatetest.Main(s3test.Around(m)).
//
// When versitygw is missing, tests that need it fail under CI=true and skip
// (loudly) elsewhere.
package s3test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var (
	once     sync.Once
	mainRan  bool
	shared   *Gateway
	startErr error
	tempDir  string
	prefixN  atomic.Int64
)

// TestingM is what Main runs: *testing.M, or a wrapper of it.
type TestingM interface{ Run() int }

// Main runs the tests and stops the shared server if a test started it. It
// returns the exit code for os.Exit.
func Main(m TestingM) int {
	mainRan = true
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(10 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "s3test:", err)
		}
	}
	if tempDir != "" {
		os.RemoveAll(tempDir)
	}
	return code
}

// Around returns m wrapped so that running it runs Main(m); it lets Main
// compose with weaviatetest.Main.
func Around(m TestingM) TestingM { return around{m} }

type around struct{ m TestingM }

func (a around) Run() int { return Main(a.m) }

// Server returns the package's shared server, starting it on first use with
// one bucket, Bucket. When there is none it fails the test under CI=true and
// skips it otherwise.
func Server(t testing.TB) *Gateway {
	t.Helper()
	if !mainRan {
		t.Fatalf("s3test.Server needs s3test.Main (or s3test.Around) in the package's TestMain, which stops the server")
	}
	once.Do(func() {
		tempDir, startErr = os.MkdirTemp("", "colstate-s3test-")
		if startErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		shared, startErr = Start(ctx, Options{Dir: tempDir})
		if startErr == nil {
			startErr = shared.CreateBucket(ctx, Bucket)
			if startErr != nil {
				shared.Kill()
				shared = nil
			}
		}
		if startErr != nil {
			if logData, err := os.ReadFile(filepath.Join(tempDir, "versitygw.log")); err == nil && len(logData) > 0 {
				startErr = fmt.Errorf("%w\nversitygw log tail:\n%s", startErr, tail(string(logData), 4000))
			}
		}
	})
	if shared != nil {
		return shared
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("an S3 server (versitygw) is required in CI: %v", startErr)
	}
	t.Skipf("SKIPPED: no S3 server (%v)", startErr)
	return nil
}

// Bucket is the bucket Server creates.
const Bucket = "colstate-test"

// Available reports whether the shared server is running, and why not.
func Available() (bool, error) { return shared != nil, startErr }

// Prefix returns an object prefix unique to the test (and to each call),
// built from the test's name, so tests sharing the bucket never see each
// other's objects.
func Prefix(t testing.TB) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, t.Name())
	return fmt.Sprintf("%s-%d", clean, prefixN.Add(1))
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

var errExited = errors.New("versitygw exited before it was ready")
