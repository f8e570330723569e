package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/colstate/colstate/internal/fsutil"
	"github.com/colstate/colstate/internal/plan"
)

// Journal records an apply's progress — every finished step of every
// change, and objects written within data steps — beside the state file, so
// that after a crash or Ctrl-C `colstate apply` resumes the same plan where
// it stopped. It holds the plan itself, so the resumed run does exactly what
// the interrupted one set out to do. It is removed when the apply finishes.
type Journal struct {
	path string
	mu   sync.Mutex

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
// lineage and serial.
func NewJournal(path string, p *plan.Plan, lineage string, serial int64) (*Journal, error) {
	id, b, err := PlanID(p)
	if err != nil {
		return nil, err
	}
	j := &Journal{path: path, PlanID: id, Plan: b, StateLineage: lineage, StateSerial: serial,
		StartedAt: time.Now().UTC(), Steps: map[string]bool{}, Objects: map[string]int64{}}
	return j, j.save()
}

// Path is where the journal lives.
func (j *Journal) Path() string { return j.path }

// SameState reports whether a state is the one the journal's apply ran
// against. A state that did not exist yet (serial 0) gets a new lineage
// each time it is read, so two serial-0 states count as the same.
func (j *Journal) SameState(lineage string, serial int64) bool {
	return j.StateLineage == lineage || (j.StateSerial == 0 && serial == 0)
}

// LoadJournal reads the journal at path; nil when there is none.
func LoadJournal(path string) (*Journal, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	j := &Journal{path: path}
	if err := json.Unmarshal(data, j); err != nil {
		return nil, fmt.Errorf("apply journal %s is damaged (%v); look at what it recorded, then remove it to start over", path, err)
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
	err := os.Remove(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func (j *Journal) save() error {
	j.mu.Lock()
	b, err := json.MarshalIndent(j, "", "  ")
	j.lastWrite = time.Now()
	j.mu.Unlock()
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(j.path, b)
}
