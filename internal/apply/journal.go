package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/colstate/colstate/internal/collection"
	"github.com/colstate/colstate/internal/plan"
	"github.com/colstate/colstate/internal/state"
)

// Journal records an apply's progress — every finished step of every
// change, and objects written within data steps — beside the state file, so
// that after a crash or Ctrl-C `colstate apply` resumes the same plan where
// it stopped. It holds the plan itself, so the resumed run does exactly what
// the interrupted one set out to do. It is removed when the apply finishes.
type Journal struct {
	files *state.Backend
	path  string // where files keeps it, for messages
	mu    sync.Mutex

	PlanID string `json:"plan_id"`
	// The state the plan was applied to: a resume against another state
	// (another environment) is refused.
	StateLineage string           `json:"state_lineage"`
	StateSerial  int64            `json:"state_serial"`
	Plan         json.RawMessage  `json:"plan"`
	StartedAt    time.Time        `json:"started_at"`
	Steps        map[string]bool  `json:"steps"`             // "3 Article backup" → done
	Objects      map[string]int64 `json:"objects,omitempty"` // objects written by an unfinished data step
	lastWrite    time.Time
}

// JournalPath is the journal of a state file: one per state, like its lock.
func JournalPath(statePath string) string { return statePath + ".journal" }

// PlanID identifies a plan by the hash of its saved form.
func PlanID(p *plan.Plan) (string, []byte, error) {
	b, err := plan.Marshal(p)
	if err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), b, nil
}

// NewJournal starts the journal of applying p to the state with the given
// lineage and serial. It replaces the journal of an interrupted apply that p
// settles: the steps p's carried changes finished then are recorded again.
func NewJournal(files *state.Backend, p *plan.Plan, lineage string, serial int64) (*Journal, error) {
	id, b, err := PlanID(p)
	if err != nil {
		return nil, err
	}
	j := &Journal{files: files, path: files.FileLocation(journalName), PlanID: id, Plan: b, StateLineage: lineage, StateSerial: serial,
		StartedAt: time.Now().UTC(), Steps: map[string]bool{}, Objects: map[string]int64{}}
	j.carry(p)
	return j, j.save()
}

// journalName is the journal's name among the files beside the state.
const journalName = "journal"

// Path is where the journal lives.
func (j *Journal) Path() string { return j.path }

// SameState reports whether a state is the one the journal's apply ran
// against. A state that did not exist yet (serial 0) gets a new lineage
// each time it is read, so two serial-0 states count as the same.
func (j *Journal) SameState(lineage string, serial int64) bool {
	return j.StateLineage == lineage || (j.StateSerial == 0 && serial == 0)
}

// LoadJournal reads the journal beside the state; nil when there is none.
func LoadJournal(files *state.Backend) (*Journal, error) {
	data, err := files.ReadFile(context.Background(), journalName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	j := &Journal{files: files, path: files.FileLocation(journalName)}
	if err := json.Unmarshal(data, j); err != nil {
		return nil, fmt.Errorf("apply journal %s is damaged (%v); look at what it recorded, then remove it to start over", j.path, err)
	}
	if j.Steps == nil {
		j.Steps = map[string]bool{}
	}
	if j.Objects == nil {
		j.Objects = map[string]int64{}
	}
	return j, nil
}

// SavedPlan is the plan the journal belongs to.
func (j *Journal) SavedPlan() (*plan.Plan, error) { return plan.Decode(j.Plan, j.path) }

// Done reports whether a step finished.
func (j *Journal) Done(step string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.Steps[step]
}

// Finished counts the finished steps.
func (j *Journal) Finished() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.Steps)
}

// Mark records a finished step, durably.
func (j *Journal) Mark(step string) error {
	j.mu.Lock()
	j.Steps[step] = true
	delete(j.Objects, step)
	j.mu.Unlock()
	return j.save()
}

// Progress records objects written by an unfinished step, at most every
// second: resuming does not depend on it (writes are upserts and identical
// objects are skipped), it tells the user how far the step had got.
func (j *Journal) Progress(step string, n int64) {
	j.mu.Lock()
	j.Objects[step] += n
	due := time.Since(j.lastWrite) > time.Second
	j.mu.Unlock()
	if due {
		_ = j.save()
	}
}

// Remove deletes the journal: the apply finished.
func (j *Journal) Remove() error {
	return j.files.RemoveFile(context.Background(), journalName)
}

func (j *Journal) save() error {
	j.mu.Lock()
	b, err := json.MarshalIndent(j, "", "  ")
	j.lastWrite = time.Now()
	j.mu.Unlock()
	if err != nil {
		return err
	}
	return j.files.WriteFile(context.Background(), journalName, b)
}

// Steps lists the journal steps of change i of p, in the order they run.
// A backup shares one step with the backups before it that write the same
// snapshot; its key is that of the first.
func Steps(p *plan.Plan, i int) []string {
	c := p.Changes[i]
	switch c.Action {
	case plan.Create:
		return []string{"create"}
	case plan.Update:
		return []string{"update"}
	case plan.Replace:
		if c.BlueGreen != nil {
			return c.BlueGreen.Steps(c.Data != nil && c.Data.Snapshot != "")
		}
		return []string{"backup", "delete", "create", "restore"}
	case plan.Delete:
		if c.Data != nil && c.Data.Snapshot != "" {
			return []string{"backup", "delete"}
		}
		return []string{"delete"}
	case plan.Merge:
		if c.Data != nil && c.Data.From != "" {
			return []string{"content"}
		}
	}
	return []string{c.Action.String()}
}

// stepKeyOf is the journal key of step s of change i of p.
func stepKeyOf(p *plan.Plan, i int, s string) string {
	if p.Changes[i].Action == plan.Backup {
		first := i
		for first > 0 && p.Changes[first-1].Action == plan.Backup && p.Changes[first-1].Data.Snapshot == p.Changes[i].Data.Snapshot {
			first--
		}
		return stepKey(first, p.Changes[first], s)
	}
	return stepKey(i, p.Changes[i], s)
}

// Pending decides what becomes of the interrupted apply the journal
// records, given the state and the live collections now. Changes that cannot
// be left half done are carried on: a replace past its delete step (its
// objects are only in the snapshot), a create or delete whose Weaviate half
// is done but not yet recorded in the state. Each comes back with Resumes
// set. Every other unfinished change is dropped: the next plan makes it
// again from the configuration if the configuration still asks for it, so a
// destructive step the configuration no longer wants never runs.
func (j *Journal) Pending(st *state.State, live map[string]collection.Collection) (carried, dropped []plan.Change, err error) {
	p, err := j.SavedPlan()
	if err != nil {
		return nil, nil, err
	}
	for i, c := range p.Changes {
		steps := Steps(p, i)
		var done []string
		for _, s := range steps {
			if j.Done(stepKeyOf(p, i, s)) {
				done = append(done, s)
			}
		}
		c.Resumes = &plan.Resumes{Change: i + 1, Done: done, Steps: steps}
		has := func(s string) bool { return slices.Contains(done, s) }
		_, isLive := live[c.Collection]
		managed, isManaged := st.Collections[c.Collection]
		finished := len(done) == len(steps)
		carry := false
		switch c.Action {
		case plan.Create:
			finished = isManaged
			carry = !isManaged && (has("create") || isLive)
		case plan.Replace:
			if c.BlueGreen != nil {
				// Once the new collection exists the change is carried
				// on: left half done it would strand it, and past the
				// cutover or retarget the old collection's late writes.
				// A crash between the create and its journal mark leaves
				// the new collection without the mark: it is carried on
				// too, and its create step adopts it.
				rec, aliased := st.Backing[c.Collection]
				_, created := live[c.BlueGreen.To]
				finished = finished && aliased && rec.Collection == c.BlueGreen.To
				if c.BlueGreen.Rename {
					finished = len(done) == len(steps) && isManaged && st.Moved[c.BlueGreen.Alias] == c.BlueGreen.To
				}
				carry = !finished && (has(plan.StepCreate) || created)
				break
			}
			finished = finished && isManaged && collection.Fingerprint(managed) == collection.Fingerprint(*c.After)
			carry = !finished && (has("delete") || has("create") || has("restore") || (has("backup") && !isLive))
		case plan.Delete:
			finished = !isManaged
			backedUp := has("backup") || !slices.Contains(steps, "backup")
			carry = isManaged && (has("delete") || (backedUp && !isLive))
		}
		switch {
		case carry:
			carried = append(carried, c)
		case !finished:
			dropped = append(dropped, c)
		}
	}
	return carried, dropped, nil
}

// DescribeDropped says what becomes of an unfinished change of an
// interrupted apply that is not carried on: why is what the new plan does
// about its collection.
func DescribeDropped(c plan.Change, why string) string {
	what := fmt.Sprintf("%s %s %s (its change %d", c.Action.Symbol(), c.Action, c.Collection, c.Resumes.Change)
	if len(c.Resumes.Done) > 0 {
		what += ", done: " + strings.Join(c.Resumes.Done, ", ")
	}
	return what + "): " + why
}

// carry records the finished steps of carried changes (Resumes set) under
// their keys in p, so the run skips them.
func (j *Journal) carry(p *plan.Plan) {
	for k, c := range p.Changes {
		if c.Resumes == nil {
			continue
		}
		for _, s := range c.Resumes.Done {
			j.Steps[stepKeyOf(p, k, s)] = true
		}
	}
}

// NeedsSnapshot names the changes of the interrupted apply that need
// snapshot id to finish: a replace that has begun (its backup taken) but
// not finished restores its objects from it, and after its delete step the
// snapshot is their only copy. Without the live collections at hand it
// errs on the side of keeping the snapshot.
func (j *Journal) NeedsSnapshot(id string) ([]string, error) {
	p, err := j.SavedPlan()
	if err != nil {
		return nil, err
	}
	var out []string
	for i, c := range p.Changes {
		if c.Action != plan.Replace || c.Data == nil || c.Data.Snapshot != id {
			continue
		}
		steps := Steps(p, i)
		done := 0
		for _, s := range steps {
			if j.Done(stepKeyOf(p, i, s)) {
				done++
			}
		}
		if done > 0 && done < len(steps) {
			out = append(out, fmt.Sprintf("%s %s %s (its change %d)", c.Action.Symbol(), c.Action, c.Collection, i+1))
		}
	}
	return out, nil
}
