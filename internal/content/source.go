package content

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/colstate/colstate/internal/live"
	"github.com/colstate/colstate/internal/object"
	"github.com/colstate/colstate/internal/snapshot"
)

// Source is where a collection's content comes from.
type Source interface {
	// Scan calls fn with every object of the source, in the source's order,
	// normalised against s.
	Scan(ctx context.Context, s *live.ObjectSchema, fn func(*object.Object) error) error
	// Describe names the source for plans and errors.
	Describe() string
	// Fingerprint identifies the source's bytes, for binding a saved plan.
	Fingerprint() (string, error)
}

// idNamespace is the UUID namespace of ids colstate derives from keys.
var idNamespace = uuid.MustParse("7f0b4c8e-5d1a-4c36-9e57-3c1f0b9d2a61")

// DeriveID returns the deterministic UUID (version 5) of an object of
// collection whose key properties have the given values.
func DeriveID(collection string, key []string, props map[string]any) (string, error) {
	var b bytes.Buffer
	b.WriteString(collection)
	for _, k := range key {
		v, ok := props[k]
		if !ok || v == nil {
			return "", fmt.Errorf("key property %q is missing, so no id can be derived", k)
		}
		enc, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		b.WriteByte(0)
		b.Write(enc)
	}
	return uuid.NewSHA1(idNamespace, b.Bytes()).String(), nil
}

// JSONL is a file with one object a line:
//
//	{"id": "...", "properties": {...}, "vector": [...], "vectors": {"name": [...]}}
//
// id may be left out when Key names the properties it is derived from.
// A line may carry "tenant": it must be Tenant, the tenant of a
// multi-tenant collection the file fills; one file never fills several.
type JSONL struct {
	Path string
	Key  []string
	// Tenant is the tenant every object is written into ("": a
	// collection without multi-tenancy).
	Tenant string
}

// Describe names the file.
func (j JSONL) Describe() string { return j.Path }

// Fingerprint is the SHA-256 of the file.
func (j JSONL) Fingerprint() (string, error) {
	f, err := os.Open(j.Path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	fp := "sha256:" + hex.EncodeToString(h.Sum(nil))
	if len(j.Key) > 0 {
		// The key decides the ids: changing it changes the content.
		fp += " key=" + strings.Join(j.Key, ",")
	}
	return fp, nil
}

type jsonlLine struct {
	ID         string                     `json:"id"`
	Tenant     *string                    `json:"tenant"`
	Properties map[string]any             `json:"properties"`
	Vector     []float32                  `json:"vector"`
	Vectors    map[string]json.RawMessage `json:"vectors"`
}

// Scan reads the file line by line.
func (j JSONL) Scan(ctx context.Context, s *live.ObjectSchema, fn func(*object.Object) error) error {
	f, err := os.Open(j.Path)
	if err != nil {
		return fmt.Errorf("content source: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for n := 1; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			o, perr := j.parse(s, line)
			if perr != nil {
				return fmt.Errorf("%s:%d: %w", j.Path, n, perr)
			}
			if ferr := fn(o); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", j.Path, n, err)
		}
	}
}

func (j JSONL) parse(s *live.ObjectSchema, line []byte) (*object.Object, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var l jsonlLine
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("not a JSON object with id, properties, vector, vectors (and tenant): %v", err)
	}
	if l.Tenant != nil && *l.Tenant != j.Tenant {
		if j.Tenant == "" {
			return nil, fmt.Errorf("the object names tenant %q, but collection %s takes this file without tenants: remove \"tenant\" from the lines, or make the collection multi-tenant and set tenant = %q in its content block", *l.Tenant, s.Collection, *l.Tenant)
		}
		return nil, fmt.Errorf("the object names tenant %q, but the content block fills tenant %q: one JSONL file fills one tenant; split the file by tenant, or drop \"tenant\" from the lines", *l.Tenant, j.Tenant)
	}
	props, err := Normalize(s, l.Properties)
	if err != nil {
		return nil, err
	}
	o := &object.Object{ID: l.ID, Properties: props, Tenant: j.Tenant}
	switch {
	case o.ID != "":
		u, err := uuid.Parse(o.ID)
		if err != nil {
			return nil, fmt.Errorf("id %q is not a UUID", o.ID)
		}
		o.ID = u.String()
	case len(j.Key) > 0:
		if o.ID, err = DeriveID(s.Collection, j.Key, props); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("the object has no id; give one, or declare key = [\"property\"] on the data block to derive it")
	}
	if len(l.Vector) > 0 || len(l.Vectors) > 0 {
		o.Vectors = map[string][]float32{}
		if len(l.Vector) > 0 {
			if !s.Legacy {
				return nil, fmt.Errorf("vector given, but collection %s has named vectors (%s): use \"vectors\": {\"name\": [...]}", s.Collection, strings.Join(s.Named, ", "))
			}
			o.Vectors[""] = l.Vector
		}
		for _, name := range slices.Sorted(maps.Keys(l.Vectors)) {
			raw := l.Vectors[name]
			if !slices.Contains(s.Named, name) {
				return nil, fmt.Errorf("vector %q is not a named vector of collection %s", name, s.Collection)
			}
			if s.Multi[name] {
				rows, err := multiVector(raw)
				if err != nil {
					return nil, fmt.Errorf("vector %q of collection %s holds multi-vectors: %w", name, s.Collection, err)
				}
				if len(rows) > 0 {
					if o.Multi == nil {
						o.Multi = map[string][][]float32{}
					}
					o.Multi[name] = rows
				}
				continue
			}
			var v []float32
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("vector %q of collection %s wants a list of numbers such as [0.1, 0.2], got %s", name, s.Collection, describeRaw(raw))
			}
			o.Vectors[name] = v
		}
	}
	return o, nil
}

// multiVector decodes a multi-vector: a list of rows of numbers, every row
// as long as the others (the shape Weaviate's REST API takes and returns).
func multiVector(raw json.RawMessage) ([][]float32, error) {
	var rows [][]float32
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("give a list of rows of numbers such as [[0.1, 0.2], [0.3, 0.4]], got %s", describeRaw(raw))
	}
	for i, r := range rows {
		if len(r) == 0 || len(r) != len(rows[0]) {
			return nil, fmt.Errorf("row %d has %d numbers, row 0 has %d; every row must have the same, non-zero length", i, len(r), len(rows[0]))
		}
	}
	return rows, nil
}

func describeRaw(raw json.RawMessage) string {
	if len(raw) > 60 {
		return string(raw[:60]) + "…"
	}
	return string(raw)
}

// Snapshot is a collection inside a snapshot used as content. Of a
// multi-tenant collection it is one tenant (Tenant), written into the
// tenant Into (default: Tenant); a snapshot collection without tenants may
// be written into the tenant Into of a multi-tenant collection.
type Snapshot struct {
	Store      string
	ID         string
	Collection string // name inside the snapshot
	Tenant     string // the snapshot's tenant read ("": a collection without tenants)
	Into       string // the live tenant written into ("": Tenant)
}

// readers holds the snapshots content has opened, by store and id: a
// content block on a multi-tenant collection reads its snapshot once per
// tenant (to plan, load and verify), and a manifest listing thousands of
// tenants should be decoded once. A committed snapshot never changes.
var readers sync.Map

// open opens the snapshot (once per process); one holding only
// Weaviate's own backup (native-only: no chunks) is refused by name, not
// read as no objects (a mode "exact" would delete every live object to
// match).
func (s Snapshot) open() (*snapshot.Reader, error) {
	key := s.Store + "\x00" + s.ID
	r, ok := readers.Load(key)
	if !ok {
		sr, err := (&snapshot.Store{Dir: s.Store}).Open(s.ID)
		if err != nil {
			return nil, err
		}
		readers.Store(key, sr)
		r = sr
	}
	sr := r.(*snapshot.Reader)
	if !sr.Manifest().Portable() {
		return nil, fmt.Errorf("snapshot %s holds only Weaviate's own backup (taken with --engine=native), no portable chunks colstate can read as content; nothing was changed. Use a snapshot taken with --engine=portable or both (engine = \"portable\" or \"both\" in its snapshot block)", s.ID)
	}
	return sr, nil
}

// ErrTenantsMixed is a snapshot of a multi-tenant collection read as one
// collection: its tenants' objects would lose their tenants and mix.
var ErrTenantsMixed = errors.New("its objects belong to tenants")

// Describe names the snapshot.
func (s Snapshot) Describe() string { return "snapshot " + s.ID }

// Fingerprint is the snapshot's content digest of the collection.
func (s Snapshot) Fingerprint() (string, error) {
	r, err := s.open()
	if err != nil {
		return "", err
	}
	c := r.Manifest().Collection(s.Collection)
	if c == nil {
		return "", fmt.Errorf("snapshot %s has no collection %s", s.ID, s.Collection)
	}
	return "snapshot:" + s.ID + ":" + c.Digest, nil
}

// Scan streams the collection's objects (of Tenant) out of the snapshot,
// verifying every chunk as it goes. An object of a tenant is refused when
// no Tenant is named: a collection without tenants cannot take it.
func (s Snapshot) Scan(ctx context.Context, _ *live.ObjectSchema, fn func(*object.Object) error) error {
	r, err := s.open()
	if err != nil {
		return err
	}
	into := s.Into
	if into == "" {
		into = s.Tenant
	}
	if s.Tenant != "" {
		return r.TenantObjects(ctx, s.Collection, func(t string) bool { return t == s.Tenant }, func(o *object.Object) error {
			o.Tenant = into
			return fn(o)
		})
	}
	return r.Objects(ctx, s.Collection, func(o *object.Object) error {
		if o.Tenant != "" {
			return fmt.Errorf("snapshot %s: collection %s is multi-tenant (object %s is of tenant %s), and %w: a collection without multi-tenancy cannot take them without mixing the tenants' objects; nothing was written. Take it into a multi-tenant collection (multi_tenancy { enabled = true }), or restore one tenant with colstate restore --tenant", s.ID, s.Collection, o.ID, o.Tenant, ErrTenantsMixed)
		}
		o.Tenant = into
		return fn(o)
	})
}

// ForTenant narrows src to what one tenant of a multi-tenant collection
// takes: the snapshot's tenant source (for a source without tenants, all
// of it, source ""), written into the tenant into.
func ForTenant(src Source, source, into string) (Source, error) {
	switch s := src.(type) {
	case Snapshot:
		s.Tenant, s.Into = source, into
		return s, nil
	case JSONL:
		if source != "" {
			return nil, fmt.Errorf("%s has no tenants: it cannot be read for tenant %s", s.Describe(), source)
		}
		s.Tenant = into
		return s, nil
	}
	return nil, fmt.Errorf("%s cannot be read tenant by tenant", src.Describe())
}
