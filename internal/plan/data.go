package plan

// DataChange describes the data half of a backup, restore, merge or clear
// change: which snapshot, which store, what is copied.
type DataChange struct {
	Store      string `json:"store,omitempty"`    // snapshot store directory
	Snapshot   string `json:"snapshot,omitempty"` // snapshot id (restore, merge; backup once taken)
	SchemaOnly bool   `json:"schema_only,omitempty"`
	NoVectors  bool   `json:"no_vectors,omitempty"`
	Source     string `json:"source,omitempty"` // collection name inside the snapshot when restoring under another name
}
