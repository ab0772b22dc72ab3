package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PlatformRole says whether a platform is the city's Scientific Data Center
// or a department's data management platform.
// +kubebuilder:validation:Enum=Center;Department
type PlatformRole string

const (
	// RoleCenter is the single city Scientific Data Center (市科学数据中心).
	RoleCenter PlatformRole = "Center"
	// RoleDepartment is a competent department's data management platform.
	RoleDepartment PlatformRole = "Department"
)

// CenterName is the only name a DataPlatform with role Center may have, so
// that the apiserver's name uniqueness guarantees one Center per cluster.
const CenterName = "center"

// RetentionPolicy says what happens to a platform's data when the platform is deleted.
// +kubebuilder:validation:Enum=Retain;Delete
type RetentionPolicy string

const (
	// RetentionRetain keeps the namespace, volumes, credentials and keys,
	// labelled as retained, for a platform of the same name to adopt.
	RetentionRetain RetentionPolicy = "Retain"
	// RetentionDelete deletes the namespace and everything in it.
	RetentionDelete RetentionPolicy = "Delete"
)

// ObjectStoreMode says who runs a platform's S3 object store.
// +kubebuilder:validation:Enum=Managed;External
type ObjectStoreMode string

const (
	// ObjectStoreManaged runs an S3 server in the platform's namespace.
	ObjectStoreManaged ObjectStoreMode = "Managed"
	// ObjectStoreExternal uses an S3 endpoint the city already runs.
	ObjectStoreExternal ObjectStoreMode = "External"
)

// DataPlatform condition types, besides Ready, Reconciling and Stalled.
const (
	// ConditionStorageReady is True when the object store answers: a
	// Managed store's pod is ready on its bound volume with its bucket and
	// policy in place; an External store passed the operator's probe with
	// the accounts and the CA the spec names.
	ConditionStorageReady = "StorageReady"
	// ConditionPortalReady is True when the portal's pods are available.
	ConditionPortalReady = "PortalReady"
	// ConditionNetworkIsolated is True when the platform's NetworkPolicies
	// match the city's network table.
	ConditionNetworkIsolated = "NetworkIsolated"
)

// DataPlatformSpec declares a platform.
// +kubebuilder:validation:XValidation:rule="has(self.owners) || (oldSelf.hasValue() && !has(oldSelf.value().owners))",message="owners is required: a platform needs at least one owner (a group, a user or a ServiceAccount) to administer its catalog",fieldPath=".owners",reason="FieldValueRequired",optionalOldSelf=true
// +kubebuilder:validation:XValidation:rule="self.role == 'Center' || !has(self.upstream)",message="upstream: only the Center connects to the provincial Scientific Data Center; remove spec.upstream from a Department platform",fieldPath=".upstream"
// +kubebuilder:validation:XValidation:rule="self.role == 'Center' || !has(self.network) || !has(self.network.publicNamespaces) || size(self.network.publicNamespaces) == 0",message="network.publicNamespaces: only the Center's portal is public; list public namespaces on the DataPlatform named center",fieldPath=".network.publicNamespaces"
// +kubebuilder:validation:XValidation:rule="self.role == 'Center' || !has(self.network) || !has(self.network.publicCIDRs) || size(self.network.publicCIDRs) == 0",message="network.publicCIDRs: only the Center's portal is public; list public CIDRs on the DataPlatform named center",fieldPath=".network.publicCIDRs"
// +kubebuilder:validation:XValidation:rule="self.role != 'Department' || !has(self.objectStore.external) || has(self.objectStore.external.centerReadCredentialsSecret) || (oldSelf.hasValue() && has(oldSelf.value().objectStore.external) && !has(oldSelf.value().objectStore.external.centerReadCredentialsSecret))",message="objectStore.external.centerReadCredentialsSecret is required on a Department: name the Secret of the read-only account the city's storage team made for the Center's sync",fieldPath=".objectStore.external.centerReadCredentialsSecret",reason="FieldValueRequired",optionalOldSelf=true
// +kubebuilder:validation:XValidation:rule="self.role != 'Center' || !has(self.objectStore.external) || has(self.objectStore.external.syncWriterCredentialsSecret) || (oldSelf.hasValue() && has(oldSelf.value().objectStore.external) && !has(oldSelf.value().objectStore.external.syncWriterCredentialsSecret))",message="objectStore.external.syncWriterCredentialsSecret is required on the Center: name the Secret of the account the sync Jobs write submitted data with",fieldPath=".objectStore.external.syncWriterCredentialsSecret",reason="FieldValueRequired",optionalOldSelf=true
// +kubebuilder:validation:XValidation:rule="self.role == 'Department' || !has(self.objectStore.external) || !has(self.objectStore.external.centerReadCredentialsSecret)",message="objectStore.external.centerReadCredentialsSecret is a Department's: the Center reads its own store with its sync writer",fieldPath=".objectStore.external.centerReadCredentialsSecret"
// +kubebuilder:validation:XValidation:rule="self.role == 'Center' || !has(self.objectStore.external) || !has(self.objectStore.external.syncWriterCredentialsSecret)",message="objectStore.external.syncWriterCredentialsSecret is the Center's: a Department's store is written by its owners",fieldPath=".objectStore.external.syncWriterCredentialsSecret"
// +kubebuilder:validation:XValidation:rule="!has(self.backup) || {'Public': 0, 'Internal': 1, 'Confidential': 2, 'Secret': 3, 'TopSecret': 4}[has(self.maxClassification) ? self.maxClassification : 'Internal'] <= {'Public': 0, 'Internal': 1, 'Confidential': 2, 'Secret': 3, 'TopSecret': 4}[self.backup.target.clearance]",message="backup.target.clearance must be at least the platform's maxClassification: classified data never leaves for a target cleared lower",fieldPath=".backup.target.clearance"
type DataPlatformSpec struct {
	// role is Center for the city Scientific Data Center or Department for a
	// department's platform. Only the DataPlatform named "center" may be the
	// Center. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="role is immutable: a platform cannot change between Center and Department; create a new DataPlatform instead"
	Role PlatformRole `json:"role"`

	// department is the competent department that runs this platform. For
	// the Center it is the institute that runs it (the city's S&T
	// information institute). department.code is immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self.code == oldSelf.code",message="department.code is immutable: it names the platform's data and receipts"
	Department Department `json:"department"`

	// owners are the people, groups and ServiceAccounts who manage this
	// platform's catalog entries and submission policies. They are bound to
	// the scidata-platform-admin ClusterRole in the platform's namespace. At
	// least one; no system: group or user. Required (by a CEL rule, so that
	// a platform stored before the rule can still be edited and deleted).
	// +optional
	Owners Owners `json:"owners"`

	// storage sizes and keeps the platform's data volume.
	// +required
	Storage Storage `json:"storage"`

	// objectStore says who runs the platform's S3 store. Defaults to Managed.
	// +optional
	// +kubebuilder:default={mode: "Managed"}
	ObjectStore ObjectStore `json:"objectStore,omitempty,omitzero"`

	// portal configures the catalog portal the platform runs.
	// +optional
	// +kubebuilder:default={}
	Portal Portal `json:"portal,omitempty,omitzero"`

	// quota bounds what the platform's namespace may consume.
	// +optional
	Quota *Quota `json:"quota,omitempty"`

	// maxClassification is the highest classification of data this platform
	// may hold. A platform above Internal takes no traffic from outside its
	// namespace except the Center's sync pods, and only when the Center is
	// cleared for that level. Defaults to Internal.
	// +optional
	// +kubebuilder:default=Internal
	MaxClassification ClassificationLevel `json:"maxClassification,omitempty"`

	// network lists who else may reach this platform's portal.
	// +optional
	Network *PlatformNetwork `json:"network,omitempty"`

	// upstream is the provincial Scientific Data Center the city Center
	// connects to. Center only.
	// +optional
	Upstream *Upstream `json:"upstream,omitempty"`

	// backup backs the platform's store up into a target bucket on a
	// schedule, when set (docs/operations.md).
	// +optional
	Backup *PlatformBackup `json:"backup,omitempty"`

	// suspend stops reconciliation: the platform keeps running as it is,
	// drift is not reverted and spec changes wait until it is cleared. The
	// condition ReconciliationPaused says so while it holds.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// hibernation is Running (the default) or Hibernated: a hibernated
	// platform's Managed store and portal run no pods, its data, claims,
	// credentials and policies are kept, and Submissions to or from it wait.
	// It is carried out only once no access grant to its data is Active
	// and no sync Job reads or writes its store (the condition Hibernated
	// says which); set Running again to resume (docs/operations.md).
	// +optional
	Hibernation *Hibernation `json:"hibernation,omitempty"`
}

// Owners are the subjects who administer a platform.
// +kubebuilder:validation:XValidation:rule="(has(self.groups) ? size(self.groups) : 0) + (has(self.users) ? size(self.users) : 0) + (has(self.serviceAccounts) ? size(self.serviceAccounts) : 0) > 0",message="owners: a platform needs at least one owner (a group, a user or a ServiceAccount) to administer its catalog"
type Owners struct {
	// groups are the names of groups, as the cluster's authenticator reports
	// them. No system: group: system:authenticated or system:serviceaccounts
	// would make every identity an owner, system:masters is the cluster's
	// administrators.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:items:XValidation:rule="!self.startsWith('system:')",message="owners.groups must not name a system: group: system:authenticated and system:serviceaccounts are every identity, system:masters the cluster's administrators; name the department's own group"
	Groups []string `json:"groups,omitempty"`

	// users are the names of people, as the cluster's authenticator reports
	// them. No system: user: name ServiceAccounts in serviceAccounts.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:items:XValidation:rule="!self.startsWith('system:')",message="owners.users must not name a system: identity (system:admin, system:serviceaccount:...): name people here and ServiceAccounts in owners.serviceAccounts"
	Users []string `json:"users,omitempty"`

	// serviceAccounts are ServiceAccounts named one by one, such as the
	// department's GitOps identity (docs/gitops.md).
	// +optional
	// +listType=map
	// +listMapKey=namespace
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	ServiceAccounts []ServiceAccountReference `json:"serviceAccounts,omitempty"`
}

// ServiceAccountReference names one ServiceAccount.
type ServiceAccountReference struct {
	// namespace of the ServiceAccount.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace"`

	// name of the ServiceAccount.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name"`
}

// Storage sizes and keeps a platform's data volume.
// +kubebuilder:validation:XValidation:rule="quantity(string(self.size)).compareTo(quantity(string(oldSelf.size))) >= 0",message="storage.size may grow but not shrink: volumes cannot be made smaller without losing data",fieldPath=".size"
// +kubebuilder:validation:XValidation:rule="has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",message="storage.storageClassName is immutable: moving data between classes is a migration, not an edit",fieldPath=".storageClassName"
type Storage struct {
	// size of the data volume, for example 100Gi. It may grow, never shrink.
	// +required
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).isGreaterThan(quantity('0'))",message="storage.size must be greater than zero"
	Size resource.Quantity `json:"size"`

	// storageClassName of the data volume; the cluster's default class when unset.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	StorageClassName *string `json:"storageClassName,omitempty"`

	// retention says what happens to the data when the platform is deleted:
	// Retain (the default) keeps the namespace, volumes, credentials and
	// receipts for a platform of the same name to adopt; Delete removes them.
	// +optional
	// +kubebuilder:default=Retain
	Retention RetentionPolicy `json:"retention,omitempty"`
}

// ObjectStore says who runs a platform's S3 object store.
// +kubebuilder:validation:XValidation:rule="!has(self.mode) || self.mode != 'External' || has(self.external)",message="objectStore.external is required when objectStore.mode is External",fieldPath=".external"
// +kubebuilder:validation:XValidation:rule="(has(self.mode) && self.mode == 'External') || !has(self.external)",message="objectStore.external may be set only when objectStore.mode is External",fieldPath=".external"
// +kubebuilder:validation:XValidation:rule="has(self.mode) == has(oldSelf.mode) && (!has(self.mode) || self.mode == oldSelf.mode)",message="objectStore.mode is immutable: moving data between stores is a migration, not an edit",fieldPath=".mode"
type ObjectStore struct {
	// mode is Managed (the operator runs an S3 server in the platform's
	// namespace) or External (an S3 endpoint the city already runs).
	// +optional
	// +kubebuilder:default=Managed
	Mode ObjectStoreMode `json:"mode,omitempty"`

	// resources of the managed S3 server's container.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// external describes an S3 endpoint run outside the operator.
	// +optional
	External *ExternalObjectStore `json:"external,omitempty"`
}

// AddressingStyle says how a request to an S3 store names the bucket.
// +kubebuilder:validation:Enum=Path;VirtualHosted
type AddressingStyle string

const (
	// AddressingPath names the bucket in the path (https://host/bucket/key),
	// as Ceph RGW, MinIO and SeaweedFS serve it on premises.
	AddressingPath AddressingStyle = "Path"
	// AddressingVirtualHosted names it in the host (https://bucket.host/key):
	// the store's DNS and certificate must cover <bucket>.<host>.
	AddressingVirtualHosted AddressingStyle = "VirtualHosted"
)

// ExternalObjectStore is an S3 endpoint the city already runs (Ceph RGW,
// MinIO, SeaweedFS, ...), with the accounts its storage team created for
// the platform. Every Secret it names is in the operator's namespace, holds
// accessKeyID and secretAccessKey (caSecret: ca.crt), and is read by the
// operator alone; the pods that use an account get a copy in their own
// namespace. docs/platforms.md says what each account may do.
// +kubebuilder:validation:XValidation:rule="has(self.caSecret) || (oldSelf.hasValue() && !has(oldSelf.value().caSecret))",message="objectStore.external.caSecret is required: name the Secret whose ca.crt signs the endpoint's certificate (a public CA's root too: the operator's image carries no system roots)",fieldPath=".caSecret",reason="FieldValueRequired",optionalOldSelf=true
// +kubebuilder:validation:XValidation:rule="has(self.network) || (oldSelf.hasValue() && !has(oldSelf.value().network))",message="objectStore.external.network is required: say where the endpoint is (cidrs, or namespace and podSelector), so that the NetworkPolicies let the platform's pods and the Center's sync pods reach it",fieldPath=".network",reason="FieldValueRequired",optionalOldSelf=true
type ExternalObjectStore struct {
	// endpoint is the store's HTTPS URL.
	// +required
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() == 'https'",message="objectStore.external.endpoint must be an https:// URL: data moves only over TLS"
	Endpoint string `json:"endpoint"`

	// bucket that holds the platform's data: one bucket per platform, even
	// on a store the whole city shares.
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`
	Bucket string `json:"bucket"`

	// region the store signs requests for. Defaults to us-east-1, which
	// Ceph RGW, MinIO and SeaweedFS accept unless configured otherwise.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9-]*$`
	Region *string `json:"region,omitempty"`

	// addressingStyle is Path (https://host/bucket/key, the default) or
	// VirtualHosted (https://bucket.host/key).
	// +optional
	// +kubebuilder:default=Path
	AddressingStyle *AddressingStyle `json:"addressingStyle,omitempty"`

	// credentialsSecret holds the owners' upload account. On a Department
	// store it lists, reads, writes and deletes in the bucket; on the
	// Center's it lists and reads only (no person alters what was
	// received).
	// +required
	CredentialsSecret SecretKeyReference `json:"credentialsSecret"`

	// centerReadCredentialsSecret holds the Center's read-only account on a
	// Department store (list and read, nothing else): the Center's sync
	// Jobs read with it. Required on a Department, refused on the Center.
	// +optional
	CenterReadCredentialsSecret *SecretKeyReference `json:"centerReadCredentialsSecret,omitempty"`

	// syncWriterCredentialsSecret holds the Center's sync writer on the
	// Center's store (list, read and write, and delete under
	// .scidata-probe/ for the operator's probe): the sync Jobs write
	// submitted data with it, the operator reads manifests back and writes
	// receipts. Required on the Center, refused on a Department.
	// +optional
	SyncWriterCredentialsSecret *SecretKeyReference `json:"syncWriterCredentialsSecret,omitempty"`

	// caSecret holds the CA bundle (ca.crt) the endpoint's certificate is
	// verified against. Required.
	// +optional
	CASecret *SecretKeyReference `json:"caSecret,omitempty"`

	// network is where the endpoint is, for the NetworkPolicies: the
	// platform's own pods, the Center's sync pods and the operator's probe
	// may reach it there and nowhere else. Required.
	// +optional
	Network *ExternalStoreNetwork `json:"network,omitempty"`
}

// ExternalStoreNetwork is where an External store answers: address ranges
// (a store outside the cluster, or on its nodes' addresses), or the store's
// pods when it runs in the cluster.
// +kubebuilder:validation:XValidation:rule="has(self.cidrs) != has(self.namespace)",message="network: give either cidrs (a store outside the cluster) or namespace and podSelector (a store in the cluster), not both and not neither"
// +kubebuilder:validation:XValidation:rule="!has(self.podSelector) || has(self.namespace)",message="network.podSelector selects pods in network.namespace: name the namespace",fieldPath=".podSelector"
type ExternalStoreNetwork struct {
	// cidrs are the endpoint's address ranges. Never a default route.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=43
	// +kubebuilder:validation:items:XValidation:rule="isCIDR(self)",message="network.cidrs must be CIDRs such as 10.20.0.0/24"
	// +kubebuilder:validation:items:XValidation:rule="!isCIDR(self) || cidr(self).prefixLength() > 0",message="network.cidrs must not be a default route (0.0.0.0/0, ::/0): name the store's own addresses"
	CIDRs []string `json:"cidrs,omitempty"`

	// namespace of the store's pods, when the store runs in the cluster.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace *string `json:"namespace,omitempty"`

	// podSelector is the labels of the store's pods in namespace (all its
	// pods when empty).
	// +optional
	// +kubebuilder:validation:MaxProperties=8
	PodSelector map[string]string `json:"podSelector,omitempty"`

	// ports are the TCP ports the store answers on where the policies see
	// it: the pods' ports behind a Service, or the addresses' ports.
	// Defaults to the endpoint's port (443 when its URL names none).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:Minimum=1
	// +kubebuilder:validation:items:Maximum=65535
	Ports []int32 `json:"ports,omitempty"`
}

// Portal configures the catalog portal a platform runs.
type Portal struct {
	// replicas of the portal Deployment. Defaults to 1; 0 stops the portal.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	Replicas *int32 `json:"replicas,omitempty"`

	// resources of the portal's container.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
}

// Quota bounds a platform namespace's consumption. Each set field becomes a
// hard limit of the namespace's ResourceQuota.
type Quota struct {
	// cpu is the total CPU that the namespace's pods may request.
	// +optional
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).isGreaterThan(quantity('0'))",message="quota.cpu must be greater than zero"
	CPU *resource.Quantity `json:"cpu,omitempty"`

	// memory is the total memory that the namespace's pods may request.
	// +optional
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).isGreaterThan(quantity('0'))",message="quota.memory must be greater than zero"
	Memory *resource.Quantity `json:"memory,omitempty"`

	// storage is the total storage that the namespace's claims may request.
	// +optional
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).isGreaterThan(quantity('0'))",message="quota.storage must be greater than zero"
	Storage *resource.Quantity `json:"storage,omitempty"`

	// pods is the number of pods the namespace may run.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	Pods *int32 `json:"pods,omitempty"`
}

// PlatformNetwork lists who else may reach a platform's portal.
type PlatformNetwork struct {
	// allowedNamespaces are further namespaces whose pods may reach this
	// platform's portal, for example a department's own analysis tools.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	AllowedNamespaces []string `json:"allowedNamespaces,omitempty"`

	// publicNamespaces (Center only) are the namespaces, such as an ingress
	// controller's, whose pods may reach the Center's public portal.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	PublicNamespaces []string `json:"publicNamespaces,omitempty"`

	// publicCIDRs (Center only) are address ranges that may reach the
	// Center's public portal.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=43
	// +kubebuilder:validation:items:XValidation:rule="isCIDR(self)",message="network.publicCIDRs must be CIDRs such as 203.0.113.0/24"
	PublicCIDRs []string `json:"publicCIDRs,omitempty"`
}

// Upstream is the provincial Scientific Data Center.
type Upstream struct {
	// name of the provincial center, for status and events.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="upstream.name must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Name string `json:"name"`

	// endpoint is the provincial center's HTTPS URL.
	// +required
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() == 'https'",message="upstream.endpoint must be an https:// URL: transmission to the province must be encrypted"
	Endpoint string `json:"endpoint"`

	// cidrs are the address ranges the Center's pods may send to; nothing
	// else outside the cluster is reachable. Never a default route; each no
	// wider than the bound the install sets (an admission policy: /24 for
	// IPv4 and /48 for IPv6 unless the Helm chart's values say otherwise).
	// +required
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=43
	// +kubebuilder:validation:items:XValidation:rule="isCIDR(self)",message="upstream.cidrs must be CIDRs such as 198.51.100.0/24"
	// +kubebuilder:validation:items:XValidation:rule="!isCIDR(self) || cidr(self).prefixLength() > 0",message="upstream.cidrs must not be a default route (0.0.0.0/0, ::/0): name the provincial center's own address range"
	CIDRs []string `json:"cidrs"`

	// port is the TCP port of the provincial endpoint. Defaults to 443.
	// +optional
	// +kubebuilder:default=443
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`
}

// DataPlatformStatus is what the operator observed of a platform.
type DataPlatformStatus struct {
	// conditions are Ready, Reconciling, Stalled, StorageReady, PortalReady,
	// NetworkIsolated, ReconciliationPaused, Hibernated and BackupHealthy
	// (with spec.backup).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the metadata.generation that status describes;
	// -1 until the first complete reconcile.
	// +optional
	// +kubebuilder:default=-1
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// namespace the platform runs in (scidata-<name>).
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`

	// endpoints where the platform is reached from inside the cluster.
	// +optional
	Endpoints PlatformEndpoints `json:"endpoints,omitempty"`

	// storage is the capacity the data volume has, as bound.
	// +optional
	Storage *resource.Quantity `json:"storage,omitempty"`

	// adopted is true when the platform took over a namespace and data that
	// an earlier platform of the same name retained.
	// +optional
	Adopted bool `json:"adopted,omitempty"`

	// externalStore is what the operator proved of an External store.
	// +optional
	ExternalStore *ExternalStoreStatus `json:"externalStore,omitempty"`

	// backup is what the operator recorded of the platform's backups.
	// +optional
	Backup *BackupStatus `json:"backup,omitempty"`
}

// ExternalStoreStatus is what the operator's probe of an External store
// last proved.
type ExternalStoreStatus struct {
	// accountsVerified identifies the versions of the Secrets (the accounts
	// and the CA bundle: a hash of their UIDs and resourceVersions, never
	// of their data) with which the probe last proved that the writer
	// writes, lists and removes, and that the read-only account reads and
	// cannot write. Until a Secret changes, the probe only checks the
	// bucket.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	AccountsVerified *string `json:"accountsVerified,omitempty"`
}

// PlatformEndpoints are the in-cluster URLs of a platform's services.
type PlatformEndpoints struct {
	// objectStore is the S3 endpoint URL.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	ObjectStore string `json:"objectStore,omitempty"`

	// bucket is the bucket of the platform's data in that store.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Bucket *string `json:"bucket,omitempty"`

	// portal is the catalog portal URL.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Portal string `json:"portal,omitempty"`
}

// DataPlatform is a department's scientific data management platform or the
// city's Scientific Data Center: a namespace with its object store, portal,
// quota, owners' access and network isolation.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=dp;dps,categories=scidata
// +kubebuilder:printcolumn:name="Role",type=string,JSONPath=`.spec.role`
// +kubebuilder:printcolumn:name="Department",type=string,JSONPath=`.spec.department.code`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Storage",type=string,JSONPath=`.spec.storage.size`
// +kubebuilder:printcolumn:name="Paused",type=string,JSONPath=`.status.conditions[?(@.type=="ReconciliationPaused")].status`
// +kubebuilder:printcolumn:name="Hibernated",type=string,JSONPath=`.status.conditions[?(@.type=="Hibernated")].status`
// +kubebuilder:printcolumn:name="Backup",type=string,JSONPath=`.status.conditions[?(@.type=="BackupHealthy")].reason`,priority=1
// +kubebuilder:printcolumn:name="Drilled",type=date,JSONPath=`.status.backup.lastSuccessfulRestoreDrill`,priority=1
// +kubebuilder:printcolumn:name="Max-Class",type=string,JSONPath=`.spec.maxClassification`,priority=1
// +kubebuilder:printcolumn:name="Namespace",type=string,JSONPath=`.status.namespace`,priority=1
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.spec.role != 'Center' || self.metadata.name == 'center'",message="spec.role: the role Center is reserved for the DataPlatform named \"center\": a city has exactly one Scientific Data Center",fieldPath=".spec.role"
// +kubebuilder:validation:XValidation:rule="self.metadata.name != 'center' || self.spec.role == 'Center'",message="spec.role: the name \"center\" is reserved for the city Scientific Data Center; choose another name for a Department platform",fieldPath=".spec.role"
// +kubebuilder:validation:XValidation:rule="!self.metadata.name.startsWith('drill-')",message="metadata.name: names starting with \"drill-\" are reserved: scidata-drill-* namespaces are the restore drills' scratch namespaces"
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 55 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be a DNS label of at most 55 characters: the platform's namespace is scidata-<name>"
// +kubebuilder:validation:XValidation:rule="oldSelf.hasValue() || self.spec.role != 'Department' || self.metadata.name == self.spec.department.code",message="spec.department.code: a Department platform is named for its department (metadata.name equal to department.code), so that the apiserver's name uniqueness allows one platform per department",fieldPath=".spec.department.code",optionalOldSelf=true
type DataPlatform struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the platform.
	// +required
	Spec DataPlatformSpec `json:"spec"`

	// status is what the operator observed.
	// +optional
	Status DataPlatformStatus `json:"status,omitempty"`
}

// DataPlatformList is a list of DataPlatforms.
//
// +kubebuilder:object:root=true
type DataPlatformList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DataPlatform `json:"items"`
}

func init() {
	SchemeBuilder.Register(&DataPlatform{}, &DataPlatformList{})
}
