package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/snapshot"
)

func decodeClass(raw []byte) (live.Class, error) {
	var cl live.Class
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&cl); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return cl, nil
}

// snapshotClass reads and decodes the schema a snapshot holds for a
// collection.
func snapshotClass(r *snapshot.Reader, name string) (live.Class, error) {
	raw, err := r.Schema(name)
	if err != nil {
		return nil, err
	}
	return decodeClass(raw)
}

// referenceTargets lists the collections a class's references point at.
func referenceTargets(cl live.Class) []string {
	var out []string
	for _, p := range live.SchemaOf(cl).Properties {
		if live.IsReference(p.DataType) {
			for _, t := range p.DataType {
				if !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// reconcileSchema checks that the snapshot's objects fit the live
// collection: properties the live one lacks are added, properties whose
// types differ are refused, all listed at once.
func (d *Data) reconcileSchema(ctx context.Context, target string, snapClass, liveClass live.Class) ([]string, error) {
	missing, added, err := schemaDiff(target, snapClass, liveClass)
	if err != nil {
		return nil, err
	}
	for i, p := range missing {
		if err := d.Client.AddRawProperty(ctx, target, p); err != nil {
			return nil, fmt.Errorf("add property %s to %s: %w", added[i], target, err)
		}
	}
	return added, nil
}

// schemaDiff returns the snapshot's properties the live collection lacks
// (raw, and their names), or an error listing every conflict.
func schemaDiff(target string, snapClass, liveClass live.Class) ([]any, []string, error) {
	snap, lv := live.SchemaOf(snapClass), live.SchemaOf(liveClass)
	var conflicts []string
	var missing []any
	var added []string
	snapProps, _ := snapClass["properties"].([]any)
	for i, p := range snap.Properties {
		lp := lv.Property(p.Name)
		if lp == nil {
			missing = append(missing, snapProps[i])
			added = append(added, p.Name)
			continue
		}
		conflicts = append(conflicts, propertyConflicts(p.Name, p, *lp)...)
	}
	if snap.MultiTenant != lv.MultiTenant {
		conflicts = append(conflicts, fmt.Sprintf("multi-tenancy: snapshot %v, live %v", snap.MultiTenant, lv.MultiTenant))
	}
	liveVectors := map[string]bool{}
	for _, n := range lv.Named {
		liveVectors[n] = true
	}
	for _, n := range snap.Named {
		switch {
		case !liveVectors[n]:
			conflicts = append(conflicts, fmt.Sprintf("named vector %s: in the snapshot, not in the live collection", n))
		case snap.Multi[n] && !lv.Multi[n]:
			conflicts = append(conflicts, fmt.Sprintf("named vector %s: multi-vectors in the snapshot, single vectors in the live collection", n))
		case !snap.Multi[n] && lv.Multi[n]:
			conflicts = append(conflicts, fmt.Sprintf("named vector %s: single vectors in the snapshot, multi-vectors in the live collection", n))
		}
	}
	if snap.Legacy && !lv.Legacy {
		conflicts = append(conflicts, "class-level vector: in the snapshot, not in the live collection")
	}
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return nil, nil, fmt.Errorf("the snapshot's schema conflicts with collection %s; nothing was written:\n  %s", target, strings.Join(conflicts, "\n  "))
	}
	return missing, added, nil
}

func propertyConflicts(path string, snap, lv live.PropertySchema) []string {
	if strings.Join(snap.DataType, "|") != strings.Join(lv.DataType, "|") {
		return []string{fmt.Sprintf("property %s: snapshot %s, live %s", path, strings.Join(snap.DataType, "|"), strings.Join(lv.DataType, "|"))}
	}
	var out []string
	for _, n := range snap.Nested {
		var ln *live.PropertySchema
		for i := range lv.Nested {
			if lv.Nested[i].Name == n.Name {
				ln = &lv.Nested[i]
			}
		}
		if ln == nil {
			out = append(out, fmt.Sprintf("property %s.%s: in the snapshot, not in the live collection (nested properties cannot be added)", path, n.Name))
			continue
		}
		out = append(out, propertyConflicts(path+"."+n.Name, n, *ln)...)
	}
	return out
}

// classForCreate turns a class as Weaviate returned it into a body its
// create endpoint accepts: the same settings, under the target name. The
// server reports a sharding config for multi-tenant collections but refuses
// one on create.
func classForCreate(cl live.Class, name string) live.Class {
	out := live.Class{}
	for k, v := range cl {
		out[k] = v
	}
	out["class"] = name
	if mt, ok := out["multiTenancyConfig"].(map[string]any); ok && mt["enabled"] == true {
		delete(out, "shardingConfig")
	}
	return out
}
