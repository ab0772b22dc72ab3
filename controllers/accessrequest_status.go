package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// setAccessStatus sets every condition from what the pass decided and
// observed, and records observedGeneration after a pass that completed.
func setAccessStatus(s *accessScope, err error) {
	c := reconcilekit.NewConditions(&s.ar.Status.Conditions, s.ar.Generation, s.now)
	setAccessApproved(c, s.ar)
	setAccessProvisioned(c, s.ar, s.provisioned)
	setAccessSummary(c, s.ar, s.verdict, err)
	if reconcilekit.Completed(err) {
		s.ar.Status.ObservedGeneration = ptr.To(s.ar.Generation)
	}
}

// setAccessApproved is True once every review the entry needs approved
// (the grant is recorded), False on a rejection, absent before.
func setAccessApproved(c reconcilekit.Conditions, ar *scidatav1.AccessRequest) {
	switch {
	case ar.Status.Grant != nil:
		c.Set(scidatav1.ConditionApproved, metav1.ConditionTrue, scidatav1.ReasonApproved, "approved by "+ptr.Deref(ar.Status.Approvers, access.Approvers(ar)))
	case ptr.Deref(ar.Status.State, "") == scidatav1.AccessRejected:
		c.Set(scidatav1.ConditionApproved, metav1.ConditionFalse, scidatav1.ReasonRejected, "rejected: the request is not granted")
	default:
		c.Remove(scidatav1.ConditionApproved)
	}
}

// setAccessProvisioned says whether the grant is in force and checked:
// True while Active, False while on its way, held back or removed; absent
// before approval.
func setAccessProvisioned(c reconcilekit.Conditions, ar *scidatav1.AccessRequest, o observation) {
	switch {
	case ar.Status.Grant == nil:
		c.Remove(scidatav1.ConditionProvisioned)
	case o.seen && o.ready:
		c.Set(scidatav1.ConditionProvisioned, metav1.ConditionTrue, o.reason, o.message)
	case o.seen:
		c.Set(scidatav1.ConditionProvisioned, metav1.ConditionFalse, o.reason, o.message)
	case meta.FindStatusCondition(ar.Status.Conditions, scidatav1.ConditionProvisioned) == nil:
		c.Set(scidatav1.ConditionProvisioned, metav1.ConditionFalse, scidatav1.ReasonProvisioning, "the grant is being provisioned")
	}
}

// setAccessSummary sets Ready, Reconciling and Stalled: Ready only while
// Active; a final state is Ready False with its reason and nothing to do
// (kstatus Current), Rejected and what a person must mend are Stalled,
// what waits on reviewers or on provisioning is Reconciling.
func setAccessSummary(c reconcilekit.Conditions, ar *scidatav1.AccessRequest, v access.Verdict, err error) {
	state := ptr.Deref(ar.Status.State, scidatav1.AccessPending)
	switch {
	case state == scidatav1.AccessActive && err == nil:
		c.MarkReady(scidatav1.ReasonGranted, activeMessage(ar))
	case c.MarkOutcome(err):
	case state == scidatav1.AccessRejected || v.Blocked:
		c.MarkStalled(v.Reason, v.Message)
	case state.Final():
		c.Set(scidatav1.ConditionReady, metav1.ConditionFalse, v.Reason, string(state)+": "+v.Message)
		c.Remove(scidatav1.ConditionReconciling)
		c.Remove(scidatav1.ConditionStalled)
	default:
		c.MarkReconciling(v.Reason, v.Reason, v.Message)
	}
}
