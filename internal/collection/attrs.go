package collection

import "fmt"

// Attr is one setting of a collection, flattened for display.
type Attr struct {
	Path  string
	Value any
}

// Attributes lists a collection's settings in display order, as plans show
// them for a collection being created or deleted.
func Attributes(c Collection) []Attr {
	out := []Attr{
		{"description", c.Description},
		{"vectorizer", c.Vectorizer},
		{"vector_index.type", c.VectorIndex.Type},
		{"vector_index.distance", c.VectorIndex.Distance},
	}
	if c.VectorIndex.Type == "hnsw" {
		out = append(out,
			Attr{"vector_index.ef", c.VectorIndex.EF},
			Attr{"vector_index.ef_construction", c.VectorIndex.EFConstruction},
			Attr{"vector_index.max_connections", c.VectorIndex.MaxConnections})
	}
	out = append(out,
		Attr{"multi_tenancy.enabled", c.MultiTenancy.Enabled},
		Attr{"replication.factor", c.Replication.Factor})
	for _, p := range c.Properties {
		out = append(out, Attr{"property." + p.Name, p})
	}
	return out
}

// String renders a property compactly: "text (word, filterable, searchable)".
func (p Property) String() string {
	s := p.DataType
	var flags []string
	if p.Tokenization != "" {
		flags = append(flags, p.Tokenization)
	}
	if p.IndexFilterable {
		flags = append(flags, "filterable")
	}
	if p.IndexSearchable {
		flags = append(flags, "searchable")
	}
	if len(flags) > 0 {
		s += " ("
		for i, f := range flags {
			if i > 0 {
				s += ", "
			}
			s += f
		}
		s += ")"
	}
	if p.Description != "" {
		s += fmt.Sprintf(" %q", p.Description)
	}
	return s
}
