package main

import (
	"encoding/json"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// jsonLinesCmd checks the stdout of the last command as apply -json
// events (docs/apply-json.md): `jsonlines ok|failed`.
//
// Every line must be one JSON object with a known type and a time; every
// started change must end in exactly one finished or failed event after
// it, and none may end without starting (a failed event of no change
// reports a refusal before any change started); progress counts stay
// within their totals; the summary comes once, last, and its applied and
// failed counts and ok match the events before it.
func jsonLinesCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || (args[0] != "ok" && args[0] != "failed") {
		ts.Fatalf("usage: jsonlines ok|failed")
	}
	lines := strings.Split(strings.TrimRight(ts.ReadFile("stdout"), "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		ts.Fatalf("no JSON events on stdout")
	}
	type event struct {
		Type       string `json:"type"`
		Time       string `json:"time"`
		Change     int    `json:"change"`
		Collection string `json:"collection"`
		Done       int64  `json:"done"`
		Total      int64  `json:"total"`
		Error      string `json:"error"`
		Applied    *int   `json:"applied"`
		Failed     *int   `json:"failed"`
		OK         *bool  `json:"ok"`
	}
	open := map[int]bool{}
	ended := map[int]bool{}
	finished, failed := 0, 0
	for i, line := range lines {
		var ev event
		var raw map[string]any
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			ts.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			ts.Fatalf("line %d: %v\n%s", i+1, err, line)
		}
		if ev.Time == "" {
			ts.Fatalf("line %d has no time: %s", i+1, line)
		}
		last := i == len(lines)-1
		if (ev.Type == "summary") != last {
			ts.Fatalf("line %d: the summary must come once, last: %s", i+1, line)
		}
		switch ev.Type {
		case "started":
			if ev.Change <= 0 || ev.Collection == "" || open[ev.Change] || ended[ev.Change] {
				ts.Fatalf("line %d: bad or repeated start: %s", i+1, line)
			}
			open[ev.Change] = true
		case "progress":
			if ev.Change > 0 && !open[ev.Change] {
				ts.Fatalf("line %d: progress of a change not running: %s", i+1, line)
			}
			if ev.Total > 0 && ev.Done > ev.Total {
				ts.Fatalf("line %d: done past total: %s", i+1, line)
			}
		case "finished", "failed":
			if ev.Change == 0 && ev.Type == "failed" && ev.Error != "" {
				failed++
				break
			}
			if !open[ev.Change] {
				ts.Fatalf("line %d: %s of a change that did not start (or ended already): %s", i+1, ev.Type, line)
			}
			open[ev.Change], ended[ev.Change] = false, true
			if ev.Type == "failed" {
				if ev.Error == "" {
					ts.Fatalf("line %d: failed without an error: %s", i+1, line)
				}
				failed++
			} else {
				finished++
			}
		case "summary":
			for ch, o := range open {
				if o {
					ts.Fatalf("change %d started but never finished or failed", ch)
				}
			}
			if ev.Applied == nil || ev.Failed == nil || ev.OK == nil {
				ts.Fatalf("summary lacks applied, failed or ok: %s", line)
			}
			if *ev.Applied != finished || *ev.Failed != failed {
				ts.Fatalf("summary counts %d applied, %d failed; the events %d finished, %d failed", *ev.Applied, *ev.Failed, finished, failed)
			}
			if want := args[0] == "ok"; *ev.OK != want || (want && failed > 0) || (!want && (failed == 0 || ev.Error == "")) {
				ts.Fatalf("summary ok=%v with %d failed events, want %s: %s", *ev.OK, failed, args[0], line)
			}
		default:
			ts.Fatalf("line %d: unknown event type %q: %s", i+1, ev.Type, line)
		}
	}
}
