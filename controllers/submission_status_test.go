package controllers

import (
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// submissionAt is a Submission at generation 2 whose status an earlier
// pass wrote at generation 1, changed by mut.
func submissionAt(mut func(*scidatav1.Submission)) *scidatav1.Submission {
	s := &scidatav1.Submission{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: "flows-0123456789", Generation: 2},
		Spec: scidatav1.SubmissionSpec{Department: "water", ContentVersion: "v1"}}
	s.Status.ObservedGeneration = 1
	if mut != nil {
		mut(s)
	}
	return s
}

func approved(s *scidatav1.Submission) {
	s.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewApproved, By: "alice@water"}
}

func TestSetSubmissionStatus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		s        *scidatav1.Submission
		review   bool
		err      error
		want     kstatusTrio
		observed int64
		says     string
		also     map[string]string // other conditions, "Status/Reason"
	}{
		{"held for a required review", submissionAt(nil), true, nil,
			kstatusTrio{"False/AwaitingReview", "True/AwaitingReview", ""}, 2, "waiting for a reviewer of department water", nil},
		{"approved and transferring", submissionAt(approved), true, reconcilekit.Waiting(scidatav1.ReasonTransferring, "sync job scidata-center/sync-water-x is copying the data"),
			kstatusTrio{"False/Transferring", "True/Transferring", ""}, 2, "is copying the data", map[string]string{scidatav1.ConditionApproved: "True/Approved"}},
		{"no Center yet", submissionAt(nil), false, reconcilekit.Waiting(scidatav1.ReasonCenterMissing, "there is no Center"),
			kstatusTrio{"False/CenterMissing", "True/CenterMissing", ""}, 2, "no Center", nil},
		{"above the Center's clearance: stalled", submissionAt(nil), false, reconcilekit.Stalled(scidatav1.ReasonCenterNotCleared, "the data is TopSecret"),
			kstatusTrio{"False/CenterNotCleared", "", "True/CenterNotCleared"}, 2, "TopSecret", nil},
		{"denied: stalled, and says how to submit again", submissionAt(func(s *scidatav1.Submission) {
			s.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewDenied, By: "bob@water", Comment: "units missing"}
		}), true, nil, kstatusTrio{"False/Denied", "", "True/Denied"}, 2, "bump spec.data.contentVersion", map[string]string{scidatav1.ConditionDenied: "True/Denied", scidatav1.ConditionApproved: ""}},
		{"received: Ready, verified, and the earlier Reconciling goes", submissionAt(func(s *scidatav1.Submission) {
			approved(s)
			now := metav1.NewTime(t0)
			s.Status.Transfer = &scidatav1.Transfer{JobName: "sync-water-x", CompletedAt: &now, Objects: 2, Bytes: 40, Destination: "water/flows/v1/", ManifestDigest: "sha256:ab"}
			s.Status.Receipt = &scidatav1.Receipt{KeyID: "k1"}
			s.Status.Conditions = []metav1.Condition{{Type: scidatav1.ConditionReconciling, Status: metav1.ConditionTrue, Reason: scidatav1.ReasonTransferring}}
		}), true, nil, kstatusTrio{"True/Received", "", ""}, 2, "signed the receipt with key k1", map[string]string{scidatav1.ConditionTransferred: "True/Verified"}},
		{"a failed pass is retried and records no observedGeneration", submissionAt(approved), true, errors.New("get sync job: connection refused"),
			kstatusTrio{"False/ReconcileError", "True/ReconcileError", ""}, 1, "connection refused", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setSubmissionStatus(tc.s, tc.review, tc.err, t0)
			st := tc.s.Status
			if got := trioOf(st.Conditions); got != tc.want {
				t.Errorf("Ready, Reconciling, Stalled = %+v; want %+v", got, tc.want)
			}
			if st.ObservedGeneration != tc.observed {
				t.Errorf("observedGeneration = %d; want %d", st.ObservedGeneration, tc.observed)
			}
			if msg := messageOf(st.Conditions, scidatav1.ConditionReady); !strings.Contains(msg, tc.says) {
				t.Errorf("Ready says %q; want it to say %q", msg, tc.says)
			}
			for typ, want := range tc.also {
				got := ""
				if c := meta.FindStatusCondition(st.Conditions, typ); c != nil {
					got = string(c.Status) + "/" + c.Reason
				}
				if got != want {
					t.Errorf("%s = %q; want %q", typ, got, want)
				}
			}
		})
	}
}

// Received is True only once the receipt is stored beside the manifest,
// and says where.
func TestSetReceivedCondition(t *testing.T) {
	s := submissionAt(func(s *scidatav1.Submission) {
		s.Status.Transfer = &scidatav1.Transfer{Destination: "water/flows/v1/"}
	})
	setReceivedCondition(s, t0)
	c := meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionReceived)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != scidatav1.ReasonReceiptStored || !strings.Contains(c.Message, "water/flows/v1/receipt.json") || c.ObservedGeneration != 2 {
		t.Errorf("Received = %+v; want True/ReceiptStored naming water/flows/v1/receipt.json at generation 2", c)
	}
}

// The deadline conditions name the due date, turn True at it exactly, and
// go when the step is done or the Submission ended.
func TestSetDeadlineConditions(t *testing.T) {
	due := metav1.NewTime(t0.Add(time.Hour))
	for _, tc := range []struct {
		name   string
		mut    func(*scidatav1.Submission)
		review bool
		now    time.Time
		want   map[string]string
	}{
		{"before the review's due instant", func(s *scidatav1.Submission) { s.Status.ReviewDueAt = &due }, true, due.Add(-time.Nanosecond),
			map[string]string{scidatav1.ConditionReviewOverdue: "False/WithinDeadline"}},
		{"at it", func(s *scidatav1.Submission) { s.Status.ReviewDueAt = &due }, true, due.Time,
			map[string]string{scidatav1.ConditionReviewOverdue: "True/PastDeadline"}},
		{"reviewed: no review deadline", func(s *scidatav1.Submission) { s.Status.ReviewDueAt = &due; approved(s) }, true, due.Add(time.Hour),
			map[string]string{scidatav1.ConditionReviewOverdue: ""}},
		{"withdrawn: none", func(s *scidatav1.Submission) {
			s.Status.ReviewDueAt = &due
			s.Status.Withdrawal = &scidatav1.Withdrawal{Reason: scidatav1.ReasonEntryDeleted}
		}, true, due.Add(time.Hour), map[string]string{scidatav1.ConditionReviewOverdue: ""}},
		{"transferred, the curator late", func(s *scidatav1.Submission) {
			approved(s)
			done := metav1.NewTime(t0)
			s.Status.Transfer = &scidatav1.Transfer{CompletedAt: &done}
			s.Status.AcceptanceDueAt = &due
		}, true, due.Add(time.Second), map[string]string{scidatav1.ConditionAcceptanceOverdue: "True/PastDeadline", scidatav1.ConditionReviewOverdue: ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := submissionAt(tc.mut)
			setDeadlineConditions(s, tc.review, tc.now)
			for typ, want := range tc.want {
				got := ""
				if c := meta.FindStatusCondition(s.Status.Conditions, typ); c != nil {
					got = string(c.Status) + "/" + c.Reason
					if !strings.Contains(c.Message, due.UTC().Format(time.RFC3339)) {
						t.Errorf("%s does not name the due date: %q", typ, c.Message)
					}
				}
				if got != want {
					t.Errorf("%s = %q; want %q", typ, got, want)
				}
			}
		})
	}
}

// A failed metadata gate returns the Submission naming the gate and how to
// fix it; a passing one leaves no Returned condition.
func TestSetReturnedCondition(t *testing.T) {
	s := submissionAt(func(s *scidatav1.Submission) {
		s.Spec.Entry.Name = "flows"
		s.Status.Gates = []scidatav1.GateResult{{Name: "Title", Phase: scidatav1.GateMetadata, Passed: true},
			{Name: "SubjectCode", Phase: scidatav1.GateMetadata, Message: "spec.subjectCode is not set"}}
	})
	setSubmissionStatus(s, false, nil, t0)
	if c := meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionReturned); c == nil || c.Reason != scidatav1.ReasonGateFailed ||
		!strings.Contains(c.Message, "gate SubjectCode failed") || !strings.Contains(c.Message, "no new content version") {
		t.Errorf("Returned = %+v", c)
	}
	if got := trioOf(s.Status.Conditions); got.stalled != "True/GateFailed" {
		t.Errorf("kstatus %+v; a returned submission waits for the department", got)
	}
	s.Status.Gates[1].Passed = true
	setSubmissionStatus(s, false, nil, t0)
	if c := meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionReturned); c != nil {
		t.Errorf("Returned stays after the gate passed: %+v", c)
	}
}
