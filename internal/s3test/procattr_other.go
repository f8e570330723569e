//go:build !linux

package s3test

import "syscall"

// procAttr puts the gateway in its own process group: a Ctrl-C meant for the
// tests must not kill it before they stop it.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
