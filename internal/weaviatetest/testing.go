// Package weaviatetest gives a test package one real weaviate-server,
// started in TestMain on free loopback ports with a temporary data directory
// and stopped when the tests end:
//
//	func TestMain(m *testing.M) { os.Exit(weaviatetest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		srv := weaviatetest.Server(t)
//		...
//	}
//
// Tests that need a cluster call SharedCluster (cluster.go): a 3-node
// cluster started on first use and stopped by Main.
//
// When weaviate-server is missing, tests that need it fail under CI=true and
// skip (loudly) elsewhere.
package weaviatetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/weaviateproc"
)

var (
	shared   *weaviateproc.Server
	startErr error
)

// TestingM is what Main runs: *testing.M, or a wrapper of it.
type TestingM interface{ Run() int }

// Main starts the shared server, runs the tests and stops the server. It
// returns the exit code for os.Exit.
func Main(m TestingM) int {
	dir, err := os.MkdirTemp("", "colstate-weaviatetest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "weaviatetest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// backup-filesystem: colstate's native snapshots (Weaviate's own
	// backups) are tested on the shared server.
	shared, startErr = Start(dir, map[string]string{
		"ENABLE_MODULES":         "backup-filesystem",
		"BACKUP_FILESYSTEM_PATH": filepath.Join(dir, "backups"),
	})
	if startErr != nil {
		fmt.Fprintf(os.Stderr, "weaviatetest: no Weaviate for this package: %v\n", startErr)
		if logData, err := os.ReadFile(filepath.Join(dir, "server.log")); err == nil && len(logData) > 0 {
			fmt.Fprintf(os.Stderr, "weaviatetest: server log tail:\n%s\n", tail(string(logData), 4000))
		}
	}
	code := m.Run()
	stopSharedCluster()
	if shared != nil {
		if err := shared.Stop(30 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "weaviatetest:", err)
		}
	}
	return code
}

// Start launches a server with its data and log under dir and extra
// environment env. The caller stops it.
func Start(dir string, env map[string]string) (*weaviateproc.Server, error) {
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	return weaviateproc.Start(context.Background(), weaviateproc.Options{
		DataDir: filepath.Join(dir, "data"),
		Env:     env,
		Log:     logf,
	})
}

// Server returns the package's shared server. When there is none it fails
// the test under CI=true and skips it otherwise.
func Server(t testing.TB) *weaviateproc.Server {
	t.Helper()
	if shared != nil {
		return shared
	}
	if startErr == nil {
		startErr = fmt.Errorf("weaviatetest.Main was not called from TestMain")
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("Weaviate is required in CI: %v", startErr)
	}
	t.Skipf("SKIPPED: no Weaviate (%v)", startErr)
	return nil
}

// Available reports whether the shared server is running, and why not.
func Available() (bool, error) { return shared != nil, startErr }

// Name returns a collection name unique to the test, built from prefix.
func Name(t testing.TB, prefix string) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, t.Name())
	return prefix + clean
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
