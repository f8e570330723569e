package workspace

import (
	"strings"
	"testing"

	"github.com/colstate/colstate/internal/config"
	"github.com/colstate/colstate/internal/live"
)

// TestSchemaDiff: a replace takes Weaviate's restore only when the
// snapshot's schema is the live one and, if declared, the declared one.
func TestSchemaDiff(t *testing.T) {
	class := func(desc, tokenization string) live.Class {
		return live.Class{"class": "Article", "description": desc, "vectorizer": "none",
			"properties": []any{map[string]any{"name": "title", "dataType": []any{"text"}, "tokenization": tokenization}}}
	}
	snap := class("news", "word")
	declared := func(c live.Class) *config.Declared { return &config.Declared{Collection: live.FromClass(c)} }
	tests := []struct {
		name     string
		live     live.Class
		declared *config.Declared
		want     string // "" when the same; else a part of the difference
	}{
		{"same, undeclared", class("news", "word"), nil, ""},
		{"same, declared the same", class("news", "word"), declared(class("news", "word")), ""},
		{"live description differs", class("edited", "word"), nil, "live description"},
		{"live tokenization differs", class("news", "field"), nil, "live property.title.tokenization"},
		{"declared differs", class("news", "word"), declared(class("news", "field")), "declared property.title.tokenization"},
		{"unmodeled index setting differs", func() live.Class {
			c := class("news", "word")
			c["vectorIndexType"] = "hnsw"
			c["vectorIndexConfig"] = map[string]any{"skip": true}
			return c
		}(), nil, "index settings colstate does not model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := schemaDiff(snap, tt.live, tt.declared)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("schemaDiff = %q, want %q", got, tt.want)
			}
		})
	}
}
