package controllers

import (
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// The kstatus trio and the Hibernated condition of a platform asking for
// hibernation, from what the pass observed: Hibernated only when every
// workload hibernation stops was seen without pods (an External store is
// not one), Hibernating while pods are left, the ordinary summary while a
// grant or a transfer holds it awake, and a step's error or stall before
// all of these.
func TestHibernationConditions(t *testing.T) {
	isolated := ready(scidatav1.ReasonPoliciesApplied, "8 NetworkPolicies")
	asleepStore := notReady(scidatav1.ReasonHibernated, "the object store runs no pod")
	asleepPortal := notReady(scidatav1.ReasonHibernated, "the portal runs no pod")
	leftStore := notReady(scidatav1.ReasonHibernating, "waiting for the object store's pods to stop (objectstore-0)")
	external := ready(scidatav1.ReasonExternalStoreVerified, "probe passed")
	sleeping := hibernationScope{requested: true}
	held := hibernationScope{requested: true, blockedBy: []string{"access grant scidata-b/x is Active"}}
	for _, tc := range []struct {
		name       string
		h          hibernationScope
		external   bool
		storage    observation
		portal     observation
		err        error
		want       kstatusTrio
		hibernated string
		says       string
	}{
		{name: "asleep", h: sleeping, storage: asleepStore, portal: asleepPortal,
			want: kstatusTrio{ready: "False/Hibernated"}, hibernated: "True/Hibernated", says: "spec.hibernation to Running"},
		{name: "a store pod left", h: sleeping, storage: leftStore, portal: asleepPortal,
			want: kstatusTrio{ready: "False/Hibernating", reconciling: "True/Hibernating"}, hibernated: "False/Hibernating", says: "objectstore-0"},
		{name: "the portal not observed", h: sleeping, storage: asleepStore,
			want: kstatusTrio{ready: "False/Hibernating", reconciling: "True/Hibernating"}, hibernated: "", says: "stopping"},
		{name: "External: the portal alone", h: sleeping, external: true, storage: external, portal: asleepPortal,
			want: kstatusTrio{ready: "False/Hibernated"}, hibernated: "True/Hibernated", says: "External store is the city's"},
		{name: "held awake by a grant: the platform serves", h: held, storage: ready(scidatav1.ReasonObjectStoreReady, "up"), portal: ready(scidatav1.ReasonPortalAvailable, "1 of 1"),
			want: kstatusTrio{ready: "True/Ready"}, hibernated: "False/HibernationBlocked", says: "store, portal"},
		{name: "a stall comes first", h: sleeping, storage: asleepStore, portal: asleepPortal, err: reconcilekit.Stalledf(scidatav1.ReasonNamespaceConflict, "namespace taken"),
			want: kstatusTrio{ready: "False/NamespaceConflict", stalled: "True/NamespaceConflict"}, hibernated: "True/Hibernated", says: "namespace taken"},
		{name: "an error is retried", h: sleeping, storage: asleepStore, err: errors.New("boom"),
			want: kstatusTrio{ready: "False/ReconcileError", reconciling: "True/ReconcileError"}, says: "boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := platformAt(tc.storage, tc.portal, isolated)
			s.hibernation = tc.h
			if tc.external {
				s.dp.Spec.ObjectStore.Mode = scidatav1.ObjectStoreExternal
			}
			setHibernatedCondition(s)
			setPlatformSummary(s, tc.err)
			if got := trioOf(s.dp.Status.Conditions); got != tc.want {
				t.Errorf("trio %+v, want %+v", got, tc.want)
			}
			got := ""
			if c := meta.FindStatusCondition(s.dp.Status.Conditions, scidatav1.ConditionHibernated); c != nil {
				got = string(c.Status) + "/" + c.Reason
			}
			if got != tc.hibernated {
				t.Errorf("Hibernated %q, want %q", got, tc.hibernated)
			}
			if msg := messageOf(s.dp.Status.Conditions, scidatav1.ConditionReady); !strings.Contains(msg, tc.says) {
				t.Errorf("Ready says %q; want it to say %q", msg, tc.says)
			}
		})
	}
}

// A terminating portal pod brings the pass back when its grace period ends
// (nothing watched changes when it goes), a pod past it every 10 seconds,
// and an earlier requeue (a certificate renewal) is kept.
func TestLookAgainAfterTermination(t *testing.T) {
	at := func(d time.Duration) *metav1.Time { m := metav1.NewTime(t0.Add(d)); return &m }
	for _, tc := range []struct {
		name    string
		deleted *metav1.Time
		before  time.Time
		want    time.Time
	}{
		{name: "not terminating", want: time.Time{}},
		{name: "terminating", deleted: at(30 * time.Second), want: t0.Add(31 * time.Second)},
		{name: "past its grace period", deleted: at(-time.Minute), want: t0.Add(10 * time.Second)},
		{name: "an earlier requeue stays", deleted: at(30 * time.Second), before: t0.Add(5 * time.Second), want: t0.Add(5 * time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &platformScope{now: t0, requeueAt: tc.before}
			lookAgainAfterTermination(s, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "portal-x", DeletionTimestamp: tc.deleted}})
			if !s.requeueAt.Equal(tc.want) {
				t.Errorf("requeueAt %s, want %s", s.requeueAt, tc.want)
			}
		})
	}
}
