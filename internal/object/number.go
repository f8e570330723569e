package object

import (
	"encoding/json"
	"fmt"
	"math"
)

// MaxExactInt is 2^53: every integer of at most this magnitude has an
// exact float64 form, the form in which Weaviate keeps int and int[]
// values.
const MaxExactInt = 1 << 53

// Int returns an int property value — int64, int, float64 or json.Number —
// as an int64. It refuses a value that is not an integer, and one Weaviate
// would not keep as given: Weaviate keeps int and int[] values as float64,
// so an integer beyond 2^53 is taken only when a float64 holds it exactly,
// and a value that is already floating point (a float64, or a json.Number
// such as 1e20 or 9007199254740993.0) only below 2^53, from where it may
// be a rounded neighbour of the number that was written.
//
// The JSONL reader (package content) and the batch writer (package live)
// both convert through Int, so a value the plan accepts is never refused
// mid-apply, and a value from any source is refused the same way.
func Int(v any) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, exactInt(n)
	case int:
		return int64(n), exactInt(int64(n))
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, exactInt(i)
		}
		f, err := n.Float64()
		if err != nil && !math.IsInf(f, 0) { // not a number at all (out of range is Inf)
			return 0, fmt.Errorf("int wants a number, got %s", n)
		}
		return floatInt(f, n.String())
	case float64:
		return floatInt(n, fmt.Sprint(n))
	}
	return 0, fmt.Errorf("int wants a number, got %s", Describe(v))
}

// exactInt refuses an integer that has no exact float64 form.
func exactInt(n int64) error {
	if int64(float64(n)) == n && float64(n) < math.MaxInt64 {
		return nil
	}
	return fmt.Errorf("int %d is beyond 2^53 and has no exact float64 form, which Weaviate needs (it keeps int and int[] values alike as float64); store it as text", n)
}

// floatInt turns an integral float below 2^53 into an int64; text is how
// the value was written, for the error. From 2^53 on a float may be the
// rounded neighbour of what was written (9007199254740993.0 parses as
// 2^53), so it is refused.
func floatInt(f float64, text string) (int64, error) {
	if math.IsNaN(f) || f != math.Trunc(f) {
		return 0, fmt.Errorf("%s is not an integer", text)
	}
	if math.Abs(f) >= MaxExactInt {
		return 0, fmt.Errorf("int %s is beyond 2^53 in floating-point form, which may already be rounded; write it as a plain integer (no fraction or exponent), or store it as text", text)
	}
	return int64(f), nil
}

// Float returns a number property value — float64, int64, int or
// json.Number — as a float64.
func Float(v any) (float64, error) {
	switch n := v.(type) {
	case float64:
		return n, nil
	case int64:
		return float64(n), nil
	case int:
		return float64(n), nil
	case json.Number:
		f, err := n.Float64()
		if err != nil {
			return 0, fmt.Errorf("number wants a number, got %s", n)
		}
		return f, nil
	}
	return 0, fmt.Errorf("number wants a number, got %s", Describe(v))
}

// Describe shows a value in an error: as JSON when that is short, else by
// its Go type.
func Describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 60 {
		return fmt.Sprintf("a %T", v)
	}
	return string(b)
}
