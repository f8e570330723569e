//go:build unix

package state

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process with that pid exists on this host.
// EPERM means it exists but belongs to someone else.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ProcessAlive reports whether a process with that pid exists on this host.
func ProcessAlive(pid int) bool { return processAlive(pid) }
