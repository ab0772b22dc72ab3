package controllers

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// reconcileDelete removes everything the request's grant made, then its
// finalizer. Admission lets a request be deleted only before approval, or
// with its namespace (its platform deleted with retention Delete): in the
// second case its grant may be in force, in the owner's store and in the
// namespace of use.
func (r *AccessRequestReconciler) reconcileDelete(ctx context.Context, ar *scidatav1.AccessRequest) error {
	if !controllerutil.ContainsFinalizer(ar, AccessFinalizer) {
		return nil
	}
	s := newAccessScope(ar, r.Clock.Now())
	var err error
	if s.owner, err = r.platformOfNamespace(ctx, ar.Spec.Entry.Namespace); err != nil {
		return err
	}
	if err := r.removeAccess(ctx, s, true, false); err != nil {
		return err
	}
	patch := client.MergeFrom(ar.DeepCopy())
	controllerutil.RemoveFinalizer(ar, AccessFinalizer)
	return client.IgnoreNotFound(r.Patch(ctx, ar, patch))
}
