package main

// The generative round-trip harness (issue 10 "The harness", issue 16 item
// 7): random but legal collections, filled over REST, then random sequences
// of the real colstate commands — backup (with and without vectors),
// restore (create, merge, replace, --as), clear, content apply (merge,
// exact, seed) and HCL schema edits (in place and forcing a replace) —
// checked after every step against an in-memory model. After each step
// either the live data (read back over REST, not through colstate) equals
// the model, or the command refused (non-zero exit) and the live data is
// unchanged. A refusal is itself a failure when the step is legal and the
// model has no reason to expect one. See docs/roundtrip.md.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/colstate/colstate/internal/state"
	"github.com/colstate/colstate/internal/weaviatetest"
)

// rtShortSeeds are the sequences make test runs with the default switches
// (besides the regression seeds of known.txt, each with its own switches).
var rtShortSeeds = []uint64{1, 2}

const rtShortSteps = 12

// rtKnownFile is the corpus of seeds that found defects: the open ones
// (TestRoundTripKnown) and the fixed ones, kept as regression seeds that
// the short run replays.
const rtKnownFile = "../../testdata/roundtrip/known.txt"

// TestRoundTrip is the short run: a few fixed seeds with the default
// switches, then every fixed defect's seed with its own switches.
func TestRoundTrip(t *testing.T) {
	f, err := parseFeatures(os.Getenv("ROUNDTRIP_FEATURES"))
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range rtShortSeeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			if fail := runSequence(t, seed, f, rtShortSteps); fail != nil {
				t.Errorf("%s\nreplay: %s", fail, fail.replay())
			}
		})
	}
	entries, err := readKnown(rtKnownFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Fixed {
			continue
		}
		t.Run("regression/"+e.Defect, func(t *testing.T) {
			// Sequences share only the server (every collection name
			// has its sequence's prefix): run them side by side.
			t.Parallel()
			f, err := parseFeatures(e.Features)
			if err != nil {
				t.Fatal(err)
			}
			if fail := runSequence(t, e.Seed, f, e.Steps); fail != nil {
				t.Errorf("fixed defect %s is back: %s\nreplay: %s", e.Defect, fail, fail.replay())
			}
		})
	}
}

// TestRoundTripSoak is make soak: random seeds until SOAK_DURATION is up
// (SOAK_SEED=N replays one sequence), with SOAK_FEATURES switches.
func TestRoundTripSoak(t *testing.T) {
	dur, seedEnv := os.Getenv("SOAK_DURATION"), os.Getenv("SOAK_SEED")
	if dur == "" && seedEnv == "" {
		t.Skip("set SOAK_DURATION (make soak) or SOAK_SEED to run")
	}
	f, err := parseFeatures(os.Getenv("SOAK_FEATURES"))
	if err != nil {
		t.Fatal(err)
	}
	steps := 12
	if s := os.Getenv("SOAK_STEPS"); s != "" {
		if steps, err = strconv.Atoi(s); err != nil {
			t.Fatalf("SOAK_STEPS: %v", err)
		}
	}
	if seedEnv != "" {
		seed, err := strconv.ParseUint(seedEnv, 10, 64)
		if err != nil {
			t.Fatalf("SOAK_SEED: %v", err)
		}
		if fail := runSequence(t, seed, f, steps); fail != nil {
			t.Errorf("%s", fail)
		}
		return
	}
	d, err := time.ParseDuration(dur)
	if err != nil {
		t.Fatalf("SOAK_DURATION: %v", err)
	}
	deadline := time.Now().Add(d)
	var seqs, stepsRun int
	var fails []*rtFailure
	seedSrc := uint64(time.Now().UnixNano())
	for time.Now().Before(deadline) {
		seedSrc = seedSrc*6364136223846793005 + 1442695040888963407
		seed := seedSrc >> 40 // short enough to type
		var fail *rtFailure
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			fail = runSequence(t, seed, f, steps)
			if fail != nil {
				t.Errorf("%s", fail)
			}
		})
		seqs++
		stepsRun += int(rtStepsDone.Swap(0))
		if fail != nil {
			fails = append(fails, fail)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nsoak (%s, features %s): %d sequences, %d steps, %d failures\n", d, f, seqs, stepsRun, len(fails))
	// Failures grouped by kind: the same defect found by many seeds is
	// one line, with the first seed that found it.
	groups := map[string][]*rtFailure{}
	var kinds []string
	for _, fl := range fails {
		k := fl.kind()
		if groups[k] == nil {
			kinds = append(kinds, k)
		}
		groups[k] = append(groups[k], fl)
	}
	if len(kinds) > 0 {
		fmt.Fprintf(&b, "%d distinct failures:\n", len(kinds))
	}
	for _, k := range kinds {
		fl := groups[k][0]
		fmt.Fprintf(&b, "  [%d×] %s\n    replay: %s\n", len(groups[k]), fl.short(), fl.replay())
	}
	fmt.Print(b.String())
	if path := os.Getenv("SOAK_REPORT"); path != "" {
		_ = os.WriteFile(path, []byte(b.String()), 0o644)
	}
}

// TestRoundTripKnown replays the open defects of testdata/roundtrip/known.txt
// (ROUNDTRIP_KNOWN=1; ROUNDTRIP_KNOWN=all adds the fixed ones) and says,
// for each, whether its sequence still fails.
func TestRoundTripKnown(t *testing.T) {
	which := os.Getenv("ROUNDTRIP_KNOWN")
	if which == "" {
		t.Skip("set ROUNDTRIP_KNOWN=1 to replay the known-defect corpus")
	}
	entries, err := readKnown(rtKnownFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Fixed && which != "all" {
			continue
		}
		t.Run(e.Defect, func(t *testing.T) {
			f, err := parseFeatures(e.Features)
			if err != nil {
				t.Fatal(err)
			}
			if fail := runSequence(t, e.Seed, f, e.Steps); fail != nil {
				t.Errorf("still fails: %s", fail)
			} else {
				t.Logf("%s: passes now", e.Defect)
			}
		})
	}
}

type knownEntry struct {
	Defect, Features string
	Seed             uint64
	Steps            int
	Fixed            bool // listed under [fixed]: a regression seed
}

// readKnown parses lines "DEFECT FEATURES SEED STEPS  # note", under a
// section line "[open]" (the default) or "[fixed]".
func readKnown(path string) ([]knownEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []knownEntry
	fixed := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fs := strings.Fields(line)
		if len(fs) == 0 {
			continue
		}
		if len(fs) == 1 && (fs[0] == "[open]" || fs[0] == "[fixed]") {
			fixed = fs[0] == "[fixed]"
			continue
		}
		if len(fs) != 4 {
			return nil, fmt.Errorf("%s:%d: want DEFECT FEATURES SEED STEPS", path, n)
		}
		seed, err1 := strconv.ParseUint(fs[2], 10, 64)
		steps, err2 := strconv.Atoi(fs[3])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s:%d: bad seed or steps", path, n)
		}
		out = append(out, knownEntry{Defect: fs[0], Features: fs[1], Seed: seed, Steps: steps, Fixed: fixed})
	}
	return out, sc.Err()
}

// rtFailure is one failed sequence: enough to replay it.
type rtFailure struct {
	Seed     uint64
	Features string
	Steps    int
	Step     int
	What     string // the step
	Symptom  string
}

func (f *rtFailure) String() string {
	return fmt.Sprintf("seed %d step %d (%s): %s", f.Seed, f.Step, f.What, f.Symptom)
}

var (
	rtNameRE   = regexp.MustCompile(`Rt\d+_[0-9a-z]+_`)
	rtIDRE     = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	rtNumberRE = regexp.MustCompile(`\d+`)
	rtQuoteRE  = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	rtListRE   = regexp.MustCompile(`\[[^\]]*\]?`)
)

// kind is the failure with names, ids, numbers and quoted values taken
// out: failures of one kind are most likely one defect.
func (f *rtFailure) kind() string {
	k := f.What
	if i := strings.IndexAny(k, " "); i > 0 {
		k = k[:i] // the step's verb
	}
	sym := f.Symptom
	for _, re := range []*regexp.Regexp{rtNameRE, rtIDRE, rtQuoteRE, rtListRE, rtNumberRE} {
		sym = re.ReplaceAllString(sym, "_")
	}
	if len(sym) > 90 {
		sym = sym[:90]
	}
	return k + ": " + sym
}

// short is String cut to one line of a few hundred characters, for the
// soak summary (the subtest's log has the whole symptom).
func (f *rtFailure) short() string {
	s := strings.ReplaceAll(f.String(), "\n", " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

func (f *rtFailure) replay() string {
	return fmt.Sprintf("SOAK_SEED=%d SOAK_FEATURES=%s SOAK_STEPS=%d go test ./cmd/colstate -run '^TestRoundTripSoak$' -count=1 -v", f.Seed, f.Features, f.Steps)
}

var (
	rtStepsDone atomic.Int64
	rtSeqNo     atomic.Int64
)

// rtRun is one sequence.
type rtRun struct {
	t           *testing.T
	g           *rtGen
	rig         *rig
	rest        *rtREST
	prefix      string
	cols        map[string]*rtCol // every collection the sequence made, by name
	order       []string          // managed collections, in creation order
	snaps       []*rtSnap
	step        int
	nameSeq     int
	content     map[string]string // collection → JSONL file of the content step in progress
	contentMode map[string]string
	steps       int
}

// runSequence runs one seeded sequence of steps; nil when every step held.
func runSequence(t *testing.T, seed uint64, f rtFeatures, steps int) (fail *rtFailure) {
	srv := weaviatetest.Server(t)
	r := &rtRun{
		t: t, g: newGen(seed, f), rig: newRig(t, srv.URL, srv.GRPCAddr), rest: newRTREST(srv.URL),
		prefix: fmt.Sprintf("Rt%d_%s", rtSeqNo.Add(1), strconv.FormatUint(seed, 36)),
		cols:   map[string]*rtCol{}, content: map[string]string{}, contentMode: map[string]string{}, steps: steps,
	}
	t.Cleanup(func() {
		for _, name := range sortedKeys(r.cols) {
			_ = r.rest.deleteClass(name)
		}
	})
	defer func() {
		if fail != nil {
			fail.Seed, fail.Features, fail.Steps = seed, f.String(), steps
		}
	}()
	t.Logf("sequence seed=%d features=%s prefix=%s", seed, f, r.prefix)
	if fail := r.setup(); fail != nil {
		return fail
	}
	for r.step = 1; r.step <= steps; r.step++ {
		if fail := r.randomStep(); fail != nil {
			return fail
		}
		rtStepsDone.Add(1)
	}
	return nil
}

func (r *rtRun) failf(what, format string, args ...any) *rtFailure {
	return &rtFailure{Step: r.step, What: what, Symptom: fmt.Sprintf(format, args...)}
}

func (r *rtRun) newName(kind string) string {
	r.nameSeq++
	return fmt.Sprintf("%s_%s%d", r.prefix, kind, r.nameSeq)
}

// setup draws the collections, applies their HCL (step 0), fills them
// over REST and checks the fill.
func (r *rtRun) setup() *rtFailure {
	g, f := r.g, r.g.f
	var anchor *rtSpec
	if f.Refs {
		anchor = g.spec(r.newName("Anchor"))
		anchor.Anchor = true
		r.addCol(anchor)
	}
	var mains []*rtSpec
	for i := range 2 + g.r.IntN(2) {
		s := g.spec(r.newName("C"))
		if i > 0 && g.chance(0.4) {
			s.MT = true
		}
		if f.MixedVec && i == 0 {
			s.ClassVec, s.ClassDim, s.Distance, s.Named = true, 3+g.r.IntN(6), "cosine", map[string]int{}
		}
		if anchor != nil && !s.MT && g.chance(0.7) {
			s.Props = append(s.Props, rtProp{Name: "toAnchor", Refs: []string{anchor.Name}})
		}
		mains = append(mains, s)
		r.addCol(s)
	}
	if f.RefCycles {
		var plain []*rtSpec
		for _, s := range mains {
			if !s.MT {
				plain = append(plain, s)
			}
		}
		if len(plain) > 0 {
			plain[0].Props = append(plain[0].Props, rtProp{Name: "parent", Refs: []string{plain[0].Name}})
		}
		if len(plain) > 1 {
			plain[0].Props = append(plain[0].Props, rtProp{Name: "peer", Refs: []string{plain[1].Name}})
			plain[1].Props = append(plain[1].Props, rtProp{Name: "peer", Refs: []string{plain[0].Name}})
		}
	}
	if f.MultiVector {
		s := &rtSpec{Name: r.newName("Multi"), Description: "multi-vector", MultiVec: "colbert",
			Named: map[string]int{"plain": 4}, Props: []rtProp{{Name: "title", Type: "text", Tokenization: "word"}, {Name: "n", Type: "int"}}}
		if err := r.rest.createClass(multiVecClass(s)); err != nil {
			r.t.Fatalf("create multi-vector collection: %v", err)
		}
		r.addCol(s)
	}

	if f.Unmodeled {
		// Made by hand with a setting colstate does not model, then
		// adopted with import: the setting must survive a replace.
		s := g.spec(r.newName("U"))
		s.ClassVec, s.ClassDim, s.Distance, s.Named, s.NoVectors = true, 2, "cosine", map[string]int{}, true
		s.Unmodeled = map[string]any{"vectorIndexConfig.skip": true}
		if err := r.rest.createClass(classJSON(s)); err != nil {
			r.t.Fatalf("create the collection with unmodeled settings: %v", err)
		}
		r.addCol(s)
		r.writeHCL(r.cloneCols())
		if p, code := r.rig.run("import", s.Name); code != 0 {
			return r.failf("import "+s.Name, "refused (exit %d): %s", code, lastLines(p.stderrString(), 2))
		}
	}

	// Step 0: colstate creates the managed collections from HCL.
	if fail := r.apply("apply the generated HCL (create)"); fail != nil {
		return fail
	}
	for _, name := range r.order {
		c := r.cols[name]
		if !c.Spec.MT {
			continue
		}
		c.Objs = map[string]map[string]*rtObj{}
		for _, tn := range []string{"t1", "Tenant-B", "ten_c"}[:2+g.r.IntN(2)] {
			c.Tenants[tn] = "HOT"
			c.Objs[tn] = map[string]*rtObj{}
		}
		if err := r.rest.setTenants(name, c.Tenants, true); err != nil {
			r.t.Fatalf("create tenants of %s: %v", name, err)
		}
	}
	// Ids first, so references (self and cycles included) can point anywhere.
	ids := map[string]map[string][]string{}
	for _, name := range sortedKeys(r.cols) {
		c := r.cols[name]
		ids[name] = map[string][]string{}
		for _, tn := range c.tenantNames() {
			for range 3 + g.r.IntN(8) {
				ids[name][tn] = append(ids[name][tn], g.uuid())
			}
		}
	}
	for _, name := range sortedKeys(r.cols) {
		c := r.cols[name]
		for _, tn := range c.tenantNames() {
			for _, id := range ids[name][tn] {
				c.Objs[tn][id] = g.object(c.Spec, func(class string) []string { return ids[class][""] })
			}
		}
	}
	// Write referenced collections first: Weaviate checks that a
	// reference's target exists.
	var order []string
	if anchor != nil {
		order = append(order, anchor.Name)
	}
	for _, name := range sortedKeys(r.cols) {
		if anchor == nil || name != anchor.Name {
			order = append(order, name)
		}
	}
	for _, refs := range []bool{false, true} {
		for _, name := range order {
			c := r.cols[name]
			for _, tn := range c.tenantNames() {
				if err := r.rest.writeObjects(c.Spec, tn, c.Objs[tn], refs); err != nil {
					r.t.Fatalf("fill %s (%s): %v", name, tenantLabel(tn), err)
				}
			}
		}
	}
	if f.Cold {
		for _, name := range r.order {
			c := r.cols[name]
			if c.Spec.MT {
				tn := c.tenantNames()[g.r.IntN(len(c.Tenants))]
				c.Tenants[tn] = "COLD"
				if err := r.rest.setTenants(name, map[string]string{tn: "COLD"}, false); err != nil {
					r.t.Fatalf("deactivate tenant %s of %s: %v", tn, name, err)
				}
			}
		}
	}
	// The fill itself must read back as the model: this checks the
	// harness's own canon before colstate is judged by it.
	for _, name := range sortedKeys(r.cols) {
		d, err := compareCollection(r.rest, r.cols[name])
		if err != nil {
			r.t.Fatalf("read back the fill: %v", err)
		}
		if d != "" {
			r.t.Fatalf("the fill does not read back as written (harness bug): %s", d)
		}
	}
	return nil
}

func (r *rtRun) addCol(s *rtSpec) {
	c := &rtCol{Spec: s, Tenants: map[string]string{}, Objs: map[string]map[string]*rtObj{"": {}}}
	if s.MT {
		c.Objs = map[string]map[string]*rtObj{}
	}
	r.cols[s.Name] = c
	if s.Managed {
		r.order = append(r.order, s.Name)
	}
}

func multiVecClass(s *rtSpec) map[string]any {
	props := []any{}
	for _, p := range s.Props {
		props = append(props, map[string]any{"name": p.Name, "dataType": []string{p.Type}})
	}
	return map[string]any{
		"class": s.Name, "description": s.Description, "properties": props,
		"vectorConfig": map[string]any{
			"plain":   map[string]any{"vectorizer": map[string]any{"none": map[string]any{}}, "vectorIndexType": "hnsw"},
			"colbert": map[string]any{"vectorizer": map[string]any{"none": map[string]any{}}, "vectorIndexType": "hnsw", "vectorIndexConfig": map[string]any{"multivector": map[string]any{"enabled": true}}},
		},
	}
}

// --- running commands and checking -------------------------------------

// expect says what a step may do.
type expect int

const (
	mustSucceed expect = iota // a refusal is a failure
	mayRefuse                 // succeed as the model says, or refuse and change nothing
	mustRefuse                // refuse and change nothing (exit 0 with nothing changed passes too)
)

// runStep runs colstate ARGS and checks the outcome: on success the live
// data must equal want (the model after the step); on refusal it must
// equal the model before. On success the model becomes want.
func (r *rtRun) runStep(what string, ex expect, want map[string]*rtCol, args ...string) *rtFailure {
	r.t.Logf("step %d: %s: colstate %s", r.step, what, strings.Join(args, " "))
	p, code := r.rig.run(args...)
	out := lastLines(p.stderrString(), 2)
	if code != 0 && r.step == 0 {
		// Nothing existed before the first apply; a failed apply of
		// new collections is reported as what it is.
		return r.failf(what, "refused a legal step (exit %d): %s", code, out)
	}
	if code != 0 {
		if d := r.diffLive(r.cols); d != "" {
			return r.failf(what, "refused (exit %d: %s) but changed live data: %s", code, out, d)
		}
		if ex == mustSucceed {
			return r.failf(what, "refused a legal step (exit %d): %s", code, out)
		}
		r.t.Logf("  refused, nothing changed: %s", out)
		return nil
	}
	if ex == mustRefuse {
		if d := r.diffLive(r.cols); d != "" {
			return r.failf(what, "should have refused; succeeded and changed live data: %s\n%s", d, lastLines(p.stdoutString(), 3))
		}
		return nil
	}
	if d := r.diffLive(want); d != "" {
		return r.failf(what, "live data differs from the model: %s\n  colstate said: %s", d, lastLines(p.stdoutString(), 2))
	}
	r.cols = want
	return nil
}

// diffLive compares every collection of m with the live data.
func (r *rtRun) diffLive(m map[string]*rtCol) string {
	var ds []string
	for _, name := range sortedKeys(m) {
		d, err := compareCollection(r.rest, m[name])
		if err != nil {
			d = fmt.Sprintf("%s: cannot read back: %v", name, err)
		}
		if d != "" {
			ds = append(ds, d)
		}
	}
	return strings.Join(ds, " | ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

func (r *rtRun) cloneCols() map[string]*rtCol {
	out := map[string]*rtCol{}
	for k, c := range r.cols {
		out[k] = c.clone()
	}
	return out
}

// apply writes the HCL of the model's managed collections, runs apply
// and checks that the next plan has no changes. want, when not nil, is the
// model after the apply.
func (r *rtRun) applyWith(what string, want map[string]*rtCol) *rtFailure {
	if want == nil {
		want = r.cloneCols()
	}
	r.writeHCL(want)
	if fail := r.runStep(what, mustSucceed, want, "apply", "-auto-approve"); fail != nil {
		return fail
	}
	p, code := r.rig.run("plan", "-detailed-exitcode")
	if code != 0 {
		return r.failf(what, "the next plan is not \"No changes\" (exit %d): %s", code, planSummary(p.stdoutString()+p.stderrString()))
	}
	return nil
}

func (r *rtRun) apply(what string) *rtFailure { return r.applyWith(what, nil) }

// applyEdit applies an edited configuration; with the interrupt switch it
// first kills an apply after a random delay, clears its stale lock and
// then expects the resumed apply to reach the same model.
func (r *rtRun) applyEdit(what string, want map[string]*rtCol) *rtFailure {
	if !r.g.f.Interrupt || !r.g.chance(0.6) {
		return r.applyWith(what, want)
	}
	delay := time.Duration(30+r.g.r.IntN(700)) * time.Millisecond
	r.writeHCL(want)
	r.t.Logf("step %d: %s: colstate apply -auto-approve, killed after %s", r.step, what, delay)
	p := r.rig.start("apply", "-auto-approve")
	select {
	case <-p.done:
		r.t.Logf("  finished before the kill (exit %d)", p.cmd.ProcessState.ExitCode())
	case <-time.After(delay):
		p.kill()
	}
	info, err := state.ReadLock(filepath.Join(r.rig.dir, ".colstate", "state.json"))
	if err != nil {
		return r.failf(what, "read the lock left by the killed apply: %v", err)
	}
	if info != nil {
		if pu, code := r.rig.run("force-unlock", info.ID); code != 0 {
			return r.failf(what, "force-unlock after the kill: exit %d: %s", code, lastLines(pu.stderrString(), 2))
		}
	}
	return r.applyWith(fmt.Sprintf("%s, resumed after a kill at %s", what, delay), want)
}

// planSummary keeps the lines of a plan that say what would change.
func planSummary(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "~") || strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+") || strings.HasPrefix(l, "⇄") ||
			strings.HasPrefix(l, "Error") || strings.HasPrefix(l, "Plan:") || strings.Contains(l, "forces replacement") {
			keep = append(keep, l)
		}
		if len(keep) >= 6 {
			break
		}
	}
	return strings.Join(keep, " / ")
}

// writeHCL writes collections.hcl from the managed collections of m.
func (r *rtRun) writeHCL(m map[string]*rtCol) {
	var b strings.Builder
	for _, name := range r.order {
		c, ok := m[name]
		if !ok {
			continue
		}
		writeCollectionHCL(&b, c.Spec, r.content[name], r.contentMode[name])
	}
	if err := os.WriteFile(filepath.Join(r.rig.dir, "collections.hcl"), []byte(b.String()), 0o600); err != nil {
		r.t.Fatal(err)
	}
}

func writeCollectionHCL(b *strings.Builder, s *rtSpec, jsonl, mode string) {
	if jsonl != "" {
		fmt.Fprintf(b, "data \"jsonl\" %q {\n  path = %q\n}\n\n", s.Name, jsonl)
	}
	fmt.Fprintf(b, "collection %q {\n  description = %q\n", s.Name, s.Description)
	if s.ClassVec {
		fmt.Fprintf(b, "  vectorizer = \"none\"\n  vector_index \"hnsw\" {\n    distance = %q\n  }\n", s.Distance)
	}
	for _, n := range s.namedNames() {
		fd := ""
		if n == s.FromDefault {
			fd = "    from_default = true\n"
		}
		fmt.Fprintf(b, "  vector %q {\n%s    index \"hnsw\" {}\n  }\n", n, fd)
	}
	for _, p := range s.Props {
		writePropHCL(b, p, "  ")
	}
	if s.MT {
		b.WriteString("  multi_tenancy {\n    enabled = true\n  }\n")
	}
	if jsonl != "" {
		fmt.Fprintf(b, "  content {\n    from = data.jsonl.%s\n    mode = %q\n  }\n", s.Name, mode)
	}
	b.WriteString("}\n\n")
}

func writePropHCL(b *strings.Builder, p rtProp, indent string) {
	dt := p.Type
	if p.isRef() {
		dt = strings.Join(p.Refs, "|")
	}
	fmt.Fprintf(b, "%sproperty %q {\n%s  data_type = %q\n", indent, p.Name, indent, dt)
	if p.Tokenization != "" {
		fmt.Fprintf(b, "%s  tokenization = %q\n", indent, p.Tokenization)
	}
	for _, np := range p.Nested {
		writePropHCL(b, np, indent+"  ")
	}
	fmt.Fprintf(b, "%s}\n", indent)
}

// --- the steps ------------------------------------------------------------

type rtChoice struct {
	weight int
	run    func() *rtFailure
}

// randomStep draws one applicable step and runs it.
func (r *rtRun) randomStep() *rtFailure {
	var cs []rtChoice
	add := func(w int, fn func() *rtFailure) { cs = append(cs, rtChoice{w, fn}) }
	add(3, r.stepBackup)
	if len(r.snaps) > 0 {
		add(2, r.stepRestoreAs)
		add(3, r.stepRestoreMerge)
		add(2, r.stepRestoreReplace)
		add(1, r.stepRestoreCreate)
	}
	add(2, r.stepEditObjects)
	add(1, r.stepClear)
	add(2, r.stepContent)
	add(2, r.stepInPlace)
	add(2, r.stepForceReplace)
	if r.g.f.Cold {
		add(1, r.stepToggleTenant)
	}
	if r.g.f.UpperNames {
		add(1, r.stepUpperProp)
	}
	total := 0
	for _, c := range cs {
		total += c.weight
	}
	n := r.g.r.IntN(total)
	for _, c := range cs {
		if n < c.weight {
			return c.run()
		}
		n -= c.weight
	}
	return nil
}

// managed returns the managed collections' names accepted by keep.
func (r *rtRun) managed(keep func(c *rtCol) bool) []string {
	var out []string
	for _, name := range r.order {
		if c := r.cols[name]; c != nil && (keep == nil || keep(c)) {
			out = append(out, name)
		}
	}
	return out
}

func (r *rtRun) pickName(names []string) string { return names[r.g.r.IntN(len(names))] }

func (r *rtRun) stepBackup() *rtFailure {
	names := r.managed(nil)
	var chosen []string
	for _, n := range names {
		if r.g.chance(0.6) {
			chosen = append(chosen, n)
		}
	}
	if len(chosen) == 0 {
		chosen = []string{r.pickName(names)}
	}
	for _, name := range sortedKeys(r.cols) {
		if r.cols[name].Spec.MultiVec != "" && r.g.chance(0.7) {
			chosen = append(chosen, name)
		}
	}
	noVec := r.g.chance(0.3)
	id := fmt.Sprintf("s%d", len(r.snaps)+1)
	args := []string{"backup", "-auto-approve", "--id", id}
	what := "backup " + strings.Join(chosen, " ")
	if noVec {
		args = append(args, "--no-vectors")
		what += " --no-vectors"
	}
	if fail := r.runStep(what, mustSucceed, r.cloneCols(), append(args, chosen...)...); fail != nil {
		return fail
	}
	snap := &rtSnap{ID: id, NoVectors: noVec, Cols: map[string]*rtCol{}}
	for _, n := range chosen {
		c := r.cols[n].clone()
		if noVec {
			for _, objs := range c.Objs {
				for _, o := range objs {
					o.Vecs, o.MultiRows = map[string][]float32{}, nil
				}
			}
		}
		snap.Cols[n] = c
	}
	r.snaps = append(r.snaps, snap)
	return nil
}

// snapsOf lists (snapshot, collection) pairs accepted by keep.
func (r *rtRun) snapsOf(keep func(s *rtSnap, name string, sc *rtCol) bool) [][2]any {
	var out [][2]any
	for _, s := range r.snaps {
		for _, name := range sortedKeys(s.Cols) {
			if keep(s, name, s.Cols[name]) {
				out = append(out, [2]any{s, name})
			}
		}
	}
	return out
}

func (r *rtRun) stepRestoreAs() *rtFailure {
	pairs := r.snapsOf(func(*rtSnap, string, *rtCol) bool { return true })
	pr := pairs[r.g.r.IntN(len(pairs))]
	s, src := pr[0].(*rtSnap), pr[1].(string)
	as := r.newName("As")
	nc := s.Cols[src].clone()
	nc.Spec.Name, nc.Spec.Managed = as, false
	want := r.cloneCols()
	want[as] = nc
	what := fmt.Sprintf("restore %s of %s --as %s", src, s.ID, as)
	ex := mustSucceed
	if nc.hasCold() {
		ex = mayRefuse
	}
	fail := r.runStep(what, ex, want, "restore", "-auto-approve", "--collection", src, "--as", as, s.ID)
	if fail == nil && r.cols[as] == nil {
		// Refused: nothing may be left behind under the new name.
		if ok, _ := r.rest.classExists(as); ok {
			fail = r.failf(what, "refused but left collection %s behind", as)
		}
	}
	_ = r.rest.deleteClass(as)
	delete(r.cols, as)
	return fail
}

// fitting reports whether snapshot collection sc can be merged or
// replaced into the live collection now.
func (r *rtRun) fitting(s *rtSnap, name string, sc *rtCol) bool {
	c := r.cols[name]
	return c != nil && c.Spec.Managed && c.Gen == sc.Gen && (!s.NoVectors || r.g.f.NoVecMerge)
}

func (r *rtRun) stepRestoreMerge() *rtFailure {
	pairs := r.snapsOf(r.fitting)
	if len(pairs) == 0 {
		return r.stepBackup()
	}
	pr := pairs[r.g.r.IntN(len(pairs))]
	s, name := pr[0].(*rtSnap), pr[1].(string)
	want := r.cloneCols()
	c := want[name]
	for tn, objs := range s.Cols[name].Objs {
		if c.Objs[tn] == nil {
			c.Objs[tn] = map[string]*rtObj{}
		}
		for id, so := range objs {
			lo := c.Objs[tn][id]
			if lo == nil {
				c.Objs[tn][id] = so.clone()
				continue
			}
			// What the snapshot does not carry (a property it lacks, a
			// vector it left out) is unknown, not empty: the live value stays.
			n := lo.clone()
			for k, v := range so.Props {
				n.Props[k] = v
			}
			for k, v := range so.Vecs {
				n.Vecs[k] = slices.Clone(v)
			}
			c.Objs[tn][id] = n
		}
	}
	ex := mustSucceed
	if c.hasCold() {
		ex = mayRefuse
	}
	if r.danglingRefs(s, name, true) {
		ex = mustRefuse
	}
	dropTenantDangling(want, name, s.Cols[name])
	return r.runStep(fmt.Sprintf("restore --mode=merge %s of %s", name, s.ID), ex, want,
		"restore", "-auto-approve", "--mode=merge", "--collection", name, s.ID)
}

// danglingRefs reports whether an object of collection name in snapshot s
// refers to an object that will exist neither live nor among the objects
// the restore writes (keepLive: a merge keeps the live objects of name; a
// replace clears them), in a way Weaviate refuses, to another collection:
// from an object of a tenant, or to a collection that does not exist.
// colstate must refuse such a restore before it writes anything. A
// reference from an object without a tenant to a missing object of an
// existing collection is written back as the snapshot has it; one within
// the collection, from an object of a tenant, is left out (and said so,
// see dropTenantDangling).
func (r *rtRun) danglingRefs(s *rtSnap, name string, keepLive bool) bool {
	exists := func(class, id string) bool {
		if class == name {
			for _, objs := range s.Cols[name].Objs {
				if objs[id] != nil {
					return true
				}
			}
			if !keepLive {
				return false
			}
		}
		c := r.cols[class]
		if c == nil {
			return false
		}
		for _, objs := range c.Objs {
			if objs[id] != nil {
				return true
			}
		}
		return false
	}
	for tenant, objs := range s.Cols[name].Objs {
		for _, o := range objs {
			for _, v := range o.Props {
				rs, _ := v.([]rtRef)
				for _, rf := range rs {
					if exists(rf.Class, rf.ID) {
						continue
					}
					if rf.Class != name && (tenant != "" || r.cols[rf.Class] == nil) {
						return true
					}
				}
			}
		}
	}
	return false
}

// dropTenantDangling removes, from the objects of collection name in a
// tenant, references to objects of name that do not exist in want:
// Weaviate refuses those in a multi-tenant collection, so a restore writes
// the object without them, and says so. Only the objects the restore
// writes (those of from, the snapshot's collection) are changed.
func dropTenantDangling(want map[string]*rtCol, name string, from *rtCol) {
	c := want[name]
	if c == nil {
		return
	}
	for tn, objs := range c.Objs {
		if tn == "" {
			continue
		}
		for id, o := range objs {
			if from == nil || from.Objs[tn][id] == nil {
				continue
			}
			for k, v := range o.Props {
				rs, ok := v.([]rtRef)
				if !ok {
					continue
				}
				var kept []rtRef
				for _, rf := range rs {
					if rf.Class != name || objs[rf.ID] != nil {
						kept = append(kept, rf)
					}
				}
				switch {
				case len(kept) == len(rs):
				case len(kept) == 0:
					delete(o.Props, k)
				default:
					o.Props[k] = kept
				}
			}
		}
	}
}

func (r *rtRun) stepRestoreReplace() *rtFailure {
	pairs := r.snapsOf(func(s *rtSnap, name string, sc *rtCol) bool {
		return r.fitting(s, name, sc) && !r.cols[name].Spec.Anchor
	})
	if len(pairs) == 0 {
		return r.stepBackup()
	}
	pr := pairs[r.g.r.IntN(len(pairs))]
	s, name := pr[0].(*rtSnap), pr[1].(string)
	want := r.cloneCols()
	c := want[name]
	for tn := range c.Objs {
		c.Objs[tn] = map[string]*rtObj{}
	}
	for tn, objs := range s.Cols[name].Objs {
		c.Objs[tn] = map[string]*rtObj{}
		for id, o := range objs {
			c.Objs[tn][id] = o.clone()
		}
	}
	ex := mustSucceed
	if c.hasCold() || s.NoVectors {
		ex = mayRefuse
	}
	if r.danglingRefs(s, name, false) {
		ex = mustRefuse
	}
	dropTenantDangling(want, name, s.Cols[name])
	return r.runStep(fmt.Sprintf("restore --mode=replace %s of %s", name, s.ID), ex, want,
		"restore", "-auto-approve", "--mode=replace", "--collection", name, s.ID)
}

func (r *rtRun) stepRestoreCreate() *rtFailure {
	pairs := r.snapsOf(func(s *rtSnap, name string, sc *rtCol) bool {
		return r.fitting(s, name, sc) && !s.NoVectors && !r.cols[name].Spec.Anchor
	})
	if len(pairs) == 0 {
		return r.stepClear()
	}
	pr := pairs[r.g.r.IntN(len(pairs))]
	s, name := pr[0].(*rtSnap), pr[1].(string)
	what := fmt.Sprintf("restore (create) %s of %s", name, s.ID)
	args := []string{"restore", "-auto-approve", "--collection", name, s.ID}
	if r.cols[name].count() > 0 {
		return r.runStep(what+" into a non-empty collection", mustRefuse, nil, args...)
	}
	want := r.cloneCols()
	for tn, objs := range s.Cols[name].Objs {
		want[name].Objs[tn] = map[string]*rtObj{}
		for id, o := range objs {
			want[name].Objs[tn][id] = o.clone()
		}
	}
	ex := mustSucceed
	if want[name].hasCold() {
		ex = mayRefuse
	}
	if r.danglingRefs(s, name, false) {
		ex = mustRefuse
	}
	dropTenantDangling(want, name, s.Cols[name])
	return r.runStep(what, ex, want, args...)
}

func (r *rtRun) stepClear() *rtFailure {
	names := r.managed(func(c *rtCol) bool { return !c.Spec.Anchor })
	if len(names) == 0 {
		return r.stepBackup()
	}
	name := r.pickName(names)
	want := r.cloneCols()
	for tn := range want[name].Objs {
		want[name].Objs[tn] = map[string]*rtObj{}
	}
	ex := mustSucceed
	if want[name].hasCold() {
		ex = mayRefuse
	}
	return r.runStep("clear "+name, ex, want, "clear", "-auto-approve", name)
}

// rtLine is one JSONL content line.
type rtLine struct {
	ID         string               `json:"id"`
	Properties map[string]any       `json:"properties"`
	Vector     []float32            `json:"vector,omitempty"`
	Vectors    map[string][]float32 `json:"vectors,omitempty"`
}

func (r *rtRun) stepContent() *rtFailure {
	// Content blocks are for collections without tenants; a JSONL line
	// cannot carry a class-level vector beside named ones.
	names := r.managed(func(c *rtCol) bool { return !c.Spec.MT && !c.Spec.mixed() })
	if len(names) == 0 {
		return r.stepBackup()
	}
	name := r.pickName(names)
	c := r.cols[name]
	mode := r.g.pick("merge", "exact", "seed")
	if c.Spec.Anchor && mode == "exact" {
		mode = "merge"
	}
	g := r.g
	lines := map[string]*rtObj{}
	for _, id := range sortedIDs(c.Objs[""]) {
		if g.chance(0.6) {
			o := c.Objs[""][id]
			if g.chance(0.5) {
				o = g.restyle(c.Spec, o)
			}
			lines[id] = o
		}
	}
	for range 1 + g.r.IntN(4) {
		lines[g.uuid()] = g.object(c.Spec, func(class string) []string {
			if cc := r.cols[class]; cc != nil {
				return sortedIDs(cc.Objs[""])
			}
			return nil
		})
	}
	// A reference whose target will not exist once the lines are loaded
	// (an exact load deletes what the lines lack, a seed loads into an
	// empty collection, an object deleted since) cannot be written:
	// colstate must refuse such a source before it writes anything. Most
	// sequences drop those references; some keep the ones to the
	// collection itself (the ones colstate checks) and expect the refusal.
	loads := mode != "seed" || c.count() == 0
	exists := func(class, id string) bool {
		if class == name {
			if lines[id] != nil {
				return true
			}
			return mode == "merge" && c.Objs[""][id] != nil
		}
		return r.cols[class] != nil && r.cols[class].Objs[""][id] != nil
	}
	anyDangling := false
	for _, o := range lines {
		for _, v := range o.Props {
			if rs, ok := v.([]rtRef); ok {
				for _, rf := range rs {
					anyDangling = anyDangling || !exists(rf.Class, rf.ID)
				}
			}
		}
	}
	// Drawn only when it matters, so sequences without such references
	// replay as before.
	keepDangling := anyDangling && loads && g.chance(0.25)
	dangling := false
	for _, id := range sortedIDs(lines) {
		o := lines[id]
		for _, p := range c.Spec.Props {
			rs, ok := o.Props[p.Name].([]rtRef)
			if !ok {
				continue
			}
			var kept []rtRef
			for _, rf := range rs {
				switch {
				case exists(rf.Class, rf.ID):
					kept = append(kept, rf)
				case keepDangling && rf.Class == name:
					kept, dangling = append(kept, rf), true
				}
			}
			if len(kept) == len(rs) {
				continue
			}
			if o == c.Objs[""][id] {
				o = o.clone()
				lines[id] = o
			}
			if len(kept) == 0 {
				delete(o.Props, p.Name)
			} else {
				o.Props[p.Name] = kept
			}
		}
	}
	file := fmt.Sprintf("content_%d.jsonl", r.step)
	var b strings.Builder
	for _, id := range sortedIDs(lines) {
		o := lines[id]
		l := rtLine{ID: id, Properties: map[string]any{}}
		for k, v := range o.Props {
			if rs, ok := v.([]rtRef); ok {
				var bs []map[string]string
				for _, rf := range rs {
					bs = append(bs, map[string]string{"beacon": "weaviate://localhost/" + rf.Class + "/" + rf.ID})
				}
				v = bs
			}
			l.Properties[k] = v
		}
		for k, v := range o.Vecs {
			if k == "" {
				l.Vector = v
				continue
			}
			if l.Vectors == nil {
				l.Vectors = map[string][]float32{}
			}
			l.Vectors[k] = v
		}
		data, err := json.Marshal(l)
		if err != nil {
			r.t.Fatal(err)
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(r.rig.dir, file), []byte(b.String()), 0o600); err != nil {
		r.t.Fatal(err)
	}
	want := r.cloneCols()
	wc := want[name]
	switch mode {
	case "exact":
		wc.Objs[""] = map[string]*rtObj{}
		fallthrough
	case "merge":
		for id, o := range lines {
			wc.Objs[""][id] = o.clone()
		}
	case "seed":
		if c.count() == 0 {
			for id, o := range lines {
				wc.Objs[""][id] = o.clone()
			}
		}
	}
	r.content[name], r.contentMode[name] = file, mode
	defer func() { delete(r.content, name); delete(r.contentMode, name) }()
	what := fmt.Sprintf("content %s of %s from %d JSONL lines", mode, name, len(lines))
	if dangling {
		r.writeHCL(want)
		return r.runStep(what+", some referring to objects that will not exist", mustRefuse, nil, "apply", "-auto-approve")
	}
	return r.applyEdit(what, want)
}

func (r *rtRun) stepInPlace() *rtFailure {
	names := r.managed(nil)
	name := r.pickName(names)
	want := r.cloneCols()
	s := want[name].Spec
	var what string
	switch k := r.g.r.IntN(3); {
	case r.g.f.MixedVec && s.ClassVec && len(s.Named) == 0:
		// Weaviate keeps the class-level index when a named vector is
		// added: the objects keep their class-level vectors.
		s.Named["added_vec"] = 5
		what = "HCL: named vector added_vec added beside the class-level vector of " + name
	case k == 0:
		s.Description = fmt.Sprintf("edited at step %d", r.step)
		what = "HCL: new description of " + name
	case k == 1 && len(s.Named) > 0 && !s.ClassVec:
		vn := fmt.Sprintf("added%d", r.step)
		s.Named[vn] = 3
		what = "HCL: add named vector " + vn + " to " + name
	default:
		used := map[string]bool{}
		for _, p := range s.Props {
			used[strings.ToLower(p.Name)] = true
		}
		pn := r.g.propName(used, 100+r.step)
		s.Props = append(s.Props, rtProp{Name: pn, Type: r.g.pick("text", "int", "number[]", "date"), Tokenization: ""})
		if p := &s.Props[len(s.Props)-1]; p.Type == "text" {
			p.Tokenization = "word"
		}
		what = "HCL: add property " + pn + " to " + name
	}
	return r.applyEdit(what+" (in place)", want)
}

func (r *rtRun) stepForceReplace() *rtFailure {
	name := r.pickName(r.managed(nil))
	if r.g.f.Unmodeled && r.g.chance(0.5) {
		// The collection with unmodeled settings is the one whose
		// replace matters most.
		if us := r.managed(func(c *rtCol) bool { return len(c.Spec.Unmodeled) > 0 }); len(us) > 0 {
			name = us[0]
		}
	}
	want := r.cloneCols()
	c := want[name]
	s := c.Spec
	var texts, removable []int
	for i, p := range s.Props {
		if p.Type == "text" || p.Type == "text[]" {
			texts = append(texts, i)
		}
		if !p.isRef() {
			removable = append(removable, i)
		}
	}
	var what string
	switch k := r.g.r.IntN(3); {
	case r.g.f.MixedVec && s.ClassVec && r.g.chance(0.5):
		// The class-level vector index is dropped (a replace): the
		// objects' class-level vectors are dropped, or carried into a new
		// named vector declared with from_default = true.
		s.ClassVec = false
		for k := range s.Unmodeled {
			if strings.HasPrefix(k, "vectorIndexConfig.") {
				delete(s.Unmodeled, k) // a setting of the index that is gone
			}
		}
		carry := r.g.chance(0.5)
		into := ""
		if carry {
			into = "from_cls"
			s.Named[into], s.FromDefault = s.ClassDim, into
		} else if len(s.Named) == 0 {
			s.Named["added_vec"] = 5
		}
		for _, objs := range c.Objs {
			for _, o := range objs {
				if v, ok := o.Vecs[""]; ok && carry {
					o.Vecs[into] = v
				}
				delete(o.Vecs, "")
			}
		}
		if carry {
			what = fmt.Sprintf("HCL: class-level vector of %s removed, carried into %s by from_default", name, into)
		} else {
			what = fmt.Sprintf("HCL: class-level vector of %s removed, its vectors dropped (named: %s)", name, strings.Join(s.namedNames(), ","))
		}
	case k == 0 && len(texts) > 0:
		p := &s.Props[texts[r.g.r.IntN(len(texts))]]
		old := p.Tokenization
		for p.Tokenization == old {
			p.Tokenization = r.g.pick("word", "field", "lowercase", "whitespace")
		}
		what = fmt.Sprintf("HCL: tokenization of %s.%s %s → %s", name, p.Name, old, p.Tokenization)
	case k == 1 && s.ClassVec:
		old := s.Distance
		for s.Distance == old {
			s.Distance = r.g.pick("cosine", "dot", "l2-squared")
		}
		what = fmt.Sprintf("HCL: distance of %s %s → %s", name, old, s.Distance)
	default:
		i := removable[r.g.r.IntN(len(removable))]
		pn := s.Props[i].Name
		s.Props = slices.Delete(s.Props, i, i+1)
		for _, objs := range c.Objs {
			for _, o := range objs {
				delete(o.Props, pn)
			}
		}
		what = fmt.Sprintf("HCL: remove property %s.%s", name, pn)
	}
	c.Gen++
	return r.applyEdit(what+" (forces replace)", want)
}

func (r *rtRun) stepToggleTenant() *rtFailure {
	names := r.managed(func(c *rtCol) bool { return c.Spec.MT })
	if len(names) == 0 {
		return r.stepBackup()
	}
	name := r.pickName(names)
	c := r.cols[name]
	tn := r.pickName(sortedKeys(c.Tenants))
	st := "COLD"
	if c.Tenants[tn] == "COLD" {
		st = "HOT"
	}
	r.t.Logf("step %d: tenant %s of %s → %s (REST)", r.step, tn, name, st)
	if err := r.rest.setTenants(name, map[string]string{tn: st}, false); err != nil {
		return r.failf("set tenant status", "%v", err)
	}
	c.Tenants[tn] = st
	if d := r.diffLive(r.cols); d != "" {
		return r.failf(fmt.Sprintf("tenant %s of %s → %s", tn, name, st), "live data differs from the model: %s", d)
	}
	return nil
}

// stepEditObjects is an application writing behind colstate's back, over
// REST: a few objects changed (upserted whole) and one deleted. Without
// the novecmerge switch an edit keeps which properties and vectors an
// object has, so a later merge never meets a value the snapshot lacks.
func (r *rtRun) stepEditObjects() *rtFailure {
	names := r.managed(func(c *rtCol) bool { return c.count() > 0 })
	if len(names) == 0 {
		return r.stepBackup()
	}
	name := r.pickName(names)
	c := r.cols[name]
	var tenants []string
	for _, tn := range c.tenantNames() {
		if len(c.Objs[tn]) > 0 && (!c.Spec.MT || c.Tenants[tn] == "HOT") {
			tenants = append(tenants, tn)
		}
	}
	if len(tenants) == 0 {
		return r.stepBackup()
	}
	tn := r.pickName(tenants)
	ids := sortedIDs(c.Objs[tn])
	changed := map[string]*rtObj{}
	for range 1 + r.g.r.IntN(3) {
		id := r.pickName(ids)
		o := r.g.restyle(c.Spec, c.Objs[tn][id])
		if r.g.f.NoVecMerge {
			// Values the object lacked: a later merge from an older
			// snapshot must keep them.
			for _, p := range c.Spec.Props {
				if _, ok := o.Props[p.Name]; !ok && !p.isRef() && r.g.chance(0.5) {
					o.Props[p.Name] = r.g.value(p)
				}
			}
			for _, vn := range c.Spec.namedNames() {
				if _, ok := o.Vecs[vn]; !ok {
					o.Vecs[vn] = r.g.vector(c.Spec.Named[vn])
				}
			}
		}
		changed[id] = o
	}
	var del string
	if len(ids) > len(changed)+1 && !c.Spec.Anchor && r.g.chance(0.5) {
		for _, id := range ids {
			if changed[id] == nil {
				del = id
				break
			}
		}
	}
	what := fmt.Sprintf("REST: %d objects of %s (%s) rewritten", len(changed), name, tenantLabel(tn))
	r.t.Logf("step %d: %s, deleted %q", r.step, what, del)
	for _, refs := range []bool{false, true} {
		if err := r.rest.writeObjects(c.Spec, tn, changed, refs); err != nil {
			return r.failf(what, "REST write: %v", err)
		}
	}
	for id, o := range changed {
		c.Objs[tn][id] = o
	}
	if del != "" {
		q := ""
		if tn != "" {
			q = "?tenant=" + tn
		}
		if err := r.rest.do("DELETE", "/v1/objects/"+name+"/"+del+q, nil, nil); err != nil {
			return r.failf(what, "REST delete: %v", err)
		}
		delete(c.Objs[tn], del)
	}
	if d := r.diffLive(r.cols); d != "" {
		return r.failf(what, "live data differs from the model after a plain REST write (harness or server): %s", d)
	}
	return nil
}

// classJSON is the Weaviate class of a spec with class-level vectors and
// no references, with its unmodeled settings.
func classJSON(s *rtSpec) map[string]any {
	var props func(ps []rtProp) []any
	props = func(ps []rtProp) []any {
		out := []any{}
		for _, p := range ps {
			m := map[string]any{"name": p.Name, "dataType": []string{p.Type}}
			if p.Tokenization != "" {
				m["tokenization"] = p.Tokenization
			}
			if len(p.Nested) > 0 {
				m["nestedProperties"] = props(p.Nested)
			}
			out = append(out, m)
		}
		return out
	}
	cl := map[string]any{
		"class": s.Name, "description": s.Description, "vectorizer": "none", "vectorIndexType": "hnsw",
		"vectorIndexConfig": map[string]any{"distance": s.Distance}, "properties": props(s.Props),
	}
	for path, v := range s.Unmodeled {
		setPath(cl, strings.Split(path, "."), v)
	}
	return cl
}

func setPath(m map[string]any, path []string, v any) {
	if len(path) == 1 {
		m[path[0]] = v
		return
	}
	sub, ok := m[path[0]].(map[string]any)
	if !ok {
		sub = map[string]any{}
		m[path[0]] = sub
	}
	setPath(sub, path[1:], v)
}

// stepUpperProp offers a configuration with a property whose name starts
// with a capital letter, which Weaviate would store lower-cased (so every
// later plan would propose a replace): validate, plan and apply must refuse
// it, naming the stored form, before anything is written.
func (r *rtRun) stepUpperProp() *rtFailure {
	name := r.pickName(r.managed(nil))
	bad := r.cloneCols()
	s := bad[name].Spec
	pn := r.g.pick(rtUpperNames...)
	for s.prop(pn) != nil || s.prop(strings.ToLower(pn[:1])+pn[1:]) != nil {
		pn += "X"
	}
	s.Props = append(s.Props, rtProp{Name: pn, Type: "int"})
	stored := strings.ToLower(pn[:1]) + pn[1:]
	what := fmt.Sprintf("HCL: add capitalised property %s to %s", pn, name)
	r.writeHCL(bad)
	defer r.writeHCL(r.cols)
	for _, cmd := range []string{"validate", "plan"} {
		r.t.Logf("step %d: %s: colstate %s", r.step, what, cmd)
		p, code := r.rig.run(cmd)
		if code == 0 {
			return r.failf(what, "%s accepted a property name Weaviate would store as %q", cmd, stored)
		}
		if !strings.Contains(p.stderrString(), fmt.Sprintf("%q", stored)) {
			return r.failf(what, "%s refused without naming the stored form %q: %s", cmd, stored, lastLines(p.stderrString(), 2))
		}
	}
	r.t.Logf("step %d: %s: colstate apply -auto-approve", r.step, what)
	p, code := r.rig.run("apply", "-auto-approve")
	if code == 0 {
		return r.failf(what, "apply accepted a property name Weaviate would store as %q: %s", stored, lastLines(p.stdoutString(), 2))
	}
	if d := r.diffLive(r.cols); d != "" {
		return r.failf(what, "apply refused but changed live data: %s", d)
	}
	if fail := r.checkSchemaKept(what, name); fail != nil {
		return fail
	}
	return nil
}

// checkSchemaKept checks that collection name has none of the properties
// the model lacks (a refused apply wrote no schema either).
func (r *rtRun) checkSchemaKept(what, name string) *rtFailure {
	var cl struct {
		Properties []struct{ Name string } `json:"properties"`
	}
	if err := r.rest.do("GET", "/v1/schema/"+name, nil, &cl); err != nil {
		return r.failf(what, "read the schema of %s: %v", name, err)
	}
	for _, p := range cl.Properties {
		if r.cols[name].Spec.prop(p.Name) == nil {
			return r.failf(what, "apply refused but added property %s to %s", p.Name, name)
		}
	}
	return nil
}
