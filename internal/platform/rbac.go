package platform

import (
	rbacv1 "k8s.io/api/rbac/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	rbacv1ac "k8s.io/client-go/applyconfigurations/rbac/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// OwnersRoleBinding binds spec.owners to the platform-admin ClusterRole in
// the platform's namespace, or returns nil when there are no owners.
func OwnersRoleBinding(p *scidatav1.DataPlatform) *rbacv1ac.RoleBindingApplyConfiguration {
	subjects := ownerSubjects(p)
	if len(subjects) == 0 {
		return nil
	}
	return rbacv1ac.RoleBinding(OwnersBindingName, Namespace(p)).
		WithLabels(Labels(p, "")).
		WithOwnerReferences(ownerRef(p)).
		WithRoleRef(clusterRoleRef(PlatformAdminRole)).
		WithSubjects(subjects...)
}

// UploadSecretRole lets the owners read their own upload credentials, and
// no other Secret: the platform-admin ClusterRole grants no Secrets at all.
func UploadSecretRole(p *scidatav1.DataPlatform) *rbacv1ac.RoleApplyConfiguration {
	return rbacv1ac.Role(UploadCredentialsName+"-reader", Namespace(p)).
		WithLabels(Labels(p, "")).
		WithOwnerReferences(ownerRef(p)).
		WithRules(rbacv1ac.PolicyRule().
			WithAPIGroups("").
			WithResources("secrets").
			WithResourceNames(UploadCredentialsName).
			WithVerbs("get"))
}

// UploadSecretRoleBinding binds the owners to UploadSecretRole.
func UploadSecretRoleBinding(p *scidatav1.DataPlatform) *rbacv1ac.RoleBindingApplyConfiguration {
	subjects := ownerSubjects(p)
	if len(subjects) == 0 {
		return nil
	}
	return rbacv1ac.RoleBinding(UploadCredentialsName+"-reader", Namespace(p)).
		WithLabels(Labels(p, "")).
		WithOwnerReferences(ownerRef(p)).
		WithRoleRef(rbacv1ac.RoleRef().WithAPIGroup(rbacv1.GroupName).WithKind("Role").WithName(UploadCredentialsName + "-reader")).
		WithSubjects(subjects...)
}

// PortalServiceAccount is the identity the portal reads the catalog with.
func PortalServiceAccount(p *scidatav1.DataPlatform) *corev1ac.ServiceAccountApplyConfiguration {
	return corev1ac.ServiceAccount(PortalName, Namespace(p)).
		WithLabels(Labels(p, ComponentPortal)).
		WithOwnerReferences(ownerRef(p))
}

// PortalReaderBinding lets the portal read the catalog: in a department,
// its own namespace; the Center's portal reads the city's consolidated
// catalog, so its binding is cluster-wide (PortalReaderClusterBinding).
func PortalReaderBinding(p *scidatav1.DataPlatform) *rbacv1ac.RoleBindingApplyConfiguration {
	return rbacv1ac.RoleBinding(PortalReaderBindingName, Namespace(p)).
		WithLabels(Labels(p, ComponentPortal)).
		WithOwnerReferences(ownerRef(p)).
		WithRoleRef(clusterRoleRef(PortalReaderRole)).
		WithSubjects(rbacv1ac.Subject().WithKind(rbacv1.ServiceAccountKind).WithName(PortalName).WithNamespace(Namespace(p)))
}

// PortalReaderClusterBinding is the Center portal's cluster-wide read of
// the catalog, or nil for a department.
func PortalReaderClusterBinding(p *scidatav1.DataPlatform) *rbacv1ac.ClusterRoleBindingApplyConfiguration {
	if p.Spec.Role != scidatav1.RoleCenter {
		return nil
	}
	return rbacv1ac.ClusterRoleBinding("scidata-center-portal-reader").
		WithLabels(Labels(p, ComponentPortal)).
		WithOwnerReferences(ownerRef(p)).
		WithRoleRef(clusterRoleRef(PortalReaderRole)).
		WithSubjects(rbacv1ac.Subject().WithKind(rbacv1.ServiceAccountKind).WithName(PortalName).WithNamespace(Namespace(p)))
}

func ownerSubjects(p *scidatav1.DataPlatform) []*rbacv1ac.SubjectApplyConfiguration {
	var s []*rbacv1ac.SubjectApplyConfiguration
	for _, g := range p.Spec.Owners.Groups {
		s = append(s, rbacv1ac.Subject().WithKind(rbacv1.GroupKind).WithAPIGroup(rbacv1.GroupName).WithName(g))
	}
	for _, u := range p.Spec.Owners.Users {
		s = append(s, rbacv1ac.Subject().WithKind(rbacv1.UserKind).WithAPIGroup(rbacv1.GroupName).WithName(u))
	}
	for _, sa := range p.Spec.Owners.ServiceAccounts {
		s = append(s, rbacv1ac.Subject().WithKind(rbacv1.ServiceAccountKind).WithNamespace(sa.Namespace).WithName(sa.Name))
	}
	return s
}

func clusterRoleRef(name string) *rbacv1ac.RoleRefApplyConfiguration {
	return rbacv1ac.RoleRef().WithAPIGroup(rbacv1.GroupName).WithKind("ClusterRole").WithName(name)
}

// ReceiptKeysRole lets the Center's portal read the receipt key set, the
// one ConfigMap by name, so that it publishes the keys auditors verify
// receipts with; nil for a department.
func ReceiptKeysRole(p *scidatav1.DataPlatform) *rbacv1ac.RoleApplyConfiguration {
	if p.Spec.Role != scidatav1.RoleCenter {
		return nil
	}
	return rbacv1ac.Role(ReceiptKeysRoleName, Namespace(p)).
		WithLabels(Labels(p, ComponentPortal)).
		WithOwnerReferences(ownerRef(p)).
		WithRules(rbacv1ac.PolicyRule().
			WithAPIGroups("").
			WithResources("configmaps").
			WithResourceNames(ReceiptKeysConfigMap).
			WithVerbs("get"))
}

// ReceiptKeysRoleBinding binds the Center's portal to ReceiptKeysRole.
func ReceiptKeysRoleBinding(p *scidatav1.DataPlatform) *rbacv1ac.RoleBindingApplyConfiguration {
	if p.Spec.Role != scidatav1.RoleCenter {
		return nil
	}
	return rbacv1ac.RoleBinding(ReceiptKeysRoleName, Namespace(p)).
		WithLabels(Labels(p, ComponentPortal)).
		WithOwnerReferences(ownerRef(p)).
		WithRoleRef(rbacv1ac.RoleRef().WithAPIGroup(rbacv1.GroupName).WithKind("Role").WithName(ReceiptKeysRoleName)).
		WithSubjects(rbacv1ac.Subject().WithKind(rbacv1.ServiceAccountKind).WithName(PortalName).WithNamespace(Namespace(p)))
}

// StoreServiceAccount is the identity of a Managed store's pod, or nil for
// an External store. Only the pod's sidecar mounts its token (the S3
// server and the init container get none), and it may read one Secret.
func StoreServiceAccount(p *scidatav1.DataPlatform) *corev1ac.ServiceAccountApplyConfiguration {
	if !Managed(p) {
		return nil
	}
	return corev1ac.ServiceAccount(GrantsReaderName, Namespace(p)).
		WithLabels(Labels(p, ComponentObjectStore)).
		WithOwnerReferences(ownerRef(p)).
		WithAutomountServiceAccountToken(false)
}

// StoreGrantsRole lets the store's sidecar get, list and watch the grants
// Secret by name (a list or watch must name it with a field selector), or
// is nil for an External store.
func StoreGrantsRole(p *scidatav1.DataPlatform) *rbacv1ac.RoleApplyConfiguration {
	if !Managed(p) {
		return nil
	}
	return rbacv1ac.Role(GrantsReaderName, Namespace(p)).
		WithLabels(Labels(p, ComponentObjectStore)).
		WithOwnerReferences(ownerRef(p)).
		WithRules(rbacv1ac.PolicyRule().
			WithAPIGroups("").
			WithResources("secrets").
			WithResourceNames(GrantsSecretName).
			WithVerbs("get", "list", "watch"))
}

// StoreGrantsRoleBinding binds the store's ServiceAccount to
// StoreGrantsRole, or is nil for an External store.
func StoreGrantsRoleBinding(p *scidatav1.DataPlatform) *rbacv1ac.RoleBindingApplyConfiguration {
	if !Managed(p) {
		return nil
	}
	return rbacv1ac.RoleBinding(GrantsReaderName, Namespace(p)).
		WithLabels(Labels(p, ComponentObjectStore)).
		WithOwnerReferences(ownerRef(p)).
		WithRoleRef(rbacv1ac.RoleRef().WithAPIGroup(rbacv1.GroupName).WithKind("Role").WithName(GrantsReaderName)).
		WithSubjects(rbacv1ac.Subject().WithKind(rbacv1.ServiceAccountKind).WithName(GrantsReaderName).WithNamespace(Namespace(p)))
}
