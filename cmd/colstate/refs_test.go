package main

import (
	"context"
	"fmt"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/live/livetest"
	"github.com/colstate/colstate/internal/object"
)

// refFixture is three collections whose references cannot be written in
// any one order: A and B refer to each other, and Tree's nodes refer to
// their parent in the same collection, with UUIDs chosen so every child
// sorts (and streams) before its parent.
type refFixture struct {
	a, b, tree string
	n          int
}

func (f refFixture) classes() []live.Class {
	class := func(name, ref, target string) live.Class {
		return live.Class{
			"class":      name,
			"vectorizer": "none",
			"properties": []any{
				map[string]any{"name": "name", "dataType": []any{"text"}},
				map[string]any{"name": ref, "dataType": []any{target}},
				map[string]any{"name": "rank", "dataType": []any{"int"}},
			},
		}
	}
	return []live.Class{class(f.a, "b", f.b), class(f.b, "a", f.a), class(f.tree, "parent", f.tree)}
}

func (f refFixture) objects() map[string][]*object.Object {
	ref := func(collection string, seed, i int) []any {
		return []any{map[string]any{"beacon": live.Beacon(collection, livetest.UUID(seed, i))}}
	}
	obj := func(seed, i int, props map[string]any) *object.Object {
		v := make([]float32, 4)
		for k := range v {
			v[k] = float32(seed*1000+i*10+k) / 1e4
		}
		props["rank"] = int64(i)
		return &object.Object{ID: livetest.UUID(seed, i), Properties: props, Vectors: map[string][]float32{"": v}}
	}
	out := map[string][]*object.Object{}
	for i := range f.n {
		out[f.a] = append(out[f.a], obj(11, i, map[string]any{"name": fmt.Sprintf("a%d", i), "b": ref(f.b, 12, i)}))
		out[f.b] = append(out[f.b], obj(12, i, map[string]any{"name": fmt.Sprintf("b%d", i), "a": ref(f.a, 11, (i+1)%f.n)}))
		node := map[string]any{"name": fmt.Sprintf("node%d", i)}
		if i < f.n-1 { // node i's parent is node i+1: parents sort after their children
			node["parent"] = ref(f.tree, 13, i+1)
		}
		out[f.tree] = append(out[f.tree], obj(13, i, node))
	}
	return out
}

// seed creates the collections (the reference properties added after all
// three exist) and writes the objects (without references first).
func (f refFixture) seed(ctx context.Context, c *live.Client) error {
	classes := f.classes()
	for _, cl := range classes {
		bare := live.Class{}
		for k, v := range cl {
			bare[k] = v
		}
		props := cl["properties"].([]any)
		bare["properties"] = props[:1]
		if err := c.CreateRaw(ctx, bare); err != nil {
			return err
		}
	}
	for _, cl := range classes {
		for _, p := range cl["properties"].([]any)[1:] {
			if err := c.AddRawProperty(ctx, cl["class"].(string), p); err != nil {
				return err
			}
		}
	}
	objs := f.objects()
	for _, withRefs := range []bool{false, true} {
		for _, name := range []string{f.a, f.b, f.tree} {
			var batch []*object.Object
			for _, o := range objs[name] {
				if !withRefs {
					cp := *o
					cp.Properties = map[string]any{"name": o.Properties["name"], "rank": o.Properties["rank"]}
					o = &cp
				}
				batch = append(batch, o)
			}
			if err := livetest.Insert(ctx, c, name, batch); err != nil {
				return err
			}
		}
	}
	return nil
}
