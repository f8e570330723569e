package collection

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// pathsLive and pathsDeclared are one collection as Weaviate holds it and
// as the configuration declares it, different in every setting the tests
// below keep.
func pathsLive() Collection {
	c := Collection{
		Name: "Article", Description: "live description",
		ModuleConfig: map[string]any{"generative-openai": map[string]any{"model": "live"}},
		Vectors:      []NamedVector{{Name: "body", Index: VectorIndex{EF: 64}}},
		Properties: []Property{
			{Name: "meta", DataType: "object", IndexFilterable: true, Description: "live meta",
				Nested: []Property{{Name: "source", DataType: "text", Description: "live source"}}},
			{Name: "title", DataType: "text", Description: "live title"},
		},
		InvertedIndex: InvertedIndex{BM25B: 0.5, BM25K1: 1.5},
		Replication:   Replication{Factor: 3},
	}
	Normalize(&c)
	return c
}

func pathsDeclared() Collection {
	c := Collection{
		Name: "Article", Description: "declared description",
		ModuleConfig: map[string]any{"generative-openai": map[string]any{"model": "declared"}},
		Vectors:      []NamedVector{{Name: "body", Index: VectorIndex{EF: 128}}},
		Properties: []Property{
			{Name: "meta", DataType: "object", IndexFilterable: true, Description: "declared meta",
				Nested: []Property{{Name: "source", DataType: "text", Description: "declared source"}}},
			{Name: "title", DataType: "text", Description: "declared title"},
		},
	}
	Normalize(&c)
	return c
}

// TestCopyPathsKeepsTheLiveValue is lifecycle.ignore_changes: each path
// named takes the live value, every other setting keeps the declared one,
// so the diff no longer shows the ignored settings.
func TestCopyPathsKeepsTheLiveValue(t *testing.T) {
	tests := []struct {
		paths []string
		check func(c Collection) bool
	}{
		{[]string{"description"}, func(c Collection) bool { return c.Description == "live description" }},
		{[]string{"property.title.description"}, func(c Collection) bool { return c.Property("title").Description == "live title" }},
		{[]string{"property.meta.nested.source.description"}, func(c Collection) bool {
			return c.Property("meta").Nested[0].Description == "live source" && c.Property("meta").Description == "declared meta"
		}},
		{[]string{"vector.body.index.ef"}, func(c Collection) bool { return c.Vector("body").Index.EF == 64 }},
		{[]string{"inverted_index"}, func(c Collection) bool { return c.InvertedIndex.BM25B == 0.5 && c.InvertedIndex.BM25K1 == 1.5 }},
		{[]string{"inverted_index.bm25_b"}, func(c Collection) bool { return c.InvertedIndex.BM25B == 0.5 && c.InvertedIndex.BM25K1 == 1.2 }},
		{[]string{"module_config.generative-openai.model"}, func(c Collection) bool {
			return reflect.DeepEqual(c.ModuleConfig, map[string]any{"generative-openai": map[string]any{"model": "live"}})
		}},
		{[]string{"replication.factor", "description"}, func(c Collection) bool { return c.Replication.Factor == 3 && c.Description == "live description" }},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.paths, ","), func(t *testing.T) {
			got := pathsDeclared()
			if err := CopyPaths(&got, pathsLive(), tt.paths); err != nil {
				t.Fatal(err)
			}
			if !tt.check(got) {
				t.Fatalf("live value not kept: %+v", got)
			}
			for _, f := range Diff(pathsLive(), got) {
				for _, p := range tt.paths {
					if f.Path == p || strings.HasPrefix(f.Path, p+".") {
						t.Errorf("ignored %s still differs: %s", p, f.Reason())
					}
				}
			}
			if n, all := len(Diff(pathsLive(), got)), len(Diff(pathsLive(), pathsDeclared())); n >= all {
				t.Errorf("%d changes left of %d: other settings must keep the declared values and nothing else change", n, all)
			}
		})
	}
}

func TestCopyPathsEdgeCases(t *testing.T) {
	t.Run("no paths leaves the collection alone", func(t *testing.T) {
		got := pathsDeclared()
		if err := CopyPaths(&got, pathsLive(), nil); err != nil || !reflect.DeepEqual(got, pathsDeclared()) {
			t.Fatalf("changed: %v %+v", err, got)
		}
	})
	t.Run("a setting absent live is removed", func(t *testing.T) {
		live := pathsLive()
		live.ModuleConfig = nil
		got := pathsDeclared()
		if err := CopyPaths(&got, live, []string{"module_config"}); err != nil {
			t.Fatal(err)
		}
		if got.ModuleConfig != nil {
			t.Fatalf("module_config = %v, want none as live", got.ModuleConfig)
		}
	})
	t.Run("a property not declared is not added", func(t *testing.T) {
		live := pathsLive()
		live.Properties = append(live.Properties, NewProperty("extra", "int"))
		got := pathsDeclared()
		if err := CopyPaths(&got, live, []string{"property.extra.description"}); err != nil {
			t.Fatal(err)
		}
		if got.Property("extra") != nil {
			t.Fatal("ignore_changes added a property the configuration does not declare")
		}
	})
	t.Run("a whole property cannot be ignored", func(t *testing.T) {
		got := pathsDeclared()
		err := CopyPaths(&got, pathsLive(), []string{"property.title"})
		if err == nil || !strings.Contains(err.Error(), `ignore_changes "property.title"`) || !strings.Contains(err.Error(), "name one of its settings") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the result is normalised", func(t *testing.T) {
		got := pathsDeclared()
		if err := CopyPaths(&got, pathsLive(), []string{"property.title.tokenization"}); err != nil {
			t.Fatal(err)
		}
		want := got
		Normalize(&want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("not normalised: %+v", got)
		}
	})
}

func TestIgnorablePaths(t *testing.T) {
	legacy := pathsDeclared()
	legacy.Vectors = nil
	legacy.VectorIndex = &VectorIndex{}
	Normalize(&legacy)
	named := pathsDeclared()

	for _, tt := range []struct {
		name      string
		c         Collection
		has, hasn []string
	}{
		{"class-level vector", legacy,
			[]string{"description", "module_config", "vectorizer", "vector_index", "vector_index.ef", "vector_index.quantization.segments",
				"inverted_index", "inverted_index.bm25_b", "multi_tenancy.enabled", "replication.factor", "sharding.desired_count",
				"property.title.description", "property.meta.tokenization", "property.meta.nested.source.index_searchable"},
			[]string{"vector.body.index.ef", "property.title", "property.meta.nested.source"}},
		{"named vectors", named,
			[]string{"vector.body.vectorizer", "vector.body.vectorizer_config", "vector.body.index", "vector.body.index.threshold"},
			[]string{"vectorizer", "vector_index", "vector_index.ef", "vector.body"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			paths := IgnorablePaths(tt.c)
			for _, p := range tt.has {
				if !slices.Contains(paths, p) {
					t.Errorf("%s missing", p)
				}
			}
			for _, p := range tt.hasn {
				if slices.Contains(paths, p) {
					t.Errorf("%s listed", p)
				}
			}
		})
	}
}

func TestCheckIgnorePath(t *testing.T) {
	c := pathsDeclared()
	tests := []struct {
		path    string
		wantErr string // "" for accepted
	}{
		{"description", ""},
		{"property.meta.nested.source.description", ""},
		{"vector.body.index.ef", ""},
		{"module_config.generative-openai", ""}, // free-form below module_config
		{"module_config.generative-openai.model", ""},
		{"vector.body.vectorizer_config.model", ""},
		{"property.title", `"property.title" is a whole property, which cannot be ignored; name one of its settings, e.g. property.title.description`},
		{"vector.body", `"vector.body" is a whole vector, which cannot be ignored; name one of its settings, e.g. vector.body.index.ef`},
		{"descripton", `"descripton" is not a setting of collection Article; did you mean description?`},
		{"property.title.tokenisation", `did you mean property.title.tokenization?`},
		{"vector_index.ef", `"vector_index.ef" is not a setting of collection Article`}, // named vectors only
		{"vector.other.vectorizer_config.model", `is not a setting`},                    // no such vector
		{"completely.unrelated.words", `"completely.unrelated.words" is not a setting of collection Article`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			err := CheckIgnorePath(c, tt.path)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	// A suggestion is made only for a likely typo.
	if err := CheckIgnorePath(c, "completely.unrelated.words"); err != nil && strings.Contains(err.Error(), "did you mean") {
		t.Errorf("suggests for an unrelated path: %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"ef", "ef", 0}, {"descripton", "description", 1}} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
