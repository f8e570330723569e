package apply

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A rate over a few microseconds is no throughput: neither a progress line
// nor the final line shows one before a second has passed; a merge that
// wrote nothing says so instead of "N objects".
func TestProgressNoRateBeforeTimePasses(t *testing.T) {
	var buf bytes.Buffer
	d := &Data{Err: &buf, ProgressEvery: time.Hour}
	p := d.newProgress("merge X", 7)
	p.Skip(7)
	p.line()
	p.Done()
	out := buf.String()
	if strings.Contains(out, "objects/s") {
		t.Errorf("a rate before any time passed:\n%s", out)
	}
	if !strings.Contains(out, "merge X: 7/7 objects (100%)\n") {
		t.Errorf("progress line:\n%s", out)
	}
	if !strings.Contains(out, "merge X: 7 objects compared, 0 written, 7 identical skipped in ") {
		t.Errorf("final line does not say nothing was written:\n%s", out)
	}

	buf.Reset()
	p = d.newProgress("backup Y", 10)
	p.start = time.Now().Add(-2 * time.Second) // as if two seconds had passed
	p.Add(10)
	p.Done()
	if !strings.Contains(buf.String(), "backup Y: 10 objects in ") || !strings.Contains(buf.String(), " objects/s)") {
		t.Errorf("final line after 2 s lacks the rate:\n%s", buf.String())
	}
}
