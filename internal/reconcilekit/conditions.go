package reconcilekit

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Conditions sets the conditions of one status, as observed at one
// generation of its object and at one instant.
type Conditions struct {
	list       *[]metav1.Condition
	generation int64
	now        metav1.Time
}

// NewConditions sets conditions in list for an object at generation,
// observed at now. Times are kept to the second, as the apiserver stores
// them, so the status in memory is the status that will be read back.
func NewConditions(list *[]metav1.Condition, generation int64, now time.Time) Conditions {
	return Conditions{list: list, generation: generation, now: metav1.NewTime(now.UTC().Truncate(time.Second))}
}

// Set sets one condition. A condition whose status does not change keeps
// its lastTransitionTime (meta.SetStatusCondition), which is what lets a
// pass that finds nothing new write nothing.
func (c Conditions) Set(typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(c.list, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: message,
		ObservedGeneration: c.generation, LastTransitionTime: c.now,
	})
}

// Remove removes a condition (kstatus abnormal-true conditions are absent
// rather than False when nothing is wrong).
func (c Conditions) Remove(typ string) {
	meta.RemoveStatusCondition(c.list, typ)
}

// MarkReady says the object's desired state is in place: Ready True;
// Reconciling and Stalled removed.
func (c Conditions) MarkReady(reason, message string) {
	c.Set(scidatav1.ConditionReady, metav1.ConditionTrue, reason, message)
	c.Remove(scidatav1.ConditionReconciling)
	c.Remove(scidatav1.ConditionStalled)
}

// MarkReconciling says the controller is working towards the desired state
// and needs no one: Ready False with readyReason, Reconciling True with
// reconcilingReason, both with message; Stalled removed.
func (c Conditions) MarkReconciling(readyReason, reconcilingReason, message string) {
	c.Set(scidatav1.ConditionReady, metav1.ConditionFalse, readyReason, message)
	c.Set(scidatav1.ConditionReconciling, metav1.ConditionTrue, reconcilingReason, message)
	c.Remove(scidatav1.ConditionStalled)
}

// MarkStalled says only a person can make progress: Stalled True and Ready
// False with the reason and the message saying what to change; Reconciling
// removed.
func (c Conditions) MarkStalled(reason, message string) {
	c.Set(scidatav1.ConditionStalled, metav1.ConditionTrue, reason, message)
	c.Set(scidatav1.ConditionReady, metav1.ConditionFalse, reason, message)
	c.Remove(scidatav1.ConditionReconciling)
}

// MarkFailed says the pass failed with err and is retried: Ready False and
// Reconciling True with ReconcileError; Stalled removed.
func (c Conditions) MarkFailed(err error) {
	c.Set(scidatav1.ConditionReady, metav1.ConditionFalse, scidatav1.ReasonReconcileError, err.Error())
	c.Set(scidatav1.ConditionReconciling, metav1.ConditionTrue, scidatav1.ReasonReconcileError, "retrying after: "+err.Error())
	c.Remove(scidatav1.ConditionStalled)
}

// MarkOutcome sets the kstatus trio from a pass's error: Stalled, Waiting
// (Reconciling with its reason) or any other error (MarkFailed). It reports
// false, setting nothing, when err is nil: the caller summarises what the
// pass observed.
func (c Conditions) MarkOutcome(err error) bool {
	if st, ok := AsStalled(err); ok {
		c.MarkStalled(st.Reason, st.Message)
		return true
	}
	if w, ok := AsWaiting(err); ok {
		c.MarkReconciling(w.Reason, w.Reason, w.Message)
		return true
	}
	if err != nil {
		c.MarkFailed(err)
		return true
	}
	return false
}
