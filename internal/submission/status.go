package submission

import (
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Covered is one entry a policy covers, with the Submission of its current
// content version if there is one.
type Covered struct {
	Entry      *scidatav1.CatalogEntry
	Submission *scidatav1.Submission
}

// maxOverdueListed bounds status.overdue; counts.overdue has them all.
const maxOverdueListed = 50

// MaxProjectsListed bounds status.projects (the CRD's maxItems): a
// city-wide policy covers thousands of projects, and a status that lists
// more is refused by the apiserver. The Ready condition counts them all.
const MaxProjectsListed = 500

// Summary is what a policy's status reports, and when it changes next
// without any object changing (the next deadline).
type Summary struct {
	Counts  scidatav1.SubmissionCounts
	Overdue []scidatav1.OverdueEntry
	// Projects lists at most MaxProjectsListed projects: those not ready
	// for acceptance first, the nearest acceptance date first.
	Projects []scidatav1.ProjectReadiness
	// ProjectsTotal and ProjectsReady count every project.
	ProjectsTotal, ProjectsReady int
	NextAt                       time.Time
}

// Summarize counts the covered entries' submissions by state, lists the
// overdue ones, and says per funded project whether every dataset is
// received ("submit data first, then accept the project").
func Summarize(covered []Covered, now time.Time) Summary {
	var s Summary
	projects := map[string]*scidatav1.ProjectReadiness{}
	for _, c := range covered {
		received := false
		if sub := c.Submission; sub != nil {
			countState(&s.Counts, State(sub))
			received = sub.Status.Receipt != nil
			s.noteDeadline(sub, c.Entry, now)
		} else {
			s.Counts.Pending++
		}
		if f := c.Entry.Spec.Funding; f != nil && f.ProjectID != "" {
			p := projects[f.ProjectID]
			if p == nil {
				p = &scidatav1.ProjectReadiness{ProjectID: f.ProjectID}
				projects[f.ProjectID] = p
			}
			p.Entries++
			if received {
				p.Received++
			}
			if f.AcceptanceDate != nil && (p.AcceptanceDate == nil || f.AcceptanceDate.Before(p.AcceptanceDate)) {
				p.AcceptanceDate = f.AcceptanceDate.DeepCopy()
			}
		}
	}
	for _, p := range projects {
		p.ReadyForAcceptance = p.Received == p.Entries
		s.Projects = append(s.Projects, *p)
		if p.ReadyForAcceptance {
			s.ProjectsReady++
		}
	}
	s.ProjectsTotal = len(s.Projects)
	sort.Slice(s.Projects, func(i, j int) bool { return projectBefore(&s.Projects[i], &s.Projects[j]) })
	if len(s.Projects) > MaxProjectsListed {
		s.Projects = s.Projects[:MaxProjectsListed]
	}
	sort.Slice(s.Overdue, func(i, j int) bool {
		a, b := s.Overdue[i], s.Overdue[j]
		if !a.Deadline.Equal(&b.Deadline) {
			return a.Deadline.Before(&b.Deadline)
		}
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	if len(s.Overdue) > maxOverdueListed {
		s.Overdue = s.Overdue[:maxOverdueListed]
	}
	return s
}

// projectBefore orders projects as an auditor acts on them: not ready for
// acceptance first, then the nearest acceptance date (none last), then the
// project's ID.
func projectBefore(a, b *scidatav1.ProjectReadiness) bool {
	if a.ReadyForAcceptance != b.ReadyForAcceptance {
		return !a.ReadyForAcceptance
	}
	switch {
	case a.AcceptanceDate != nil && b.AcceptanceDate != nil && !a.AcceptanceDate.Equal(b.AcceptanceDate):
		return a.AcceptanceDate.Before(b.AcceptanceDate)
	case (a.AcceptanceDate == nil) != (b.AcceptanceDate == nil):
		return a.AcceptanceDate != nil
	}
	return a.ProjectID < b.ProjectID
}

func (s *Summary) noteDeadline(sub *scidatav1.Submission, e *scidatav1.CatalogEntry, now time.Time) {
	if sub.Spec.Deadline == nil || sub.Status.Receipt != nil {
		return
	}
	if Overdue(sub, now) {
		s.Counts.Overdue++
		s.Overdue = append(s.Overdue, scidatav1.OverdueEntry{
			Namespace: e.Namespace, Name: e.Name, ContentVersion: sub.Spec.ContentVersion, Deadline: metav1.Time{Time: sub.Spec.Deadline.Time},
		})
		return
	}
	if s.NextAt.IsZero() || sub.Spec.Deadline.Time.Before(s.NextAt) {
		s.NextAt = sub.Spec.Deadline.Time
	}
}

func countState(c *scidatav1.SubmissionCounts, st scidatav1.SubmissionState) {
	switch st {
	case scidatav1.SubmissionReceived:
		c.Received++
	case scidatav1.SubmissionDenied:
		c.Denied++
	case scidatav1.SubmissionFailed:
		c.Failed++
	case scidatav1.SubmissionTransferring:
		c.Transferring++
	case scidatav1.SubmissionAwaitingReview:
		c.AwaitingReview++
	default:
		c.Pending++
	}
}
