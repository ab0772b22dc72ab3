package submission

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/receipt"
)

// MaxProjectEntries bounds a Project's status.entries (the CRD's maxItems);
// MaxStatements its status.statements.
const (
	MaxProjectEntries = 64
	MaxStatements     = 8
)

var notName = regexp.MustCompile(`[^a-z0-9-]+`)

// ProjectName is the Project object of a funded project id, in the Center's
// namespace: the id made a DNS label, and the hash of the id itself, so
// that ids differing only in case or punctuation get their own objects.
func ProjectName(projectID string) string {
	n := strings.Trim(notName.ReplaceAllString(strings.ToLower(projectID), "-"), "-")
	if len(n) > 40 {
		n = strings.TrimRight(n[:40], "-")
	}
	if n == "" {
		n = "project"
	}
	return n + "-" + VersionHash("project:" + projectID)[:8]
}

// ProjectMember is one entry of a project and the Submission of its
// current content version (nil when there is none).
type ProjectMember struct {
	Entry      *scidatav1.CatalogEntry
	Submission *scidatav1.Submission
}

// ProjectEntries is where each member stands, by namespace and name, and
// how many have a receipt for their current version.
func ProjectEntries(members []ProjectMember) (entries []scidatav1.ProjectEntry, received int32, acceptance *metav1.Time) {
	for _, m := range members {
		e := m.Entry
		pe := scidatav1.ProjectEntry{Namespace: e.Namespace, Name: e.Name, Department: e.Spec.ResponsibleDepartment.Code,
			ContentVersion: e.Spec.Data.ContentVersion, State: scidatav1.SubmissionPending}
		if st := e.Status.Submission; st != nil && st.State == scidatav1.SubmissionNotRequired {
			pe.State = scidatav1.SubmissionNotRequired
		}
		if s := m.Submission; s != nil {
			pe.State, pe.Submission = State(s), s.Name
			if s.Status.Receipt != nil {
				d, err := receipt.PayloadDigest(receipt.Receipt{Payload: s.Status.Receipt.Payload, Signature: s.Status.Receipt.Signature, KeyID: s.Status.Receipt.KeyID})
				if err == nil {
					pe.ReceiptDigest = d
					received++
				}
			}
		}
		if f := e.Spec.Funding; f != nil && f.AcceptanceDate != nil && (acceptance == nil || f.AcceptanceDate.Before(acceptance)) {
			acceptance = f.AcceptanceDate.DeepCopy()
		}
		entries = append(entries, pe)
	}
	sort.Slice(entries, func(i, j int) bool {
		return entries[i].Namespace+"/"+entries[i].Name < entries[j].Namespace+"/"+entries[j].Name
	})
	return entries, received, acceptance
}

// Missing describes the entries without a receipt, at most five by name.
func Missing(entries []scidatav1.ProjectEntry) string {
	var names []string
	n := 0
	for _, e := range entries {
		if e.ReceiptDigest != "" {
			continue
		}
		n++
		if len(names) < 5 {
			names = append(names, fmt.Sprintf("%s/%s (%s)", e.Namespace, e.Name, e.State))
		}
	}
	s := strings.Join(names, ", ")
	if n > len(names) {
		s += fmt.Sprintf(" and %d more", n-len(names))
	}
	return s
}

// StatementFor is the statement that the project's entries, as they are
// now, are all received.
func StatementFor(p *scidatav1.Project, entries []scidatav1.ProjectEntry, sequence int32, now time.Time) receipt.Statement {
	st := receipt.Statement{ProjectID: p.Status.ProjectID, Project: receipt.Ref{Namespace: p.Namespace, Name: p.Name, UID: string(p.UID)},
		Sequence: sequence, IssuedAt: now.UTC().Truncate(time.Second)}
	for _, e := range entries {
		st.Entries = append(st.Entries, receipt.StatementEntry{Namespace: e.Namespace, Entry: e.Name, Department: e.Department,
			ContentVersion: e.ContentVersion, Submission: e.Submission, ReceiptDigest: e.ReceiptDigest})
	}
	return st
}

// StatementCovers reports whether a signed statement already attests
// exactly these entries' receipts (so no new one is needed).
func StatementCovers(ps *scidatav1.ProjectStatement, entries []scidatav1.ProjectEntry) bool {
	if ps == nil {
		return false
	}
	st, err := receipt.DecodeStatement(receipt.Receipt{Payload: ps.Payload, Signature: ps.Signature, KeyID: ps.KeyID})
	if err != nil || len(st.Entries) != len(entries) {
		return false
	}
	for i, e := range entries {
		se := st.Entries[i]
		if se.Namespace != e.Namespace || se.Entry != e.Name || se.ContentVersion != e.ContentVersion || se.ReceiptDigest != e.ReceiptDigest {
			return false
		}
	}
	return true
}

// LatestStatement is the statement of the highest sequence, or nil.
func LatestStatement(p *scidatav1.Project) *scidatav1.ProjectStatement {
	var out *scidatav1.ProjectStatement
	for i := range p.Status.Statements {
		if s := &p.Status.Statements[i]; out == nil || s.Sequence > out.Sequence {
			out = s
		}
	}
	return out
}
