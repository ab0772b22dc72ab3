package controllers

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// submissionConditions sets a Submission's conditions as observed at now.
func submissionConditions(s *scidatav1.Submission, now time.Time) reconcilekit.Conditions {
	return reconcilekit.NewConditions(&s.Status.Conditions, s.Generation, now)
}

// setSubmissionStatus derives every condition from the record and how this
// pass ended (err), and records observedGeneration after a pass that
// completed; a pass that failed and is retried leaves it as it was.
func setSubmissionStatus(s *scidatav1.Submission, reviewRequired bool, err error, now time.Time) {
	setReviewConditions(s, now)
	setTransferredCondition(s, now)
	setAcceptedCondition(s, now)
	setWithdrawnCondition(s, now)
	setReturnedCondition(s, now)
	setDeadlineConditions(s, reviewRequired, now)
	setSubmissionSummary(s, reviewRequired, err, now)
	if reconcilekit.Completed(err) {
		s.Status.ObservedGeneration = s.Generation
	}
}

// setReviewConditions mirrors status.review in Approved or Denied, for
// kstatus and `kubectl wait --for=condition=Approved`.
func setReviewConditions(s *scidatav1.Submission, now time.Time) {
	c := submissionConditions(s, now)
	switch rv := s.Status.Review; {
	case rv != nil && rv.Decision == scidatav1.ReviewApproved:
		c.Set(scidatav1.ConditionApproved, metav1.ConditionTrue, scidatav1.ReasonApproved, "approved by "+rv.By)
	case rv != nil && rv.Decision == scidatav1.ReviewDenied:
		c.Set(scidatav1.ConditionDenied, metav1.ConditionTrue, scidatav1.ReasonDenied, "denied by "+rv.By+": "+rv.Comment)
	}
}

// setTransferredCondition is True once the transfer completed and was
// verified against the manifest read back from the Center's store.
func setTransferredCondition(s *scidatav1.Submission, now time.Time) {
	if t := s.Status.Transfer; t != nil && t.CompletedAt != nil {
		submissionConditions(s, now).Set(scidatav1.ConditionTransferred, metav1.ConditionTrue, scidatav1.ReasonVerified,
			fmt.Sprintf("%d objects, %d bytes at %s; manifest %s read back from the Center's store", t.Objects, t.Bytes, t.Destination, t.ManifestDigest))
	}
}

// setAcceptedCondition mirrors status.acceptance, a curator's acceptance.
func setAcceptedCondition(s *scidatav1.Submission, now time.Time) {
	if a := s.Status.Acceptance; a != nil {
		submissionConditions(s, now).Set(scidatav1.ConditionAccepted, metav1.ConditionTrue, scidatav1.ReasonCuratorAccepted,
			"accepted for the Center by "+a.By+" on "+a.At.UTC().Format(time.RFC3339))
	}
}

// setWithdrawnCondition mirrors status.withdrawal.
func setWithdrawnCondition(s *scidatav1.Submission, now time.Time) {
	if w := s.Status.Withdrawal; w != nil {
		submissionConditions(s, now).Set(scidatav1.ConditionWithdrawn, metav1.ConditionTrue, w.Reason,
			"the entry "+s.Spec.Entry.Name+" went before the transfer ("+w.Reason+"), on "+w.At.UTC().Format(time.RFC3339)+": the submission is withdrawn and kept as a record")
	}
}

// setReturnedCondition is True, naming the gate, while a metadata gate
// fails on the entry as it is now (and the receipt is not issued), and
// absent otherwise (kstatus abnormal-true polarity).
func setReturnedCondition(s *scidatav1.Submission, now time.Time) {
	c := submissionConditions(s, now)
	if g := submission.FirstFailed(s.Status.Gates, scidatav1.GateMetadata); g != nil && s.Status.Receipt == nil && s.Status.Withdrawal == nil {
		c.Set(scidatav1.ConditionReturned, metav1.ConditionTrue, scidatav1.ReasonGateFailed, returnedMessage(s, g))
		return
	}
	c.Remove(scidatav1.ConditionReturned)
}

func returnedMessage(s *scidatav1.Submission, g *scidatav1.GateResult) string {
	return fmt.Sprintf("returned to department %s: the Center's gate %s failed: %s; fix CatalogEntry %s in place (no new content version is needed) and the submission moves on",
		s.Spec.Department, g.Name, g.Message, s.Spec.Entry.Name)
}

// setDeadlineConditions says, for the step under way, whether it is past
// its working-day deadline: ReviewOverdue while the department's review
// is awaited, AcceptanceOverdue while the Center's acceptance is; each
// names the date it falls (or fell) due. A step done, or a Submission
// that ended, has none.
func setDeadlineConditions(s *scidatav1.Submission, reviewRequired bool, now time.Time) {
	c := submissionConditions(s, now)
	ended := s.Status.Receipt != nil || submission.Terminal(submission.State(s))
	for _, d := range []struct {
		typ, what string
		due       *metav1.Time
		open      bool
	}{
		{scidatav1.ConditionReviewOverdue, "the review by department " + s.Spec.Department, s.Status.ReviewDueAt, reviewRequired && s.Status.Review == nil},
		{scidatav1.ConditionAcceptanceOverdue, "the Center's acceptance", s.Status.AcceptanceDueAt, s.Status.Transfer != nil && s.Status.Transfer.CompletedAt != nil},
	} {
		switch {
		case ended || !d.open || d.due == nil:
			c.Remove(d.typ)
		case !now.Before(d.due.Time):
			c.Set(d.typ, metav1.ConditionTrue, scidatav1.ReasonPastDeadline, d.what+" fell due on "+d.due.UTC().Format(time.RFC3339)+" and has not been made")
		default:
			c.Set(d.typ, metav1.ConditionFalse, scidatav1.ReasonWithinDeadline, d.what+" is due by "+d.due.UTC().Format(time.RFC3339))
		}
	}
}

// setReceivedCondition is True once the receipt in status is also stored
// beside the manifest in the Center's store.
func setReceivedCondition(s *scidatav1.Submission, now time.Time) {
	submissionConditions(s, now).Set(scidatav1.ConditionReceived, metav1.ConditionTrue, scidatav1.ReasonReceiptStored,
		"the signed receipt is in the status and at "+s.Status.Transfer.Destination+ReceiptName+" in the Center's store")
}

// setSubmissionSummary sets Ready, Reconciling and Stalled, in this order
// of precedence: a receipt makes it Ready; a Stalled outcome (a person must
// act) or a denial stalls it; a required review not yet written holds it
// (AwaitingReview); otherwise the transfer's progress (Waiting) or the
// pass's error (ReconcileError, retried) says where it stands.
func setSubmissionSummary(s *scidatav1.Submission, reviewRequired bool, err error, now time.Time) {
	c := submissionConditions(s, now)
	rv := s.Status.Review
	st, stalled := reconcilekit.AsStalled(err)
	switch {
	case s.Status.Receipt != nil:
		c.MarkReady(scidatav1.ReasonReceived, "the Center received the data and signed the receipt with key "+s.Status.Receipt.KeyID)
	case s.Status.Withdrawal != nil:
		c.MarkStalled(s.Status.Withdrawal.Reason, "withdrawn: the entry "+s.Spec.Entry.Name+" went before the transfer; the submission is kept as a record, and a new entry is submitted anew")
	case stalled:
		c.MarkStalled(st.Reason, st.Message)
	case meta.IsStatusConditionTrue(s.Status.Conditions, scidatav1.ConditionReturned):
		c.MarkStalled(scidatav1.ReasonGateFailed, meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionReturned).Message)
	case rv != nil && rv.Decision == scidatav1.ReviewDenied:
		c.MarkStalled(scidatav1.ReasonDenied, "denied by "+rv.By+": "+rv.Comment+"; fix the data or its metadata and bump spec.data.contentVersion of the entry to submit again")
	case reviewRequired && rv == nil:
		c.MarkReconciling(scidatav1.ReasonAwaitingReview, scidatav1.ReasonAwaitingReview,
			"waiting for a reviewer of department "+s.Spec.Department+" to write status.review (approve or deny)")
	default:
		c.MarkOutcome(err)
	}
}
