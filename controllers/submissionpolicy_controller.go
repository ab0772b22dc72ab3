package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// SubmissionPolicyReconciler reconciles SubmissionPolicy objects. It watches its kind and
// reads each object; the steps that realise it arrive with issue #9.
type SubmissionPolicyReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=scidata.io,resources=submissionpolicies,verbs=get;list;watch

// Reconcile reads the SubmissionPolicy. It writes nothing yet: status is written
// only once the object is really reconciled, so that status never claims
// what was not done.
func (r *SubmissionPolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var obj scidatav1.SubmissionPolicy
	if err := r.Get(ctx, req.NamespacedName, &obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	log.FromContext(ctx).V(1).Info("observed", "generation", obj.Generation)
	return ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler.
func (r *SubmissionPolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&scidatav1.SubmissionPolicy{}).Named("submissionpolicy").Complete(r)
}
