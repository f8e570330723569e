package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Deleting a collection with many tenants takes Weaviate minutes (10,000
// mostly COLD tenants: about three here), far beyond the client's request
// timeout. Weaviate removes the class from its schema first — GET
// /v1/schema/NAME answers 404 within a second — and then drops the
// tenants' files while it holds its index lock: every schema change, and
// GET /v1/nodes?output=verbose, waits until the drop is done (measured on
// 1.35.2; 1.27 drops the same way). So:
//
//   - the DELETE request gets its own timeout, the overall limit, and
//     colstate says every so often that it is still waiting;
//   - when the request ends without an answer although Weaviate got it
//     (a timeout, a dropped connection, a proxy's 502/503/504), colstate
//     does not send it again while the class is gone (that could delete a
//     collection created under the name since) but waits until the class
//     is out of the schema and no node lists a shard of it any more;
//   - Ctrl-C stops the wait, not Weaviate: the error says so.

// DeleteTimings bound how colstate waits for Weaviate to delete a
// collection. Zero fields take the defaults; tests set milliseconds.
type DeleteTimings struct {
	// Limit is how long colstate waits in all; 0: DefaultDeleteLimit for
	// the collection's tenant count.
	Limit time.Duration
	// Request is the timeout of one DELETE request; 0: the limit.
	Request time.Duration
	// Poll is the pause between two checks once the request ended without
	// an answer; 0: 2 s.
	Poll time.Duration
	// Notice is how often colstate says it is still waiting; 0: 15 s.
	Notice time.Duration
}

// DefaultDeleteLimit is how long colstate waits for Weaviate to delete a
// collection with the given number of tenants: 5 minutes, plus 50 ms a
// tenant (Weaviate took about 15 ms a COLD tenant here, on 2 busy cores).
func DefaultDeleteLimit(tenants int) time.Duration {
	return 5*time.Minute + time.Duration(max(tenants, 0))*50*time.Millisecond
}

func (t DeleteTimings) limit(tenants int) time.Duration {
	if t.Limit > 0 {
		return t.Limit
	}
	return DefaultDeleteLimit(tenants)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Delete deletes the collection and every object in it, and returns once
// Weaviate has finished: also when that takes longer than a request may
// (see above). ErrNotFound: there is no such collection.
func (c *Client) Delete(ctx context.Context, name string) error {
	d := &deletion{c: c, name: name, tenants: -1, start: time.Now()}
	// The tenant count scales the limit and is shown while waiting; it
	// can only be read before the DELETE (the class leaves the schema
	// first). A collection without multi-tenancy answers 422: no count.
	if ts, err := c.Tenants(ctx, name); err == nil {
		d.tenants = len(ts)
	} else if ctx.Err() != nil {
		return ctx.Err()
	}
	d.deadline = d.start.Add(c.DeleteTimings.limit(d.tenants))
	stop := d.noticeEvery(orDefault(c.DeleteTimings.Notice, 15*time.Second))
	defer stop()
	return d.run(ctx)
}

// deletion is one Delete call.
type deletion struct {
	c        *Client
	name     string
	tenants  int // -1: unknown (no multi-tenancy, or unread)
	start    time.Time
	deadline time.Time
	// phase is what the notices say colstate waits for.
	phase atomic.Value // string
}

func (d *deletion) run(ctx context.Context) error {
	d.phase.Store("waiting for Weaviate to finish deleting " + d.what())
	err := d.send(ctx)
	if !d.ambiguous(err) {
		return d.interrupted(ctx, err)
	}
	// Weaviate got the request (or may have): wait for it to finish.
	poll := orDefault(d.c.DeleteTimings.Poll, 2*time.Second)
	for {
		if time.Now().After(d.deadline) {
			return d.overLimit(err)
		}
		switch gone, cerr := d.classGone(ctx); {
		case ctx.Err() != nil:
			return d.interrupted(ctx, ctx.Err())
		case cerr != nil:
			err = cerr // Weaviate unreachable: keep waiting, say why at the limit
		case gone:
			d.phase.Store("waiting for Weaviate to finish dropping the tenants and files of " + d.what())
			switch done, derr := d.dropDone(ctx); {
			case ctx.Err() != nil:
				return d.interrupted(ctx, ctx.Err())
			case derr != nil:
				err = derr
			case done:
				return nil
			}
		default:
			// Still in the schema: the DELETE is queued behind other
			// schema changes, or never reached Weaviate. Sending it again
			// is safe while the class exists: it is what is to be deleted,
			// and a second DELETE queued behind the first does nothing.
			switch err = d.send(ctx); {
			case err == nil, errors.Is(err, ErrNotFound):
				return nil
			case !d.ambiguous(err):
				return d.interrupted(ctx, err)
			}
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return d.interrupted(ctx, ctx.Err())
		case <-t.C:
		}
	}
}

// send sends one DELETE, retrying failures that certainly did not reach
// Weaviate (nothing written: a refused connection, a dial timeout).
func (d *deletion) send(ctx context.Context) error {
	hc := &http.Client{Transport: d.c.http.Transport} // no client-wide timeout: the deadline below
	path := "/v1/schema/" + url.PathEscape(d.name)
	return d.c.retry(ctx, "delete collection "+d.name, func() error {
		rctx, cancel := context.WithDeadline(ctx, d.deadline)
		defer cancel()
		if r := d.c.DeleteTimings.Request; r > 0 {
			rctx, cancel = context.WithTimeout(rctx, r)
			defer cancel()
		}
		var written atomic.Bool
		rctx = httptrace.WithClientTrace(rctx, &httptrace.ClientTrace{
			WroteRequest: func(w httptrace.WroteRequestInfo) { written.Store(w.Err == nil) },
		})
		err := d.c.doWith(rctx, hc, http.MethodDelete, path, nil, nil)
		if err != nil && written.Load() && ctx.Err() == nil && noAnswer(err) {
			return &unanswered{err}
		}
		if err != nil && ctx.Err() == nil && rctx.Err() != nil {
			// The request timed out before it was sent: safe to repeat.
			return &notSent{err}
		}
		return err
	})
}

// unanswered is a DELETE that reached Weaviate and got no answer. It
// does not unwrap: retry must not send it again as it would a transient
// failure.
type unanswered struct{ err error }

func (e *unanswered) Error() string { return e.err.Error() }

// notSent is a DELETE that timed out before it was written: repeatable.
type notSent struct{ err error }

func (e *notSent) Error() string { return e.err.Error() }

// Temporary marks it for Transient (below): retry.
func (e *notSent) Timeout() bool   { return true }
func (e *notSent) Temporary() bool { return true }

// noAnswer: the request ended without Weaviate's answer (a timeout or a
// dropped connection), or with a proxy's in place of it.
func noAnswer(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusBadGateway || se.Status == http.StatusServiceUnavailable || se.Status == http.StatusGatewayTimeout
	}
	return Transient(err) || errors.Is(err, context.DeadlineExceeded)
}

// ambiguous: the DELETE may be running on the server although the call
// failed.
func (*deletion) ambiguous(err error) bool {
	var u *unanswered
	return errors.As(err, &u)
}

// classGone reads the class once: gone when Weaviate answers 404.
func (d *deletion) classGone(ctx context.Context) (bool, error) {
	var cl Class
	err := d.c.do(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(d.name), nil, &cl)
	if errors.Is(err, ErrNotFound) {
		return true, nil
	}
	return false, err
}

// dropDone reports whether no node lists a shard of the collection any
// more. Weaviate answers GET /v1/nodes?output=verbose only once its index
// lock is free, that is once the drop is done.
func (d *deletion) dropDone(ctx context.Context) (bool, error) {
	var nodes struct {
		Nodes []struct {
			Name   string `json:"name"`
			Shards []struct {
				Class string `json:"class"`
			} `json:"shards"`
		} `json:"nodes"`
	}
	if err := d.c.do(ctx, http.MethodGet, "/v1/nodes?output=verbose", nil, &nodes); err != nil {
		return false, err
	}
	for _, n := range nodes.Nodes {
		for _, s := range n.Shards {
			if strings.EqualFold(s.Class, d.name) {
				return false, nil
			}
		}
	}
	return true, nil
}

func (d *deletion) what() string {
	if d.tenants < 0 {
		return d.name
	}
	return fmt.Sprintf("%s (%d tenants)", d.name, d.tenants)
}

// interrupted explains an error that came while Weaviate may be deleting:
// Ctrl-C stops colstate's wait, not Weaviate.
func (d *deletion) interrupted(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	return fmt.Errorf("stopped waiting for Weaviate to delete %s after %s: %w; Weaviate goes on deleting it: run the command again once GET /v1/schema/%s answers 404 (a rerun skips a collection already gone)",
		d.what(), d.elapsed(), ctx.Err(), d.name)
}

func (d *deletion) overLimit(last error) error {
	why := ""
	if last != nil {
		why = fmt.Sprintf(" (last answer: %v)", last)
	}
	return fmt.Errorf("Weaviate has not finished deleting %s after %s%s; it may still be deleting it on the server: run the command again once GET /v1/schema/%s answers 404 and GET /v1/nodes?output=verbose lists no shard of it, or raise delete_timeout in the weaviate block",
		d.what(), d.elapsed(), why, d.name)
}

func (d *deletion) elapsed() time.Duration {
	return time.Since(d.start).Round(time.Second)
}

// noticeEvery says, every interval, what colstate is waiting for; the
// returned func stops it.
func (d *deletion) noticeEvery(interval time.Duration) (stop func()) {
	w := d.c.Notices
	if w == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				phase, _ := d.phase.Load().(string)
				fmt.Fprintf(w, "%s… %s\n", phase, time.Since(d.start).Round(time.Second))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
