package main

// The round-trip harness's independent view of Weaviate: plain REST calls
// (net/http, encoding/json), not colstate's live package, so a bug in
// colstate's gRPC reader or writer cannot hide itself. Objects are read back
// with GET /v1/objects and compared with the model value by value, after
// putting both into one canonical spelling per data type.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// rtREST talks to one Weaviate over REST.
type rtREST struct {
	base string
	http *http.Client
}

func newRTREST(base string) *rtREST {
	return &rtREST{base: strings.TrimSuffix(base, "/"), http: &http.Client{Timeout: 2 * time.Minute}}
}

func (c *rtREST) do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(out)
}

func (c *rtREST) createClass(cl map[string]any) error { return c.do("POST", "/v1/schema", cl, nil) }

func (c *rtREST) deleteClass(name string) error {
	return c.do("DELETE", "/v1/schema/"+url.PathEscape(name), nil, nil)
}

func (c *rtREST) classExists(name string) (bool, error) {
	err := c.do("GET", "/v1/schema/"+url.PathEscape(name), nil, nil)
	if err != nil && strings.Contains(err.Error(), "404") {
		return false, nil
	}
	return err == nil, err
}

// setTenants creates tenants, or changes their status.
func (c *rtREST) setTenants(class string, tenants map[string]string, create bool) error {
	var body []map[string]any
	for _, n := range slices.Sorted(maps.Keys(tenants)) {
		body = append(body, map[string]any{"name": n, "activityStatus": tenants[n]})
	}
	method := "PUT"
	if create {
		method = "POST"
	}
	return c.do(method, "/v1/schema/"+url.PathEscape(class)+"/tenants", body, nil)
}

// tenants returns each tenant's status.
func (c *rtREST) tenants(class string) (map[string]string, error) {
	var list []struct {
		Name           string `json:"name"`
		ActivityStatus string `json:"activityStatus"`
	}
	if err := c.do("GET", "/v1/schema/"+url.PathEscape(class)+"/tenants", nil, &list); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, t := range list {
		s := t.ActivityStatus
		switch s { // older spellings
		case "ACTIVE":
			s = "HOT"
		case "INACTIVE":
			s = "COLD"
		}
		out[t.Name] = s
	}
	return out, nil
}

// restObject is an object as REST writes and reads it.
type restObject struct {
	Class      string         `json:"class"`
	ID         string         `json:"id"`
	Tenant     string         `json:"tenant,omitempty"`
	Properties map[string]any `json:"properties"`
	Vector     []float32      `json:"vector,omitempty"`
	Vectors    map[string]any `json:"vectors,omitempty"`
}

// writeObjects inserts objects with POST /v1/batch/objects, references
// left out; with refs it adds only their references, with POST
// /v1/batch/references. Objects first and references after, so that
// references (cycles included) never depend on order.
func (c *rtREST) writeObjects(s *rtSpec, tenant string, objs map[string]*rtObj, refs bool) error {
	if refs {
		return c.writeRefs(s, tenant, objs)
	}
	var batch []restObject
	for _, id := range sortedIDs(objs) {
		o := objs[id]
		ro := restObject{Class: s.Name, ID: id, Tenant: tenant, Properties: map[string]any{}}
		for k, v := range o.Props {
			if _, ok := v.([]rtRef); !ok {
				ro.Properties[k] = v
			}
		}
		for name, v := range o.Vecs {
			if name == "" {
				ro.Vector = v
				continue
			}
			if ro.Vectors == nil {
				ro.Vectors = map[string]any{}
			}
			if rows := o.MultiRows[name]; rows > 0 {
				var mv [][]float32
				for i := 0; i < len(v); i += rows {
					mv = append(mv, v[i:i+rows])
				}
				ro.Vectors[name] = mv
				continue
			}
			ro.Vectors[name] = v
		}
		batch = append(batch, ro)
	}
	for i := 0; i < len(batch); i += 100 {
		var res []struct {
			ID     string `json:"id"`
			Result struct {
				Errors *struct {
					Error []struct {
						Message string `json:"message"`
					} `json:"error"`
				} `json:"errors"`
			} `json:"result"`
		}
		if err := c.do("POST", "/v1/batch/objects", map[string]any{"objects": batch[i:min(i+100, len(batch))]}, &res); err != nil {
			return err
		}
		for _, r := range res {
			if r.Result.Errors != nil && len(r.Result.Errors.Error) > 0 {
				return fmt.Errorf("batch object %s: %s", r.ID, r.Result.Errors.Error[0].Message)
			}
		}
	}
	return nil
}

func (c *rtREST) writeRefs(s *rtSpec, tenant string, objs map[string]*rtObj) error {
	var refs []map[string]any
	for _, id := range sortedIDs(objs) {
		for _, k := range sortedKeys(objs[id].Props) {
			rs, _ := objs[id].Props[k].([]rtRef)
			for _, r := range rs {
				ref := map[string]any{
					"from": fmt.Sprintf("weaviate://localhost/%s/%s/%s", s.Name, id, k),
					"to":   fmt.Sprintf("weaviate://localhost/%s/%s", r.Class, r.ID),
				}
				if tenant != "" {
					ref["tenant"] = tenant
				}
				refs = append(refs, ref)
			}
		}
	}
	for i := 0; i < len(refs); i += 100 {
		var res []struct {
			Result struct {
				Errors *struct {
					Error []struct {
						Message string `json:"message"`
					} `json:"error"`
				} `json:"errors"`
			} `json:"result"`
		}
		if err := c.do("POST", "/v1/batch/references", refs[i:min(i+100, len(refs))], &res); err != nil {
			return err
		}
		for _, r := range res {
			if r.Result.Errors != nil && len(r.Result.Errors.Error) > 0 {
				return fmt.Errorf("batch reference: %s", r.Result.Errors.Error[0].Message)
			}
		}
	}
	return nil
}

// readObjects reads every object of one collection (and tenant) with the
// REST cursor, vectors included.
func (c *rtREST) readObjects(class, tenant string) (map[string]restObject, error) {
	out := map[string]restObject{}
	after := ""
	for {
		q := url.Values{"class": {class}, "limit": {"200"}, "include": {"vector"}}
		if tenant != "" {
			q.Set("tenant", tenant)
		}
		if after != "" {
			q.Set("after", after)
		}
		var page struct {
			Objects []restObject `json:"objects"`
		}
		if err := c.do("GET", "/v1/objects?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			out[o.ID] = o
		}
		if len(page.Objects) < 200 {
			return out, nil
		}
		after = page.Objects[len(page.Objects)-1].ID
	}
}

// --- canonical values ---------------------------------------------------

// canonJSON turns a Go value into what a JSON decoder with UseNumber makes
// of it, so model values and REST values go through one canon.
func canonJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("!%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	_ = dec.Decode(&out)
	return out
}

func numString(v any, float32Prec bool) string {
	n, ok := v.(json.Number)
	if !ok {
		return fmt.Sprintf("?%T(%v)", v, v)
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return strconv.FormatFloat(float64(i), 'g', -1, 64)
	}
	f, err := n.Float64()
	if err != nil {
		return "?" + string(n)
	}
	if float32Prec {
		return strconv.FormatFloat(float64(float32(f)), 'g', -1, 32)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// canonNested spells a nested object with every number as a float64.
func canonNested(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			if e != nil {
				m[k] = canonNested(e)
			}
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonNested(e)
		}
		return out
	case json.Number:
		return numString(x, false)
	}
	return v
}

// canonValue spells a property value (decoded with UseNumber) one way for
// its data type; "" when absent.
func canonValue(p rtProp, v any) string {
	if v == nil {
		return ""
	}
	if p.isRef() {
		list, _ := v.([]any)
		var ids []string
		for _, e := range list {
			m, _ := e.(map[string]any)
			b, _ := m["beacon"].(string)
			ids = append(ids, b[strings.LastIndex(b, "/")+1:])
		}
		return "refs:" + strings.Join(ids, ",")
	}
	if base, ok := strings.CutSuffix(p.Type, "[]"); ok {
		list, ok := v.([]any)
		if !ok {
			return fmt.Sprintf("?not a list: %v", v)
		}
		parts := make([]string, len(list))
		for i, e := range list {
			parts[i] = canonValue(rtProp{Type: base}, e)
		}
		b, _ := json.Marshal(parts)
		return string(b)
	}
	switch p.Type {
	case "int", "number":
		return numString(v, false)
	case "date":
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return "?date " + s
		}
		return t.UTC().Format(time.RFC3339Nano)
	case "uuid":
		s, _ := v.(string)
		return strings.ToLower(s)
	case "geoCoordinates":
		m, _ := v.(map[string]any)
		return numString(m["latitude"], true) + "," + numString(m["longitude"], true)
	case "phoneNumber":
		m, _ := v.(map[string]any)
		return fmt.Sprintf("%v|%v", m["input"], m["defaultCountry"])
	case "object":
		b, _ := json.Marshal(canonNested(v))
		return string(b)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func canonModelValue(p rtProp, v any) string {
	if rs, ok := v.([]rtRef); ok {
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		return "refs:" + strings.Join(ids, ",")
	}
	return canonValue(p, canonJSON(v))
}

func canonVector(v any) string {
	b, _ := json.Marshal(canonJSON(v))
	return string(b)
}

// compareCollection compares the live objects of one collection with the
// model and describes up to a few differences ("" when equal).
func compareCollection(c *rtREST, m *rtCol) (string, error) {
	var diffs []string
	add := func(format string, args ...any) {
		if len(diffs) < 6 {
			diffs = append(diffs, fmt.Sprintf(format, args...))
		}
	}
	if m.Spec.MT {
		ts, err := c.tenants(m.Spec.Name)
		if err != nil {
			if ok, _ := c.classExists(m.Spec.Name); !ok {
				return fmt.Sprintf("%s: the collection is gone (the model holds %d objects)", m.Spec.Name, m.count()), nil
			}
			return "", err
		}
		if !maps.Equal(ts, m.Tenants) {
			add("tenants: live %v, model %v", ts, m.Tenants)
		}
	}
	if len(m.Spec.Unmodeled) > 0 {
		var cl map[string]any
		if err := c.do("GET", "/v1/schema/"+url.PathEscape(m.Spec.Name), nil, &cl); err != nil {
			return "", err
		}
		for _, path := range sortedKeys(m.Spec.Unmodeled) {
			var v any = cl
			for _, k := range strings.Split(path, ".") {
				mv, _ := v.(map[string]any)
				v = mv[k]
			}
			if fmt.Sprint(v) != fmt.Sprint(m.Spec.Unmodeled[path]) {
				add("setting %s: live %v, model %v", path, v, m.Spec.Unmodeled[path])
			}
		}
	}
	total := 0
	for _, tenant := range m.tenantNames() {
		if m.Spec.MT && m.Tenants[tenant] != "HOT" {
			continue // a COLD tenant cannot be read; its data is checked once it is HOT again
		}
		liveObjs, err := c.readObjects(m.Spec.Name, tenant)
		if err != nil {
			if ok, _ := c.classExists(m.Spec.Name); !ok {
				return fmt.Sprintf("%s: the collection is gone (the model holds %d objects)", m.Spec.Name, m.count()), nil
			}
			return "", err
		}
		want := m.Objs[tenant]
		total += len(liveObjs)
		for _, id := range sortedIDs(want) {
			lo, ok := liveObjs[id]
			if !ok {
				add("%s/%s: missing", tenantLabel(tenant), id)
				continue
			}
			compareObject(m.Spec, tenant, id, want[id], lo, add)
		}
		for _, id := range slices.Sorted(maps.Keys(liveObjs)) {
			if want[id] == nil {
				add("%s/%s: live but not in the model", tenantLabel(tenant), id)
			}
		}
	}
	if len(diffs) == 0 {
		return "", nil
	}
	return fmt.Sprintf("%s (%d objects live, %d in the model): %s", m.Spec.Name, total, m.count(), strings.Join(diffs, "; ")), nil
}

func tenantLabel(t string) string {
	if t == "" {
		return "object"
	}
	return "tenant " + t
}

func compareObject(s *rtSpec, tenant, id string, want *rtObj, lo restObject, add func(string, ...any)) {
	where := tenantLabel(tenant) + "/" + id
	known := map[string]bool{}
	for _, p := range s.Props {
		known[p.Name] = true
		w := ""
		if v, ok := want.Props[p.Name]; ok {
			w = canonModelValue(p, v)
		}
		g := canonValue(p, lo.Properties[p.Name])
		if g == "refs:" {
			g = "" // an empty reference list is no reference
		}
		if w != g {
			add("%s: property %s: live %s, model %s", where, p.Name, orAbsent(g), orAbsent(w))
		}
	}
	for k, v := range lo.Properties {
		if !known[k] && v != nil {
			add("%s: property %s not in the schema model: %v", where, k, v)
		}
	}
	liveVecs := map[string]string{}
	if len(lo.Vector) > 0 {
		liveVecs[""] = canonVector(lo.Vector)
	}
	for k, v := range lo.Vectors {
		if k == "default" && s.ClassVec && len(lo.Vector) > 0 {
			continue // the class-level vector, repeated under its internal name
		}
		if rows, ok := v.([]any); ok && len(rows) > 0 {
			if _, nested := rows[0].([]any); nested {
				var flat []any
				for _, r := range rows {
					flat = append(flat, r.([]any)...)
				}
				v = flat
			}
		}
		liveVecs[k] = canonVector(v)
	}
	wantVecs := map[string]string{}
	for k, v := range want.Vecs {
		wantVecs[k] = canonVector(v)
	}
	for _, k := range slices.Sorted(maps.Keys(wantVecs)) {
		if liveVecs[k] != wantVecs[k] {
			add("%s: vector %q: live %s, model %s", where, k, orAbsent(short(liveVecs[k])), short(wantVecs[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(liveVecs)) {
		if _, ok := wantVecs[k]; !ok {
			add("%s: vector %q live but not in the model", where, k)
		}
	}
}

func orAbsent(s string) string {
	if s == "" {
		return "(absent)"
	}
	return short(s)
}

func short(s string) string {
	if len(s) > 70 {
		return s[:70] + "…"
	}
	return s
}

// sortedKeys is for deterministic iteration over model maps.
func sortedKeys[V any](m map[string]V) []string {
	ks := slices.Collect(maps.Keys(m))
	sort.Strings(ks)
	return ks
}
