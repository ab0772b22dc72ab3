package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// SubmissionReconciler keeps a Submission's conditions true to its record:
// Approved and Denied mirror status.review (for kstatus and `kubectl
// wait`), and Ready, Reconciling and Stalled say where it stands.
type SubmissionReconciler struct {
	client.Client
	Clock clock.PassiveClock
}

// +kubebuilder:rbac:groups=scidata.io,resources=submissions,verbs=get;list;watch
// +kubebuilder:rbac:groups=scidata.io,resources=submissions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=scidata.io,resources=submissionpolicies;catalogentries,verbs=get;list;watch

// Reconcile sets the Submission's conditions from its record.
func (r *SubmissionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var s scidatav1.Submission
	if err := r.Get(ctx, req.NamespacedName, &s); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := s.Status.DeepCopy()
	review, err := r.reviewRequired(ctx, &s)
	if err != nil {
		return ctrl.Result{}, err
	}
	setSubmissionConditions(&s, review, r.Clock.Now())
	if equality.Semantic.DeepEqual(before, &s.Status) {
		return ctrl.Result{}, nil
	}
	base := s.DeepCopy()
	base.Status = *before
	if err := r.Status().Patch(ctx, &s, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, fmt.Errorf("write status: %w", err)
	}
	return ctrl.Result{}, nil
}

// reviewRequired is the review rule in force now: the one recorded when
// the Submission was made, made stricter by any policy covering the entry
// today (a city-wide policy added later still holds back a transfer that
// has not started).
func (r *SubmissionReconciler) reviewRequired(ctx context.Context, s *scidatav1.Submission) (bool, error) {
	if s.Spec.ReviewRequired || s.Status.Review != nil || s.Status.Transfer != nil {
		return s.Spec.ReviewRequired, nil
	}
	var e scidatav1.CatalogEntry
	if err := r.Get(ctx, types.NamespacedName{Namespace: s.Namespace, Name: s.Spec.Entry.Name}, &e); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	var ns corev1.Namespace
	if err := r.Get(ctx, types.NamespacedName{Name: s.Namespace}, &ns); client.IgnoreNotFound(err) != nil {
		return false, err
	}
	covering, err := coveringPolicies(ctx, r.Client, &e, ns.Labels)
	if err != nil {
		return false, err
	}
	return submission.ReviewRequired(covering), nil
}

// setSubmissionConditions derives every condition from the record.
func setSubmissionConditions(s *scidatav1.Submission, reviewRequired bool, now time.Time) {
	set := func(typ string, status metav1.ConditionStatus, reason, msg string) {
		meta.SetStatusCondition(&s.Status.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg,
			ObservedGeneration: s.Generation, LastTransitionTime: metav1.NewTime(now)})
	}
	s.Status.ObservedGeneration = s.Generation
	rv := s.Status.Review
	switch {
	case rv != nil && rv.Decision == scidatav1.ReviewApproved:
		set(scidatav1.ConditionApproved, metav1.ConditionTrue, "Approved", "approved by "+rv.By)
		meta.RemoveStatusCondition(&s.Status.Conditions, scidatav1.ConditionDenied)
	case rv != nil && rv.Decision == scidatav1.ReviewDenied:
		set(scidatav1.ConditionDenied, metav1.ConditionTrue, "Denied", "denied by "+rv.By+": "+rv.Comment)
		meta.RemoveStatusCondition(&s.Status.Conditions, scidatav1.ConditionApproved)
	}
	switch {
	case s.Status.Receipt != nil:
		set(scidatav1.ConditionReady, metav1.ConditionTrue, "Received", "the Center received the data and signed receipt key "+s.Status.Receipt.KeyID)
		meta.RemoveStatusCondition(&s.Status.Conditions, scidatav1.ConditionReconciling)
		meta.RemoveStatusCondition(&s.Status.Conditions, scidatav1.ConditionStalled)
	case rv != nil && rv.Decision == scidatav1.ReviewDenied:
		msg := "denied by " + rv.By + ": " + rv.Comment + "; fix the data or its metadata and bump spec.data.contentVersion of the entry to submit again"
		set(scidatav1.ConditionStalled, metav1.ConditionTrue, "Denied", msg)
		set(scidatav1.ConditionReady, metav1.ConditionFalse, "Denied", msg)
		meta.RemoveStatusCondition(&s.Status.Conditions, scidatav1.ConditionReconciling)
	case reviewRequired && rv == nil:
		msg := "waiting for a reviewer of department " + s.Spec.Department + " to write status.review (approve or deny)"
		set(scidatav1.ConditionReady, metav1.ConditionFalse, submission.ReasonAwaitingReview, msg)
		set(scidatav1.ConditionReconciling, metav1.ConditionTrue, submission.ReasonAwaitingReview, msg)
	default:
		msg := "ready to be copied into the Center by a sync job"
		set(scidatav1.ConditionReady, metav1.ConditionFalse, "AwaitingTransfer", msg)
		set(scidatav1.ConditionReconciling, metav1.ConditionTrue, "AwaitingTransfer", msg)
	}
}

// SetupWithManager registers the reconciler.
func (r *SubmissionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	// A policy's change can make review required for Submissions not yet
	// transferred.
	return ctrl.NewControllerManagedBy(mgr).
		For(&scidatav1.Submission{}).
		Watches(&scidatav1.SubmissionPolicy{}, handler.EnqueueRequestsFromMapFunc(r.untransferred), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Named("submission").
		Complete(r)
}

// untransferred maps a policy to the Submissions it may hold back: those
// of its namespace, or of every namespace for the Center's policies.
func (r *SubmissionReconciler) untransferred(ctx context.Context, o client.Object) []reconcile.Request {
	var list scidatav1.SubmissionList
	opts := []client.ListOption{}
	if o.GetNamespace() != platform.CenterNamespace {
		opts = append(opts, client.InNamespace(o.GetNamespace()))
	}
	if err := r.List(ctx, &list, opts...); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, s := range list.Items {
		if s.Status.Transfer == nil && s.Status.Review == nil {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&s)})
		}
	}
	return reqs
}
