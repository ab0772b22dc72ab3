package controllers

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
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
	case stalled:
		c.MarkStalled(st.Reason, st.Message)
	case rv != nil && rv.Decision == scidatav1.ReviewDenied:
		c.MarkStalled(scidatav1.ReasonDenied, "denied by "+rv.By+": "+rv.Comment+"; fix the data or its metadata and bump spec.data.contentVersion of the entry to submit again")
	case reviewRequired && rv == nil:
		c.MarkReconciling(scidatav1.ReasonAwaitingReview, scidatav1.ReasonAwaitingReview,
			"waiting for a reviewer of department "+s.Spec.Department+" to write status.review (approve or deny)")
	default:
		c.MarkOutcome(err)
	}
}
