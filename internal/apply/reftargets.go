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
	"github.com/colstate/colstate/internal/snapshot"
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
	// writtenTenants: the tenants each multi-tenant collection the plan
	// writes gets from its snapshot (under the names they are written
	// into); nil for a collection without multi-tenancy.
	writtenTenants := map[string]map[string]bool{}
	for _, c := range p.Changes {
		if c.Action != plan.Restore && c.Action != plan.Merge {
			continue
		}
		written[c.Collection] = true
		r, err := d.openSnapshot(c)
		if err != nil {
			return err
		}
		sc := r.Manifest().Collection(c.SourceName())
		if sc == nil || len(sc.Tenants) == 0 {
			continue
		}
		ts := map[string]bool{}
		if len(c.Data.OnlyTenants) > 0 {
			for _, pk := range c.Data.OnlyTenants {
				ts[pk.Target()] = true
			}
		} else {
			for _, t := range sc.Tenants {
				ts[t.Name] = true
			}
		}
		writtenTenants[c.Collection] = ts
	}
	chk := &refChecker{wv: d.Client, ctx: ctx, pending: map[refKey][]refUse{}, schemas: map[string]*live.ObjectSchema{}, tenants: map[string]map[string]live.Tenant{}}
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
		// Only the tenants the change restores (--tenant), under the
		// names it writes them into (--tenant a=b): a reference of a
		// multi-tenant collection resolves in the tenant it is written in.
		err = pickedSource(r, c).Objects(ctx, c.SourceName(), func(o *object.Object) error {
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
					if target == "" {
						continue
					}
					u := refUse{from: o.ID, tenant: o.Tenant, prop: prop.Name, id: strings.ToLower(id)}
					if written[target] {
						// Its objects come from the snapshot; its tenant
						// must still be there once the plan has run.
						if ts, ok := writtenTenants[target]; ok && o.Tenant != "" && !ts[o.Tenant] {
							if err := chk.needTenant(target, u); err != nil {
								return err
							}
						}
						continue
					}
					if err := chk.add(target, o.Tenant, u); err != nil {
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

type refUse struct{ from, tenant, prop, id string }

type refChecker struct {
	wv interface {
		schemaReader
		tenantManager
		objectReader
	}
	ctx     context.Context
	change  plan.Change
	pending map[refKey][]refUse
	schemas map[string]*live.ObjectSchema // nil: the collection does not exist
	tenants map[string]map[string]live.Tenant
}

// liveTenants lists (once) the live tenants of a multi-tenant collection;
// none when it does not exist.
func (k *refChecker) liveTenants(name string) (map[string]live.Tenant, error) {
	if ts, ok := k.tenants[name]; ok {
		return ts, nil
	}
	list, err := k.wv.Tenants(k.ctx, name)
	if err != nil && !errors.Is(err, live.ErrNotFound) {
		return nil, err
	}
	ts := map[string]live.Tenant{}
	for _, t := range list {
		ts[t.Name] = t
	}
	k.tenants[name] = ts
	return ts, nil
}

// needTenant refuses u, a reference into the multi-tenant collection
// target, when target has no live tenant u.tenant: Weaviate resolves a
// reference of a multi-tenant collection in the tenant it is written in,
// so the reference could not be written (and a replace would have cleared
// the collection before finding out).
func (k *refChecker) needTenant(target string, u refUse) error {
	ts, err := k.liveTenants(target)
	if err != nil {
		return err
	}
	if _, ok := ts[u.tenant]; ok {
		return nil
	}
	src := k.change.SourceName()
	return fmt.Errorf("%s %s: snapshot object %s of %s, written into tenant %s, refers in property %s to object %s of multi-tenant collection %s, which has no tenant %s "+
		"(a reference resolves in the tenant it is written in, so Weaviate would refuse it). "+
		"Create tenant %s of %s with the objects it refers to first, or restore %s into a tenant %s has (--tenant NAME=NEW); nothing was written",
		k.change.Action, k.change.Collection, u.from, src, u.tenant, u.prop, u.id, target, u.tenant,
		u.tenant, target, k.change.Collection, target)
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
		if tenant != "" {
			if err := k.needTenant(target, u); err != nil {
				return err
			}
		}
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
		read := func() (err error) {
			found, err = k.wv.ReadObjectsByID(k.ctx, s, live.ReadOptions{Tenant: key.tenant, IDsOnly: true}, ids)
			return err
		}
		if key.tenant == "" {
			err = read()
		} else {
			// An inactive (COLD) target tenant is activated for the read
			// and set back afterwards (recorded in the tenant log
			// meanwhile), also when the collection has
			// autoTenantActivation, which would otherwise wake it for
			// good.
			ts, terr := k.liveTenants(key.collection)
			if terr != nil {
				return terr
			}
			_, err = k.wv.WithTenantActive(k.ctx, key.collection, ts[key.tenant], read)
		}
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

// writeReferencesAwake is writeReferences with the inactive (COLD) tenants
// its references point into activated: Weaviate refuses a reference into
// an inactive tenant ("tenant not active"), and one woken by its
// collection's autoTenantActivation would stay HOT. For a multi-tenant
// collection, the tenants of the same names in each multi-tenant
// collection it refers to that the plan does not restore are activated
// for the reference pass and set back to their status afterwards, also
// when it fails. (They are activated together: a restore of very many
// tenants into targets with as many inactive tenants activates them all
// at once.)
func (d *Data) writeReferencesAwake(ctx context.Context, j *restoreJob, jobs []*restoreJob) (err error) {
	if j.s == nil || !j.s.MultiTenant || len(j.sc.Tenants) == 0 {
		return d.writeReferences(ctx, j)
	}
	restored := map[string]bool{}
	for _, o := range jobs {
		restored[o.c.Collection] = true
	}
	seen := map[string]bool{}
	for _, prop := range j.s.Properties {
		if prop.Kind() != "ref" {
			continue
		}
		for _, target := range prop.DataType {
			if restored[target] || seen[target] {
				continue
			}
			seen[target] = true
			cl, cerr := d.Client.Class(ctx, target)
			if errors.Is(cerr, live.ErrNotFound) {
				continue
			}
			if cerr != nil {
				return cerr
			}
			if !live.SchemaOf(cl).MultiTenant {
				continue
			}
			woken, werr := d.wakeTenants(ctx, target, j.sc.Tenants)
			defer func() { err = errors.Join(err, live.SetBackAll(ctx, woken)) }()
			if werr != nil {
				return werr
			}
		}
	}
	return d.writeReferences(ctx, j)
}

// wakeTenants activates the snapshot's tenants that exist in target but
// are inactive, as one group (live.ActivateTenants: each recorded in the
// tenant log first; offloaded ones refused by name before any is
// activated). Set them back with live.SetBackAll.
func (d *Data) wakeTenants(ctx context.Context, target string, snap []snapshot.Tenant) ([]*live.Activation, error) {
	have, err := d.Client.Tenants(ctx, target)
	if err != nil {
		return nil, err
	}
	inSnap := map[string]bool{}
	for _, t := range snap {
		inSnap[t.Name] = true
	}
	var sleeping []live.Tenant
	for _, t := range have {
		if inSnap[t.Name] && !t.Active() {
			sleeping = append(sleeping, t)
		}
	}
	woken, err := d.Client.ActivateTenants(ctx, target, sleeping)
	if err != nil {
		return nil, err
	}
	if len(woken) > 0 {
		fmt.Fprintf(d.Out, "Activated %s of %s whose objects the references point at; each gets its status back afterwards.\n", plural(len(woken), "inactive tenant", "inactive tenants"), target)
	}
	return woken, nil
}
