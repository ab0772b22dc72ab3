package controllers

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/metrics"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// summarize turns what the pass observed into conditions: one per concern
// (StorageReady, PortalReady, NetworkIsolated), then the kstatus trio; it
// announces a change of Ready and counts the pass's outcome.
func (r *DataPlatformReconciler) summarize(s *platformScope, err error) {
	wasReady := meta.IsStatusConditionTrue(s.dp.Status.Conditions, scidatav1.ConditionReady)
	setConcernCondition(s, scidatav1.ConditionStorageReady, s.storage)
	setConcernCondition(s, scidatav1.ConditionPortalReady, s.portal)
	setConcernCondition(s, scidatav1.ConditionNetworkIsolated, s.isolated)
	setHibernatedCondition(s)
	r.setBackupCondition(s)
	setPlatformSummary(s, err)
	if meta.FindStatusCondition(s.dp.Status.Conditions, scidatav1.ConditionReconciliationPaused) != nil {
		s.conditions().ClearPaused()
		r.Recorder.Eventf(s.dp, nil, corev1.EventTypeNormal, scidatav1.EventReconciliationResumed, "Resume", "spec.suspend is no longer set: reconciling again")
	}
	isReady := meta.IsStatusConditionTrue(s.dp.Status.Conditions, scidatav1.ConditionReady)
	recordMetrics(s, err)
	if isReady != wasReady {
		c := meta.FindStatusCondition(s.dp.Status.Conditions, scidatav1.ConditionReady)
		kind := corev1.EventTypeNormal
		if !isReady && c.Reason != scidatav1.ReasonHibernating && c.Reason != scidatav1.ReasonHibernated {
			kind = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(s.dp, nil, kind, c.Reason, "Reconcile", "%s", c.Message)
	}
}

// pause is the whole pass of a suspended platform: ReconciliationPaused
// True (setPlatformPaused), announced once, and nothing else. The kstatus
// trio and observedGeneration keep what the last reconcile saw, so kstatus
// reads the platform InProgress while a spec change waits (as Flux's
// suspended objects read).
func (r *DataPlatformReconciler) pause(s *platformScope) {
	was := meta.IsStatusConditionTrue(s.dp.Status.Conditions, scidatav1.ConditionReconciliationPaused)
	setPlatformPaused(s)
	if !was {
		c := meta.FindStatusCondition(s.dp.Status.Conditions, scidatav1.ConditionReconciliationPaused)
		r.Recorder.Eventf(s.dp, nil, corev1.EventTypeNormal, scidatav1.EventReconciliationPaused, "Pause", "%s", c.Message)
	}
}

// setPlatformPaused sets ReconciliationPaused True, naming who set
// spec.suspend and what stops.
func setPlatformPaused(s *platformScope) {
	s.conditions().MarkPaused(reconcilekit.SuspendedBy(s.dp),
		"the operator changes nothing of this platform (drift is not reverted, spec changes wait, certificates are not renewed) while its store and portal keep running as they are")
}

// setConcernCondition sets one concern's condition from its observation,
// when the pass got far enough to observe it; otherwise the condition
// keeps what an earlier pass saw.
func setConcernCondition(s *platformScope, typ string, o observation) {
	if !o.seen {
		return
	}
	status := metav1.ConditionFalse
	if o.ready {
		status = metav1.ConditionTrue
	}
	s.conditions().Set(typ, status, o.reason, o.message)
}

// setPlatformSummary sets Ready, Reconciling and Stalled, and
// observedGeneration after a pass that completed (see reconcilekit):
//
//   - an error from a step: Stalled (a person must act) or ReconcileError
//     (retried);
//   - volumes that cannot grow: Stalled with StorageResizeUnsupported,
//     though everything else was applied;
//   - a concern only a person can mend (an External store's missing
//     Secret, refused credentials, ...): Stalled with its reason, though
//     everything else was applied;
//   - a platform hibernating (spec.hibernation, not held by a grant or a
//     transfer): markHibernation;
//   - a concern not ready yet: Ready False with the first such concern's
//     reason and every waiting concern's message, Reconciling True;
//   - otherwise Ready True.
func setPlatformSummary(s *platformScope, err error) {
	if reconcilekit.Completed(err) {
		s.dp.Status.ObservedGeneration = s.dp.Generation
	}
	c := s.conditions()
	if c.MarkOutcome(err) {
		return
	}
	if s.resizeUnsupported != "" {
		c.MarkStalled(scidatav1.ReasonStorageResizeUnsupported, s.resizeUnsupported)
		return
	}
	for _, o := range []observation{s.storage, s.portal, s.isolated} {
		if o.stalls {
			c.MarkStalled(o.reason, o.message)
			return
		}
	}
	if s.hibernation.sleeping() {
		markHibernation(s, c)
		return
	}
	var waiting []string
	reason := ""
	for _, o := range []observation{s.storage, s.portal, s.isolated} {
		if !o.ready {
			waiting = append(waiting, o.message)
			if reason == "" {
				reason = o.reason
			}
		}
	}
	if len(waiting) == 0 {
		c.MarkReady(scidatav1.ReasonReady, "the platform's store, portal and network isolation are in place")
		return
	}
	c.MarkReconciling(reason, scidatav1.ReasonProgressing, strings.Join(waiting, "; "))
}

// recordMetrics counts the pass's outcome. The platform's conditions are
// exported from the cache at each scrape (internal/metrics.City).
func recordMetrics(s *platformScope, err error) {
	metrics.KnowPlatform(s.dp.Name)
	metrics.PlatformReconciles.WithLabelValues(s.dp.Name, reconcilekit.Outcome(err)).Inc()
}
