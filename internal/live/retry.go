package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Backoff bounds the retries of a transient failure: up to Attempts tries in
// all, waiting an exponentially growing delay (Initial, 2×Initial, … at most
// Max) with jitter between them. Tests set the delays to milliseconds.
type Backoff struct {
	Attempts int
	Initial  time.Duration
	Max      time.Duration
}

// DefaultBackoff rides out a server restart or a burst of overload: about
// half a minute in all.
var DefaultBackoff = Backoff{Attempts: 7, Initial: 250 * time.Millisecond, Max: 10 * time.Second}

// delay is the wait before retry number n (0-based): half fixed, half random
// ("equal jitter"), so that clients retrying together spread out.
func (b Backoff) delay(n int) time.Duration {
	d := b.Initial << min(n, 30)
	if d > b.Max || d <= 0 {
		d = b.Max
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// retry runs fn until it succeeds, fails permanently, the attempts run out or
// ctx ends.
func (c *Client) retry(ctx context.Context, what string, fn func() error) error {
	return retryWith(ctx, c.Retry, what, fn)
}

// retryWith is retry with the backoff b.
func retryWith(ctx context.Context, b Backoff, what string, fn func() error) error {
	attempts := max(b.Attempts, 1)
	var err error
	for n := 0; n < attempts; n++ {
		if err = fn(); err == nil || !Transient(err) || ctx.Err() != nil {
			return err
		}
		if n == attempts-1 {
			break
		}
		t := time.NewTimer(b.delay(n))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
	return fmt.Errorf("%s: giving up after %d attempts: %w", what, attempts, err)
}

// Transient reports whether err is worth retrying: the server is briefly
// unavailable or overloaded, or the connection dropped.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if TooLarge(err) {
		return false // the same message fails again: it must be made smaller
	}
	if s, ok := status.FromError(err); ok && s.Code() != codes.Unknown {
		switch s.Code() {
		case codes.Unavailable, codes.ResourceExhausted, codes.Aborted:
			return true
		}
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusTooManyRequests || se.Status >= 500
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TooLarge reports whether a gRPC call failed because a message (the
// request, or the server's reply) was larger than one side's limit
// (Weaviate's GRPC_MAX_MESSAGE_SIZE, 104 MB by default): a page of large
// objects, or a batch of them.
func TooLarge(err error) bool {
	s, ok := status.FromError(err)
	return ok && s.Code() == codes.ResourceExhausted && strings.Contains(s.Message(), "larger than max")
}

// ctxErr prefers the context's error, so that a cancelled call reads as
// context.Canceled (Ctrl-C) rather than as a gRPC or HTTP failure.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
