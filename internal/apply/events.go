package apply

import (
	"strings"
	"sync"
	"time"

	"github.com/colstate/colstate/internal/plan"
)

// Event types (docs/apply-json.md).
const (
	EventStarted  = "started"
	EventProgress = "progress"
	EventFinished = "finished"
	EventFailed   = "failed"
	EventSummary  = "summary"
)

// Event is one step of an apply (or backup, restore, clear) as a machine
// follows it: a change started, objects moved, the change finished or
// failed. Change numbers changes from 1 in the plan's order; a backup of
// several collections into one snapshot is one event per change.
type Event struct {
	Type       string `json:"type"`
	Time       string `json:"time"`             // RFC 3339, UTC
	Change     int    `json:"change,omitempty"` // 1-based index in the plan; 0 when no change is concerned
	Collection string `json:"collection,omitempty"`
	Action     string `json:"action,omitempty"`
	// Step says what a progress event counts: "backup Article", "restore
	// Article", "references Article", "content Article".
	Step  string `json:"step,omitempty"`
	Done  int64  `json:"done,omitempty"`
	Total int64  `json:"total,omitempty"`
	// Skipped counts objects a merge compared and left as they were.
	Skipped int64 `json:"skipped,omitempty"`
	// Snapshot is the snapshot a backup finished writing.
	Snapshot   string `json:"snapshot,omitempty"`
	DurationMS int64  `json:"duration_ms,omitempty"`
	// Summary fields.
	Changes int   `json:"changes,omitempty"`
	Applied *int  `json:"applied,omitempty"`
	Failed  *int  `json:"failed,omitempty"`
	OK      *bool `json:"ok,omitempty"`
	// Error is why a change (or, in the summary, the run) failed.
	Error string `json:"error,omitempty"`
}

// ProgressEventEvery is the least time between two progress events of one
// step; the last count is always sent when the step ends.
const ProgressEventEvery = time.Second

// events sends the change-level events of a run to fn (nil: none). It is
// safe for the progress goroutines.
type events struct {
	fn     func(Event)
	mu     sync.Mutex
	change int
	c      plan.Change
	// objects and skipped add up the final counts of the current change's
	// steps.
	objects, skipped int64
}

func (e *events) emit(ev Event) {
	if e == nil || e.fn == nil {
		return
	}
	ev.Time = time.Now().UTC().Format(time.RFC3339Nano)
	e.mu.Lock()
	defer e.mu.Unlock()
	if ev.Change == 0 && ev.Type == EventProgress && e.change > 0 {
		ev.Change, ev.Collection, ev.Action = e.change, e.c.Collection, e.c.Action.String()
	}
	e.fn(ev)
}

// start announces changes[0..] (the first at index i, 0-based: one
// change, or a backup of several collections into one snapshot) and
// returns the function that announces their end: finished with the
// duration and the objects counted, or failed with the error.
func (e *events) start(i int, changes []plan.Change) func(error) {
	if e == nil || e.fn == nil {
		return func(error) {}
	}
	e.mu.Lock()
	e.change, e.c, e.objects, e.skipped = i+1, changes[0], 0, 0
	e.mu.Unlock()
	for k, c := range changes {
		e.emit(Event{Type: EventStarted, Change: i + k + 1, Collection: c.Collection, Action: c.Action.String()})
	}
	t0 := time.Now()
	return func(err error) {
		e.mu.Lock()
		objects, skipped := e.objects, e.skipped
		e.change = 0
		e.mu.Unlock()
		for k, c := range changes {
			ev := Event{Type: EventFinished, Change: i + k + 1, Collection: c.Collection, Action: c.Action.String(), DurationMS: time.Since(t0).Milliseconds()}
			if err != nil {
				ev.Type, ev.Error = EventFailed, err.Error()
			} else if k == 0 {
				// A backup of several collections counts its objects once,
				// on its first change.
				ev.Done, ev.Skipped = objects, skipped
			}
			if err == nil && c.Action == plan.Backup && c.Data != nil {
				ev.Snapshot = c.Data.Snapshot
			}
			e.emit(ev)
		}
	}
}

// stepDone records the final count of a step of the current change: the
// finished event carries the objects its steps moved (references steps
// count links again, so they are left out).
func (e *events) stepDone(step string, n, skipped int64) {
	if e == nil || e.fn == nil || strings.HasPrefix(step, "references ") {
		return
	}
	e.mu.Lock()
	e.objects += n
	e.skipped += skipped
	e.mu.Unlock()
}
