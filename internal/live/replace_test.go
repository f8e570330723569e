package live

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/collection"
)

// TestForReplace: the body of a replace is the old class JSON with only
// the modelled settings that changed set anew.
func TestForReplace(t *testing.T) {
	var base Class
	if err := json.Unmarshal([]byte(`{
		"class": "C", "vectorizer": "none", "vectorIndexType": "hnsw",
		"vectorIndexConfig": {"distance": "cosine", "skip": true, "ef": -1,
			"pq": {"enabled": true, "segments": 4, "encoder": {"type": "tile", "distribution": "normal"}},
			"bq": {"enabled": false}},
		"properties": [
			{"name": "title", "dataType": ["text"], "tokenization": "word", "indexFilterable": true, "indexSearchable": true,
			 "moduleConfig": {"text2vec-x": {"skip": true}}},
			{"name": "gone", "dataType": ["int"]}
		],
		"invertedIndexConfig": {"bm25": {"b": 0.75, "k1": 1.2}, "usingBlockMaxWAND": true}
	}`), &base); err != nil {
		t.Fatal(err)
	}
	col := FromClass(base)
	col.VectorIndex.Distance = "dot"
	col.Properties[0].Tokenization = "field" // in Weaviate's order: title, gone
	col.Properties = col.Properties[:1]
	out := ForReplace(base, col)
	b, _ := json.Marshal(out)
	var got map[string]any
	json.Unmarshal(b, &got)
	vic := got["vectorIndexConfig"].(map[string]any)
	pq := vic["pq"].(map[string]any)
	enc := pq["encoder"].(map[string]any)
	if vic["distance"] != "dot" || vic["skip"] != true || enc["type"] != "tile" || enc["distribution"] != "normal" || pq["enabled"] != true {
		t.Errorf("vector index config %v", vic)
	}
	props := got["properties"].([]any)
	if len(props) != 1 {
		t.Fatalf("properties %v", props)
	}
	p := props[0].(map[string]any)
	if p["tokenization"] != "field" || p["moduleConfig"] == nil {
		t.Errorf("property %v", p)
	}
	if got["invertedIndexConfig"].(map[string]any)["usingBlockMaxWAND"] != true {
		t.Errorf("inverted index %v", got["invertedIndexConfig"])
	}

	// Quantization turned off in the model is disabled, not left on.
	col.VectorIndex.Quantization = nil
	vic = ForReplace(base, col)["vectorIndexConfig"].(map[string]any)
	if vic["pq"].(map[string]any)["enabled"] != false {
		t.Errorf("pq %v stays enabled", vic["pq"])
	}
}

// TestForReplaceTakesDeclaredOrder: a replace creates the collection anew,
// so its properties and nested properties take the declared order, as a
// create does, each still merged over its old self.
func TestForReplaceTakesDeclaredOrder(t *testing.T) {
	var base Class
	if err := json.Unmarshal([]byte(`{
		"class": "C", "vectorizer": "none", "vectorIndexType": "hnsw",
		"properties": [
			{"name": "a", "dataType": ["text"], "moduleConfig": {"none": {"skip": true}}},
			{"name": "meta", "dataType": ["object"], "nestedProperties": [
				{"name": "x", "dataType": ["int"]}, {"name": "y", "dataType": ["int"]}]},
			{"name": "b", "dataType": ["int"]}
		]
	}`), &base); err != nil {
		t.Fatal(err)
	}
	col := FromClass(base)
	p := col.Properties
	p[1].Nested[0], p[1].Nested[1] = p[1].Nested[1], p[1].Nested[0]
	col.Properties = []collection.Property{p[2], p[1], p[0], collection.NewProperty("c", "int")}
	var got []string
	var nested []string
	for _, p := range ForReplace(base, col)["properties"].([]any) {
		pm := p.(map[string]any)
		got = append(got, pm["name"].(string))
		if pm["name"] == "a" && pm["moduleConfig"] == nil {
			t.Errorf("property a lost its moduleConfig: %v", pm)
		}
		for _, n := range listOf(pm["nestedProperties"]) {
			nested = append(nested, n.(map[string]any)["name"].(string))
		}
	}
	if g := strings.Join(got, ","); g != "b,meta,a,c" {
		t.Errorf("properties in order %s, want b,meta,a,c", g)
	}
	if g := strings.Join(nested, ","); g != "y,x" {
		t.Errorf("nested properties in order %s, want y,x", g)
	}
}

// TestForReplaceLeavesMultiTenancy: a multi-tenant class's reported
// sharding config is not carried into the single-tenant replacement.
func TestForReplaceLeavesMultiTenancy(t *testing.T) {
	base := Class{"class": "C", "multiTenancyConfig": map[string]any{"enabled": true},
		"shardingConfig": map[string]any{"key": "", "desiredCount": float64(0)}}
	col := FromClass(base)
	col.MultiTenancy.Enabled = false
	col.Sharding.DesiredCount = 2
	sc := objOf(ForReplace(base, col)["shardingConfig"])
	if _, ok := sc["key"]; ok || num(sc["desiredCount"]) != 2 {
		t.Errorf("sharding config %v", sc)
	}
}
