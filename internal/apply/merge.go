package apply

import (
	"maps"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// mergeLive fills o, a snapshot object a merge is about to write over its
// live copy lv (nil when there is none), with what the snapshot does not
// carry: a write replaces the whole object, and what the snapshot lacks is
// unknown, not empty. Live property values o has no value for are kept
// (properties added after the snapshot, values it records as absent), and
// so are live vectors o has none for, except those a vectorizer makes,
// which Weaviate computes again from the written properties. It reports
// whether anything was kept.
func mergeLive(o, lv *object.Object, s *live.ObjectSchema) bool {
	for name, v := range o.Properties {
		if v == nil {
			delete(o.Properties, name) // a write leaves it out: absent
		}
	}
	if lv == nil {
		return false
	}
	kept := false
	for name, v := range lv.Properties {
		if _, ok := o.Properties[name]; !ok {
			if o.Properties == nil {
				o.Properties = map[string]any{}
			}
			o.Properties[name], kept = v, true
		}
	}
	for name, v := range lv.Vectors {
		if _, ok := o.Vectors[name]; !ok && !s.Vectorized[name] {
			if o.Vectors == nil {
				o.Vectors = map[string][]float32{}
			}
			o.Vectors[name], kept = v, true
		}
	}
	for name, v := range lv.Multi {
		if _, ok := o.Multi[name]; !ok && !s.Vectorized[name] {
			if o.Multi == nil {
				o.Multi = map[string][][]float32{}
			}
			o.Multi[name], kept = v, true
		}
	}
	return kept
}

// asMerged is lv as a merge of the snapshot object o compares it: without
// the vectors and multi-vectors o lacks that a vectorizer makes (Weaviate
// computes those, so their values are not the merge's to check).
func asMerged(lv, o *object.Object, s *live.ObjectSchema) *object.Object {
	drop := func(name string, has bool) bool { return !has && s.Vectorized[name] }
	var vectors, multi []string
	for name := range lv.Vectors {
		if _, ok := o.Vectors[name]; drop(name, ok) {
			vectors = append(vectors, name)
		}
	}
	for name := range lv.Multi {
		if _, ok := o.Multi[name]; drop(name, ok) {
			multi = append(multi, name)
		}
	}
	if len(vectors) == 0 && len(multi) == 0 {
		return lv
	}
	cp := *lv
	cp.Vectors = maps.Clone(lv.Vectors)
	for _, name := range vectors {
		delete(cp.Vectors, name)
	}
	cp.Multi = maps.Clone(lv.Multi)
	for _, name := range multi {
		delete(cp.Multi, name)
	}
	return &cp
}

// restoredFrom reports whether the live object lv is what a restore of the
// snapshot object o writes: the same content, references aside (the first
// pass writes an object without them). An object changed since is not:
// completing a restore must never overwrite it.
func restoredFrom(s *live.ObjectSchema, lv, o *object.Object, noVectors bool) bool {
	a, b := withoutReferences(s, lv), withoutReferences(s, o)
	if noVectors {
		a.Vectors, a.Multi, b.Vectors, b.Multi = nil, nil, nil, nil
	}
	return a.Hash() == b.Hash()
}
