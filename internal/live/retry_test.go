package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{status.Error(codes.Unavailable, "down"), true},
		{status.Error(codes.ResourceExhausted, "busy"), true},
		{status.Error(codes.InvalidArgument, "bad"), false},
		{status.Error(codes.Unauthenticated, "key"), false},
		{&StatusError{Status: http.StatusTooManyRequests}, true},
		{&StatusError{Status: http.StatusServiceUnavailable}, true},
		{&StatusError{Status: http.StatusUnprocessableEntity}, false},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{context.Canceled, false},
		{errors.New("schema mismatch"), false},
	}
	for _, tt := range tests {
		if got := Transient(tt.err); got != tt.want {
			t.Errorf("Transient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestBackoffDelayIsBoundedWithJitter(t *testing.T) {
	b := Backoff{Attempts: 10, Initial: 100 * time.Millisecond, Max: time.Second}
	for n := range 40 {
		d := b.delay(n)
		ceiling := min(b.Initial<<min(n, 30), b.Max)
		if d < ceiling/2 || d > ceiling {
			t.Fatalf("delay(%d) = %v, want within [%v, %v]", n, d, ceiling/2, ceiling)
		}
	}
}

func TestRetry(t *testing.T) {
	c := &Client{Retry: Backoff{Attempts: 4, Initial: time.Millisecond, Max: 2 * time.Millisecond}}
	calls := 0
	err := c.retry(context.Background(), "op", func() error {
		calls++
		if calls < 3 {
			return status.Error(codes.Unavailable, "restarting")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("retry = %v after %d calls, want success on the 3rd", err, calls)
	}
	calls = 0
	err = c.retry(context.Background(), "op", func() error { calls++; return status.Error(codes.Unavailable, "down") })
	if err == nil || calls != 4 {
		t.Fatalf("retry = %v after %d calls, want failure after 4", err, calls)
	}
	calls = 0
	err = c.retry(context.Background(), "op", func() error { calls++; return status.Error(codes.InvalidArgument, "bad") })
	if err == nil || calls != 1 {
		t.Fatalf("a permanent error was retried: %d calls", calls)
	}
}

func TestScalarIntMustBeExact(t *testing.T) {
	for _, n := range []int64{0, -7, 1 << 53, 1 << 60, -(1 << 62)} {
		if _, err := scalarValue("int", n); err != nil {
			t.Errorf("int %d is exact as a float64 but was refused: %v", n, err)
		}
	}
	for _, n := range []int64{1<<53 + 1, math.MaxInt64, math.MinInt64 + 1} {
		if _, err := scalarValue("int", n); err == nil {
			t.Errorf("int %d cannot travel exactly but was accepted", n)
		}
	}
}
