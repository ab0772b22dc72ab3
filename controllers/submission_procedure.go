package controllers

import (
	"context"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/completeness"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// reconcileWithdrawal ends a Submission whose entry went (deleted, or
// deleted and made again under the same name) before its transfer
// started: status.withdrawal is written once and the Submission stays, a
// record. A Submission already withdrawn does nothing more.
func (r *SubmissionReconciler) reconcileWithdrawal(ctx context.Context, sc *submissionScope) (bool, error) {
	s := sc.s
	if s.Status.Withdrawal != nil {
		return true, nil
	}
	if sc.entry != nil || s.Status.Receipt != nil || s.Status.Transfer != nil {
		return false, nil
	}
	// The cache may not have seen an entry made a moment ago; a
	// withdrawal is final, so the entry's absence is confirmed with the
	// apiserver first. An entry the cache has not caught up with is
	// looked at again in a second.
	reader := r.APIReader
	if reader == nil {
		reader = r.Client
	}
	var live scidatav1.CatalogEntry
	err := reader.Get(ctx, types.NamespacedName{Namespace: s.Namespace, Name: s.Spec.Entry.Name}, &live)
	switch {
	case err == nil && string(live.UID) == s.Spec.EntryUID:
		sc.nextAt = sc.now.Add(time.Second)
		return true, nil
	case err != nil && !apierrors.IsNotFound(err):
		return true, fmt.Errorf("confirm that entry %s is gone: %w", s.Spec.Entry.Name, err)
	}
	sc.replaced = err == nil
	reason := scidatav1.ReasonEntryDeleted
	if sc.replaced {
		reason = scidatav1.ReasonEntryReplaced
	}
	s.Status.Withdrawal = &scidatav1.Withdrawal{At: metav1.NewTime(sc.now.UTC().Truncate(time.Second)), Reason: reason}
	return true, nil
}

// reconcileDeadlines records when the department's review and the Center's
// acceptance fall due, in working days of the city's calendar (the
// covering city policies', the earliest), and asks to come back exactly
// then. A Submission received, denied or referred has no deadline left.
func (r *SubmissionReconciler) reconcileDeadlines(_ context.Context, sc *submissionScope) (bool, error) {
	s := sc.s
	if s.Status.Receipt != nil || submission.Terminal(submission.State(s)) {
		return false, nil
	}
	s.Status.ReviewDueAt = nil
	if sc.reviewRequired && s.Status.Review == nil {
		s.Status.ReviewDueAt = dueTime(submission.ReviewDue(sc.policies, s.CreationTimestamp.Time))
	}
	s.Status.AcceptanceDueAt = nil
	if t := s.Status.Transfer; t != nil && t.CompletedAt != nil {
		s.Status.AcceptanceDueAt = dueTime(submission.AcceptanceDue(sc.policies, t.CompletedAt.Time))
	}
	for _, d := range []*metav1.Time{s.Status.ReviewDueAt, s.Status.AcceptanceDueAt} {
		if d != nil && d.After(sc.now) && (sc.nextAt.IsZero() || d.Before(&metav1.Time{Time: sc.nextAt})) {
			sc.nextAt = d.Time
		}
	}
	return false, nil
}

func dueTime(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	return &metav1.Time{Time: t.UTC()}
}

// reconcileMetadataGates runs the Center's metadata gates on the entry as
// it is now, until the receipt: before the transfer, and again whenever
// the entry changes (its generation). A failure returns the Submission
// (Returned, naming the gate); a fixed entry moves it on in place, with no
// new content version. The data gates' results are kept.
func (r *SubmissionReconciler) reconcileMetadataGates(_ context.Context, sc *submissionScope) (bool, error) {
	s := sc.s
	if s.Status.Receipt != nil || sc.entry == nil {
		return false, nil
	}
	results := submission.MetadataGates(sc.terms, &sc.entry.Spec, completeness.Score(&sc.entry.Spec).Score, sc.entry.Generation)
	kept := slices.DeleteFunc(slices.Clone(s.Status.Gates), func(g scidatav1.GateResult) bool { return g.Phase == scidatav1.GateMetadata })
	s.Status.Gates = append(results, kept...)
	if len(s.Status.Gates) == 0 {
		s.Status.Gates = nil
	}
	return false, nil
}
