package content

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// TestIntBoundSameOnBothPaths: an int reaches Weaviate through the JSONL
// reader (Normalize, at plan time) and the batch writer (ToBatchObject,
// which a snapshot's objects reach without Normalize). Both take the same
// ints and refuse the same ones with the same error — scalar, in an int[]
// and nested — so what a plan accepts its apply writes, and an int Weaviate
// would round (it keeps ints as float64) is refused on either path.
func TestIntBoundSameOnBothPaths(t *testing.T) {
	s := &live.ObjectSchema{Collection: "C", Legacy: true, Properties: []live.PropertySchema{
		{Name: "n", DataType: []string{"int"}},
		{Name: "ns", DataType: []string{"int[]"}},
		{Name: "meta", DataType: []string{"object"}, Nested: []live.PropertySchema{{Name: "k", DataType: []string{"int"}}}},
	}}
	for _, tc := range []struct {
		v  any
		ok bool
	}{
		{json.Number("9007199254740992"), true}, // 2^53
		{json.Number("-9007199254740992"), true},
		{json.Number("9007199254740993"), false},   // 2^53+1: no exact float64 form
		{json.Number("1152921504606846976"), true}, // 2^60: a float64 holds it exactly
		{json.Number("9223372036854775807"), false},
		{json.Number("9007199254740993.0"), false}, // parses as 2^53: may be rounded
		{json.Number("1e20"), false},
		{json.Number("1.5"), false},
		{int64(1<<53 + 1), false},
		{int64(-(1<<53 + 1)), false},
		{float64(1<<53 - 1), true},
		{float64(1 << 54), false},
	} {
		_, want := object.Int(tc.v)
		if (want == nil) != tc.ok {
			t.Errorf("object.Int(%v): err = %v, want ok %v", tc.v, want, tc.ok)
			continue
		}
		for _, props := range []map[string]any{
			{"n": tc.v},
			{"ns": []any{int64(1), tc.v}},
			{"meta": map[string]any{"k": tc.v}},
		} {
			_, nerr := Normalize(s, props)
			_, berr := live.ToBatchObject(s, "C", &object.Object{ID: "00000000-0000-0000-0000-000000000001", Properties: props})
			for path, err := range map[string]error{"Normalize": nerr, "ToBatchObject": berr} {
				switch {
				case tc.ok && err != nil:
					t.Errorf("%s(%v): %v, want it taken", path, props, err)
				case !tc.ok && (err == nil || !strings.Contains(err.Error(), want.Error())):
					t.Errorf("%s(%v): err = %v, want %q", path, props, err, want)
				}
			}
		}
	}
}
