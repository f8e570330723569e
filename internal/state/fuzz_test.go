package state

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the state file reader. It must never
// panic, every error must name the file, and a state it accepts must write
// back into a state it accepts again. The seed corpus is in
// testdata/fuzz/FuzzDecode and runs with go test.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		``,
		`{}`,
		`null`,
		`[]`,
		`{"version":1,"lineage":"abc","serial":3,"collections":{}}`,
		`{"version":1,"lineage":"abc","serial":3,"updated_at":"2026-01-02T03:04:05Z","collections":{"A":{"name":"A","vectorizer":"none","vector_index":{"type":"hnsw","distance":"cosine","ef":-1,"ef_construction":128,"max_connections":32},"properties":[{"name":"title","data_type":"text","tokenization":"word","index_filterable":true,"index_searchable":true}],"multi_tenancy":{"enabled":false},"replication":{"factor":1}}}}`,
		`{"version":2,"lineage":"abc"}`,
		`{"version":1,"lineage":""}`,
		`{"version":1,"lineage":"x","collections":{"A":null}}`,
		`{"version":1,"lineage":"x","updated_at":"not a time"}`,
		`{"version":1e400}`,
		`{"version":1,"lineage":"x","serial":-1}`,
	} {
		f.Add([]byte(seed))
	}
	const path = "/fuzz/dir/state.json"
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data, path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if s == nil || s.Collections == nil {
			t.Fatalf("accepted state %+v without collections map", s)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("accepted state does not marshal: %v", err)
		}
		if _, err := Decode(out, path); err != nil {
			t.Fatalf("accepted state does not read back: %v\n%s", err, out)
		}
	})
}
