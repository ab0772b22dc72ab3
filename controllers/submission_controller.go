package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// SubmissionReconciler reconciles Submission objects. It watches its kind and
// reads each object; the steps that realise it arrive with issue #9.
type SubmissionReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=scidata.io,resources=submissions,verbs=get;list;watch

// Reconcile reads the Submission. It writes nothing yet: status is written
// only once the object is really reconciled, so that status never claims
// what was not done.
func (r *SubmissionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var obj scidatav1.Submission
	if err := r.Get(ctx, req.NamespacedName, &obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	log.FromContext(ctx).V(1).Info("observed", "generation", obj.Generation)
	return ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler.
func (r *SubmissionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&scidatav1.Submission{}).Named("submission").Complete(r)
}
