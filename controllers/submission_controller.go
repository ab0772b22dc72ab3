package controllers

import (
	"context"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/metrics"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
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

// Reconcile advances the Submission one step and writes its status once:
// fetch, the review rule in force, the transfer's next step
// (submission_transfer.go), then the conditions (submission_status.go) and
// one status patch.
func (r *SubmissionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	var s scidatav1.Submission
	if err := r.Get(ctx, req.NamespacedName, &s); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	patch := reconcilekit.NewStatusPatch(&s)
	review := s.Spec.ReviewRequired
	hadReceipt := s.Status.Receipt != nil
	defer func() {
		setSubmissionStatus(&s, review, retErr, r.Clock.Now())
		result, retErr = reconcilekit.Finish(ctx, r.Client, patch, &s, result, retErr)
		if !hadReceipt && s.Status.Receipt != nil && retErr == nil {
			recordReceipt(&s)
		}
	}()
	review, err := r.reviewRequired(ctx, &s)
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.reconcileTransfer(ctx, &s, review)
}

// reviewRequired is the review rule in force now: the one recorded when
// the Submission was made, made stricter by any policy covering the entry
// today (a city-wide policy added later still holds back a transfer that
// has not started).
func (r *SubmissionReconciler) reviewRequired(ctx context.Context, s *scidatav1.Submission) (bool, error) {
	if s.Spec.ReviewRequired || s.Status.Review != nil || s.Status.Transfer != nil {
		return s.Spec.ReviewRequired, nil
	}
	cov, err := submission.FetchCoverage(ctx, r.Client, types.NamespacedName{Namespace: s.Namespace, Name: s.Spec.Entry.Name})
	if err != nil || cov == nil {
		return false, err
	}
	return submission.ReviewRequired(cov.Policies), nil
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

// recordReceipt counts a receipt once its status write succeeded: the
// transfer's objects and bytes, and the time from approval (or creation,
// when no review was required) to receipt.
func recordReceipt(s *scidatav1.Submission) {
	from := s.CreationTimestamp.Time
	if rv := s.Status.Review; rv != nil && rv.Decision == scidatav1.ReviewApproved {
		from = rv.At.Time
	}
	t := s.Status.Transfer
	received := from
	if t.CompletedAt != nil {
		received = t.CompletedAt.Time
	}
	metrics.Received(strings.TrimPrefix(s.Namespace, scidatav1.NamespacePrefix), t.Objects, t.Bytes, received.Sub(from))
}
