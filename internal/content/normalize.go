// Package content owns what a collection should contain: it reads content
// sources (JSONL files, snapshots), turns their values into colstate's
// object model (package object), and diffs them against a live collection
// by content hash, streaming, in memory proportional to the number of
// objects' ids rather than their size.
package content

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
)

// Normalize turns property values decoded from JSON (numbers as
// json.Number) into the object model the batch writer takes, checking them
// against the collection's schema.
func Normalize(s *live.ObjectSchema, props map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(props))
	for name, v := range props {
		p := s.Property(name)
		if p == nil {
			return nil, fmt.Errorf("property %q is not in collection %s (properties: %s)", name, s.Collection, propertyNames(s.Properties))
		}
		nv, err := normalizeValue(p, v)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", name, err)
		}
		if nv != nil {
			out[name] = nv
		}
	}
	return out, nil
}

func propertyNames(ps []live.PropertySchema) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func normalizeValue(p *live.PropertySchema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	kind := p.Kind()
	if kind == "ref" {
		return normalizeRefs(p, v)
	}
	if strings.HasSuffix(kind, "[]") {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s wants a list, got %s", kind, object.Describe(v))
		}
		elem := *p
		elem.DataType = []string{strings.TrimSuffix(kind, "[]")}
		out := make([]any, 0, len(list))
		for i, e := range list {
			if kind == "int[]" {
				// int arrays travel as int64 but Weaviate keeps each element
				// as a float64, as it does a scalar int: checked here, at
				// plan time, as the batch writer would refuse it mid-apply.
				n, err := object.Int(e)
				if err != nil {
					return nil, fmt.Errorf("item %d: %w", i, err)
				}
				out = append(out, n)
				continue
			}
			ne, err := normalizeValue(&elem, e)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			out = append(out, ne)
		}
		return out, nil
	}
	switch kind {
	case "text", "blob":
		return want[string](v, kind)
	case "uuid":
		s, err := want[string](v, kind)
		if err != nil {
			return nil, err
		}
		u, err := uuid.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a UUID", s)
		}
		return u.String(), nil
	case "date":
		s, err := want[string](v, kind)
		if err != nil {
			return nil, err
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 date such as 2026-11-26T12:00:00Z", s)
		}
		return s, nil
	case "boolean":
		return want[bool](v, kind)
	case "int":
		// Checked here, at plan time, as the batch writer would refuse it
		// mid-apply: a scalar int travels (and is kept) as a float64.
		n, err := object.Int(v)
		if err != nil {
			return nil, err
		}
		return n, nil
	case "number":
		return object.Float(v)
	case "geoCoordinates":
		m, err := want[map[string]any](v, kind)
		if err != nil {
			return nil, err
		}
		lat, err1 := object.Float(m["latitude"])
		lon, err2 := object.Float(m["longitude"])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("geoCoordinates wants {\"latitude\": N, \"longitude\": N}")
		}
		return map[string]any{"latitude": lat, "longitude": lon}, nil
	case "phoneNumber":
		m, err := want[map[string]any](v, kind)
		if err != nil {
			return nil, err
		}
		input, _ := m["input"].(string)
		if input == "" {
			return nil, fmt.Errorf("phoneNumber wants {\"input\": \"...\", \"defaultCountry\": \"..\"}")
		}
		out := map[string]any{"input": input}
		if c, _ := m["defaultCountry"].(string); c != "" {
			// Weaviate keeps the country code in upper case ("gb" is
			// stored as "GB"); write it as it will be read back.
			out["defaultCountry"] = strings.ToUpper(c)
		}
		return out, nil
	case "object":
		m, err := want[map[string]any](v, kind)
		if err != nil {
			return nil, err
		}
		nested := &live.ObjectSchema{Collection: p.Name, Properties: p.Nested}
		return Normalize(nested, m)
	}
	return nil, fmt.Errorf("unsupported data type %s", kind)
}

// normalizeRefs accepts a UUID, a beacon, {"beacon": ...}, or a list of
// them, and returns the object model's list of beacons.
func normalizeRefs(p *live.PropertySchema, v any) (any, error) {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	out := make([]any, 0, len(list))
	for _, r := range list {
		var b string
		switch x := r.(type) {
		case string:
			b = x
		case map[string]any:
			b, _ = x["beacon"].(string)
		}
		target, id := live.ParseBeacon(b)
		if !strings.HasPrefix(b, "weaviate://") {
			target, id = "", b
		}
		u, err := uuid.Parse(id)
		if err != nil {
			return nil, fmt.Errorf("reference %s is neither a UUID nor a beacon", object.Describe(r))
		}
		if target == "" {
			if len(p.DataType) > 1 {
				return nil, fmt.Errorf("reference %s must name its collection (one of %s): use a beacon weaviate://localhost/Collection/UUID", u, strings.Join(p.DataType, ", "))
			}
			target = p.DataType[0]
		}
		out = append(out, map[string]any{"beacon": live.Beacon(target, u.String())})
	}
	return out, nil
}

func want[T any](v any, kind string) (T, error) {
	t, ok := v.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("%s wants %T, got %s", kind, zero, object.Describe(v))
	}
	return t, nil
}

// Hash is an object's content hash for diffing: id, properties and vectors
// in a canonical form, so that an object read back from Weaviate hashes like
// the source object it was written from (dates compared as instants,
// coordinates at the float32 precision Weaviate keeps, phone numbers by
// what was given (country code in any case), references by target and id, empty values dropped).
func Hash(s *live.ObjectSchema, o *object.Object) [16]byte {
	h := sha256.New()
	h.Write([]byte(strings.ToLower(o.ID)))
	h.Write([]byte{0})
	canon := canonical(s.Properties, o.Properties)
	b, err := json.Marshal(canon)
	if err != nil {
		b = []byte(err.Error())
	}
	h.Write(b)
	var buf [4]byte
	for _, name := range o.VectorNames() {
		vec := o.Vectors[name]
		if len(vec) == 0 {
			continue
		}
		h.Write([]byte{0})
		h.Write([]byte(name))
		h.Write([]byte{0})
		for _, f := range vec {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(f))
			h.Write(buf[:])
		}
	}
	for _, name := range o.MultiNames() {
		h.Write([]byte{0})
		h.Write([]byte(name))
		h.Write([]byte{1})
		for _, row := range o.Multi[name] {
			binary.LittleEndian.PutUint32(buf[:], uint32(len(row)))
			h.Write(buf[:])
			for _, f := range row {
				binary.LittleEndian.PutUint32(buf[:], math.Float32bits(f))
				h.Write(buf[:])
			}
		}
	}
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

func canonical(schema []live.PropertySchema, props map[string]any) map[string]any {
	out := map[string]any{}
	for name, v := range props {
		var p *live.PropertySchema
		for i := range schema {
			if schema[i].Name == name {
				p = &schema[i]
			}
		}
		if p == nil {
			out[name] = v
			continue
		}
		if cv := canonicalValue(p, p.Kind(), v); cv != nil {
			out[name] = cv
		}
	}
	return out
}

func canonicalValue(p *live.PropertySchema, kind string, v any) any {
	if v == nil {
		return nil
	}
	if kind == "ref" {
		var refs []string
		list, _ := v.([]any)
		for _, r := range list {
			m, _ := r.(map[string]any)
			b, _ := m["beacon"].(string)
			target, id := live.ParseBeacon(b)
			if target == "" && len(p.DataType) > 0 {
				target = p.DataType[0]
			}
			refs = append(refs, target+"/"+strings.ToLower(id))
		}
		sort.Strings(refs)
		if len(refs) == 0 {
			return nil
		}
		return refs
	}
	if strings.HasSuffix(kind, "[]") {
		list, _ := v.([]any)
		if len(list) == 0 {
			return nil
		}
		elem := strings.TrimSuffix(kind, "[]")
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = canonicalValue(p, elem, e)
		}
		return out
	}
	switch kind {
	case "int":
		if i, err := object.Int(v); err == nil {
			return i
		}
	case "number":
		if f, err := object.Float(v); err == nil {
			return f
		}
	case "date":
		if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t.UTC().Format(time.RFC3339Nano)
			}
		}
	case "uuid":
		if s, ok := v.(string); ok {
			return strings.ToLower(s)
		}
	case "geoCoordinates":
		m, _ := v.(map[string]any)
		lat, _ := object.Float(m["latitude"])
		lon, _ := object.Float(m["longitude"])
		return []float32{float32(lat), float32(lon)}
	case "phoneNumber":
		m, _ := v.(map[string]any)
		c := m["defaultCountry"]
		if cs, ok := c.(string); ok {
			// An ISO country code means the same in any case, and
			// Weaviate returns it upper-cased.
			c = strings.ToUpper(cs)
		}
		return []any{m["input"], c}
	case "object":
		m, _ := v.(map[string]any)
		c := canonical(p.Nested, m)
		if len(c) == 0 {
			return nil
		}
		return c
	}
	return v
}
