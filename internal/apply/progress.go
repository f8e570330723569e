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

	bar  *progressbar.ProgressBar
	mu   sync.Mutex
	stop chan struct{}
	done chan struct{}
}

func (d *Data) newProgress(label string, total int64) *progress {
	p := &progress{label: label, total: total, start: time.Now(), out: d.Err, stop: make(chan struct{}), done: make(chan struct{})}
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
	p.n.Add(int64(n))
	if p.bar != nil {
		p.mu.Lock()
		_ = p.bar.Add(n)
		p.mu.Unlock()
	}
}

func (p *progress) rate() float64 {
	el := time.Since(p.start).Seconds()
	if el <= 0 {
		return 0
	}
	return float64(p.n.Load()) / el
}

func (p *progress) line() {
	n := p.n.Load()
	r := p.rate()
	p.mu.Lock()
	total := p.total
	p.mu.Unlock()
	s := fmt.Sprintf("%s: %d", p.label, n)
	if total > 0 {
		s += fmt.Sprintf("/%d objects (%d%%)", total, n*100/total)
	} else {
		s += " objects"
	}
	s += fmt.Sprintf(", %.0f objects/s", r)
	if r > 0 && total > n {
		s += fmt.Sprintf(", ETA %s", time.Duration(float64(total-n)/r*float64(time.Second)).Round(time.Second))
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
	el := time.Since(p.start)
	fmt.Fprintf(p.out, "%s: %d objects in %s (%.0f objects/s)\n", p.label, p.n.Load(), el.Round(time.Millisecond), p.rate())
}
