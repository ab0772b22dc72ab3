package controllers

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// setPolicyStatus records how the pass ended. A failed pass (err) sets
// Ready False and Reconciling True with ReconcileError and leaves the
// counts and observedGeneration as an earlier pass saw them. A pass that
// covered every entry records the summary of n covered entries, Ready,
// Overdue and observedGeneration.
func setPolicyStatus(p *scidatav1.SubmissionPolicy, now time.Time, n int, sum submission.Summary, err error) {
	c := reconcilekit.NewConditions(&p.Status.Conditions, p.Generation, now)
	if c.MarkOutcome(err) {
		return
	}
	p.Status.ObservedGeneration = p.Generation
	p.Status.SelectedEntries = int32(n)
	p.Status.Counts = sum.Counts
	p.Status.Overdue = sum.Overdue
	p.Status.Projects = sum.Projects
	p.Status.EffectiveReviewRequired = p.Spec.ReviewRequired == nil || *p.Spec.ReviewRequired
	setPolicyReadyCondition(c, p, n, sum)
	setOverdueCondition(c, sum)
}

// setPolicyReadyCondition is True with the counts by state, and says when
// the policy is suspended.
func setPolicyReadyCondition(c reconcilekit.Conditions, p *scidatav1.SubmissionPolicy, n int, sum submission.Summary) {
	msg := fmt.Sprintf("%d entries covered: %d received, %d awaiting review, %d transferring, %d pending, %d denied, %d failed",
		n, sum.Counts.Received, sum.Counts.AwaitingReview, sum.Counts.Transferring, sum.Counts.Pending, sum.Counts.Denied, sum.Counts.Failed)
	if sum.ProjectsTotal > 0 {
		msg += fmt.Sprintf("; %d funded projects, %d ready for acceptance", sum.ProjectsTotal, sum.ProjectsReady)
		if sum.ProjectsTotal > len(sum.Projects) {
			msg += fmt.Sprintf(" (status.projects lists %d: those not ready first, the nearest acceptance first)", len(sum.Projects))
		}
	}
	if p.Spec.Suspend {
		msg = "suspended: no new submissions are made; " + msg
	}
	c.MarkReady(scidatav1.ReasonReady, msg)
}

// setOverdueCondition is True while any covered entry is past its deadline
// without a receipt, and False otherwise.
func setOverdueCondition(c reconcilekit.Conditions, sum submission.Summary) {
	if sum.Counts.Overdue > 0 {
		c.Set(scidatav1.ConditionOverdue, metav1.ConditionTrue, scidatav1.ReasonDeadlinePassed,
			fmt.Sprintf("%d entries passed their deadline without a receipt; see status.overdue", sum.Counts.Overdue))
		return
	}
	c.Set(scidatav1.ConditionOverdue, metav1.ConditionFalse, scidatav1.ReasonOnTime, "no entry is past its deadline")
}
