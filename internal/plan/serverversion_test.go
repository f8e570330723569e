package plan

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseServerVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ServerVersion
		ok   bool
	}{
		{"1.35.2", ServerVersion{1, 35, 2}, true},
		{"v1.27.0", ServerVersion{1, 27, 0}, true},
		{"1.30.0-rc.1", ServerVersion{1, 30, 0}, true},
		{"1.30", ServerVersion{1, 30, 0}, true},
		{"", ServerVersion{}, false},
		{"latest", ServerVersion{}, false},
		{"1.x.2", ServerVersion{}, false},
		{"1.2.3.4", ServerVersion{}, false},
	} {
		got, ok := ParseServerVersion(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseServerVersion(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	older := []string{"1.9.9", "1.27.0", "1.29.9", "1.30.0", "1.30.10", "2.0.0"}
	for i := 0; i+1 < len(older); i++ {
		a, _ := ParseServerVersion(older[i])
		b, _ := ParseServerVersion(older[i+1])
		if !a.Less(b) || b.Less(a) || a.Less(a) {
			t.Errorf("order of %s and %s", a, b)
		}
	}
}

// class decodes a class JSON literal as the snapshot holds it.
func class(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A class as Weaviate 1.35.2 returns it with every newer setting at its
// default (trimmed to the vector index): nothing to refuse on any server.
const plain135 = `{"class":"Plain","vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"cosine","filterStrategy":"acorn",
 "rq":{"enabled":false,"bits":8,"rescoreLimit":20},"multivector":{"enabled":false,"muvera":{"enabled":false}},"skipDefaultQuantization":false},
 "invertedIndexConfig":{"usingBlockMaxWAND":true}}`

func TestCheckServerVersion(t *testing.T) {
	rq := `{"class":"C","vectorIndexConfig":{"rq":{"enabled":true,"bits":8}}}`
	multi := `{"class":"C","vectorConfig":{"colbert":{"vectorIndexType":"hnsw","vectorIndexConfig":{"multivector":{"enabled":true,"muvera":{"enabled":false}}}}}}`
	muvera := `{"class":"C","vectorConfig":{"colbert":{"vectorIndexConfig":{"multivector":{"enabled":true,"muvera":{"enabled":true}}}}}}`
	dynamicRQ := `{"class":"C","vectorIndexType":"dynamic","vectorIndexConfig":{"hnsw":{"rq":{"enabled":true}},"flat":{"bq":{"enabled":true}}}}`
	for _, tc := range []struct {
		name, server, class string
		want                []string // settings refused, in order; nil: accepted
	}{
		{"plain into 1.27", "1.27.0", plain135, nil},
		{"plain into 1.35", "1.35.2", plain135, nil},
		{"rq into 1.35", "1.35.2", rq, nil},
		{"rq into 1.32", "1.32.0", rq, nil},
		{"rq into 1.30", "1.30.10", rq, []string{"rotational quantization"}},
		{"rq into 1.27", "1.27.0", rq, []string{"rotational quantization"}},
		{"rq in a dynamic index", "1.30.10", dynamicRQ, []string{"rotational quantization"}},
		{"multi-vector into 1.30", "1.30.10", multi, nil},
		{"multi-vector into 1.27", "1.27.0", multi, []string{"multi-vector index"}},
		{"muvera into 1.30", "1.30.10", muvera, []string{"MUVERA encoding"}},
		{"muvera into 1.27", "1.27.0", muvera, []string{"multi-vector index", "MUVERA encoding"}},
		{"muvera into 1.31", "1.31.0", muvera, nil},
		{"unknown server version", "", rq, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckServerVersion(tc.server, "1.35.2", []SchemaToCreate{{Collection: "Target", Class: class(t, tc.class)}})
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ve *ServerVersionError
			if !errors.As(err, &ve) {
				t.Fatalf("want a ServerVersionError, got %v", err)
			}
			var got []string
			for _, c := range ve.Conflicts {
				got = append(got, c.Setting.Name)
				if c.Collection != "Target" {
					t.Errorf("conflict names collection %q", c.Collection)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("conflicts %q, want %q", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Fatalf("conflicts %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestServerVersionErrorSaysWhatAndWhatToDo(t *testing.T) {
	err := CheckServerVersion("1.30.10", "1.35.2", []SchemaToCreate{
		{Collection: "Docs", Class: class(t, `{"class":"Docs","vectorConfig":{"body":{"vectorIndexConfig":{"rq":{"enabled":true}}}}}`)},
	})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"Weaviate 1.30.10", "taken on Weaviate 1.35.2", "nothing was written",
		"collection Docs", "vectorIndexConfig.rq.enabled", "named vector body",
		"needs Weaviate 1.32.0 or newer", "restore into Weaviate 1.32 or newer", "--mode=merge",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%s", want, err)
		}
	}
}
