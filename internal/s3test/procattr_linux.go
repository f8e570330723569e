package s3test

import "syscall"

// procAttr puts the gateway in its own process group (a Ctrl-C meant for the
// tests must not kill it before they stop it) and has the kernel kill it
// when the test binary dies without stopping it (a panic, a -timeout).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
