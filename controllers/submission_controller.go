package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
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
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// SubmissionReconciler moves a Submission from review to a verified
// transfer and a signed receipt, and keeps its conditions true to its
// record: Approved and Denied mirror status.review (for kstatus and
// `kubectl wait`); Ready, Reconciling and Stalled say where it stands.
type SubmissionReconciler struct {
	client.Client
	Clock  clock.PassiveClock
	Config platform.Config
	// OpenCenterStore opens the Center's object store, to read manifests
	// back and store receipts.
	OpenCenterStore func(context.Context, *scidatav1.DataPlatform) (centerstore.Store, error)
}

// +kubebuilder:rbac:groups=scidata.io,resources=submissions,verbs=get;list;watch
// +kubebuilder:rbac:groups=scidata.io,resources=submissions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=scidata.io,resources=submissionpolicies;catalogentries,verbs=get;list;watch
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch;create
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch

// Reconcile advances the Submission one step and writes its status once.
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
	obs, err := r.reconcileTransfer(ctx, &s, review)
	var st *stalledError
	switch {
	case errors.As(err, &st):
		err = nil
	case err != nil:
		obs = transferObservation{waiting: true, reason: ReasonReconcileError, message: "retrying after: " + err.Error()}
	}
	setSubmissionConditions(&s, review, obs, st, r.Clock.Now())
	if !equality.Semantic.DeepEqual(before, &s.Status) {
		base := s.DeepCopy()
		base.Status = *before
		if perr := r.Status().Patch(ctx, &s, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); client.IgnoreNotFound(perr) != nil {
			return ctrl.Result{}, errors.Join(err, fmt.Errorf("write status: %w", perr))
		}
	}
	return ctrl.Result{}, err
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

// setSubmissionConditions derives every condition from the record and
// this pass's observation of the transfer.
func setSubmissionConditions(s *scidatav1.Submission, reviewRequired bool, obs transferObservation, st *stalledError, now time.Time) {
	set := func(typ string, status metav1.ConditionStatus, reason, msg string) {
		setCond(s, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg}, now)
	}
	s.Status.ObservedGeneration = s.Generation
	rv := s.Status.Review
	switch {
	case rv != nil && rv.Decision == scidatav1.ReviewApproved:
		set(scidatav1.ConditionApproved, metav1.ConditionTrue, "Approved", "approved by "+rv.By)
	case rv != nil && rv.Decision == scidatav1.ReviewDenied:
		set(scidatav1.ConditionDenied, metav1.ConditionTrue, "Denied", "denied by "+rv.By+": "+rv.Comment)
	}
	if t := s.Status.Transfer; t != nil && t.CompletedAt != nil {
		set(scidatav1.ConditionTransferred, metav1.ConditionTrue, "Verified",
			fmt.Sprintf("%d objects, %d bytes at %s; manifest %s read back from the Center's store", t.Objects, t.Bytes, t.Destination, t.ManifestDigest))
	}
	switch {
	case s.Status.Receipt != nil:
		set(scidatav1.ConditionReady, metav1.ConditionTrue, "Received", "the Center received the data and signed the receipt with key "+s.Status.Receipt.KeyID)
		clearProgress(s)
	case st != nil:
		set(scidatav1.ConditionStalled, metav1.ConditionTrue, st.reason, st.message)
		set(scidatav1.ConditionReady, metav1.ConditionFalse, st.reason, st.message)
		meta.RemoveStatusCondition(&s.Status.Conditions, scidatav1.ConditionReconciling)
	case rv != nil && rv.Decision == scidatav1.ReviewDenied:
		msg := "denied by " + rv.By + ": " + rv.Comment + "; fix the data or its metadata and bump spec.data.contentVersion of the entry to submit again"
		set(scidatav1.ConditionStalled, metav1.ConditionTrue, "Denied", msg)
		set(scidatav1.ConditionReady, metav1.ConditionFalse, "Denied", msg)
		meta.RemoveStatusCondition(&s.Status.Conditions, scidatav1.ConditionReconciling)
	case reviewRequired && rv == nil:
		msg := "waiting for a reviewer of department " + s.Spec.Department + " to write status.review (approve or deny)"
		set(scidatav1.ConditionReady, metav1.ConditionFalse, submission.ReasonAwaitingReview, msg)
		set(scidatav1.ConditionReconciling, metav1.ConditionTrue, submission.ReasonAwaitingReview, msg)
	case obs.waiting:
		set(scidatav1.ConditionReady, metav1.ConditionFalse, obs.reason, obs.message)
		set(scidatav1.ConditionReconciling, metav1.ConditionTrue, obs.reason, obs.message)
		meta.RemoveStatusCondition(&s.Status.Conditions, scidatav1.ConditionStalled)
	}
}

func clearProgress(s *scidatav1.Submission) {
	meta.RemoveStatusCondition(&s.Status.Conditions, scidatav1.ConditionReconciling)
	meta.RemoveStatusCondition(&s.Status.Conditions, scidatav1.ConditionStalled)
}

func setCond(s *scidatav1.Submission, c metav1.Condition, now time.Time) {
	c.ObservedGeneration = s.Generation
	c.LastTransitionTime = metav1.NewTime(now)
	meta.SetStatusCondition(&s.Status.Conditions, c)
}

func findCondition(cs []metav1.Condition, typ string) *metav1.Condition {
	return meta.FindStatusCondition(cs, typ)
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
		Watches(&batchv1.Job{}, handler.EnqueueRequestsFromMapFunc(submissionOfJob)).
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

// submissionOfJob maps a sync Job to its Submission by its annotations.
func submissionOfJob(_ context.Context, o client.Object) []reconcile.Request {
	a := o.GetAnnotations()
	if a[submission.AnnotationSubmissionName] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: a[submission.AnnotationSubmissionNamespace], Name: a[submission.AnnotationSubmissionName]}}}
}
