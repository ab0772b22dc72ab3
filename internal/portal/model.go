package portal

import (
	"sync/atomic"
	"time"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/sharing"
)

// Entry is one publicly listed catalog entry, as every view shows it. An
// Entry never changes once the index has made it: a change to the
// CatalogEntry, to its department's name or to its sharing by the clock
// makes a new one, so a request may keep using what it read.
type Entry struct {
	Namespace string
	Name      string
	// Spec is the entry's spec with every string neutralised (text.go); it
	// is the cache's own when nothing needed it. Read only.
	Spec       *scidatav1.CatalogEntrySpec
	Department DepartmentName
	Sharing    sharing.Result
	Score      int32
	Submission scidatav1.SubmissionState
	// ActiveGrants is how many access grants of the entry are in force
	// (its status, written by the operator): a count, never who holds
	// them; zero for a classified entry, which the portal never lists.
	ActiveGrants int32
	Created      time.Time
	// Modified is the entry's last change: to its spec, or by the clock
	// (an embargo that ended).
	Modified time.Time

	doc     uint32
	dataset atomic.Pointer[encoded]
}

// encoded is an entry's DCAT dataset, encoded once by the server that
// first exported it.
type encoded struct {
	by   *Server
	body []byte
}

// ID is the entry's path in the portal: <namespace>/<name>.
func (e *Entry) ID() string { return e.Namespace + "/" + e.Name }

// AccessURL is where the data is reached, withheld while an embargo holds.
func (e *Entry) AccessURL() string {
	if e.Sharing.Embargoed {
		return ""
	}
	return e.Spec.AccessMethod.URL
}

// DepartmentName is a department's code and names, from its DataPlatform
// when the portal can read it, else from the entry.
type DepartmentName struct {
	Code, Name, LocalName string
}

// Filter selects entries; empty fields select everything. Department is a
// department code; Subject, DataType and Sharing (Open, Conditional,
// Closed or Embargoed) match regardless of case; every word of Query must
// occur in the entry's text.
type Filter struct {
	Query      string
	Department string
	Subject    string
	DataType   string
	Sharing    string
}
