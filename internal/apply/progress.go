package apply

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress reports objects moved: a bar with objects/s and ETA on a
// terminal, a plain line every few seconds elsewhere (CI logs), and a final
// line with the rate either way.
type progress struct {
	label string
	total int64
	start time.Time
	out   io.Writer
	n     atomic.Int64
	// skipped counts objects passed over as already identical (a merge):
	// they are part of n, but nothing was written for them.
	skipped atomic.Int64

	bar *progressbar.ProgressBar
	mu  sync.Mutex
	// ev, when set, is sent progress events, at most one a
	// ProgressEventEvery (lastEvent, under mu) and the last count at Done.
	ev        *events
	lastEvent time.Time
	stop      chan struct{}
	done      chan struct{}
}

func (d *Data) newProgress(label string, total int64) *progress {
	p := &progress{label: label, total: total, start: time.Now(), out: d.Err, stop: make(chan struct{}), done: make(chan struct{})}
	if d.ev != nil && d.ev.fn != nil {
		p.ev = d.ev
	}
	if d.Terminal {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(d.Err),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("objects"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		)
		close(p.done)
		return p
	}
	every := d.ProgressEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.line()
			}
		}
	}()
	return p
}

// Grow adds n objects to the expected total (an inactive tenant, counted
// once it is activated).
func (p *progress) Grow(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total += n
	if p.bar != nil {
		p.bar.ChangeMax64(p.total)
	}
}

func (p *progress) Add(n int) {
	done := p.n.Add(int64(n))
	if p.bar != nil {
		p.mu.Lock()
		_ = p.bar.Add(n)
		p.mu.Unlock()
	}
	if p.ev != nil {
		p.mu.Lock()
		send := time.Since(p.lastEvent) >= ProgressEventEvery
		if send {
			p.lastEvent = time.Now()
		}
		total := p.total
		p.mu.Unlock()
		if send {
			p.ev.emit(Event{Type: EventProgress, Step: p.label, Done: done, Total: total, Skipped: p.skipped.Load()})
		}
	}
}

// Skip counts n objects passed over because they are already identical.
func (p *progress) Skip(n int) {
	p.skipped.Add(int64(n))
	p.Add(n)
}

// minRateElapsed is how long objects must have moved before a rate means
// anything: a handful of objects over microseconds is no throughput.
const minRateElapsed = time.Second

// rate is objects per second so far; ok is false before minRateElapsed.
func (p *progress) rate() (r float64, ok bool) {
	el := time.Since(p.start)
	if el < minRateElapsed {
		return 0, false
	}
	return float64(p.n.Load()) / el.Seconds(), true
}

func (p *progress) line() {
	n := p.n.Load()
	p.mu.Lock()
	total := p.total
	p.mu.Unlock()
	s := fmt.Sprintf("%s: %d", p.label, n)
	if total > 0 {
		s += fmt.Sprintf("/%d objects (%d%%)", total, n*100/total)
	} else {
		s += " objects"
	}
	if r, ok := p.rate(); ok {
		s += fmt.Sprintf(", %.0f objects/s", r)
		if r > 0 && total > n {
			s += fmt.Sprintf(", ETA %s", time.Duration(float64(total-n)/r*float64(time.Second)).Round(time.Second))
		}
	}
	fmt.Fprintln(p.out, s)
}

// Done stops the reporting and prints the final count and rate.
func (p *progress) Done() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	<-p.done
	if p.bar != nil {
		p.mu.Lock()
		_ = p.bar.Finish()
		p.mu.Unlock()
	}
	el := time.Since(p.start).Round(time.Millisecond)
	n, skipped := p.n.Load(), p.skipped.Load()
	if p.ev != nil {
		p.mu.Lock()
		total := p.total
		p.mu.Unlock()
		p.ev.emit(Event{Type: EventProgress, Step: p.label, Done: n, Total: total, Skipped: skipped, DurationMS: el.Milliseconds()})
		p.ev.stepDone(p.label, n, skipped)
	}
	s := fmt.Sprintf("%s: %d objects in %s", p.label, n, el)
	if skipped > 0 {
		s = fmt.Sprintf("%s: %d objects compared, %d written, %d identical skipped in %s", p.label, n, n-skipped, skipped, el)
	}
	if r, ok := p.rate(); ok {
		s += fmt.Sprintf(" (%.0f objects/s)", r)
	}
	fmt.Fprintln(p.out, s)
}
