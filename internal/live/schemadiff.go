package live

import (
	"slices"

	"github.com/colstate/colstate/internal/collection"
)

// SchemaDiff lists how class b differs from class a, as colstate's model
// paths ("description", "property.title.tokenization"), plus "index
// settings colstate does not model" when those differ: empty when a
// collection restored from a's schema has b's.
func SchemaDiff(a, b Class) []string {
	var out []string
	for _, fc := range collection.Diff(FromClass(a), FromClass(b)) {
		out = append(out, fc.Path)
	}
	if !slices.Equal(Unmodeled(a), Unmodeled(b)) {
		out = append(out, "index settings colstate does not model")
	}
	return out
}
