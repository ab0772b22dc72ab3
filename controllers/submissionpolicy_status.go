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
//
// A suspended policy (spec.suspend) is paused: ReconciliationPaused True,
// and observedGeneration stays at the last generation it reconciled
// unsuspended, so kstatus reads it InProgress (as Flux's suspended objects
// read) while its counts go on.
func setPolicyStatus(p *scidatav1.SubmissionPolicy, now time.Time, n int, sum submission.Summary, err error) {
	c := reconcilekit.NewConditions(&p.Status.Conditions, p.Generation, now)
	setPolicyPausedCondition(c, p)
	if c.MarkOutcome(err) {
		return
	}
	if !p.Spec.Suspend {
		p.Status.ObservedGeneration = p.Generation
	}
	p.Status.SelectedEntries = int32(n)
	p.Status.Counts = sum.Counts
	p.Status.Overdue = sum.Overdue
	p.Status.EffectiveReviewRequired = p.Spec.ReviewRequired == nil || *p.Spec.ReviewRequired
	setPolicyReadyCondition(c, p, n, sum)
	setOverdueCondition(c, sum)
}

// setPolicyPausedCondition is True, naming who set spec.suspend, while the
// policy is suspended, and absent otherwise.
func setPolicyPausedCondition(c reconcilekit.Conditions, p *scidatav1.SubmissionPolicy) {
	if !p.Spec.Suspend {
		c.ClearPaused()
		return
	}
	c.MarkPaused(reconcilekit.SuspendedBy(p),
		"the policy makes no Submission for a newly covered entry or content version (its counts go on, and Submissions already made go on to their review and transfer)")
}

// setPolicyReadyCondition is True with the counts by state, and says when
// the policy is suspended.
func setPolicyReadyCondition(c reconcilekit.Conditions, p *scidatav1.SubmissionPolicy, n int, sum submission.Summary) {
	k := sum.Counts
	msg := fmt.Sprintf("%d entries covered: %d received, %d awaiting review, %d returned, %d transferring, %d awaiting acceptance, %d pending, %d denied, %d failed, %d withdrawn, %d referred",
		n, k.Received, k.AwaitingReview, k.Returned, k.Transferring, k.AwaitingAcceptance, k.Pending, k.Denied, k.Failed, k.Withdrawn, k.Referred)
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
