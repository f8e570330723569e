package object

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"
)

func obj(id string, title any, vec ...float32) *Object {
	o := &Object{ID: id, Properties: map[string]any{"title": title, "n": int64(7)}}
	if vec != nil {
		o.Vectors = map[string][]float32{"": vec}
	}
	return o
}

func TestHashSeesContentNotMetadata(t *testing.T) {
	base := obj("a", "x", 1, 2)
	same := obj("a", "x", 1, 2)
	same.Tenant, same.CreationTimeUnix, same.LastUpdateTimeUnix = "t", 1, 2
	if base.Hash() != same.Hash() {
		t.Error("tenant or timestamps changed the content hash")
	}
	decoded := obj("a", "x", 1, 2)
	decoded.Properties["n"] = json.Number("7")
	if base.Hash() != decoded.Hash() {
		t.Error("an int64 and the same json.Number hash differently")
	}
	for name, other := range map[string]*Object{
		"id":       obj("b", "x", 1, 2),
		"property": obj("a", "y", 1, 2),
		"vector":   obj("a", "x", 1, 2.0000002),
		"no vec":   obj("a", "x"),
	} {
		if other.Hash() == base.Hash() {
			t.Errorf("a different %s gives the same hash", name)
		}
	}
}

func TestDigestIgnoresOrder(t *testing.T) {
	objs := []*Object{obj("a", "x"), obj("b", "y"), obj("c", "z")}
	var d1, d2, d3 Digest
	for _, o := range objs {
		d1.Add(o.Hash())
	}
	for i := len(objs) - 1; i >= 0; i-- {
		d2.Add(objs[i].Hash())
	}
	if d1.String() != d2.String() || d1.Count != 3 {
		t.Errorf("digest depends on order: %s vs %s", d1, d2)
	}
	d3.Add(objs[0].Hash())
	d3.Add(objs[1].Hash())
	if d3.String() == d1.String() {
		t.Error("a missing object leaves the digest unchanged")
	}
	var half Digest
	half.Add(objs[2].Hash())
	d3.Merge(half)
	if d3.String() != d1.String() || d3.Count != 3 {
		t.Error("Merge differs from adding")
	}
}

// TestHashIsStable pins the hash's byte layout: snapshots written by
// earlier versions record digests made with it.
func TestHashIsStable(t *testing.T) {
	o := &Object{
		ID:         "6f1c1d9e-1c5b-4c7e-9d59-3c1a2f0f6b11",
		Properties: map[string]any{"title": "a <b> & c", "n": int64(7), "x": 1.5, "tags": []any{"p", "q"}},
		Vectors:    map[string][]float32{"": {0.25, -1, 3.5}, "img": {1, 2}},
	}
	h := sha256.New()
	h.Write([]byte(o.ID))
	h.Write([]byte{0})
	props, _ := json.Marshal(o.Properties)
	h.Write(props)
	for _, name := range []string{"", "img"} {
		h.Write([]byte{0})
		h.Write([]byte(name))
		h.Write([]byte{0})
		for _, f := range o.Vectors[name] {
			h.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(f)))
		}
	}
	var want [32]byte
	h.Sum(want[:0])
	if got := o.Hash(); got != want {
		t.Fatalf("Hash() = %x, want %x", got, want)
	}
	if got := o.HashWithProperties(props); got != want {
		t.Fatalf("HashWithProperties() = %x, want %x", got, want)
	}
}
