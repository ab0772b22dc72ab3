package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	rbacv1ac "k8s.io/client-go/applyconfigurations/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rbacv1 "k8s.io/api/rbac/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/apply"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// reconcileNamespace makes or adopts the platform's namespace. A namespace
// of that name that belongs to another platform or department, or to no
// platform, is never taken over: the platform stalls with
// NamespaceConflict. A namespace retained by an earlier platform of the
// same name and department is adopted (status.adopted), which also drops
// its retained label.
func (r *DataPlatformReconciler) reconcileNamespace(ctx context.Context, s *platformScope) error {
	name := platform.Namespace(s.dp)
	var ns corev1.Namespace
	err := r.Get(ctx, types.NamespacedName{Name: name}, &ns)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("get namespace %s: %w", name, err)
	default:
		if err := checkOwnership(s.dp, &ns); err != nil {
			return err
		}
		if !ns.DeletionTimestamp.IsZero() {
			return reconcilekit.Stalledf(scidatav1.ReasonNamespaceTerminating, "namespace %s is being deleted; the platform will be rebuilt when it is gone", name)
		}
		if ns.Labels[scidatav1.LabelRetained] == "true" {
			s.dp.Status.Adopted = true
			r.Recorder.Eventf(s.dp, nil, corev1.EventTypeNormal, scidatav1.EventAdopted, "Adopt",
				"adopted namespace %s with the data, credentials and keys an earlier platform %s retained", name, s.dp.Name)
		}
	}
	if _, err := apply.Ensure(ctx, r.Client, platform.NamespaceObject(s.dp), &corev1.Namespace{}, corev1ac.ExtractNamespace); err != nil {
		return err
	}
	s.dp.Status.Namespace = name
	return nil
}

// checkOwnership refuses a namespace that is not this platform's.
func checkOwnership(dp *scidatav1.DataPlatform, ns *corev1.Namespace) error {
	owner, dept := ns.Labels[scidatav1.LabelPlatform], ns.Labels[scidatav1.LabelDepartment]
	if owner == dp.Name && dept == dp.Spec.Department.Code {
		return nil
	}
	if owner == "" {
		return reconcilekit.Stalledf(scidatav1.ReasonNamespaceConflict, "namespace %s exists and belongs to no platform; rename the DataPlatform or move that namespace's contents away: the operator never takes over a namespace it did not make", ns.Name)
	}
	return reconcilekit.Stalledf(scidatav1.ReasonNamespaceConflict, "namespace %s holds the retained data of platform %s of department %q; only a DataPlatform with that name and department.code may adopt it", ns.Name, owner, dept)
}

// reconcileQuota applies the ResourceQuota from spec.quota (deleting it
// when the quota is removed) and the LimitRange.
func (r *DataPlatformReconciler) reconcileQuota(ctx context.Context, s *platformScope) error {
	if q := platform.ResourceQuota(s.dp); q != nil {
		if _, err := apply.Ensure(ctx, r.Client, q, &corev1.ResourceQuota{}, corev1ac.ExtractResourceQuota); err != nil {
			return err
		}
	} else if err := r.deleteOwned(ctx, &corev1.ResourceQuota{}, platform.Namespace(s.dp), platform.QuotaName); err != nil {
		return err
	}
	_, err := apply.Ensure(ctx, r.Client, platform.LimitRange(s.dp), &corev1.LimitRange{}, corev1ac.ExtractLimitRange)
	return err
}

// reconcileAccess binds the owners and the portal's identity.
func (r *DataPlatformReconciler) reconcileAccess(ctx context.Context, s *platformScope) error {
	ns := platform.Namespace(s.dp)
	// The Role before its binding: without the escalate verb, binding a
	// role is allowed only to who holds every permission in it, and the
	// apiserver cannot check that for a role that does not exist yet
	// (the create fails with the Role NotFound). envtest's admin identity
	// skips that check; the manager's ServiceAccount does not.
	if _, err := apply.Ensure(ctx, r.Client, platform.UploadSecretRole(s.dp), &rbacv1.Role{}, rbacv1ac.ExtractRole); err != nil {
		return err
	}
	for _, role := range []struct {
		name    string
		desired *rbacv1ac.RoleApplyConfiguration
	}{
		{platform.ReceiptKeysRoleName, platform.ReceiptKeysRole(s.dp)},
		{platform.GrantsReaderName, platform.StoreGrantsRole(s.dp)},
	} {
		if role.desired == nil {
			if err := r.deleteOwned(ctx, &rbacv1.Role{}, ns, role.name); err != nil {
				return err
			}
			continue
		}
		if _, err := apply.Ensure(ctx, r.Client, role.desired, &rbacv1.Role{}, rbacv1ac.ExtractRole); err != nil {
			return err
		}
	}
	for _, b := range []struct {
		name    string
		desired *rbacv1ac.RoleBindingApplyConfiguration
	}{
		{platform.OwnersBindingName, platform.OwnersRoleBinding(s.dp)},
		{platform.UploadCredentialsName + "-reader", platform.UploadSecretRoleBinding(s.dp)},
		{platform.PortalReaderBindingName, platform.PortalReaderBinding(s.dp)},
		{platform.ReceiptKeysRoleName, platform.ReceiptKeysRoleBinding(s.dp)},
		{platform.GrantsReaderName, platform.StoreGrantsRoleBinding(s.dp)},
	} {
		if b.desired == nil {
			if err := r.deleteOwned(ctx, &rbacv1.RoleBinding{}, ns, b.name); err != nil {
				return err
			}
			continue
		}
		if _, err := apply.Ensure(ctx, r.Client, b.desired, &rbacv1.RoleBinding{}, rbacv1ac.ExtractRoleBinding); err != nil {
			return err
		}
	}
	for _, sa := range []*corev1ac.ServiceAccountApplyConfiguration{platform.PortalServiceAccount(s.dp), platform.StoreServiceAccount(s.dp)} {
		if sa == nil {
			continue
		}
		if _, err := apply.Ensure(ctx, r.Client, sa, &corev1.ServiceAccount{}, corev1ac.ExtractServiceAccount); err != nil {
			return err
		}
	}
	if crb := platform.PortalReaderClusterBinding(s.dp); crb != nil {
		if _, err := apply.Ensure(ctx, r.Client, crb, &rbacv1.ClusterRoleBinding{}, rbacv1ac.ExtractClusterRoleBinding); err != nil {
			return err
		}
	}
	return nil
}

// deleteOwned deletes a named object if it exists and this operator made it.
func (r *DataPlatformReconciler) deleteOwned(ctx context.Context, obj client.Object, namespace, name string) error {
	err := r.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get %s/%s: %w", namespace, name, err)
	}
	if obj.GetLabels()[scidatav1.LabelManagedBy] != scidatav1.ManagedBy {
		return nil
	}
	if err := r.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete %s/%s: %w", namespace, name, err)
	}
	return nil
}
