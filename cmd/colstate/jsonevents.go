package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/colstate/colstate/internal/apply"
)

// jsonEvents writes apply events as JSON lines (docs/apply-json.md) and
// ends them with a summary.
type jsonEvents struct {
	mu      sync.Mutex
	enc     *json.Encoder
	start   time.Time
	changes int
	applied int
	failed  int
}

// eventsFor returns, under -json, the writer of events to stdout and the
// writer human output goes to instead (stderr). It refuses -json without
// -auto-approve for a command that would ask: a CI job must not wait on a
// prompt nobody sees. needsApproval is false for a saved plan.
func eventsFor(c *cli.Context, needsApproval bool) (*jsonEvents, io.Writer, error) {
	if !c.Bool(jsonEventsFlag.Name) {
		return nil, c.App.Writer, nil
	}
	if needsApproval && !c.Bool(autoApproveFlag.Name) && !c.Bool("dry-run") {
		return nil, nil, fmt.Errorf("-json needs -auto-approve: %s would ask for confirmation on the terminal, and its stdout is for JSON events; review the plan first (colstate plan), then run with -json -auto-approve", c.Command.Name)
	}
	return &jsonEvents{enc: json.NewEncoder(c.App.Writer), start: time.Now()}, c.App.ErrWriter, nil
}

// Send writes one event; it is safe for concurrent use.
func (j *jsonEvents) Send(ev apply.Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch ev.Type {
	case apply.EventFinished:
		j.applied++
	case apply.EventFailed:
		j.failed++
	}
	if ev.Time == "" {
		ev.Time = time.Now().UTC().Format(time.RFC3339Nano)
	}
	_ = j.enc.Encode(ev)
}

// Fn is Send, or nil when there is no writer.
func (j *jsonEvents) Fn() func(apply.Event) {
	if j == nil {
		return nil
	}
	return j.Send
}

// Finish writes the summary after the run ended with err. An error no
// failed event carried (a refusal before any change started) is sent as a
// failed event of no change first, so every failure has one.
func (j *jsonEvents) Finish(changes int, err error) error {
	if j == nil {
		return err
	}
	if err != nil && j.failed == 0 {
		j.Send(apply.Event{Type: apply.EventFailed, Error: err.Error()})
	}
	ok := err == nil
	applied, failed := j.applied, j.failed
	ev := apply.Event{Type: apply.EventSummary, Changes: changes, Applied: &applied, Failed: &failed, OK: &ok,
		DurationMS: time.Since(j.start).Milliseconds()}
	if err != nil {
		ev.Error = err.Error()
	}
	j.Send(ev)
	return err
}
