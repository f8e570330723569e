package main

// The round-trip harness's generator and in-memory model: random but legal
// collections (every data type, nested objects, class-level and named
// vectors, cross-references, tenants) and the objects each must hold.
// Everything here is a pure function of the seed, so a failing sequence
// replays exactly (SOAK_SEED=...).

import (
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

// rtFeatures are the generator switches. Each known-defect feature is off
// in the short run (make test) until its fix lands; see
// testdata/roundtrip/known.txt.
type rtFeatures struct {
	Refs        bool // acyclic cross-references to collections whose objects are never deleted
	RefCycles   bool // self-references and A→B→A cycles, on collections that are cleared and restored (issue 10 item 3)
	NoVecMerge  bool // merge and replace from --no-vectors snapshots (issue 10 item 1)
	UpperNames  bool // mixed-case property names, and capitalised ones that validate must refuse (issue 10 item 7)
	Cold        bool // COLD tenants (issue 10 item 8)
	MultiVector bool // a multi-vector (ColBERT) named vector, backed up and restored --as (issue 16 item 1)
	MixedVec    bool // class-level vectors plus a named vector added in place; the class-level vector dropped in a replace, its vectors dropped or carried by from_default (issue 16 item 2)
	Interrupt   bool // applies killed (SIGKILL) after a random delay, then resumed (issue 16 item 7; finds issue 10 item 5)
	Unmodeled   bool // a collection with a setting colstate does not model (vectorIndexConfig.skip), imported, then replaced (issue 16 item 3)
}

var rtFeatureNames = []string{"refs", "refcycles", "novecmerge", "upper", "cold", "multivector", "mixedvec", "interrupt", "unmodeled"}

// rtDefaultFeatures are the switches that pass on main.
const rtDefaultFeatures = "refs,novecmerge,upper,cold,multivector,mixedvec,unmodeled,interrupt"

func (f *rtFeatures) flag(name string) *bool {
	switch name {
	case "refs":
		return &f.Refs
	case "refcycles":
		return &f.RefCycles
	case "novecmerge":
		return &f.NoVecMerge
	case "upper":
		return &f.UpperNames
	case "cold":
		return &f.Cold
	case "multivector":
		return &f.MultiVector
	case "mixedvec":
		return &f.MixedVec
	case "interrupt":
		return &f.Interrupt
	case "unmodeled":
		return &f.Unmodeled
	}
	return nil
}

// parseFeatures reads a comma-separated list of switches: "all", "none",
// "default", a name, or -name to turn one off.
func parseFeatures(s string) (rtFeatures, error) {
	var f rtFeatures
	if strings.TrimSpace(s) == "" {
		s = "default"
	}
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		switch w {
		case "", "none":
			continue
		case "default":
			d, _ := parseFeatures(rtDefaultFeatures)
			f = d
			continue
		case "all":
			for _, n := range rtFeatureNames {
				*f.flag(n) = true
			}
			continue
		}
		on := !strings.HasPrefix(w, "-")
		p := f.flag(strings.TrimPrefix(w, "-"))
		if p == nil {
			return f, fmt.Errorf("unknown round-trip feature %q (known: %s)", w, strings.Join(rtFeatureNames, ", "))
		}
		*p = on
	}
	return f, nil
}

func (f rtFeatures) String() string {
	var on []string
	for _, n := range rtFeatureNames {
		if *f.flag(n) {
			on = append(on, n)
		}
	}
	if len(on) == 0 {
		return "none"
	}
	return strings.Join(on, ",")
}

// rtProp is one property of a generated collection.
type rtProp struct {
	Name         string
	Type         string // text, int[], object, ... or "" for a reference
	Tokenization string // text and text[]
	Nested       []rtProp
	Refs         []string // target collections of a reference property
}

func (p rtProp) isRef() bool { return len(p.Refs) > 0 }

// rtSpec is the schema of a generated collection.
type rtSpec struct {
	Name        string
	Description string
	Props       []rtProp
	ClassVec    bool           // class-level vector index
	ClassDim    int            // dimension of class-level vectors
	Distance    string         // class-level index distance
	Named       map[string]int // named vector → dimension
	FromDefault string         // the named vector declared with from_default = true (carried the class-level vectors)
	MultiVec    string         // name of a multi-vector named vector (unmanaged collection)
	MT          bool
	Anchor      bool // referenced without cycles: its objects are never deleted
	Managed     bool // declared in the HCL
	NoVectors   bool // objects carry no vectors
	// Unmodeled are class settings colstate does not model, by JSON path
	// ("vectorIndexConfig.skip"): they must survive every step.
	Unmodeled map[string]any
}

func (s *rtSpec) clone() *rtSpec {
	c := *s
	c.Props = slices.Clone(s.Props)
	c.Named = maps.Clone(s.Named)
	c.Unmodeled = maps.Clone(s.Unmodeled)
	return &c
}

func (s *rtSpec) prop(name string) *rtProp {
	for i := range s.Props {
		if s.Props[i].Name == name {
			return &s.Props[i]
		}
	}
	return nil
}

func (s *rtSpec) namedNames() []string { return slices.Sorted(maps.Keys(s.Named)) }

// mixed: a class-level vector index and named vectors (named vectors added
// in place to a collection with class-level vectors).
func (s *rtSpec) mixed() bool { return s.ClassVec && len(s.Named) > 0 }

// rtRef is one cross-reference value.
type rtRef struct{ Class, ID string }

// rtObj is what one object must hold. Props values are JSON-ready, except
// references ([]rtRef). Vecs key "" is the class-level vector; a
// multi-vector is stored flattened with its row length in MultiRows.
type rtObj struct {
	Props     map[string]any
	Vecs      map[string][]float32
	MultiRows map[string]int
}

func (o *rtObj) clone() *rtObj {
	c := &rtObj{Props: maps.Clone(o.Props), Vecs: map[string][]float32{}}
	for k, v := range o.Vecs {
		c.Vecs[k] = slices.Clone(v)
	}
	if o.MultiRows != nil {
		c.MultiRows = maps.Clone(o.MultiRows)
	}
	return c
}

// rtCol is the model of one live collection: its schema, tenants and
// objects (tenant "" when not multi-tenant).
type rtCol struct {
	Spec    *rtSpec
	Tenants map[string]string // name → HOT | COLD
	Objs    map[string]map[string]*rtObj
	Gen     int // bumped by every schema change that makes old snapshots unfit for merge/replace
}

func (c *rtCol) clone() *rtCol {
	n := &rtCol{Spec: c.Spec.clone(), Tenants: maps.Clone(c.Tenants), Objs: map[string]map[string]*rtObj{}, Gen: c.Gen}
	for t, objs := range c.Objs {
		n.Objs[t] = map[string]*rtObj{}
		for id, o := range objs {
			n.Objs[t][id] = o.clone()
		}
	}
	return n
}

func (c *rtCol) count() int {
	n := 0
	for _, objs := range c.Objs {
		n += len(objs)
	}
	return n
}

func (c *rtCol) tenantNames() []string { return slices.Sorted(maps.Keys(c.Objs)) }

func (c *rtCol) hasCold() bool {
	for _, s := range c.Tenants {
		if s == "COLD" {
			return true
		}
	}
	return false
}

// rtSnap is the model of one snapshot colstate wrote.
type rtSnap struct {
	ID        string
	NoVectors bool
	Cols      map[string]*rtCol
}

// rtGen draws everything random in one sequence.
type rtGen struct {
	r    *rand.Rand
	f    rtFeatures
	seed uint64
	ids  int
}

func newGen(seed uint64, f rtFeatures) *rtGen {
	return &rtGen{r: rand.New(rand.NewPCG(seed, 0x636f6c7374617465)), f: f, seed: seed}
}

func (g *rtGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *rtGen) chance(p float64) bool { return g.r.Float64() < p }

// uuid derives a valid, unique v4-shaped id from the seed and a counter.
func (g *rtGen) uuid() string {
	g.ids++
	h := g.r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(g.seed), uint16(g.ids>>16), g.ids&0xfff, h&0xfff, h>>16&0xffffffffffff)
}

// Awkward but legal property names: Weaviate keeps these as written.
var rtAwkwardNames = []string{"camelCase", "snake_case_name", "_leading", "x9", "aBC", "with__double", "t_", "mixed_Case_9", "zz"}

// Names Weaviate would change (a capital first letter becomes lower
// case): validate refuses them (issue 10 item 7), so they are only ever
// offered to validate and apply to be refused (stepUpperProp).
var rtUpperNames = []string{"Title", "URL", "Body_Text"}

// Legal names in mixed case, drawn with the upper switch: Weaviate keeps
// them as written.
var rtMixedNames = []string{"title_X", "uRL", "body_Text"}

var rtScalarTypes = []string{"text", "text[]", "int", "int[]", "number", "number[]", "boolean", "boolean[]",
	"date", "date[]", "uuid", "uuid[]", "geoCoordinates", "phoneNumber", "blob", "object", "object[]"}

// propName gives a fresh property name, awkward now and then.
func (g *rtGen) propName(used map[string]bool, i int) string {
	for {
		var n string
		switch {
		case g.f.UpperNames && g.chance(0.2):
			n = g.pick(rtMixedNames...)
		case g.chance(0.4):
			n = g.pick(rtAwkwardNames...)
		default:
			n = fmt.Sprintf("p%d", i)
		}
		if !used[strings.ToLower(n)] {
			used[strings.ToLower(n)] = true
			return n
		}
		i++
	}
}

func (g *rtGen) nestedProps(depth int) []rtProp {
	used := map[string]bool{}
	var ps []rtProp
	for i, t := range []string{"text", "int", "number", "boolean", "text[]"} {
		if g.chance(0.6) || i == 0 {
			ps = append(ps, rtProp{Name: g.propName(used, i), Type: t})
		}
	}
	if depth < 1 && g.chance(0.5) {
		ps = append(ps, rtProp{Name: g.propName(used, 9), Type: "object", Nested: g.nestedProps(depth + 1)})
	}
	return ps
}

// spec draws a collection's schema. Every data type appears in every
// collection; the order, names and tokenizations vary.
func (g *rtGen) spec(name string) *rtSpec {
	s := &rtSpec{Name: name, Description: "generated " + name, Managed: true, Named: map[string]int{}}
	used := map[string]bool{}
	types := slices.Clone(rtScalarTypes)
	g.r.Shuffle(len(types), func(i, j int) { types[i], types[j] = types[j], types[i] })
	for i, t := range types {
		p := rtProp{Name: g.propName(used, i), Type: t}
		switch t {
		case "text", "text[]":
			p.Tokenization = g.pick("word", "field", "lowercase", "whitespace")
		case "object", "object[]":
			p.Nested = g.nestedProps(0)
		}
		s.Props = append(s.Props, p)
	}
	if g.chance(0.5) {
		s.ClassVec, s.ClassDim, s.Distance = true, 2+g.r.IntN(10), g.pick("cosine", "dot", "l2-squared")
	} else {
		for i := range 1 + g.r.IntN(3) {
			s.Named[fmt.Sprintf("v%d_%s", i, g.pick("a", "b", "c"))] = 2 + g.r.IntN(14)
		}
	}
	return s
}

var rtTexts = []string{"plain", "Grüße, Zürich", "emoji 🐝🌍", "quote \" and \\ backslash", "  spaced  out  ",
	"new\nline", "tab\there", "日本語のテキスト", "<b>html</b>", "a", "x-y_z", "ALL CAPS", "null", "{\"json\": 1}"}

func (g *rtGen) text() string {
	if g.chance(0.3) {
		return fmt.Sprintf("%s %d", g.pick(rtTexts...), g.r.IntN(1000))
	}
	return g.pick(rtTexts...)
}

func (g *rtGen) int() int64 {
	switch g.r.IntN(4) {
	case 0:
		return int64(g.r.IntN(100))
	case 1:
		return -int64(g.r.IntN(1_000_000))
	case 2:
		return g.r.Int64N(1<<53) - 1<<52 // within what a float64 holds exactly
	}
	return int64(g.r.Int32())
}

func (g *rtGen) number() float64 {
	switch g.r.IntN(3) {
	case 0:
		return float64(g.r.IntN(1000)) / 8
	case 1:
		return g.r.NormFloat64() * 1e6
	}
	return math.Ldexp(g.r.Float64(), g.r.IntN(60)-30)
}

func (g *rtGen) date() string {
	t := time.Unix(g.r.Int64N(4_102_444_800), 0).UTC() // 1970 .. 2100
	return t.Format(time.RFC3339)
}

var rtPhones = [][2]string{{"+1 202-555-0173", ""}, {"020 7946 0958", "GB"}, {"+49 30 901820", ""}, {"030 901820", "DE"}, {"+81 3-1234-5678", ""}}

// value draws a value of a non-reference property.
func (g *rtGen) value(p rtProp) any {
	if base, ok := strings.CutSuffix(p.Type, "[]"); ok {
		n := 1 + g.r.IntN(4)
		out := make([]any, n)
		for i := range out {
			out[i] = g.value(rtProp{Type: base, Nested: p.Nested})
		}
		return out
	}
	switch p.Type {
	case "text":
		return g.text()
	case "int":
		return g.int()
	case "number":
		return g.number()
	case "boolean":
		return g.chance(0.5)
	case "date":
		return g.date()
	case "uuid":
		return g.uuid()
	case "geoCoordinates":
		// float32 is what Weaviate keeps.
		return map[string]any{"latitude": float64(float32(g.r.Float64()*180 - 90)), "longitude": float64(float32(g.r.Float64()*360 - 180))}
	case "phoneNumber":
		ph := rtPhones[g.r.IntN(len(rtPhones))]
		m := map[string]any{"input": ph[0]}
		if ph[1] != "" {
			m["defaultCountry"] = ph[1]
		}
		return m
	case "blob":
		b := make([]byte, 1+g.r.IntN(40))
		for i := range b {
			b[i] = byte(g.r.IntN(256))
		}
		return base64.StdEncoding.EncodeToString(b)
	case "object":
		m := map[string]any{}
		for _, np := range p.Nested {
			if g.chance(0.85) {
				v := g.value(np)
				if np.Type == "int" {
					v = int64(g.r.IntN(10000)) // nested ints come back as JSON numbers
				}
				m[np.Name] = v
			}
		}
		if len(m) == 0 {
			m[p.Nested[0].Name] = g.value(p.Nested[0])
		}
		return m
	}
	panic("no value for type " + p.Type)
}

func (g *rtGen) vector(dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(g.r.NormFloat64())
	}
	return v
}

// object draws an object of spec s. refTargets gives, for each target
// collection, the ids a reference may point to.
func (g *rtGen) object(s *rtSpec, refTargets func(class string) []string) *rtObj {
	o := &rtObj{Props: map[string]any{}, Vecs: map[string][]float32{}}
	for _, p := range s.Props {
		if !g.chance(0.85) {
			continue // some properties absent
		}
		if p.isRef() {
			var refs []rtRef
			for range 1 + g.r.IntN(2) {
				t := p.Refs[g.r.IntN(len(p.Refs))]
				ids := refTargets(t)
				if len(ids) == 0 {
					continue
				}
				refs = append(refs, rtRef{Class: t, ID: ids[g.r.IntN(len(ids))]})
			}
			if len(refs) > 0 {
				o.Props[p.Name] = refs
			}
			continue
		}
		o.Props[p.Name] = g.value(p)
	}
	if s.ClassVec && g.chance(0.85) {
		o.Vecs[""] = g.vector(s.ClassDim)
	}
	for _, n := range s.namedNames() {
		if g.chance(0.8) {
			o.Vecs[n] = g.vector(s.Named[n])
		}
	}
	if s.MultiVec != "" {
		rows := 1 + g.r.IntN(3)
		o.Vecs[s.MultiVec] = g.vector(rows * 4)
		o.MultiRows = map[string]int{s.MultiVec: 4}
	}
	if s.NoVectors {
		o.Vecs = map[string][]float32{}
	}
	return o
}

// restyle redraws some values of o, keeping which properties and vectors
// it has (so upsert and overlay agree on what the object becomes).
func (g *rtGen) restyle(s *rtSpec, o *rtObj) *rtObj {
	n := o.clone()
	for _, p := range s.Props {
		if _, ok := n.Props[p.Name]; ok && !p.isRef() && g.chance(0.5) {
			n.Props[p.Name] = g.value(p)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(n.Vecs)) { // sorted: draws must not follow map order
		if g.chance(0.5) {
			n.Vecs[k] = g.vector(len(n.Vecs[k]))
		}
	}
	return n
}

// sortedIDs returns the ids of objs in order, for deterministic draws.
func sortedIDs(objs map[string]*rtObj) []string {
	ids := slices.Collect(maps.Keys(objs))
	sort.Strings(ids)
	return ids
}
