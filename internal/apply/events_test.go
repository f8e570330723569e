package apply

import (
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/plan"
)

// TestEventsProgressThrottled: a step that adds objects in a tight loop
// sends at most one progress event a ProgressEventEvery, always the final
// count at Done, attributed to the running change; the finished event
// carries the objects and duration, a failed one the error.
func TestEventsProgressThrottled(t *testing.T) {
	var mu sync.Mutex
	var got []Event
	ev := &events{fn: func(e Event) { mu.Lock(); got = append(got, e); mu.Unlock() }}
	d := &Data{Err: io.Discard, ProgressEvery: time.Hour, ev: ev}

	c := plan.Change{Action: plan.Restore, Collection: "Article"}
	end := ev.start(2, []plan.Change{c})
	pr := d.newProgress("restore Article", 5000)
	t0 := time.Now()
	for i := 0; i < 5000; i++ {
		pr.Add(1)
		if i%1000 == 0 {
			time.Sleep(300 * time.Millisecond) // about 1.5 s of adding in all
		}
	}
	elapsed := time.Since(t0)
	pr.Done()
	end(nil)

	var progress []Event
	for _, e := range got {
		if e.Type == EventProgress {
			progress = append(progress, e)
		}
	}
	// The first Add sends; then one per second of adding; plus Done's.
	if max := 2 + int(elapsed/ProgressEventEvery); len(progress) > max || len(progress) < 2 {
		t.Fatalf("%d progress events in %s, want 2..%d: %+v", len(progress), elapsed, max, progress)
	}
	last := progress[len(progress)-1]
	if last.Done != 5000 || last.Total != 5000 || last.Change != 3 || last.Collection != "Article" || last.Step != "restore Article" {
		t.Fatalf("final progress event %+v", last)
	}
	if got[0].Type != EventStarted || got[0].Change != 3 {
		t.Fatalf("first event %+v, want started of change 3", got[0])
	}
	fin := got[len(got)-1]
	if fin.Type != EventFinished || fin.Change != 3 || fin.Done != 5000 || fin.DurationMS < elapsed.Milliseconds() {
		t.Fatalf("finished event %+v", fin)
	}

	got = nil
	end = ev.start(0, []plan.Change{{Action: plan.Clear, Collection: "Article"}})
	end(errors.New("boom"))
	if len(got) != 2 || got[1].Type != EventFailed || got[1].Error != "boom" || got[1].Done != 0 {
		t.Fatalf("failed change: %+v", got)
	}
}
