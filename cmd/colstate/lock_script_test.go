package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colstate/colstate/internal/s3test"
	"github.com/colstate/colstate/internal/state"
)

// plantLockCmd is a script command that writes a state lock file as another
// colstate process would have:
//
//	plantlock PATH ID OPERATION live|dead|foreign
//
// PATH "s3" plants it as the lock object of the script's S3 state
// ($S3_STATE_KEY.lock), as a colstate on another machine would have.
//
// live: held by this test process on this host (running); dead: by a process
// on this host that has exited (a stale lock); foreign: by a process on
// another host. It sets $LOCK_WHO, $LOCK_HOST and $LOCK_PID for matching the
// error that names the holder.
func plantLockCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: plantlock PATH ID OPERATION live|dead|foreign")
	}
	host, err := os.Hostname()
	ts.Check(err)
	name := "colstate-test"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	pid := os.Getpid()
	switch args[3] {
	case "live":
	case "dead":
		cmd := exec.Command("true")
		ts.Check(cmd.Run())
		pid = cmd.Process.Pid
	case "foreign":
		host = "elsewhere.invalid"
	default:
		ts.Fatalf("plantlock: want live, dead or foreign, got %q", args[3])
	}
	info := state.LockInfo{
		ID:        args[1],
		Who:       name + "@" + host,
		PID:       pid,
		Operation: args[2],
		Created:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	data, err := json.Marshal(info)
	ts.Check(err)
	if args[0] == "s3" {
		gw, err := s3test.Shared()
		ts.Check(err)
		_, err = gw.Client().PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String(s3test.Bucket), Key: aws.String(ts.Getenv("S3_STATE_KEY") + ".lock"), Body: bytes.NewReader(data),
		})
		ts.Check(err)
	} else {
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), data, 0o600))
	}
	ts.Setenv("LOCK_WHO", info.Who)
	ts.Setenv("LOCK_HOST", host)
	ts.Setenv("LOCK_PID", strconv.Itoa(pid))
}
