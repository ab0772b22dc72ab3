package sync

import (
	"encoding/json"
	"fmt"
	"sort"
)

// ManifestVersion identifies the manifest's schema.
const ManifestVersion = "scidata.io/manifest/v1"

// ManifestName is the manifest's object name inside a version's prefix.
const ManifestName = "manifest.json"

// Manifest lists every object of one submitted version. Its exact bytes are
// what a receipt's manifest digest covers.
type Manifest struct {
	Version        string          `json:"version"`
	Department     string          `json:"department"`
	Entry          string          `json:"entry"`
	ContentVersion string          `json:"contentVersion"`
	Objects        []ManifestEntry `json:"objects"`
	// Platform and Backup name a backup's manifest (both empty for a
	// submission's, whose bytes they leave unchanged).
	Platform string `json:"platform,omitempty"`
	Backup   string `json:"backup,omitempty"`
}

// ManifestEntry is one object: its path relative to the version's prefix,
// its size and the hex SHA-256 of its bytes.
type ManifestEntry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// encodeManifest returns the manifest's canonical bytes: objects sorted by
// path, struct field order, no insignificant whitespace, one final newline.
// The same content always gives the same bytes, so an existing manifest can
// be compared byte for byte.
func encodeManifest(m Manifest) ([]byte, error) {
	objs := append([]ManifestEntry(nil), m.Objects...)
	sort.Slice(objs, func(i, j int) bool { return objs[i].Path < objs[j].Path })
	m.Objects = objs
	if m.Version == "" {
		m.Version = ManifestVersion
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// totals returns the object count and byte total of a manifest.
func (m Manifest) totals() (objects, bytes int64) {
	for _, o := range m.Objects {
		bytes += o.Size
	}
	return int64(len(m.Objects)), bytes
}
