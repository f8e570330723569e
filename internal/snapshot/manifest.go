// Package snapshot owns colstate's snapshot format: a directory (or a
// bucket prefix) holding the schema of each collection, its tenants and its
// objects in zstd-compressed chunks, and a manifest written last that lists
// and checksums everything; and the stores that hold snapshots, a local
// directory or a bucket. The format is described in docs/snapshot-format.md.
package snapshot

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Format versions. A reader accepts any minor version of the majors it
// knows (minor versions only add optional fields) and refuses other majors.
// Format 2 adds multi-vector records, which a format 1 reader would misread.
// Format 3 marks snapshots of some tenants only (backup --tenant): a
// format 2 reader would restore one as the whole collection and, with
// --mode=replace, clear the tenants it does not hold. Each snapshot is
// written in the lowest format that holds it (1.0 without multi-vectors
// or a tenant subset), so older colstate releases keep reading it, and
// refuse what they would misread. Format 4 is a snapshot with a native
// part only (no chunks: see Native); one with both parts keeps the lower
// format, since an older reader restores its portable part correctly.
const (
	FormatMajor = 4
	FormatMinor = 0
)

// FormatVersion is "MAJOR.MINOR" of a native-only snapshot (FormatVersion4);
// FormatVersion3 of a snapshot of some tenants only;
// FormatVersion2 of one holding multi-vectors; FormatVersion1 of others.
var (
	FormatVersion  = fmt.Sprintf("%d.%d", FormatMajor, FormatMinor)
	FormatVersion3 = "3.0"
	FormatVersion2 = "2.0"
	FormatVersion1 = "1.0"
)

// raiseFormat sets m's format to v when v is the higher one.
func raiseFormat(m *Manifest, v string) {
	have, _ := parseMajor(m.Format)
	want, _ := parseMajor(v)
	if want > have {
		m.Format = v
	}
}

// ManifestFile is the name of the manifest inside a snapshot directory. Its
// presence is what makes the directory a snapshot.
const ManifestFile = "manifest.json"

// Manifest describes one snapshot.
type Manifest struct {
	Format      string       `json:"format"` // "1.0"
	ID          string       `json:"id"`
	CreatedAt   time.Time    `json:"created_at"`
	Source      Source       `json:"source"`
	SchemaOnly  bool         `json:"schema_only,omitempty"`
	NoVectors   bool         `json:"no_vectors,omitempty"`
	Collections []Collection `json:"collections"`
	// Native is the Weaviate backup the snapshot holds (backup
	// --engine=native|both); nil for a portable snapshot.
	Native *Native `json:"native,omitempty"`
}

// Source records where the snapshot was taken.
type Source struct {
	URL     string `json:"url,omitempty"`
	Version string `json:"weaviate_version,omitempty"`
	Tool    string `json:"tool,omitempty"`
}

// Collection is one collection in a snapshot.
type Collection struct {
	Name string `json:"name"`
	// Schema is the file holding the class JSON exactly as Weaviate returned it.
	Schema       string   `json:"schema"`
	SchemaSHA256 string   `json:"schema_sha256"`
	Tenants      []Tenant `json:"tenants,omitempty"` // multi-tenant collections only
	// TenantSubset: Tenants are only some of the collection's tenants
	// (backup --tenant); a restore writes into those tenants only.
	TenantSubset bool `json:"tenant_subset,omitempty"`
	// SkippedOffloaded names the offloaded (FROZEN) tenants the backup
	// left out (backup --skip-offloaded): colstate could not read them.
	// Such a snapshot is also a TenantSubset, so a restore leaves them
	// alone.
	SkippedOffloaded []string `json:"skipped_offloaded,omitempty"`
	Objects          int64    `json:"objects"`
	// Digest is object.Digest over every object: compared with the live
	// collection after a restore.
	Digest string  `json:"digest"`
	Chunks []Chunk `json:"chunks"`
}

// Tenant of a multi-tenant collection.
type Tenant struct {
	Name           string `json:"name"`
	ActivityStatus string `json:"activity_status,omitempty"`
	// Objects and Digest are the tenant's object count and object.Digest
	// (as the collection's Digest, over its objects only): a snapshot
	// policy compares them with the live tenants, so that objects moved
	// to another tenant count as a change. Snapshots written by older
	// builds have no Digest.
	Objects int64  `json:"objects,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

// Chunk is one compressed file of objects, all of one collection and tenant.
type Chunk struct {
	File    string `json:"file"`
	Tenant  string `json:"tenant,omitempty"`
	Objects int64  `json:"objects"`
	Size    int64  `json:"size"`   // bytes on disk (compressed)
	SHA256  string `json:"sha256"` // of the bytes on disk
}

// Collection returns the named collection, or nil.
func (m *Manifest) Collection(name string) *Collection {
	for i := range m.Collections {
		if m.Collections[i].Name == name {
			return &m.Collections[i]
		}
	}
	return nil
}

// Objects is the total object count: the chunks', or the native part's in
// a native-only snapshot (ObjectsOf).
func (m *Manifest) Objects() int64 {
	var n int64
	for _, c := range m.Collections {
		n += m.ObjectsOf(c.Name)
	}
	return n
}

// Size is the total size of the chunks in bytes.
func (m *Manifest) Size() int64 {
	var n int64
	for _, c := range m.Collections {
		for _, ch := range c.Chunks {
			n += ch.Size
		}
	}
	return n
}

// Names lists the collection names in snapshot order.
func (m *Manifest) Names() []string {
	out := make([]string, len(m.Collections))
	for i, c := range m.Collections {
		out[i] = c.Name
	}
	return out
}

// VersionError is returned for a snapshot written in a format this build
// cannot read.
type VersionError struct {
	ID, Format string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("snapshot %s has format version %s; this colstate reads formats 1.x to %d.x: use a colstate release that supports format %s",
		e.ID, e.Format, FormatMajor, e.Format)
}

// DecodeManifest parses a manifest and refuses unknown major versions.
func DecodeManifest(data []byte, id string) (*Manifest, error) {
	var head struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("snapshot %s: manifest is not valid JSON: %w", id, err)
	}
	major, ok := parseMajor(head.Format)
	if !ok || major < 1 || major > FormatMajor {
		return nil, &VersionError{ID: id, Format: head.Format}
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("snapshot %s: manifest: %w", id, err)
	}
	if err := m.check(id); err != nil {
		return nil, err
	}
	return &m, nil
}

func parseMajor(v string) (int, bool) {
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	return n, err == nil
}

// ByteSize renders a size for people: 36.9 KiB.
func ByteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
