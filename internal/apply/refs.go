package apply

import (
	"context"
	"fmt"
	"strings"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
)

// Weaviate refuses a reference property to a collection that does not exist
// yet, and an object whose reference points at an object that does not
// exist yet. So collections in a reference cycle are created without the
// cycle's reference properties, which are added once every target exists,
// and objects are written without their references first and with them in
// a second pass, once every object they can point at is there.

// splitAtReference returns how many of the properties (given by their data
// types) can be created with the collection: those before the first
// reference property with a target for which pending is true. The rest are
// added afterwards, in order, so the collection ends up with its properties
// in the order asked for (Weaviate keeps the order of creation).
func splitAtReference(dataTypes [][]string, pending func(target string) bool) int {
	for i, dt := range dataTypes {
		if !live.IsReference(dt) {
			continue
		}
		for _, t := range dt {
			if pending(t) {
				return i
			}
		}
	}
	return len(dataTypes)
}

// deferredProperties returns, for each Create change of p (by index), the
// properties to add once the collections created after it exist: a
// reference cycle among new collections cannot be created in any order.
func deferredProperties(p *plan.Plan) map[int][]collection.Property {
	out := map[int][]collection.Property{}
	for i, c := range p.Changes {
		if c.Action != plan.Create || c.After == nil {
			continue
		}
		later := map[string]bool{}
		for _, d := range p.Changes[i+1:] {
			if d.Action == plan.Create && d.Collection != c.Collection {
				later[d.Collection] = true
			}
		}
		var types [][]string
		for _, pr := range c.After.Properties {
			types = append(types, strings.Split(pr.DataType, "|"))
		}
		if k := splitAtReference(types, func(t string) bool { return later[t] }); k < len(types) {
			out[i] = c.After.Properties[k:]
		}
	}
	return out
}

// withoutTail returns c without its last n properties.
func withoutTail(c collection.Collection, n int) collection.Collection {
	c.Properties = c.Properties[:len(c.Properties)-n]
	return c
}

// pendingProperties are properties of a created collection still to add.
type pendingProperties struct {
	index  int
	change plan.Change
	props  []collection.Property
}

// addDeferred adds the properties held back when collections in a
// reference cycle were created, now that every one of them exists.
func (r *Runner) addDeferred(ctx context.Context) error {
	pending := r.pending
	r.pending = nil
	for _, pp := range pending {
		var names []string
		for _, p := range pp.props {
			names = append(names, p.Name)
		}
		err := r.step(stepKey(pp.index, pp.change, "references"), func() error {
			return r.addProperties(ctx, pp.change.Collection, pp.props)
		})
		if err != nil {
			return fmt.Errorf("create collection %s: add the properties held back until the collections it refers to existed (%s): %w; run colstate apply again to resume",
				pp.change.Collection, strings.Join(names, ", "), err)
		}
		fmt.Fprintf(r.Out, "  %s: added %s once the collections it refers to existed\n", pp.change.Collection, strings.Join(names, ", "))
	}
	return nil
}

func (r *Runner) addProperties(ctx context.Context, name string, props []collection.Property) error {
	return r.Schema.AddProperties(ctx, name, props)
}

// hasReferences reports whether o holds a reference to another object.
func hasReferences(s *live.ObjectSchema, o *object.Object) bool {
	for _, p := range s.Properties {
		if p.Kind() != "ref" {
			continue
		}
		if list, ok := o.Properties[p.Name].([]any); ok && len(list) > 0 {
			return true
		}
	}
	return false
}

// withoutReferences returns a copy of o without its (non-empty) references.
func withoutReferences(s *live.ObjectSchema, o *object.Object) *object.Object {
	cp := *o
	cp.Properties = make(map[string]any, len(o.Properties))
	for k, v := range o.Properties {
		if p := s.Property(k); p != nil && p.Kind() == "ref" {
			if list, ok := v.([]any); ok && len(list) > 0 {
				continue
			}
		}
		cp.Properties[k] = v
	}
	return &cp
}

// schemaHasReferences reports whether objects of s can hold references.
func schemaHasReferences(s *live.ObjectSchema) bool {
	for _, p := range s.Properties {
		if p.Kind() == "ref" {
			return true
		}
	}
	return false
}
