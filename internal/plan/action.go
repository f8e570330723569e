package plan

import "fmt"

// Action is what a change does; its value is its own diff symbol.
type Action rune

// Action kinds: schema changes, then data changes (README.md, "Commands"
// and "Snapshots"; docs/plan-json.md names them in JSON).
const (
	Create  Action = '+'
	Update  Action = '~'
	Replace Action = '±'
	Delete  Action = '-'
	Backup  Action = '⇩'
	Restore Action = '⇧'
	Merge   Action = '⇄'
	Clear   Action = '∅'

	// Alias actions (an alias block, alias.go): the change's Alias says
	// which collection the alias pointed at and will point at.
	CreateAlias   Action = '⊕'
	RetargetAlias Action = '↷'
	DeleteAlias   Action = '⊖'
	// AdoptAlias records in the state a live alias that already points
	// where its block says; Weaviate is not changed.
	AdoptAlias Action = '≡'
)

// Actions lists every action in the order tallies and the JSON summary
// give them: schema actions, then data actions, then alias actions.
var Actions = []Action{Create, Update, Replace, Delete, Backup, Restore, Merge, Clear, CreateAlias, RetargetAlias, DeleteAlias, AdoptAlias}

// actionInfo is everything the renderers say about an action: one table,
// so the human, markdown and JSON plans and the summary line never differ.
type actionInfo struct {
	name   string // in JSON and the markdown table: "create"
	symbol string // in front of a change: "+", "-/+"
	verb   string // after "collection NAME": "will be created"
	tally  string // in the summary line, after the count: "to create"
	color  string // of the symbol in a terminal: green adds, yellow changes in place, red destroys
	// data: the action moves objects rather than schema.
	data bool
	// destructive: the action deletes objects a collection holds; it is
	// refused under prevent_destroy and backed up first.
	destructive bool
	// alias: the action changes a Weaviate alias, not a collection; its
	// tally says "1 alias to create" and is given only when not 0.
	alias bool
}

var actionTable = map[Action]actionInfo{
	Create:  {name: "create", symbol: "+", verb: "will be created", tally: "to create", color: ansiGreen},
	Update:  {name: "update", symbol: "~", verb: "will be updated in place", tally: "to update", color: ansiYellow},
	Replace: {name: "replace", symbol: "-/+", verb: "must be replaced", tally: "to replace", color: ansiRed, destructive: true},
	Delete:  {name: "delete", symbol: "-", verb: "will be deleted", tally: "to delete", color: ansiRed, destructive: true},
	Backup:  {name: "backup", symbol: "⇩", verb: "will be backed up", tally: "to back up", color: ansiGreen, data: true},
	Restore: {name: "restore", symbol: "⇧", verb: "will be restored", tally: "to restore", color: ansiGreen, data: true},
	// Merge upserts (and in exact mode deletes what the source lacks, after
	// a backup of its own): a change in place, yellow as an update is.
	Merge: {name: "merge", symbol: "⇄", verb: "content will change", tally: "to merge", color: ansiYellow, data: true},
	Clear: {name: "clear", symbol: "∅", verb: "will be cleared", tally: "to clear", color: ansiRed, data: true, destructive: true},

	CreateAlias:   {name: "create_alias", symbol: "+", verb: "will be created", tally: "to create", color: ansiGreen, alias: true},
	RetargetAlias: {name: "retarget_alias", symbol: "~", verb: "will be retargeted", tally: "to retarget", color: ansiYellow, alias: true},
	DeleteAlias:   {name: "delete_alias", symbol: "-", verb: "will be deleted", tally: "to delete", color: ansiRed, alias: true},
	AdoptAlias:    {name: "adopt_alias", symbol: "=", verb: "will be adopted", tally: "to adopt", color: ansiGreen, alias: true},
}

func (a Action) info() actionInfo {
	if i, ok := actionTable[a]; ok {
		return i
	}
	s := fmt.Sprintf("Action(%q)", rune(a))
	return actionInfo{name: s, symbol: string(a), verb: "will be changed (" + s + ")", tally: "to change (" + s + ")", color: ansiRed}
}

// Symbol is the marker shown in front of a change.
func (a Action) Symbol() string { return a.info().symbol }

func (a Action) String() string { return a.info().name }

// Verb is what the human plan says of the collection: "will be created".
func (a Action) Verb() string { return a.info().verb }

// IsData reports whether the action moves data rather than schema.
func (a Action) IsData() bool { return a.info().data }

// IsAlias reports whether the action changes an alias rather than a
// collection.
func (a Action) IsAlias() bool { return a.info().alias }

// Destructive reports whether the action deletes objects a collection
// holds (replace, delete, clear).
func (a Action) Destructive() bool { return a.info().destructive }

// MarshalText encodes an action by name ("create", "update", ...).
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText decodes an action name.
func (a *Action) UnmarshalText(b []byte) error {
	for _, x := range Actions {
		if x.String() == string(b) {
			*a = x
			return nil
		}
	}
	return fmt.Errorf("unknown action %q", b)
}
