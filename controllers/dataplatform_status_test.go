package controllers

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// kstatusTrio is the Ready, Reconciling and Stalled a status shows, as
// "Status/Reason", "" for an absent condition.
type kstatusTrio struct{ ready, reconciling, stalled string }

func trioOf(conds []metav1.Condition) kstatusTrio {
	at := func(typ string) string {
		c := meta.FindStatusCondition(conds, typ)
		if c == nil {
			return ""
		}
		return string(c.Status) + "/" + c.Reason
	}
	return kstatusTrio{at(scidatav1.ConditionReady), at(scidatav1.ConditionReconciling), at(scidatav1.ConditionStalled)}
}

func messageOf(conds []metav1.Condition, typ string) string {
	if c := meta.FindStatusCondition(conds, typ); c != nil {
		return c.Message
	}
	return ""
}

// platformAt is a scope for generation 2 of a platform an earlier pass saw
// at generation 1 and left Stalled and Reconciling, with the concerns the
// pass observed.
func platformAt(storage, portal, isolated observation) *platformScope {
	dp := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "water", Generation: 2}}
	dp.Status.ObservedGeneration = 1
	dp.Status.Conditions = []metav1.Condition{
		{Type: scidatav1.ConditionStalled, Status: metav1.ConditionTrue, Reason: "Old"},
		{Type: scidatav1.ConditionReconciling, Status: metav1.ConditionTrue, Reason: "Old"},
	}
	return &platformScope{dp: dp, now: t0, storage: storage, portal: portal, isolated: isolated}
}

func TestSetPlatformSummary(t *testing.T) {
	up := ready(scidatav1.ReasonObjectStoreReady, "store up")
	portalUp := ready(scidatav1.ReasonPortalAvailable, "1 of 1 portal pods available")
	isolated := ready(scidatav1.ReasonPoliciesApplied, "8 NetworkPolicies")
	for _, tc := range []struct {
		name     string
		s        *platformScope
		err      error
		want     kstatusTrio
		observed int64
		says     string
	}{
		{"every concern ready: Ready, and the earlier Stalled and Reconciling go",
			platformAt(up, portalUp, isolated), nil, kstatusTrio{"True/Ready", "", ""}, 2, "store, portal and network isolation are in place"},
		{"waiting on workloads: Ready False with the first waiting concern's reason and every message; the pass completed",
			platformAt(notReady(scidatav1.ReasonVolumePending, "claim data-objectstore-0 is Pending"), notReady(scidatav1.ReasonPortalRollingOut, "the portal is rolling out"), isolated), nil,
			kstatusTrio{"False/VolumePending", "True/Progressing", ""}, 2, "claim data-objectstore-0 is Pending; the portal is rolling out"},
		{"volumes that cannot grow stall it, though everything else was applied",
			func() *platformScope {
				s := platformAt(up, portalUp, isolated)
				s.resizeUnsupported = "claim data-objectstore-0 cannot grow"
				return s
			}(), nil,
			kstatusTrio{"False/StorageResizeUnsupported", "", "True/StorageResizeUnsupported"}, 2, "cannot grow"},
		{"an External store only a person can mend stalls it, though everything else was applied",
			platformAt(stalled(scidatav1.ReasonReadAccountCanWrite, "the center-read account wrote into bucket water"), portalUp, isolated), nil,
			kstatusTrio{"False/ReadAccountCanWrite", "", "True/ReadAccountCanWrite"}, 2, "wrote into bucket water"},
		{"an External store that does not answer yet is waited for, not stalled",
			platformAt(notReady(scidatav1.ReasonEndpointUnreachable, "https://s3.city.example.org does not answer"), portalUp, isolated), nil,
			kstatusTrio{"False/EndpointUnreachable", "True/Progressing", ""}, 2, "does not answer"},
		{"a step that needs a person stalls it, a verdict on this generation",
			platformAt(observation{}, observation{}, observation{}), fmt.Errorf("namespace: %w", reconcilekit.Stalled(scidatav1.ReasonNamespaceConflict, "namespace scidata-water belongs to no platform")),
			kstatusTrio{"False/NamespaceConflict", "", "True/NamespaceConflict"}, 2, "belongs to no platform"},
		{"a failed step is retried and records no observedGeneration",
			platformAt(observation{}, observation{}, observation{}), errors.New("get namespace scidata-water: connection refused"),
			kstatusTrio{"False/ReconcileError", "True/ReconcileError", ""}, 1, "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setPlatformSummary(tc.s, tc.err)
			st := tc.s.dp.Status
			if got := trioOf(st.Conditions); got != tc.want {
				t.Errorf("Ready, Reconciling, Stalled = %+v; want %+v", got, tc.want)
			}
			if st.ObservedGeneration != tc.observed {
				t.Errorf("observedGeneration = %d; want %d", st.ObservedGeneration, tc.observed)
			}
			if msg := messageOf(st.Conditions, scidatav1.ConditionReady); !strings.Contains(msg, tc.says) {
				t.Errorf("Ready says %q; want it to say %q", msg, tc.says)
			}
		})
	}
}

// A concern the pass did not get far enough to observe keeps what an
// earlier pass saw; one it observed says what it saw.
func TestSetConcernConditionOnlyFromAnObservation(t *testing.T) {
	s := platformAt(observation{}, observation{}, observation{})
	s.dp.Status.Conditions = []metav1.Condition{{Type: scidatav1.ConditionPortalReady, Status: metav1.ConditionTrue, Reason: scidatav1.ReasonPortalAvailable}}
	setConcernCondition(s, scidatav1.ConditionPortalReady, s.portal)
	setConcernCondition(s, scidatav1.ConditionStorageReady, notReady(scidatav1.ReasonObjectStoreStarting, "the object store pod is not ready yet"))
	if c := meta.FindStatusCondition(s.dp.Status.Conditions, scidatav1.ConditionPortalReady); c == nil || c.Reason != scidatav1.ReasonPortalAvailable {
		t.Errorf("PortalReady, not observed, changed: %+v", c)
	}
	if c := meta.FindStatusCondition(s.dp.Status.Conditions, scidatav1.ConditionStorageReady); c == nil || c.Status != metav1.ConditionFalse || c.Reason != scidatav1.ReasonObjectStoreStarting || c.ObservedGeneration != 2 {
		t.Errorf("StorageReady = %+v; want False/ObjectStoreStarting at generation 2", c)
	}
}

// A suspended platform is paused with a message that names who set
// spec.suspend, and keeps its kstatus trio and observedGeneration as the
// last reconcile left them.
func TestSetPlatformPaused(t *testing.T) {
	s := platformAt(observation{}, observation{}, observation{})
	s.dp.Spec.Suspend = true
	s.dp.ManagedFields = []metav1.ManagedFieldsEntry{
		{Manager: "kustomize-controller", Operation: metav1.ManagedFieldsOperationApply, FieldsType: "FieldsV1",
			FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:role":{},"f:suspend":{}}}`)},
	}
	before := trioOf(s.dp.Status.Conditions)
	setPlatformPaused(s)
	c := meta.FindStatusCondition(s.dp.Status.Conditions, scidatav1.ConditionReconciliationPaused)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != scidatav1.ReasonSuspended {
		t.Fatalf("ReconciliationPaused = %+v; want True/Suspended", c)
	}
	for _, want := range []string{`set to true by "kustomize-controller"`, "drift is not reverted", "Set spec.suspend to false"} {
		if !strings.Contains(c.Message, want) {
			t.Errorf("message %q does not say %q", c.Message, want)
		}
	}
	if got := trioOf(s.dp.Status.Conditions); got != before || s.dp.Status.ObservedGeneration != 1 {
		t.Errorf("pausing changed the trio to %+v (was %+v) or observedGeneration to %d", got, before, s.dp.Status.ObservedGeneration)
	}
}

// While a store fails, the probe waits half as long as it has been
// failing, within the bounds; once ready, the ready interval.
func TestProbeTimingBacksOffWhileFailing(t *testing.T) {
	timing := ProbeTiming{MinBackoff: 2 * time.Second, MaxBackoff: time.Minute, ReadyInterval: 5 * time.Minute}
	failingSince := func(d time.Duration) *metav1.Condition {
		return &metav1.Condition{Status: metav1.ConditionFalse, LastTransitionTime: metav1.NewTime(t0.Add(-d))}
	}
	for _, tc := range []struct {
		name string
		ok   bool
		prev *metav1.Condition
		want time.Duration
	}{
		{"ready: the ready interval", true, failingSince(time.Hour), 5 * time.Minute},
		{"a first failure: the least backoff", false, nil, 2 * time.Second},
		{"failing after being ready: the least backoff", false, &metav1.Condition{Status: metav1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0.Add(-time.Hour))}, 2 * time.Second},
		{"failing for 30s: 15s", false, failingSince(30 * time.Second), 15 * time.Second},
		{"failing for an hour: the most backoff", false, failingSince(time.Hour), time.Minute},
	} {
		if got := timing.next(tc.ok, tc.prev, t0); got != tc.want {
			t.Errorf("%s: next probe in %s, want %s", tc.name, got, tc.want)
		}
	}
}
