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

func TestSetProjectStatus(t *testing.T) {
	accept := metav1.NewTime(t0.Add(time.Hour))
	entries := []scidatav1.ProjectEntry{
		{Namespace: "scidata-water", Name: "rainfall", State: scidatav1.SubmissionReceived, ReceiptDigest: "sha256:01"},
		{Namespace: "scidata-weather", Name: "radar", State: scidatav1.SubmissionAwaitingReview},
	}
	for _, tc := range []struct {
		name     string
		ready    bool
		now      time.Time
		err      error
		readyIs  string
		says     string
		missedIs string
	}{
		{"not ready, before its acceptance date", false, t0, nil, "False/EntriesMissing", "scidata-weather/radar (AwaitingReview)", "False/BeforeAcceptanceDate"},
		{"not ready at its acceptance date: flagged", false, accept.Time, nil, "False/EntriesMissing", "1 of 2 entries", "True/AcceptanceDatePassed"},
		{"ready with its statement", true, accept.Add(time.Hour), nil, "True/ReadyForAcceptance", "statement 1 signed with key k", "False/ReadyForAcceptance"},
		{"too many entries", false, t0, reconcilekit.Stalled(scidatav1.ReasonTooManyEntries, "201 entries"), "False/TooManyEntries", "201 entries", "False/BeforeAcceptanceDate"},
		{"a signing error is retried", false, t0, errors.New("the receipt signing key: forbidden"), "False/ReconcileError", "forbidden", "False/BeforeAcceptanceDate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &scidatav1.Project{ObjectMeta: metav1.ObjectMeta{Generation: 1}, Status: scidatav1.ProjectStatus{
				ProjectID: "BZ-1", AcceptanceDate: &accept, EntryCount: 2, Received: 1, Entries: entries, ReadyForAcceptance: tc.ready}}
			if tc.ready {
				p.Status.Received = 2
				p.Status.Statements = []scidatav1.ProjectStatement{{Sequence: 1, KeyID: "k"}}
			}
			setProjectStatus(p, tc.now, tc.err)
			c := meta.FindStatusCondition(p.Status.Conditions, scidatav1.ConditionReady)
			if got := string(c.Status) + "/" + c.Reason; got != tc.readyIs || !strings.Contains(c.Message, tc.says) {
				t.Errorf("Ready %s %q; want %s saying %q", got, c.Message, tc.readyIs, tc.says)
			}
			m := meta.FindStatusCondition(p.Status.Conditions, scidatav1.ConditionAcceptanceDateMissed)
			if got := string(m.Status) + "/" + m.Reason; got != tc.missedIs {
				t.Errorf("AcceptanceDateMissed %s; want %s", got, tc.missedIs)
			}
			if tc.err != nil && !reconcilekit.Completed(tc.err) && p.Status.ObservedGeneration == 1 {
				t.Error("a failed pass recorded observedGeneration")
			}
		})
	}
}
