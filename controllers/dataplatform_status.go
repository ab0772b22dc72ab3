package controllers

import (
	"errors"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/metrics"
)

// Reasons of the summary conditions.
const (
	ReasonReady          = "Ready"
	ReasonProgressing    = "Progressing"
	ReasonReconcileError = "ReconcileError"
	ReasonResizeUnsup    = "StorageResizeUnsupported"
)

// summarize turns what the pass observed into conditions: one per concern
// (StorageReady, PortalReady, NetworkIsolated), then the kstatus trio.
func (r *DataPlatformReconciler) summarize(s *platformScope, err error) {
	wasReady := meta.IsStatusConditionTrue(s.dp.Status.Conditions, scidatav1.ConditionReady)
	setConcern(s, scidatav1.ConditionStorageReady, s.storage)
	setConcern(s, scidatav1.ConditionPortalReady, s.portal)
	setConcern(s, scidatav1.ConditionNetworkIsolated, s.isolated)
	setPlatformSummary(s, err)
	isReady := meta.IsStatusConditionTrue(s.dp.Status.Conditions, scidatav1.ConditionReady)
	recordMetrics(s, err)
	if isReady != wasReady {
		c := meta.FindStatusCondition(s.dp.Status.Conditions, scidatav1.ConditionReady)
		kind := corev1.EventTypeNormal
		if !isReady {
			kind = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(s.dp, nil, kind, c.Reason, "Reconcile", "%s", c.Message)
	}
}

// setConcern sets one concern's condition from its observation, when the
// pass got far enough to observe it.
func setConcern(s *platformScope, typ string, o observation) {
	if !o.seen {
		return
	}
	status := metav1.ConditionFalse
	if o.ready {
		status = metav1.ConditionTrue
	}
	setPlatformCondition(s, typ, status, o.reason, o.message)
}

// setPlatformSummary sets Ready, Reconciling and Stalled. A pass that
// completed records observedGeneration, even while it waits on workloads;
// a failed pass does not.
func setPlatformSummary(s *platformScope, err error) {
	var st *stalledError
	switch {
	case errors.As(err, &st):
		stall(s, st.reason, st.message)
		return
	case err != nil:
		setPlatformCondition(s, scidatav1.ConditionReady, metav1.ConditionFalse, ReasonReconcileError, err.Error())
		setPlatformCondition(s, scidatav1.ConditionReconciling, metav1.ConditionTrue, ReasonReconcileError, "retrying after: "+err.Error())
		meta.RemoveStatusCondition(&s.dp.Status.Conditions, scidatav1.ConditionStalled)
		return
	}
	s.dp.Status.ObservedGeneration = s.dp.Generation
	if s.resizeUnsupported != "" {
		stall(s, ReasonResizeUnsup, s.resizeUnsupported)
		return
	}
	meta.RemoveStatusCondition(&s.dp.Status.Conditions, scidatav1.ConditionStalled)
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
		setPlatformCondition(s, scidatav1.ConditionReady, metav1.ConditionTrue, ReasonReady, "the platform's store, portal and network isolation are in place")
		meta.RemoveStatusCondition(&s.dp.Status.Conditions, scidatav1.ConditionReconciling)
		return
	}
	msg := strings.Join(waiting, "; ")
	setPlatformCondition(s, scidatav1.ConditionReady, metav1.ConditionFalse, reason, msg)
	setPlatformCondition(s, scidatav1.ConditionReconciling, metav1.ConditionTrue, ReasonProgressing, msg)
}

func stall(s *platformScope, reason, message string) {
	setPlatformCondition(s, scidatav1.ConditionStalled, metav1.ConditionTrue, reason, message)
	setPlatformCondition(s, scidatav1.ConditionReady, metav1.ConditionFalse, reason, message)
	meta.RemoveStatusCondition(&s.dp.Status.Conditions, scidatav1.ConditionReconciling)
}

func setPlatformCondition(s *platformScope, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&s.dp.Status.Conditions, metav1.Condition{
		Type:               typ,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: s.dp.Generation,
		LastTransitionTime: metav1.NewTime(s.now),
	})
}

// recordMetrics exports the platform's conditions and the pass's outcome.
func recordMetrics(s *platformScope, err error) {
	outcome := "success"
	var st *stalledError
	switch {
	case errors.As(err, &st):
		outcome = "stalled"
	case err != nil:
		outcome = "error"
	}
	metrics.PlatformReconciles.WithLabelValues(s.dp.Name, outcome).Inc()
	// Every type, present or not, so that a removed condition reads 0.
	for _, typ := range []string{scidatav1.ConditionReady, scidatav1.ConditionReconciling, scidatav1.ConditionStalled,
		scidatav1.ConditionStorageReady, scidatav1.ConditionPortalReady, scidatav1.ConditionNetworkIsolated} {
		v := 0.0
		if meta.IsStatusConditionTrue(s.dp.Status.Conditions, typ) {
			v = 1
		}
		metrics.PlatformCondition.WithLabelValues(s.dp.Name, string(s.dp.Spec.Role), s.dp.Spec.Department.Code, typ).Set(v)
	}
}
