package submission

import (
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
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

// Summary is what a policy's status reports, and when it changes next
// without any object changing (the next deadline).
type Summary struct {
	Counts  scidatav1.SubmissionCounts
	Overdue []scidatav1.OverdueEntry
	NextAt  time.Time
}

// Summarize counts the covered entries' submissions by state and lists the
// overdue ones. Nothing in it grows with the city: counts, and at most
// maxOverdueListed entries (projects are objects of their own, kind
// Project).
func Summarize(covered []Covered, now time.Time) Summary {
	var s Summary
	for _, c := range covered {
		if sub := c.Submission; sub != nil {
			countState(&s.Counts, State(sub))
			s.noteDeadline(sub, c.Entry, now)
			if meta.IsStatusConditionTrue(sub.Status.Conditions, scidatav1.ConditionReviewOverdue) {
				s.Counts.ReviewOverdue++
			}
			if meta.IsStatusConditionTrue(sub.Status.Conditions, scidatav1.ConditionAcceptanceOverdue) {
				s.Counts.AcceptanceOverdue++
			}
		} else {
			s.Counts.Pending++
		}
		if c := meta.FindStatusCondition(c.Entry.Status.Conditions, scidatav1.ConditionDataBeforePaper); c != nil && c.Status == metav1.ConditionFalse {
			s.Counts.PaperBeforeData++
		}
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

func (s *Summary) noteDeadline(sub *scidatav1.Submission, e *scidatav1.CatalogEntry, now time.Time) {
	if sub.Spec.Deadline == nil || sub.Status.Receipt != nil || Terminal(State(sub)) {
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
	case scidatav1.SubmissionReturned:
		c.Returned++
	case scidatav1.SubmissionAwaitingAcceptance:
		c.AwaitingAcceptance++
	case scidatav1.SubmissionWithdrawn:
		c.Withdrawn++
	case scidatav1.SubmissionReferred:
		c.Referred++
	default:
		c.Pending++
	}
}
