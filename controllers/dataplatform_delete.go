package controllers

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/apply"
	"github.com/scidata-io/scidata-operator/internal/metrics"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// reconcileDelete stops the platform's workloads and removes the Center's
// copy of its read-only account and the copy of its backup target's
// account. With retention Retain (the default) it
// leaves the namespace and its data labelled as retained, for a platform of
// the same name and department to adopt; with Delete it marks the namespace
// as approved for deletion and deletes it. The last event names what was kept.
func (r *DataPlatformReconciler) reconcileDelete(ctx context.Context, dp *scidatav1.DataPlatform) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(dp, PlatformFinalizer) {
		return ctrl.Result{}, nil
	}
	ns := platform.Namespace(dp)
	var live corev1.Namespace
	err := r.Get(ctx, types.NamespacedName{Name: ns}, &live)
	if client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, fmt.Errorf("get namespace: %w", err)
	}
	if err == nil && checkOwnership(dp, &live) != nil {
		// The namespace was never this platform's (it stalled on the
		// conflict): leave it exactly as it is.
		r.Recorder.Eventf(dp, nil, corev1.EventTypeNormal, scidatav1.EventDeleted, "Delete", "namespace %s belongs to another platform and was left untouched", ns)
		return ctrl.Result{}, r.removeFinalizer(ctx, dp)
	}
	if err := r.stopWorkloads(ctx, ns); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.deleteOwned(ctx, &corev1.Secret{}, platform.CenterNamespace, platform.MirroredReadSecretName(dp.Name)); err != nil {
		return ctrl.Result{}, err
	}
	// The copy of the backup target's account opens the city's backup
	// bucket, not the platform's data: a retained namespace keeps no
	// credential of someone else's store (an adopting platform with
	// spec.backup copies it again).
	if err := r.removeTargetCopy(ctx, dp); err != nil {
		return ctrl.Result{}, err
	}
	var note string
	if dp.Spec.Storage.Retention == scidatav1.RetentionDelete {
		note, err = r.deleteNamespace(ctx, dp)
	} else {
		note, err = r.retainNamespace(ctx, dp)
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	r.Recorder.Eventf(dp, nil, corev1.EventTypeNormal, scidatav1.EventDeleted, "Delete", "%s", note)
	return ctrl.Result{}, r.removeFinalizer(ctx, dp)
}

func (r *DataPlatformReconciler) removeFinalizer(ctx context.Context, dp *scidatav1.DataPlatform) error {
	metrics.ForgetPlatform(dp.Name)
	r.probes.forget(dp.UID)
	patch := client.MergeFrom(dp.DeepCopy())
	controllerutil.RemoveFinalizer(dp, PlatformFinalizer)
	return client.IgnoreNotFound(r.Patch(ctx, dp, patch))
}

func (r *DataPlatformReconciler) stopWorkloads(ctx context.Context, ns string) error {
	for _, obj := range []client.Object{
		&appsv1.StatefulSet{}, &appsv1.Deployment{},
	} {
		name := platform.ObjectStoreName
		if _, ok := obj.(*appsv1.Deployment); ok {
			name = platform.PortalName
		}
		if err := r.deleteOwned(ctx, obj, ns, name); err != nil {
			return err
		}
	}
	return nil
}

// retainNamespace labels the namespace and its claims as retained. The
// label is applied by the operator's field manager, so the apply of an
// adopting platform (which does not carry it) removes it again.
func (r *DataPlatformReconciler) retainNamespace(ctx context.Context, dp *scidatav1.DataPlatform) (string, error) {
	ns := platform.Namespace(dp)
	var live corev1.Namespace
	if err := r.Get(ctx, types.NamespacedName{Name: ns}, &live); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Sprintf("platform deleted; its namespace %s was already gone", ns), nil
		}
		return "", fmt.Errorf("get namespace: %w", err)
	}
	desired := platform.NamespaceObject(dp)
	desired.Labels[scidatav1.LabelRetained] = "true"
	if _, err := apply.Ensure(ctx, r.Client, desired, &corev1.Namespace{}, corev1ac.ExtractNamespace); err != nil {
		return "", err
	}
	var claims corev1.PersistentVolumeClaimList
	if err := r.List(ctx, &claims, client.InNamespace(ns)); err != nil {
		return "", fmt.Errorf("list claims: %w", err)
	}
	var kept []string
	for i := range claims.Items {
		c := &claims.Items[i]
		kept = append(kept, fmt.Sprintf("%s (%s)", c.Name, c.Spec.Resources.Requests.Storage().String()))
		if c.Labels[scidatav1.LabelRetained] == "true" {
			continue
		}
		patch := client.MergeFrom(c.DeepCopy())
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		c.Labels[scidatav1.LabelRetained] = "true"
		if err := r.Patch(ctx, c, patch); err != nil {
			return "", fmt.Errorf("label claim %s retained: %w", c.Name, err)
		}
	}
	return fmt.Sprintf("retention Retain: kept namespace %s with volume claims [%s], the store's credentials and certificates; a DataPlatform named %s with department %s adopts them",
		ns, strings.Join(kept, ", "), dp.Name, dp.Spec.Department.Code), nil
}

// deleteNamespace marks the namespace as approved for deletion by the
// operator (the admission policy refuses deleting a platform namespace
// without the mark) and deletes it, with everything in it.
func (r *DataPlatformReconciler) deleteNamespace(ctx context.Context, dp *scidatav1.DataPlatform) (string, error) {
	ns := platform.Namespace(dp)
	var live corev1.Namespace
	if err := r.Get(ctx, types.NamespacedName{Name: ns}, &live); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Sprintf("retention Delete: namespace %s was already gone", ns), nil
		}
		return "", fmt.Errorf("get namespace: %w", err)
	}
	if live.Annotations[scidatav1.AnnotationDeletionApproved] != "true" {
		patch := client.MergeFrom(live.DeepCopy())
		if live.Annotations == nil {
			live.Annotations = map[string]string{}
		}
		live.Annotations[scidatav1.AnnotationDeletionApproved] = "true"
		if err := r.Patch(ctx, &live, patch); err != nil {
			return "", fmt.Errorf("approve deletion of namespace %s: %w", ns, err)
		}
	}
	if err := r.Delete(ctx, &live); client.IgnoreNotFound(err) != nil {
		return "", fmt.Errorf("delete namespace %s: %w", ns, err)
	}
	return fmt.Sprintf("retention Delete: deleted namespace %s with its volumes, credentials and certificates", ns), nil
}
