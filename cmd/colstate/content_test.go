package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/state"
)

// TestContentScripts runs testdata/script/content: data in the plan —
// content sources, replace that keeps the data, snapshot policies, and
// resuming an apply killed mid-restore — against the real weaviate-server.
func TestContentScripts(t *testing.T) {
	runScripts(t, "../../testdata/script/content", func(url, grpcAddr string) map[string]scriptCmd {
		return map[string]scriptCmd{
			"wv": wvContentCmd(url, grpcAddr), "genjsonl": genJSONLCmd, "crash": crashCmd, "unlockstale": unlockStaleCmd,
			"jsonlines": jsonLinesCmd,
		}
	})
}

// wvContentCmd adds to the data wv command:
//
//	wv digest NAME    print NAME's object count and content digest (every property and vector)
//	wv delone NAME    delete one object of NAME by hand
func wvContentCmd(url, grpcAddr string) func(ts *testscript.TestScript, neg bool, args []string) {
	data := wvDataCmd(url, grpcAddr)
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 || (args[0] != "digest" && args[0] != "delone") {
			data(ts, neg, args)
			return
		}
		c, err := live.New(live.Options{URL: url, GRPCURL: grpcAddr})
		ts.Check(err)
		defer c.Close()
		ctx := context.Background()
		cl, err := c.Class(ctx, args[1])
		ts.Check(err)
		if args[0] == "delone" {
			var id string
			ts.Check(c.ReadObjects(ctx, live.SchemaOf(cl), live.ReadOptions{NoVectors: true}, func(o *object.Object) error {
				if id == "" {
					id = o.ID
				}
				return nil
			}))
			n, err := c.DeleteObjects(ctx, args[1], "", []string{id})
			ts.Check(err)
			if n != 1 {
				ts.Fatalf("deleted %d objects", n)
			}
			return
		}
		var d object.Digest
		ts.Check(c.ReadObjects(ctx, live.SchemaOf(cl), live.ReadOptions{}, func(o *object.Object) error {
			d.Add(o.Hash())
			return nil
		}))
		fmt.Fprintf(ts.Stdout(), "%d objects, digest %s\n", d.Count, d.String())
	}
}

// genJSONLCmd writes a deterministic JSONL content file:
//
//	genjsonl FILE FROM TO [CHANGED_FROM CHANGED_TO]
//
// one object per sku in [FROM, TO) with text, number, int, date and text[]
// properties and an 8-dim vector; objects in [CHANGED_FROM, CHANGED_TO)
// get a different title. Ids are left out: the data block derives them
// from sku.
func genJSONLCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 && len(args) != 5 {
		ts.Fatalf("usage: genjsonl FILE FROM TO [CHANGED_FROM CHANGED_TO]")
	}
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		ts.Check(err)
		return n
	}
	from, to := num(args[1]), num(args[2])
	cf, ct := -1, -1
	if len(args) == 5 {
		cf, ct = num(args[3]), num(args[4])
	}
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	w := bufio.NewWriter(f)
	for i := from; i < to; i++ {
		title := fmt.Sprintf("item number %d", i)
		if i >= cf && i < ct {
			title += " (revised)"
		}
		vec := make([]float32, 8)
		for k := range vec {
			vec[k] = float32(math.Sin(float64(i*8+k))) / 2
		}
		line, err := json.Marshal(map[string]any{
			"properties": map[string]any{
				"sku":   fmt.Sprintf("SKU-%05d", i),
				"title": title,
				"price": float64(i) * 1.25,
				"qty":   i % 17,
				"at":    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
				"tags":  []string{"t" + strconv.Itoa(i%3), "all"},
			},
			"vector": vec,
		})
		ts.Check(err)
		w.Write(line)
		w.WriteByte('\n')
	}
	ts.Check(w.Flush())
	ts.Check(f.Close())
}

// crashCmd starts `colstate apply -auto-approve [ARGS]`, waits until the
// apply journal matches REGEX, kills colstate with SIGKILL and checks it
// died; with -sigint it presses Ctrl-C instead (SIGINT) and checks colstate
// stopped with exit code 130:
//
//	crash [-sigint] JOURNAL_REGEX [ARGS...]
func crashCmd(ts *testscript.TestScript, neg bool, args []string) {
	sig := syscall.SIGKILL
	if len(args) > 0 && args[0] == "-sigint" {
		sig, args = syscall.SIGINT, args[1:]
	}
	if len(args) < 1 {
		ts.Fatalf("usage: crash [-sigint] JOURNAL_REGEX [ARGS...]")
	}
	re, err := regexp.Compile(args[0])
	ts.Check(err)
	path := lookPathIn("colstate", ts.Getenv("PATH"))
	if path == "" {
		ts.Fatalf("colstate is not on the script's PATH")
	}
	cmd := exec.Command(path, append([]string{"apply", "-auto-approve"}, args[1:]...)...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = scriptEnv(ts)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	ts.Check(cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	journal := ts.MkAbs(".colstate/state.json.journal")
	deadline := time.Now().Add(2 * time.Minute)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			ts.Fatalf("colstate apply ended (%v) before the journal matched %q:\n%s", err, args[0], out.String())
		case <-tick.C:
		}
		if data, err := os.ReadFile(journal); err == nil && re.Match(data) {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			ts.Fatalf("journal never matched %q:\n%s", args[0], out.String())
		}
	}
	ts.Check(cmd.Process.Signal(sig))
	err = <-done
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if sig == syscall.SIGINT {
		if !ok || ws.Signaled() || ws.ExitStatus() != 130 {
			ts.Fatalf("colstate did not stop with exit code 130 after SIGINT (%v):\n%s", err, out.String())
		}
		fmt.Fprintf(ts.Stdout(), "interrupted colstate apply (SIGINT) after the journal matched %q\n%s", args[0], out.String())
		return
	}
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		ts.Fatalf("colstate was not killed (%v):\n%s", err, out.String())
	}
	fmt.Fprintf(ts.Stdout(), "killed colstate apply after the journal matched %q\n", args[0])
}

// unlockStaleCmd runs `colstate force-unlock ID` with the id of the lock
// left beside .colstate/state.json.
func unlockStaleCmd(ts *testscript.TestScript, neg bool, args []string) {
	info, err := state.ReadLock(ts.MkAbs(".colstate/state.json"))
	ts.Check(err)
	if info == nil {
		ts.Fatalf("the state is not locked")
	}
	path := lookPathIn("colstate", ts.Getenv("PATH"))
	cmd := exec.Command(path, "force-unlock", info.ID)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = scriptEnv(ts)
	out, err := cmd.CombinedOutput()
	ts.Stdout().Write(out)
	if err != nil {
		ts.Fatalf("force-unlock: %v", err)
	}
}
