package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/plan"
)

// refTargetBatch is how many target UUIDs one existence check asks for.
const refTargetBatch = 100

// checkReferenceTargets refuses, before anything is written (and so before
// a replace clears anything), a restore or merge whose snapshot objects
// refer to objects outside the collections it writes that no longer exist,
// in a multi-tenant collection or one that does not exist: Weaviate refuses
// such a reference, so the reference pass would fail after the collection
// was cleared and its objects written without their references. A
// reference from an object without a tenant to a missing object of a
// collection without multi-tenancy is written back as it was (Weaviate
// keeps those; see writeDangling). Targets in the collections the plan
// writes come from the snapshot itself and are not checked.
func (d *Data) checkReferenceTargets(ctx context.Context, p *plan.Plan) error {
	written := map[string]bool{}
	for _, c := range p.Changes {
		if c.Action == plan.Restore || c.Action == plan.Merge {
			written[c.Collection] = true
		}
	}
	chk := &refChecker{wv: d.Client, ctx: ctx, pending: map[refKey][]refUse{}, schemas: map[string]*live.ObjectSchema{}}
	for _, c := range p.Changes {
		if c.Action != plan.Restore && c.Action != plan.Merge {
			continue
		}
		r, err := d.openSnapshot(c)
		if err != nil {
			return err
		}
		snapClass, err := snapshotClass(r, c.SourceName())
		if err != nil {
			return err
		}
		s := live.SchemaOf(snapClass)
		if !schemaHasReferences(s) {
			continue
		}
		chk.change = c
		err = r.Objects(ctx, c.SourceName(), func(o *object.Object) error {
			for _, prop := range s.Properties {
				if prop.Kind() != "ref" {
					continue
				}
				list, _ := o.Properties[prop.Name].([]any)
				for _, ref := range list {
					m, _ := ref.(map[string]any)
					b, _ := m["beacon"].(string)
					target, id := live.ParseBeacon(b)
					if target == "" && len(prop.DataType) == 1 {
						target = prop.DataType[0]
					}
					if target == "" || written[target] {
						continue
					}
					if err := chk.add(target, o.Tenant, refUse{from: o.ID, prop: prop.Name, id: strings.ToLower(id)}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err == nil {
			err = chk.flushAll()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type refKey struct{ collection, tenant string }

type refUse struct{ from, prop, id string }

type refChecker struct {
	wv interface {
		schemaReader
		objectReader
	}
	ctx     context.Context
	change  plan.Change
	pending map[refKey][]refUse
	schemas map[string]*live.ObjectSchema // nil: the collection does not exist
}

func (k *refChecker) add(target, tenant string, u refUse) error {
	key := refKey{collection: target}
	s, err := k.schema(target)
	if err != nil {
		return err
	}
	if s != nil && !s.MultiTenant && tenant == "" {
		return nil // written back even when its target is missing
	}
	if s != nil && s.MultiTenant {
		key.tenant = tenant
	}
	k.pending[key] = append(k.pending[key], u)
	if len(k.pending[key]) >= refTargetBatch {
		return k.flush(key)
	}
	return nil
}

func (k *refChecker) schema(name string) (*live.ObjectSchema, error) {
	if s, ok := k.schemas[name]; ok {
		return s, nil
	}
	cl, err := k.wv.Class(k.ctx, name)
	if errors.Is(err, live.ErrNotFound) {
		k.schemas[name] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s := live.SchemaOf(cl)
	k.schemas[name] = s
	return s, nil
}

func (k *refChecker) flushAll() error {
	keys := make([]refKey, 0, len(k.pending))
	for key := range k.pending {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].collection != keys[j].collection {
			return keys[i].collection < keys[j].collection
		}
		return keys[i].tenant < keys[j].tenant
	})
	for _, key := range keys {
		if err := k.flush(key); err != nil {
			return err
		}
	}
	return nil
}

func (k *refChecker) flush(key refKey) error {
	uses := k.pending[key]
	delete(k.pending, key)
	if len(uses) == 0 {
		return nil
	}
	s, err := k.schema(key.collection)
	if err != nil {
		return err
	}
	found := map[string]*object.Object{}
	if s != nil {
		var ids []string
		seen := map[string]bool{}
		for _, u := range uses {
			if !seen[u.id] {
				seen[u.id] = true
				ids = append(ids, u.id)
			}
		}
		found, err = k.wv.ReadObjectsByID(k.ctx, s, live.ReadOptions{Tenant: key.tenant, IDsOnly: true}, ids)
		if err != nil {
			return err
		}
	}
	var missing []refUse
	for _, u := range uses {
		if found[u.id] == nil {
			missing = append(missing, u)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	u := missing[0]
	where := key.collection
	if key.tenant != "" {
		where += " (tenant " + key.tenant + ")"
	}
	more := ""
	if len(missing) > 1 {
		more = fmt.Sprintf(" (and %d more such references)", len(missing)-1)
	}
	src := k.change.SourceName()
	return fmt.Errorf("%s %s: snapshot object %s of %s refers, in property %s, to object %s of %s, which no longer exists%s; Weaviate refuses a reference to a missing object. "+
		"Restore %s with it from a snapshot that holds that object (--collection %s --collection %s), or recreate the object first; nothing was written",
		k.change.Action, k.change.Collection, u.from, src, u.prop, u.id, where, more,
		key.collection, src, key.collection)
}
