package controllers

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// policyAt is a policy at generation 3 whose status an earlier pass wrote
// at generation 2 with one received entry.
func policyAt(mut func(*scidatav1.SubmissionPolicy)) *scidatav1.SubmissionPolicy {
	p := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: "funded", Generation: 3}}
	p.Status.ObservedGeneration = 2
	p.Status.SelectedEntries = 1
	p.Status.Counts.Received = 1
	if mut != nil {
		mut(p)
	}
	return p
}

func TestSetPolicyStatus(t *testing.T) {
	overdue := submission.Summary{Counts: scidatav1.SubmissionCounts{AwaitingReview: 1, Overdue: 1},
		Overdue: []scidatav1.OverdueEntry{{Namespace: "scidata-water", Name: "late", ContentVersion: "v1", Deadline: metav1.NewTime(t0)}}}
	onTime := submission.Summary{Counts: scidatav1.SubmissionCounts{Received: 2, Pending: 1}}
	for _, tc := range []struct {
		name     string
		p        *scidatav1.SubmissionPolicy
		n        int
		sum      submission.Summary
		err      error
		ready    string
		says     string
		overdue  string
		observed int64
		selected int32
		review   bool
	}{
		{"on time: Ready with the counts, Overdue False", policyAt(nil), 3, onTime, nil,
			"True/Ready", "3 entries covered: 2 received, 0 awaiting review, 0 returned, 0 transferring, 0 awaiting acceptance, 1 pending", "False/OnTime", 3, 3, true},
		{"a deadline passed: Overdue True", policyAt(nil), 1, overdue, nil,
			"True/Ready", "1 entries covered", "True/DeadlinePassed", 3, 1, true},
		{"suspended: paused, counts current, observedGeneration kept so kstatus reads InProgress", policyAt(func(p *scidatav1.SubmissionPolicy) { p.Spec.Suspend = true }), 3, onTime, nil,
			"True/Ready", "suspended: no new submissions are made", "False/OnTime", 2, 3, true},
		{"resumed: no longer paused", policyAt(func(p *scidatav1.SubmissionPolicy) {
			p.Status.Conditions = []metav1.Condition{{Type: scidatav1.ConditionReconciliationPaused, Status: metav1.ConditionTrue, Reason: scidatav1.ReasonSuspended}}
		}), 3, onTime, nil,
			"True/Ready", "3 entries covered", "False/OnTime", 3, 3, true},
		{"a department's own review switched off", policyAt(func(p *scidatav1.SubmissionPolicy) { p.Spec.ReviewRequired = ptr.To(false) }), 3, onTime, nil,
			"True/Ready", "3 entries covered", "False/OnTime", 3, 3, false},
		{"a failed pass is retried and keeps what the last pass counted", policyAt(nil), 0, submission.Summary{}, errors.New("list entries in scidata-water: timeout"),
			"False/ReconcileError", "timeout", "", 2, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setPolicyStatus(tc.p, t0, tc.n, tc.sum, tc.err)
			st := tc.p.Status
			at := func(typ string) string {
				if c := meta.FindStatusCondition(st.Conditions, typ); c != nil {
					return string(c.Status) + "/" + c.Reason
				}
				return ""
			}
			if got := at(scidatav1.ConditionReady); got != tc.ready || !strings.Contains(messageOf(st.Conditions, scidatav1.ConditionReady), tc.says) {
				t.Errorf("Ready = %s %q; want %s saying %q", got, messageOf(st.Conditions, scidatav1.ConditionReady), tc.ready, tc.says)
			}
			if got := at(scidatav1.ConditionOverdue); got != tc.overdue {
				t.Errorf("Overdue = %q; want %q", got, tc.overdue)
			}
			if st.ObservedGeneration != tc.observed || st.SelectedEntries != tc.selected || st.EffectiveReviewRequired != tc.review {
				t.Errorf("observedGeneration %d, selectedEntries %d, effectiveReviewRequired %v; want %d, %d, %v",
					st.ObservedGeneration, st.SelectedEntries, st.EffectiveReviewRequired, tc.observed, tc.selected, tc.review)
			}
			if tc.err == nil && (st.Counts != tc.sum.Counts || len(st.Overdue) != len(tc.sum.Overdue)) {
				t.Errorf("counts %+v, overdue %v; want the summary's %+v, %v", st.Counts, st.Overdue, tc.sum.Counts, tc.sum.Overdue)
			}
			wantPaused := ""
			if tc.p.Spec.Suspend {
				wantPaused = "True/Suspended"
			}
			if got := at(scidatav1.ConditionReconciliationPaused); got != wantPaused {
				t.Errorf("ReconciliationPaused = %q; want %q", got, wantPaused)
			}
			if c := at(scidatav1.ConditionReconciling) + at(scidatav1.ConditionStalled); tc.err == nil && c != "" {
				t.Errorf("a complete pass left Reconciling or Stalled: %s", c)
			}
		})
	}
}
