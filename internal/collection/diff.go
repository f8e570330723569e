package collection

import (
	"fmt"
	"reflect"
)

// FieldChange is one semantic difference between two versions of a
// collection: "property title: tokenization word → field".
//
//	kind      Before            After
//	changed   old value         new value
//	added     nil               new value (a whole property, say)
//	removed   old value         nil
type FieldChange struct {
	Path    string `json:"path"` // e.g. "description", "vector_index.ef", "property.title.tokenization"
	Before  any    `json:"before"`
	After   any    `json:"after"`
	Replace bool   `json:"forces_replacement"` // true when Weaviate cannot change this in place
}

// Reason renders why a change forces replacement, for plan output.
func (f FieldChange) Reason() string {
	switch {
	case f.Before == nil:
		return fmt.Sprintf("%s: added", f.Path)
	case f.After == nil:
		return fmt.Sprintf("%s: removed", f.Path)
	}
	return fmt.Sprintf("%s: %v → %v", f.Path, f.Before, f.After)
}

// Diff lists what differs between a normalised before and after, in a stable
// order, each marked with whether Weaviate can apply it in place. The rules
// follow weaviate's ParseClassUpdate (usecases/schema/parser.go, v1.35).
func Diff(before, after Collection) []FieldChange {
	var out []FieldChange
	field := func(path string, b, a any, replace bool) {
		if !reflect.DeepEqual(b, a) {
			out = append(out, FieldChange{Path: path, Before: b, After: a, Replace: replace})
		}
	}
	field("description", before.Description, after.Description, false)
	field("vectorizer", before.Vectorizer, after.Vectorizer, true)
	field("vector_index.type", before.VectorIndex.Type, after.VectorIndex.Type, true)
	field("vector_index.distance", before.VectorIndex.Distance, after.VectorIndex.Distance, true)
	if before.VectorIndex.Type == after.VectorIndex.Type {
		field("vector_index.ef", before.VectorIndex.EF, after.VectorIndex.EF, false)
		field("vector_index.ef_construction", before.VectorIndex.EFConstruction, after.VectorIndex.EFConstruction, true)
		field("vector_index.max_connections", before.VectorIndex.MaxConnections, after.VectorIndex.MaxConnections, true)
	}
	field("multi_tenancy.enabled", before.MultiTenancy.Enabled, after.MultiTenancy.Enabled, true)
	field("replication.factor", before.Replication.Factor, after.Replication.Factor, false)

	for _, bp := range before.Properties {
		ap := after.Property(bp.Name)
		if ap == nil {
			// Weaviate cannot drop a property: the collection must be rebuilt.
			out = append(out, FieldChange{Path: "property." + bp.Name, Before: bp, Replace: true})
			continue
		}
		prefix := "property." + bp.Name + "."
		field(prefix+"data_type", bp.DataType, ap.DataType, true)
		field(prefix+"description", bp.Description, ap.Description, false)
		field(prefix+"tokenization", bp.Tokenization, ap.Tokenization, true)
		field(prefix+"index_filterable", bp.IndexFilterable, ap.IndexFilterable, true)
		field(prefix+"index_searchable", bp.IndexSearchable, ap.IndexSearchable, true)
	}
	for _, ap := range after.Properties {
		if before.Property(ap.Name) == nil {
			out = append(out, FieldChange{Path: "property." + ap.Name, After: ap})
		}
	}
	return out
}

// NeedsReplace reports whether any change in the list forces replacement.
func NeedsReplace(changes []FieldChange) bool {
	for _, c := range changes {
		if c.Replace {
			return true
		}
	}
	return false
}
