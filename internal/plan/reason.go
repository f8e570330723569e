package plan

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ContentMode is how a content change treats a collection's live objects
// (a collection's content { mode }).
type ContentMode string

// Content modes.
const (
	ContentMerge ContentMode = "merge" // upsert the source's objects; leave others alone
	ContentExact ContentMode = "exact" // also delete live objects the source lacks
	ContentSeed  ContentMode = "seed"  // load only into an empty collection
)

// ContentModes lists the content modes.
var ContentModes = []ContentMode{ContentMerge, ContentExact, ContentSeed}

// Valid reports whether m is one of ContentModes.
func (m ContentMode) Valid() bool { return slices.Contains(ContentModes, m) }

// Deletes reports whether the mode deletes live objects the source lacks.
func (m ContentMode) Deletes() bool { return m == ContentExact }

// Reason says why a change is proposed: why a backup is taken, or what a
// content change completes. It is a sentence in every plan format and in
// the state's snapshot catalogue; colstate makes one only from the
// constants and functions below, and a saved plan whose reason is none of
// them is refused.
type Reason string

// Reasons for the backup that precedes a destructive change (no policy).
const (
	BeforeDelete       Reason = "before delete"
	BeforeReplace      Reason = "before replace"
	BeforeExactDeletes Reason = "before exact-mode deletes"
)

// BeforeNativeRestore: a restore --mode=replace deletes the live collection
// for Weaviate's own restore, which needs an absent one.
const BeforeNativeRestore Reason = "Weaviate's restore needs an absent collection: it brings back the same schema with the snapshot's objects"

// NoSnapshotYet: a snapshot block has no snapshot in the catalogue.
const NoSnapshotYet Reason = "no snapshot taken yet"

// BackupBefore is the reason of the backup taken before a destructive
// action: BeforeDelete or BeforeReplace.
func BackupBefore(a Action) Reason { return Reason("before " + a.String()) }

// SnapshotAged: a snapshot block's newest snapshot is older than max_age.
func SnapshotAged(id string, age, maxAge time.Duration) Reason {
	return reasonf(reasonAged, id, age, maxAge)
}

// SnapshotGone: a snapshot block's newest snapshot is no longer in its store.
func SnapshotGone(id string) Reason { return reasonf(reasonGone, id) }

// DataChangedSince: a collection's data differs from the snapshot block's
// newest snapshot.
func DataChangedSince(collection, id string) Reason {
	return reasonf(reasonChangedSince, collection, id)
}

// DataChangesInApply: the same apply changes a collection's data.
func DataChangesInApply(collection string) Reason { return reasonf(reasonChangesInApply, collection) }

// SeedCompletes: a seed an interrupted apply began is completed as a merge.
func SeedCompletes(objects int64) Reason { return reasonf(reasonSeedCompletes, objects) }

const (
	reasonAged           = "newest (%s) is %s old, max_age %s"
	reasonGone           = "newest (%s) is gone from the store"
	reasonChangedSince   = "data of %s changed since %s"
	reasonChangesInApply = "data of %s changes in this apply"
	reasonSeedCompletes  = "completes the seed an interrupted apply began (the collection holds %d objects); identical objects are skipped"
)

func reasonf(format string, args ...any) Reason { return Reason(fmt.Sprintf(format, args...)) }

// reasonForms are the reasons a change of each action may carry: a fixed
// sentence, or the format of a function above.
var reasonForms = []struct {
	action Action
	policy bool // a snapshot block's backup (Policy set)
	form   string
}{
	{Delete, false, string(BeforeDelete)},
	{Delete, false, string(BeforeNativeRestore)},
	{Backup, false, string(BeforeDelete)},
	{Backup, false, string(BeforeReplace)},
	{Backup, false, string(BeforeExactDeletes)},
	{Backup, true, string(NoSnapshotYet)},
	{Backup, true, reasonAged},
	{Backup, true, reasonGone},
	{Backup, true, reasonChangedSince},
	{Backup, true, reasonChangesInApply},
	{Merge, false, reasonSeedCompletes},
}

var reasonPatterns = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(reasonForms))
	for i, f := range reasonForms {
		re := regexp.QuoteMeta(f.form)
		re = strings.ReplaceAll(re, "%s", ".+")
		re = strings.ReplaceAll(re, "%d", `-?\d+`)
		out[i] = regexp.MustCompile("^" + re + "$")
	}
	return out
}()

// known reports whether r is a reason colstate gives a change of action a
// (policy: a snapshot block's backup). The empty reason is always known.
func (r Reason) known(a Action, policy bool) bool {
	if r == "" {
		return true
	}
	for i, f := range reasonForms {
		if f.action == a && f.policy == policy && reasonPatterns[i].MatchString(string(r)) {
			return true
		}
	}
	return false
}

// validate checks the typed values of a decoded data change: its content
// mode and its reason.
func (d *DataChange) validate(a Action) error {
	switch {
	case d.From != "" && !d.Mode.Valid():
		return fmt.Errorf("unknown content mode %q (this colstate knows %s)", d.Mode, joinModes())
	case d.From == "" && d.Mode != "":
		return fmt.Errorf("content mode %q without a content source (from)", d.Mode)
	case !d.Reason.known(a, d.Policy != ""):
		kind := "a " + a.String()
		if d.Policy != "" {
			kind = fmt.Sprintf("the backup of snapshot block %q", d.Policy)
		}
		return fmt.Errorf("unknown reason %q for %s", d.Reason, kind)
	}
	return nil
}

func joinModes() string {
	s := make([]string, len(ContentModes))
	for i, m := range ContentModes {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}
