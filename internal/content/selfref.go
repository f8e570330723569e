package content

import (
	"context"
	"sort"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// Has reports whether the source holds an object with this id.
func (x *Index) Has(id string) bool {
	_, ok := x.find(id)
	return ok
}

// SelfReference is a reference from a source object to an object of its
// own collection that the source does not hold.
type SelfReference struct{ From, Target string }

// SelfReferencesOutside lists, in source order, the references of the
// source's objects to objects of their own collection (s.Collection) that
// the source does not hold: such a target must already be live, and stay
// so, or Weaviate refuses the reference.
func SelfReferencesOutside(ctx context.Context, src Source, s *live.ObjectSchema, x *Index) ([]SelfReference, error) {
	var refProps []string
	for _, p := range s.Properties {
		if p.Kind() != "ref" {
			continue
		}
		for _, t := range p.DataType {
			if t == s.Collection {
				refProps = append(refProps, p.Name)
				break
			}
		}
	}
	if len(refProps) == 0 {
		return nil, nil
	}
	sort.Strings(refProps)
	var out []SelfReference
	err := src.Scan(ctx, s, func(o *object.Object) error {
		for _, name := range refProps {
			list, _ := o.Properties[name].([]any)
			for _, r := range list {
				var b string
				switch v := r.(type) {
				case map[string]any:
					b, _ = v["beacon"].(string)
				case string:
					b = v
				}
				target, id := live.ParseBeacon(b)
				if target != s.Collection || id == "" || x.Has(id) {
					continue
				}
				out = append(out, SelfReference{From: o.ID, Target: id})
			}
		}
		return nil
	})
	return out, err
}
