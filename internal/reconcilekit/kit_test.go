package reconcilekit

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

var (
	t0      = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	t0Later = t0.Add(48 * time.Hour)
)

func TestRequeueAtIsExactlyTheNextChange(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Time
		want time.Duration
	}{
		{"a change ahead is waited for exactly", t0Later, 48 * time.Hour},
		{"even less than the minimum ahead", t0.Add(300 * time.Millisecond), 300 * time.Millisecond},
		{"no change ahead, no requeue: the watches bring the rest", time.Time{}, 0},
		{"a moment already passed comes back after the minimum, not in a hot loop", t0.Add(-time.Hour), MinRequeue},
		{"now itself is already passed", t0, MinRequeue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := RequeueAt(t0, tc.at); r.RequeueAfter != tc.want {
				t.Errorf("RequeueAfter = %s; want %s", r.RequeueAfter, tc.want)
			}
		})
	}
}

// With a jitter set, a requeue comes back at its moment or up to the
// jitter (and a tenth of the wait) after it, never before; requeues of
// objects that share a moment spread out.
func TestJitteredRequeuesNeverComeEarly(t *testing.T) {
	SetRequeueJitter(5 * time.Second)
	defer SetRequeueJitter(0)
	for _, tc := range []struct {
		name    string
		at      time.Time
		maxLate time.Duration
	}{
		{"a day ahead: up to the jitter late", t0.Add(24 * time.Hour), 5 * time.Second},
		{"ten seconds ahead: up to a tenth of the wait late", t0.Add(10 * time.Second), time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.at.Sub(t0)
			seen := map[time.Duration]bool{}
			for range 200 {
				got := RequeueAt(t0, tc.at).RequeueAfter
				if got < want || got > want+tc.maxLate {
					t.Fatalf("RequeueAfter = %s; want between %s and %s", got, want, want+tc.maxLate)
				}
				seen[got] = true
			}
			if len(seen) < 10 {
				t.Errorf("200 requeues at one moment came back at only %d distinct times: no spread", len(seen))
			}
		})
	}
	if r := RequeueAt(t0, t0.Add(-time.Minute)); r.RequeueAfter != MinRequeue {
		t.Errorf("a moment passed requeues after %s; want exactly %s", r.RequeueAfter, MinRequeue)
	}
	if r := RequeueAt(t0, time.Time{}); r.RequeueAfter != 0 {
		t.Errorf("no moment ahead requeues after %s; want no requeue", r.RequeueAfter)
	}
}

func TestResultTurnsTypedErrorsIntoRequeues(t *testing.T) {
	hour := ctrl.Result{RequeueAfter: time.Hour}
	boom := errors.New("connection refused")
	for _, tc := range []struct {
		name    string
		res     ctrl.Result
		err     error
		want    ctrl.Result
		wantErr bool
	}{
		{"success keeps its requeue", hour, nil, hour, false},
		{"stalled is not retried but keeps its requeue", hour, Stalled(scidatav1.ReasonNamespaceConflict, "x"), hour, false},
		{"stalled wrapped by a step is still stalled", ctrl.Result{}, fmt.Errorf("step: %w", Stalled("R", "x")), ctrl.Result{}, false},
		{"waiting for an event asks for no requeue", ctrl.Result{}, Waiting(scidatav1.ReasonTransferring, "x"), ctrl.Result{}, false},
		{"waiting for a time comes back then", ctrl.Result{}, WaitingFor(time.Minute, "R", "x"), ctrl.Result{RequeueAfter: time.Minute}, false},
		{"the sooner of waiting's and the pass's requeue", hour, WaitingFor(time.Minute, "R", "x"), ctrl.Result{RequeueAfter: time.Minute}, false},
		{"a later wait does not delay the pass's requeue", ctrl.Result{RequeueAfter: time.Second}, WaitingFor(time.Minute, "R", "x"), ctrl.Result{RequeueAfter: time.Second}, false},
		{"an error is retried with backoff, its requeue dropped", hour, boom, ctrl.Result{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Result(tc.res, tc.err)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("Result = %+v, %v; want %+v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestCompletedOnlyAfterAVerdict(t *testing.T) {
	for _, tc := range []struct {
		err       error
		completed bool
		outcome   string
	}{
		{nil, true, "success"},
		{Stalled("R", "m"), true, "stalled"},
		{fmt.Errorf("wrapped: %w", Waiting("R", "m")), true, "waiting"},
		{errors.New("boom"), false, "error"},
		{errors.Join(errors.New("boom"), errors.New("write status: conflict")), false, "error"},
	} {
		if got := Completed(tc.err); got != tc.completed {
			t.Errorf("Completed(%v) = %v; want %v", tc.err, got, tc.completed)
		}
		if got := Outcome(tc.err); got != tc.outcome {
			t.Errorf("Outcome(%v) = %q; want %q", tc.err, got, tc.outcome)
		}
	}
}

// trio is the kstatus conditions a status shows, "" for an absent one.
type trio struct{ ready, reconciling, stalled string }

func trioOf(conds []metav1.Condition) trio {
	at := func(typ string) string {
		c := meta.FindStatusCondition(conds, typ)
		if c == nil {
			return ""
		}
		return string(c.Status) + "/" + c.Reason
	}
	return trio{at(scidatav1.ConditionReady), at(scidatav1.ConditionReconciling), at(scidatav1.ConditionStalled)}
}

// Every Mark leaves the three kstatus conditions consistent, whatever an
// earlier pass left.
func TestMarksSetTheKstatusTrioTogether(t *testing.T) {
	earlier := func() []metav1.Condition {
		return []metav1.Condition{
			{Type: scidatav1.ConditionReady, Status: metav1.ConditionFalse, Reason: "Old"},
			{Type: scidatav1.ConditionReconciling, Status: metav1.ConditionTrue, Reason: "Old"},
			{Type: scidatav1.ConditionStalled, Status: metav1.ConditionTrue, Reason: "Old"},
		}
	}
	for _, tc := range []struct {
		name string
		mark func(Conditions)
		want trio
	}{
		{"ready", func(c Conditions) { c.MarkReady("Ready", "m") }, trio{"True/Ready", "", ""}},
		{"reconciling", func(c Conditions) { c.MarkReconciling("VolumePending", "Progressing", "m") }, trio{"False/VolumePending", "True/Progressing", ""}},
		{"stalled", func(c Conditions) { c.MarkStalled("NamespaceConflict", "m") }, trio{"False/NamespaceConflict", "", "True/NamespaceConflict"}},
		{"failed", func(c Conditions) { c.MarkFailed(errors.New("boom")) }, trio{"False/ReconcileError", "True/ReconcileError", ""}},
		{"outcome of a stalled error", func(c Conditions) { c.MarkOutcome(Stalled("CenterNotCleared", "m")) }, trio{"False/CenterNotCleared", "", "True/CenterNotCleared"}},
		{"outcome of a waiting error", func(c Conditions) { c.MarkOutcome(Waiting("Transferring", "m")) }, trio{"False/Transferring", "True/Transferring", ""}},
		{"outcome of another error", func(c Conditions) { c.MarkOutcome(errors.New("boom")) }, trio{"False/ReconcileError", "True/ReconcileError", ""}},
		{"no error sets nothing", func(c Conditions) {
			if c.MarkOutcome(nil) {
				t.Error("MarkOutcome(nil) reports it set the conditions")
			}
		}, trio{"False/Old", "True/Old", "True/Old"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conds := earlier()
			tc.mark(NewConditions(&conds, 4, t0))
			if got := trioOf(conds); got != tc.want {
				t.Errorf("Ready, Reconciling, Stalled = %+v; want %+v", got, tc.want)
			}
		})
	}
}

func TestSetStampsGenerationAndKeepsTransitionTimes(t *testing.T) {
	var conds []metav1.Condition
	NewConditions(&conds, 2, t0.Add(123*time.Millisecond)).Set("Published", metav1.ConditionTrue, "Listed", "as Open")
	c := conds[0]
	if c.ObservedGeneration != 2 || !c.LastTransitionTime.Time.Equal(t0) {
		t.Fatalf("condition %+v; want generation 2, transition at %s (to the second, as stored)", c, t0)
	}
	NewConditions(&conds, 3, t0.Add(time.Hour)).Set("Published", metav1.ConditionTrue, "ListedUnderEmbargo", "embargoed")
	if c := conds[0]; c.ObservedGeneration != 3 || c.Reason != "ListedUnderEmbargo" || !c.LastTransitionTime.Time.Equal(t0) {
		t.Errorf("an unchanged status moved its transition time or kept the old generation: %+v", c)
	}
	NewConditions(&conds, 3, t0.Add(time.Hour)).Set("Published", metav1.ConditionFalse, "SharingClosed", "closed")
	if c := conds[0]; !c.LastTransitionTime.Time.Equal(t0.Add(time.Hour)) {
		t.Errorf("a changed status kept its old transition time: %+v", c)
	}
}

// Changed compares what would be stored: the status alone, as JSON values.
func TestStatusPatchSeesOnlyStatusChanges(t *testing.T) {
	read := func() *scidatav1.Submission {
		s := &scidatav1.Submission{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "scidata-water", ResourceVersion: "7", Generation: 1}}
		s.Status.Conditions = []metav1.Condition{{Type: scidatav1.ConditionReady, Status: metav1.ConditionFalse, Reason: "AwaitingReview", ObservedGeneration: 1, LastTransitionTime: metav1.NewTime(t0)}}
		return s
	}
	for _, tc := range []struct {
		name    string
		mutate  func(*scidatav1.Submission)
		changed bool
	}{
		{"nothing", func(*scidatav1.Submission) {}, false},
		{"conditions set again to what they were", func(s *scidatav1.Submission) {
			NewConditions(&s.Status.Conditions, 1, t0.Add(time.Minute)).Set(scidatav1.ConditionReady, metav1.ConditionFalse, "AwaitingReview", "")
		}, false},
		{"a timestamp the apiserver would store the same", func(s *scidatav1.Submission) {
			s.Status.Conditions[0].LastTransitionTime = metav1.NewTime(t0.Add(400 * time.Millisecond))
		}, false},
		{"metadata and spec, which the status subresource ignores", func(s *scidatav1.Submission) {
			s.Labels = map[string]string{"x": "y"}
			s.Spec.ContentVersion = "v2"
		}, false},
		{"a condition's reason", func(s *scidatav1.Submission) { s.Status.Conditions[0].Reason = "Transferring" }, true},
		{"observedGeneration", func(s *scidatav1.Submission) { s.Status.ObservedGeneration = 1 }, true},
		{"a new field", func(s *scidatav1.Submission) { s.Status.Transfer = &scidatav1.Transfer{JobName: "sync-x"} }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := read()
			p := NewStatusPatch(s)
			tc.mutate(s)
			got, err := p.Changed(s)
			if err != nil || got != tc.changed {
				t.Errorf("Changed = %v, %v; want %v", got, err, tc.changed)
			}
		})
	}
}

// SuspendedBy reads who set spec.suspend from managedFields: the manager
// owning the field, the latest when several share it, none for fields of
// the status subresource.
func TestSuspendedByNamesTheFieldManager(t *testing.T) {
	entry := func(manager, subresource, fields string, at time.Time) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Subresource: subresource, FieldsType: "FieldsV1", Time: &metav1.Time{Time: at},
			FieldsV1: metav1.NewFieldsV1(fields)}
	}
	for _, tc := range []struct {
		name    string
		entries []metav1.ManagedFieldsEntry
		want    string
	}{
		{"kubectl patch", []metav1.ManagedFieldsEntry{entry("kubectl-create", "", `{"f:spec":{"f:role":{}}}`, t0), entry("kubectl-patch", "", `{"f:spec":{"f:suspend":{}}}`, t0Later)}, "kubectl-patch"},
		{"shared by two appliers: the latest", []metav1.ManagedFieldsEntry{entry("kustomize-controller", "", `{"f:spec":{"f:suspend":{}}}`, t0Later), entry("argocd-controller", "", `{"f:spec":{"f:suspend":{}}}`, t0)}, "kustomize-controller"},
		{"a status write is not who suspended", []metav1.ManagedFieldsEntry{entry("intruder", "status", `{"f:spec":{"f:suspend":{}}}`, t0)}, ""},
		{"not recorded", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := &metav1.ObjectMeta{ManagedFields: tc.entries}
			if got := SuspendedBy(obj); got != tc.want {
				t.Errorf("SuspendedBy = %q; want %q", got, tc.want)
			}
		})
	}
	var conds []metav1.Condition
	c := NewConditions(&conds, 3, t0)
	c.MarkPaused("", "nothing is made")
	if p := meta.FindStatusCondition(conds, scidatav1.ConditionReconciliationPaused); p == nil || p.Status != metav1.ConditionTrue ||
		p.Message != "reconciliation is paused: spec.suspend is true; nothing is made. Set spec.suspend to false (or remove it) to resume" {
		t.Errorf("paused without a recorded manager: %+v", p)
	}
	c.ClearPaused()
	if len(conds) != 0 {
		t.Errorf("ClearPaused left %+v", conds)
	}
}
