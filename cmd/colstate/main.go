// Command colstate keeps Weaviate collections — schema and data — as code.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/workspace"
)

// Exit codes, mapped in one place.
const (
	exitOK          = 0
	exitError       = 1
	exitChanges     = 2 // plan -detailed-exitcode: changes present
	exitUnformatted = 3 // fmt -check: files need formatting
	exitInterrupted = 130
)

// exitCode carries a non-error exit status such as "changes present".
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func main() { os.Exit(run(os.Args)) }

func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// COLSTATE_CPUPROFILE=FILE writes a CPU profile (for make bench).
	if path := os.Getenv("COLSTATE_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	err := newApp().RunContext(ctx, args)
	return report(ctx, err)
}

// report prints err for the user and returns the exit code.
func report(ctx context.Context, err error) int {
	var code exitCode
	var diags *workspace.DiagnosticsError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &diags):
		config.WriteDiagnostics(os.Stderr, diags.Diags)
		return exitError
	case ctx.Err() != nil:
		fmt.Fprintf(os.Stderr, "Interrupted: %v\n", err)
		return exitInterrupted
	}
	fmt.Fprintf(os.Stderr, "Error: %v\n", err)
	return exitError
}
