package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/colstate/colstate/internal/fsutil"
)

// FormatVersion is the version of the plan JSON document (plan -json and
// saved plan files). The major number changes when a field changes meaning;
// readers refuse a major version they do not know. See docs/plan-json.md.
const FormatVersion = "1.3"

// Binding ties a saved plan to what it was computed from; apply refuses
// the plan when any of it has changed.
type Binding struct {
	StateLineage string `json:"state_lineage"`
	StateSerial  int64  `json:"state_serial"`
	// Live holds a fingerprint of the live schema of every collection the
	// plan changes ("" for a collection that was absent).
	Live map[string]string `json:"live"`
	// Data holds the object count and digest of every live collection a
	// data-moving change touches ("collection NAME") and the fingerprint of
	// every content source ("source data.jsonl.items").
	Data map[string]string `json:"data,omitempty"`
	// Aliases holds the collection every alias the plan changes pointed
	// at ("" for an alias that was absent).
	Aliases map[string]string `json:"aliases,omitempty"`
}

// document is the JSON form of a Plan.
type document struct {
	FormatVersion string         `json:"format_version"`
	CreatedAt     time.Time      `json:"created_at"`
	Summary       map[string]int `json:"summary"`
	Changes       []jsonChange   `json:"changes"`
	Forget        []string       `json:"forget"`
	ForgetAliases []string       `json:"forget_aliases"`
	DropAliases   []string       `json:"drop_aliases,omitempty"`
	Unmanaged     []string       `json:"unmanaged"`
	Notes         []string       `json:"notes,omitempty"`
	Interrupted   *Interrupted   `json:"interrupted,omitempty"`
	Binding       *Binding       `json:"binding,omitempty"`
}

type jsonChange struct {
	Change
	Action   Action   `json:"action"`
	Reasons  []string `json:"replace_reasons"` // [] unless a replace
	Warnings []string `json:"warnings"`        // [] when none
	// Steps lists a blue/green replace's steps in order (the apply
	// journal's names); absent for other changes.
	Steps []string `json:"steps,omitempty"`
}

// WriteJSON writes the plan as the versioned JSON document. It leaves out
// the binding: only a plan saved with Save can be applied.
func WriteJSON(w io.Writer, p *Plan) error {
	shown := *p
	shown.Binding = nil
	b, err := marshal(&shown)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func marshal(p *Plan) ([]byte, error) {
	doc := document{
		FormatVersion: FormatVersion,
		CreatedAt:     p.CreatedAt,
		Summary:       map[string]int{},
		Changes:       []jsonChange{},
		Forget:        nonNil(p.Forget),
		ForgetAliases: nonNil(p.ForgetAliases),
		DropAliases:   p.DropAliases,
		Unmanaged:     nonNil(p.Unmanaged),
		Notes:         p.Notes,
		Interrupted:   p.Interrupted,
		Binding:       p.Binding,
	}
	if doc.CreatedAt.IsZero() {
		doc.CreatedAt = time.Now().UTC()
	}
	for _, a := range Actions {
		doc.Summary[a.String()] = p.Count(a)
	}
	add, upd, del, _ := p.ObjectCounts()
	doc.Summary["objects_to_add"], doc.Summary["objects_to_update"], doc.Summary["objects_to_delete"] = int(add), int(upd), int(del)
	for _, c := range p.Changes {
		jc := jsonChange{Change: c, Action: c.Action, Reasons: nonNil(c.Reasons()), Warnings: nonNil(c.Warnings())}
		if c.BlueGreen != nil {
			jc.Steps = c.BlueGreen.Steps(c.Data != nil && c.Data.Snapshot != "")
		}
		doc.Changes = append(doc.Changes, jc)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	return append(b, '\n'), err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Marshal encodes a plan with its binding, as Save writes it.
func Marshal(p *Plan) ([]byte, error) { return marshal(p) }

// Save writes a plan for a later `apply FILE`, atomically and private.
func Save(path string, p *Plan) error {
	if p.Binding == nil {
		return fmt.Errorf("plan has no binding to the state and schema it was made from")
	}
	b, err := marshal(p)
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, b)
}

// Load reads a saved plan.
func Load(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read saved plan: %w", err)
	}
	return Decode(data, path)
}

// Decode parses a saved plan's bytes; path names it in errors.
func Decode(data []byte, path string) (*Plan, error) {
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s is not a colstate plan file: %v", path, err)
	}
	major, _, _ := strings.Cut(doc.FormatVersion, ".")
	if want, _, _ := strings.Cut(FormatVersion, "."); major != want {
		return nil, fmt.Errorf("%s has plan format version %q; this colstate reads %s.x: make the plan again with this version", path, doc.FormatVersion, want)
	}
	if doc.Binding == nil {
		return nil, fmt.Errorf("%s was written by plan -json, not plan -out: it is not bound to a state and cannot be applied; run colstate plan -out=FILE", path)
	}
	p := &Plan{CreatedAt: doc.CreatedAt, Forget: doc.Forget, ForgetAliases: doc.ForgetAliases, DropAliases: doc.DropAliases, Unmanaged: doc.Unmanaged, Notes: doc.Notes, Interrupted: doc.Interrupted, Binding: doc.Binding}
	for i, jc := range doc.Changes {
		c := jc.Change
		c.Action = jc.Action
		if c.Collection == "" {
			return nil, fmt.Errorf("%s: change %d names no collection", path, i+1)
		}
		switch c.Action {
		case Create, Update, Replace:
			if c.After == nil {
				return nil, fmt.Errorf("%s: %s of %s has no target schema", path, c.Action, c.Collection)
			}
		case 0:
			return nil, fmt.Errorf("%s: change %d has no action", path, i+1)
		}
		if c.Action.IsAlias() != (c.Alias != nil) || (c.Alias != nil && !c.Alias.fits(c.Action)) {
			return nil, fmt.Errorf("%s: change %d (%s of %s) does not say where the alias points as that action needs; this plan was not made by this colstate: make it again with colstate plan -out=FILE", path, i+1, c.Action, c.Collection)
		}
		if c.Data != nil {
			if err := c.Data.validate(c.Action); err != nil {
				return nil, fmt.Errorf("%s: change %d (%s of %s): %v; this plan was not made by this colstate: make it again with colstate plan -out=FILE", path, i+1, c.Action, c.Collection, err)
			}
		}
		p.Changes = append(p.Changes, c)
	}
	return p, nil
}
