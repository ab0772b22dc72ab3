package controllers

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/sharing"
)

var (
	t0      = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	t0Later = t0.Add(48 * time.Hour)
)

func obs(r sharing.Result, problem *condition) entryObservation {
	return entryObservation{generation: 3, now: metav1.NewTime(t0), sharing: r, problem: problem}
}

var stalledEntry = &condition{scidatav1.ReasonNotInPlatformNamespace, "namespace \"default\" is not a platform namespace"}

// want is the condition a set function must leave: absent when status is "".
type want struct {
	status  metav1.ConditionStatus
	reason  string
	message string
}

func checkCondition(t *testing.T, set func(*[]metav1.Condition, entryObservation), condType string, o entryObservation, w want) {
	t.Helper()
	conds := []metav1.Condition{{Type: condType, Status: metav1.ConditionUnknown, Reason: "Old", LastTransitionTime: metav1.NewTime(t0.Add(-time.Hour))}}
	set(&conds, o)
	c := meta.FindStatusCondition(conds, condType)
	if w.status == "" {
		if c != nil {
			t.Fatalf("%s = %s/%s; want it absent", condType, c.Status, c.Reason)
		}
		return
	}
	if c == nil || c.Status != w.status || c.Reason != w.reason || !strings.Contains(c.Message, w.message) || c.ObservedGeneration != 3 {
		t.Fatalf("%s = %+v; want %s/%s with %q at generation 3", condType, c, w.status, w.reason, w.message)
	}
}

func TestSetPublishedConditionSaysWhetherTheEntryIsInThePublicCatalog(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    entryObservation
		want want
	}{
		{"an open entry is listed", obs(sharing.Result{Mode: scidatav1.SharingOpen, Listed: true}, nil), want{metav1.ConditionTrue, scidatav1.ReasonListed, "as Open"}},
		{"an embargoed entry is listed with the date its data opens",
			obs(sharing.Result{Mode: scidatav1.SharingClosed, Listed: true, Embargoed: true, EmbargoUntil: &t0Later}, nil),
			want{metav1.ConditionTrue, scidatav1.ReasonListedUnderEmbargo, "opens on 2026-11-27T12:00:00Z"}},
		{"a Closed entry is not published and says how to publish it", obs(sharing.Result{Mode: scidatav1.SharingClosed}, nil),
			want{metav1.ConditionFalse, scidatav1.ReasonSharingClosed, "set spec.sharing.mode to Open"}},
		{"a classified entry is not published, even Conditional", obs(sharing.Result{Mode: scidatav1.SharingConditional, Classified: true}, nil),
			want{metav1.ConditionFalse, scidatav1.ReasonClassified, "not even their titles"}},
		{"a stalled entry is not published and says why", obs(sharing.Result{Mode: scidatav1.SharingOpen, Listed: true}, stalledEntry),
			want{metav1.ConditionFalse, scidatav1.ReasonNotInPlatformNamespace, "not a platform namespace"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkCondition(t, setPublishedCondition, scidatav1.ConditionPublished, tc.o, tc.want)
		})
	}
}

func TestSetSecrecyReviewDueConditionFollowsTheSecrecyPeriod(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    entryObservation
		want want
	}{
		{"unclassified data has no review condition", obs(sharing.Result{Mode: scidatav1.SharingOpen}, nil), want{}},
		{"within the period it is False with the end date", obs(sharing.Result{Mode: scidatav1.SharingClosed, Classified: true, SecrecyPeriodEnd: &t0Later}, nil),
			want{metav1.ConditionFalse, scidatav1.ReasonWithinSecrecyPeriod, "ends on 2026-11-27"}},
		{"after the period it is True and says the data stays closed",
			obs(sharing.Result{Mode: scidatav1.SharingClosed, Classified: true, SecrecyPeriodEnd: &t0, SecrecyReviewDue: true}, nil),
			want{metav1.ConditionTrue, scidatav1.ReasonSecrecyPeriodEnded, "the data stays Closed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkCondition(t, setSecrecyReviewDueCondition, scidatav1.ConditionSecrecyReviewDue, tc.o, tc.want)
		})
	}
}

func TestSetEmbargoPassedConditionFollowsTheEmbargo(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    entryObservation
		want want
	}{
		{"no embargo, no condition", obs(sharing.Result{Mode: scidatav1.SharingOpen}, nil), want{}},
		{"an embargo in force is False", obs(sharing.Result{Mode: scidatav1.SharingClosed, Embargoed: true, EmbargoUntil: &t0Later}, nil),
			want{metav1.ConditionFalse, scidatav1.ReasonEmbargoInForce, "embargoed until 2026-11-27"}},
		{"a passed embargo is True and may be removed", obs(sharing.Result{Mode: scidatav1.SharingOpen, EmbargoPassed: true, EmbargoUntil: &t0}, nil),
			want{metav1.ConditionTrue, scidatav1.ReasonEmbargoDatePassed, "spec.sharing.embargo may be removed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkCondition(t, setEmbargoPassedCondition, scidatav1.ConditionEmbargoPassed, tc.o, tc.want)
		})
	}
}

func TestSetKstatusConditions(t *testing.T) {
	open := sharing.Result{Mode: scidatav1.SharingOpen, Reason: "the sharing attribute is Open", Listed: true}
	t.Run("Ready is True with the sharing in force", func(t *testing.T) {
		checkCondition(t, setReadyCondition, scidatav1.ConditionReady, obs(open, nil), want{metav1.ConditionTrue, scidatav1.ReasonReconciled, "effective sharing Open"})
	})
	t.Run("Ready is False when stalled", func(t *testing.T) {
		checkCondition(t, setReadyCondition, scidatav1.ConditionReady, obs(open, stalledEntry), want{metav1.ConditionFalse, scidatav1.ReasonNotInPlatformNamespace, "not a platform namespace"})
	})
	t.Run("Stalled is True with the reason a person must act on", func(t *testing.T) {
		checkCondition(t, setStalledCondition, scidatav1.ConditionStalled, obs(open, stalledEntry), want{metav1.ConditionTrue, scidatav1.ReasonNotInPlatformNamespace, "not a platform namespace"})
	})
	t.Run("Stalled is absent when progress needs no one", func(t *testing.T) {
		checkCondition(t, setStalledCondition, scidatav1.ConditionStalled, obs(open, nil), want{})
	})
	t.Run("Reconciling is absent after a complete pass", func(t *testing.T) {
		checkCondition(t, setReconcilingCondition, scidatav1.ConditionReconciling, obs(open, nil), want{})
	})
}

// Computing status twice from the same inputs gives the same status, and an
// unchanged condition keeps its transition time: that is what lets a
// steady-state pass write nothing.
func TestDesiredEntryStatusIsStableAcrossPasses(t *testing.T) {
	e := &scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Generation: 2},
		Spec: scidatav1.CatalogEntrySpec{Sharing: scidatav1.Sharing{Mode: scidatav1.SharingOpen,
			Embargo: &scidatav1.Embargo{Until: metav1.NewTime(t0Later), Reason: scidatav1.EmbargoPaper}}}}
	first := desiredEntryStatus(e.Status, &e.Spec, observeEntry(e, t0))
	second := desiredEntryStatus(first, &e.Spec, observeEntry(e, t0.Add(time.Hour)))
	if first.ObservedGeneration != 2 || first.EffectiveSharing != scidatav1.SharingClosed || !first.NextChangeAt.Time.Equal(t0Later) {
		t.Fatalf("first pass: %+v", first)
	}
	for i := range first.Conditions {
		if !first.Conditions[i].LastTransitionTime.Equal(&second.Conditions[i].LastTransitionTime) || first.Conditions[i] != second.Conditions[i] {
			t.Errorf("condition %s changed between passes: %+v -> %+v", first.Conditions[i].Type, first.Conditions[i], second.Conditions[i])
		}
	}
}
