package platform

import (
	"k8s.io/apimachinery/pkg/types"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Names of the objects in a platform's namespace. Fixed names make the
// objects easy to find for people and for the controller alike; the
// namespace says which platform they belong to.
const (
	ObjectStoreName         = "objectstore"
	ObjectStoreHeadlessName = "objectstore-headless"
	ObjectStorePort         = 9000
	ObjectStoreDataVolume   = "data"
	PortalName              = "portal"
	PortalPort              = 8080
	QuotaName               = "platform-quota"
	LimitRangeName          = "platform-limits"
	OwnersBindingName       = "platform-owners"
	AuditorsBindingName     = "platform-auditors"
	PortalReaderBindingName = "portal-reader"

	// RootCredentialsName holds the store's root keys. Created once, never
	// rewritten, never logged, kept when the platform is deleted.
	RootCredentialsName = "objectstore-root"
	// UploadCredentialsName holds the owners' upload keys. On the
	// Center's store the account only reads: what was submitted is written
	// by the sync account alone.
	UploadCredentialsName = "objectstore-upload"
	// SyncCredentialsName, in the Center's namespace only, holds the keys
	// the sync Jobs write submitted data with and the manager reads
	// manifests and writes receipts with. No person is given it.
	SyncCredentialsName = "objectstore-sync"
	// CenterReadCredentialsName holds the read-only keys the Center's sync
	// jobs use on this (department) store.
	CenterReadCredentialsName = "objectstore-center-read"
	// GrantsSecretName holds the store's access grants (grants.json): the
	// store's pod mounts it, and its sidecar makes and deletes the grants'
	// accounts as the file changes, with no restart. The DataPlatform
	// controller makes it empty; the AccessRequest controller writes it.
	GrantsSecretName = "objectstore-grants"
	// GrantsReaderName is the store's ServiceAccount, and the Role and
	// RoleBinding that let its sidecar get and watch the grants Secret and
	// nothing else: a grant that ends loses its account as soon as the
	// Secret changes, not at the kubelet's next refresh of the mount.
	GrantsReaderName = "objectstore-grants-reader"
	// TLSSecretName holds the store's serving certificate.
	TLSSecretName = "objectstore-tls"
	// ReceiptKeysConfigMap, in the Center's namespace, is the append-only
	// set of the public keys receipts are signed with.
	ReceiptKeysConfigMap = "receipt-keys"
	// ReceiptKeysRoleName lets the Center's portal read it.
	ReceiptKeysRoleName = "portal-receipt-keys"
	// CABundleName is the ConfigMap with the operator's CA certificate.
	CABundleName = "scidata-ca"

	// ComponentObjectStore, ComponentPortal and ComponentSync are the values
	// of app.kubernetes.io/component that NetworkPolicies select on.
	ComponentObjectStore = "object-store"
	ComponentPortal      = "portal"
	ComponentSync        = "sync"
	// ComponentBackup labels a platform's backup Jobs and their pods.
	ComponentBackup  = "backup"
	ComponentManager = "manager"

	// PlatformAdminRole and AuditorRole are the ClusterRoles (shipped in
	// config/rbac) that owners and auditors are bound to in the namespace.
	PlatformAdminRole = "scidata-platform-admin"
	AuditorRole       = "scidata-platform-auditor"
	PortalReaderRole  = "scidata-portal"
)

// Namespace is the namespace of a platform: scidata-<name>.
func Namespace(p *scidatav1.DataPlatform) string { return scidatav1.NamespacePrefix + p.Name }

// CenterNamespace is the Center's namespace.
const CenterNamespace = scidatav1.NamespacePrefix + scidatav1.CenterName

// MirroredReadSecretName is the name, in the Center's namespace, of the
// copy of a department's read-only credentials that its sync jobs mount.
func MirroredReadSecretName(departmentPlatform string) string {
	return "read-" + departmentPlatform
}

// Labels are the labels on every object of a platform.
func Labels(p *scidatav1.DataPlatform, component string) map[string]string {
	l := map[string]string{
		"app.kubernetes.io/name":     "scidata-platform",
		"app.kubernetes.io/instance": p.Name,
		"app.kubernetes.io/part-of":  "scidata",
		scidatav1.LabelManagedBy:     scidatav1.ManagedBy,
		scidatav1.LabelPlatform:      p.Name,
	}
	if component != "" {
		l[scidatav1.LabelComponent] = component
	}
	return l
}

// Selector is the label selector of one component's pods.
func Selector(p *scidatav1.DataPlatform, component string) map[string]string {
	return map[string]string{scidatav1.LabelPlatform: p.Name, scidatav1.LabelComponent: component}
}

// RoleLabel is the value of scidata.io/role for a platform.
func RoleLabel(p *scidatav1.DataPlatform) string {
	if p.Spec.Role == scidatav1.RoleCenter {
		return scidatav1.RoleLabelCenter
	}
	return scidatav1.RoleLabelDepartment
}

// MaxClassification is the platform's maxClassification with that field's
// default, Internal. (An unset level elsewhere, an entry's, is Public: see
// api/v1alpha1/classification.go.)
func MaxClassification(p *scidatav1.DataPlatform) scidatav1.ClassificationLevel {
	if p.Spec.MaxClassification == "" {
		return scidatav1.ClassificationInternal
	}
	return p.Spec.MaxClassification
}

// APIServerService is the Service whose endpoints are the kube-apiserver.
var APIServerService = types.NamespacedName{Namespace: "default", Name: "kubernetes"}
