package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// runColstate runs the built colstate binary and returns its wall time and
// peak RSS in bytes (the child's rusage Maxrss, which Linux gives in KiB).
func runColstate(bin string, env []string, args ...string) (time.Duration, int64, error) {
	el, rss, _, err := runColstateOut(bin, env, args...)
	return el, rss, err
}

// runColstateOut is runColstate that also returns what colstate printed
// (stdout and stderr, interleaved).
func runColstateOut(bin string, env []string, args ...string) (time.Duration, int64, []byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	el := time.Since(start)
	if err != nil {
		return el, 0, out.Bytes(), fmt.Errorf("colstate %v: %w\n%s", args, err, out.Bytes())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss << 10
	}
	return el, rss, out.Bytes(), nil
}
