package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

// Paths inside the object store's containers.
const (
	storeDataPath     = "/data"
	storeTLSPath      = "/etc/scidata/tls"
	storeCAPath       = "/etc/scidata/ca"
	storeAccountsPath = "/etc/scidata/accounts"
	storeGrantsPath   = "/etc/scidata/grants"
	// serviceAccountPath is where client-go's in-cluster config looks.
	serviceAccountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
	storeAdminPath     = "/run/scidata/admin"
	// StoreAdminSocket is the S3 server's admin API (--admin-port): a UNIX
	// socket on a volume only the store's own containers mount, so no
	// network reaches it. The bootstrap sidecar makes and deletes the
	// access grants' accounts there.
	StoreAdminSocket = storeAdminPath + "/admin.sock"
	// StoreBootstrapPort is where the bootstrap sidecar answers /readyz.
	StoreBootstrapPort = 9091
)

// StoreGrant is an account of a managed store and what it may do in the
// platform's bucket (the levels of `store-bootstrap --grant`).
type StoreGrant struct {
	// Name names the account in the store's pod; Secret holds its keys.
	Name, Secret string
	// Access is read, write or manage.
	Access string
}

// StoreGrants are a managed store's ordinary accounts. On a department
// store the owners manage their data and the Center's account only reads
// it. On the Center's store the sync account writes submitted data and
// receipts and can delete nothing, and the owners only read: no person can
// alter what was received.
func StoreGrants(p *scidatav1.DataPlatform) []StoreGrant {
	if p.Spec.Role == scidatav1.RoleCenter {
		return []StoreGrant{
			{"sync", SyncCredentialsName, "write"},
			{"upload", UploadCredentialsName, "read"},
		}
	}
	return []StoreGrant{
		{"upload", UploadCredentialsName, "manage"},
		{"center-read", CenterReadCredentialsName, "read"},
	}
}

// ObjectStoreDNSNames are the names the store's certificate is valid for.
func ObjectStoreDNSNames(p *scidatav1.DataPlatform) []string {
	ns := Namespace(p)
	return []string{
		ObjectStoreName,
		ObjectStoreName + "." + ns,
		ObjectStoreName + "." + ns + ".svc",
		ObjectStoreName + "." + ns + ".svc.cluster.local",
	}
}

// Annotations of the store's pod template: what the pod was started with.
const (
	AnnotationServingCertificate = "scidata.io/serving-certificate"
	AnnotationAccounts           = "scidata.io/accounts"
)

// StoreRevision identifies the serving certificate (CertificateID) and the
// accounts (AccountsID) a store's pod must start with.
type StoreRevision struct {
	Certificate string
	Accounts    string
}

// AccountsID identifies a set of accounts by their access keys (the
// SHA-256 of "name=access" lines, first 16 bytes, hex): secrets never enter
// it, and a replaced account changes it.
func AccountsID(accessKeys map[string]string) string {
	names := make([]string, 0, len(accessKeys))
	for n := range accessKeys {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s=%s\n", n, accessKeys[n])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// CertificateID identifies a certificate by the SHA-256 of its PEM (the
// first 16 bytes, hex); "" for none.
func CertificateID(certPEM []byte) string {
	if len(certPEM) == 0 {
		return ""
	}
	sum := sha256.Sum256(certPEM)
	return hex.EncodeToString(sum[:16])
}

// Managed reports whether the operator runs the platform's S3 server.
func Managed(p *scidatav1.DataPlatform) bool {
	return p.Spec.ObjectStore.Mode != scidatav1.ObjectStoreExternal
}

// ObjectStoreStatefulSet runs the managed S3 server on one volume claimed
// from spec.storage. The claim template is immutable once created; growth
// is done by patching the claims (see the controller), so the template
// keeps the size the store was created with.
//
// rev identifies what the store's pod reads only when it starts: a renewed
// serving certificate or a replaced account rolls the pod, which a changed
// annotation of the pod template does. bucket is the one the store serves,
// from the store's description (internal/store).
func ObjectStoreStatefulSet(p *scidatav1.DataPlatform, cfg Config, templateSize resource.Quantity, rev StoreRevision, bucket string) *appsv1ac.StatefulSetApplyConfiguration {
	labels := Labels(p, ComponentObjectStore)
	// volumeClaimTemplates is an atomic list: the field manager owns each
	// template whole, defaults included. The template states the
	// apiserver's defaults (volumeMode, status phase) so that what was
	// applied compares equal to what is built, and a steady state writes
	// nothing.
	claim := (&corev1ac.PersistentVolumeClaimApplyConfiguration{}).
		WithName(ObjectStoreDataVolume).
		WithLabels(Labels(p, ComponentObjectStore)).
		WithSpec(corev1ac.PersistentVolumeClaimSpec().
			WithAccessModes(corev1.ReadWriteOnce).
			WithVolumeMode(corev1.PersistentVolumeFilesystem).
			WithResources(corev1ac.VolumeResourceRequirements().WithRequests(corev1.ResourceList{corev1.ResourceStorage: templateSize}))).
		WithStatus(corev1ac.PersistentVolumeClaimStatus().WithPhase(corev1.ClaimPending))
	if p.Spec.Storage.StorageClassName != nil {
		claim.Spec.WithStorageClassName(*p.Spec.Storage.StorageClassName)
	}
	return appsv1ac.StatefulSet(ObjectStoreName, Namespace(p)).
		WithLabels(labels).
		WithOwnerReferences(ownerRef(p)).
		WithSpec(appsv1ac.StatefulSetSpec().
			WithReplicas(1).
			WithServiceName(ObjectStoreHeadlessName).
			WithSelector(metaSelector(Selector(p, ComponentObjectStore))).
			// Retain: the claims outlive the StatefulSet (DESIGN: data is
			// never deleted as a side effect).
			WithPersistentVolumeClaimRetentionPolicy(appsv1ac.StatefulSetPersistentVolumeClaimRetentionPolicy().
				WithWhenDeleted(appsv1.RetainPersistentVolumeClaimRetentionPolicyType).
				WithWhenScaled(appsv1.RetainPersistentVolumeClaimRetentionPolicyType)).
			WithVolumeClaimTemplates(claim).
			WithTemplate(corev1ac.PodTemplateSpec().
				WithLabels(labels).
				WithAnnotations(map[string]string{AnnotationServingCertificate: rev.Certificate, AnnotationAccounts: rev.Accounts}).
				WithSpec(objectStorePod(p, cfg, bucket))))
}

// storePodParts is what the store pod's containers share: the root
// account's environment, the IAM mount and the accounts' mounts.
type storePodParts struct {
	rootAccess, rootSecret  *corev1ac.EnvVarApplyConfiguration
	iamMount                *corev1ac.VolumeMountApplyConfiguration
	grantsMount, adminMount *corev1ac.VolumeMountApplyConfiguration
	accountMounts           []*corev1ac.VolumeMountApplyConfiguration
	initArgs, bootArgs      []string
	volumes                 []*corev1ac.VolumeApplyConfiguration
}

func newStorePodParts(p *scidatav1.DataPlatform, bucket string) storePodParts {
	secretEnv := func(name, key string) *corev1ac.EnvVarApplyConfiguration {
		return corev1ac.EnvVar().WithName(name).WithValueFrom(corev1ac.EnvVarSource().
			WithSecretKeyRef(corev1ac.SecretKeySelector().WithName(RootCredentialsName).WithKey(key)))
	}
	parts := storePodParts{
		rootAccess:  secretEnv("ROOT_ACCESS_KEY", AccessKeyField),
		rootSecret:  secretEnv("ROOT_SECRET_KEY", SecretKeyField),
		iamMount:    corev1ac.VolumeMount().WithName(ObjectStoreDataVolume).WithMountPath(storeDataPath + "/iam").WithSubPath("iam"),
		grantsMount: corev1ac.VolumeMount().WithName("grants").WithMountPath(storeGrantsPath).WithReadOnly(true),
		adminMount:  corev1ac.VolumeMount().WithName("admin").WithMountPath(storeAdminPath),
		initArgs:    []string{"store-init", "--iam-dir", storeDataPath + "/iam", "--grants-file", storeGrantsPath + "/" + storeboot.GrantsFile},
		bootArgs: []string{"store-bootstrap",
			"--endpoint", fmt.Sprintf("127.0.0.1:%d", ObjectStorePort),
			"--server-name", ObjectStoreDNSNames(p)[2],
			"--ca-file", storeCAPath + "/ca.crt",
			"--bucket", bucket,
			"--health-addr", fmt.Sprintf(":%d", StoreBootstrapPort),
			"--grants-file", storeGrantsPath + "/" + storeboot.GrantsFile,
			"--grants-secret", Namespace(p) + "/" + GrantsSecretName,
			"--admin-socket", StoreAdminSocket,
		},
		volumes: []*corev1ac.VolumeApplyConfiguration{
			corev1ac.Volume().WithName("tls").WithSecret(corev1ac.SecretVolumeSource().WithSecretName(TLSSecretName).WithDefaultMode(0o440)),
			corev1ac.Volume().WithName("ca").WithConfigMap(corev1ac.ConfigMapVolumeSource().WithName(CABundleName).WithDefaultMode(0o444)),
			// The access grants, updated in place by the kubelet when the
			// operator writes the Secret: a grant never restarts the pod.
			corev1ac.Volume().WithName("grants").WithSecret(corev1ac.SecretVolumeSource().WithSecretName(GrantsSecretName).WithDefaultMode(0o440)),
			corev1ac.Volume().WithName("admin").WithEmptyDir(corev1ac.EmptyDirVolumeSource().WithMedium(corev1.StorageMediumMemory).WithSizeLimit(resource.MustParse("1Mi"))),
			// The ServiceAccount's token, for the sidecar alone: the pod does
			// not automount it, so the S3 server never holds it.
			corev1ac.Volume().WithName("grants-reader-token").WithProjected(corev1ac.ProjectedVolumeSource().
				WithDefaultMode(0o440).
				WithSources(
					corev1ac.VolumeProjection().WithServiceAccountToken(corev1ac.ServiceAccountTokenProjection().
						WithPath("token").WithExpirationSeconds(3600)),
					corev1ac.VolumeProjection().WithConfigMap(corev1ac.ConfigMapProjection().
						WithName("kube-root-ca.crt").WithItems(corev1ac.KeyToPath().WithKey("ca.crt").WithPath("ca.crt"))),
					corev1ac.VolumeProjection().WithDownwardAPI(corev1ac.DownwardAPIProjection().
						WithItems(corev1ac.DownwardAPIVolumeFile().WithPath("namespace").
							WithFieldRef(corev1ac.ObjectFieldSelector().WithAPIVersion("v1").WithFieldPath("metadata.namespace")))))),
		},
	}
	for _, a := range StoreGrants(p) {
		dir := storeAccountsPath + "/" + a.Name
		parts.initArgs = append(parts.initArgs, "--account", a.Name+"="+dir)
		parts.bootArgs = append(parts.bootArgs, "--grant", a.Name+"="+dir+":"+a.Access)
		parts.accountMounts = append(parts.accountMounts, corev1ac.VolumeMount().WithName("account-"+a.Name).WithMountPath(dir).WithReadOnly(true))
		parts.volumes = append(parts.volumes, corev1ac.Volume().WithName("account-"+a.Name).WithSecret(corev1ac.SecretVolumeSource().
			WithSecretName(a.Secret).WithDefaultMode(0o440)))
	}
	return parts
}

// smallContainer is what the store's helper containers ask for.
var smallContainer = corev1.ResourceRequirements{
	Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
	Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
}

func objectStorePod(p *scidatav1.DataPlatform, cfg Config, bucket string) *corev1ac.PodSpecApplyConfiguration {
	parts := newStorePodParts(p, bucket)
	return corev1ac.PodSpec().
		WithServiceAccountName(GrantsReaderName).
		WithAutomountServiceAccountToken(false).
		WithEnableServiceLinks(false).
		WithSecurityContext(restrictedPod()).
		WithInitContainers(storeInitContainer(cfg, parts), storeBootstrapContainer(cfg, parts)).
		WithContainers(s3Container(p, cfg, parts)).
		WithVolumes(parts.volumes...)
}

// storeInitContainer writes the accounts into the server's IAM file before
// the server starts.
func storeInitContainer(cfg Config, parts storePodParts) *corev1ac.ContainerApplyConfiguration {
	return corev1ac.Container().
		WithName("store-init").
		WithImage(cfg.OperatorImage).
		WithImagePullPolicy(cfg.ImagePullPolicy).
		WithArgs(parts.initArgs...).
		WithEnv(parts.rootAccess).
		WithResources(resources(nil, smallContainer)).
		WithSecurityContext(restrictedContainer()).
		WithVolumeMounts(append([]*corev1ac.VolumeMountApplyConfiguration{parts.iamMount, parts.grantsMount}, parts.accountMounts...)...)
}

// storeBootstrapContainer is a sidecar (an init container that keeps
// running): it makes the bucket, keeps its policy and the access grants'
// accounts, and holds the pod unready until the accounts can use the
// bucket.
func storeBootstrapContainer(cfg Config, parts storePodParts) *corev1ac.ContainerApplyConfiguration {
	return corev1ac.Container().
		WithName("store-bootstrap").
		WithImage(cfg.OperatorImage).
		WithImagePullPolicy(cfg.ImagePullPolicy).
		WithRestartPolicy(corev1.ContainerRestartPolicyAlways).
		WithArgs(parts.bootArgs...).
		WithEnv(parts.rootAccess, parts.rootSecret).
		WithPorts(corev1ac.ContainerPort().WithName("bootstrap").WithContainerPort(StoreBootstrapPort).WithProtocol(corev1.ProtocolTCP)).
		WithReadinessProbe(corev1ac.Probe().WithPeriodSeconds(5).
			WithHTTPGet(corev1ac.HTTPGetAction().WithPath("/readyz").WithPort(intstr.FromString("bootstrap")))).
		WithLivenessProbe(corev1ac.Probe().WithPeriodSeconds(20).WithFailureThreshold(3).
			WithHTTPGet(corev1ac.HTTPGetAction().WithPath("/healthz").WithPort(intstr.FromString("bootstrap")))).
		WithResources(resources(nil, smallContainer)).
		WithSecurityContext(restrictedContainer()).
		WithVolumeMounts(append([]*corev1ac.VolumeMountApplyConfiguration{
			corev1ac.VolumeMount().WithName("ca").WithMountPath(storeCAPath).WithReadOnly(true), parts.grantsMount, parts.adminMount,
			corev1ac.VolumeMount().WithName("grants-reader-token").WithMountPath(serviceAccountPath).WithReadOnly(true)}, parts.accountMounts...)...)
}

// s3Container is the S3 server itself.
func s3Container(p *scidatav1.DataPlatform, cfg Config, parts storePodParts) *corev1ac.ContainerApplyConfiguration {
	probe := func() *corev1ac.ProbeApplyConfiguration {
		return corev1ac.Probe().WithTCPSocket(corev1ac.TCPSocketAction().WithPort(intstr.FromString("s3")))
	}
	return corev1ac.Container().
		WithName("s3").
		WithImage(cfg.ObjectStoreImage).
		WithImagePullPolicy(cfg.ImagePullPolicy).
		WithArgs(
			"--port", fmt.Sprintf(":%d", ObjectStorePort),
			"--cert", storeTLSPath+"/tls.crt",
			"--key", storeTLSPath+"/tls.key",
			"--iam-dir", storeDataPath+"/iam",
			"--admin-port", StoreAdminSocket,
			"--quiet",
			"posix", storeDataPath+"/buckets",
		).
		WithEnv(parts.rootAccess, parts.rootSecret).
		WithPorts(corev1ac.ContainerPort().WithName("s3").WithContainerPort(ObjectStorePort).WithProtocol(corev1.ProtocolTCP)).
		WithReadinessProbe(probe().WithPeriodSeconds(5)).
		WithLivenessProbe(probe().WithPeriodSeconds(20).WithFailureThreshold(3)).
		WithResources(resources(p.Spec.ObjectStore.Resources, corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
		})).
		WithSecurityContext(restrictedContainer()).
		WithVolumeMounts(
			// versitygw needs both directories to exist; the kubelet
			// creates a subPath on the volume when it is missing.
			corev1ac.VolumeMount().WithName(ObjectStoreDataVolume).WithMountPath(storeDataPath+"/buckets").WithSubPath("buckets"),
			parts.iamMount,
			corev1ac.VolumeMount().WithName("tls").WithMountPath(storeTLSPath).WithReadOnly(true),
			parts.adminMount,
		)
}

// ObjectStoreService is the store's client Service.
func ObjectStoreService(p *scidatav1.DataPlatform) *corev1ac.ServiceApplyConfiguration {
	return service(p, ObjectStoreName, ComponentObjectStore, ObjectStorePort, "s3", false)
}

// ObjectStoreHeadlessService gives the StatefulSet's pod its stable name.
func ObjectStoreHeadlessService(p *scidatav1.DataPlatform) *corev1ac.ServiceApplyConfiguration {
	return service(p, ObjectStoreHeadlessName, ComponentObjectStore, ObjectStorePort, "s3", true)
}

func service(p *scidatav1.DataPlatform, name, component string, port int32, portName string, headless bool) *corev1ac.ServiceApplyConfiguration {
	spec := corev1ac.ServiceSpec().
		WithSelector(Selector(p, component)).
		WithPorts(corev1ac.ServicePort().WithName(portName).WithPort(port).WithTargetPort(intstr.FromString(portName)).WithProtocol(corev1.ProtocolTCP))
	if headless {
		spec.WithClusterIP(corev1.ClusterIPNone).WithPublishNotReadyAddresses(true)
	} else {
		spec.WithType(corev1.ServiceTypeClusterIP)
	}
	return corev1ac.Service(name, Namespace(p)).
		WithLabels(Labels(p, component)).
		WithOwnerReferences(ownerRef(p)).
		WithSpec(spec)
}

func metaSelector(labels map[string]string) *metav1ac.LabelSelectorApplyConfiguration {
	return metav1ac.LabelSelector().WithMatchLabels(labels)
}
