package access

import (
	"net/url"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

// Keys of the grant's Secret in the namespace of use: a pod mounts it and
// has all it needs to read the data (the grant-check command reads it so).
const (
	KeyAccess    = platform.AccessKeyField
	KeySecret    = platform.SecretKeyField
	KeyEndpoint  = "endpoint"
	KeyBucket    = "bucket"
	KeyPrefix    = "prefix"
	KeyRegion    = "region"
	KeyPathStyle = "pathStyle"
	KeyCA        = "ca.crt"
	KeyExpiresAt = "expiresAt"
)

// Annotations naming a grant's request on what it makes (owner references
// cannot cross namespaces).
const (
	AnnotationRequestNamespace = "scidata.io/access-request-namespace"
	AnnotationRequestName      = "scidata.io/access-request-name"
)

// GrantMount is where the check Job mounts the grant's Secret.
const GrantMount = "/etc/scidata/grant"

// checkContainer is the check Job's one container.
const checkContainer = "check"

// Store is the owner's store as a grant reaches it (from the store
// description, internal/store).
type Store struct {
	// Platform is the owner's DataPlatform; Managed is true when the
	// operator runs its store, in Namespace.
	Platform  string
	Namespace string
	Managed   bool
	// Endpoint is the store's https:// URL; Bucket holds the data.
	Endpoint, Bucket string
	// Region signs requests ("" is us-east-1); PathStyle addresses the
	// bucket in the path.
	Region    string
	PathStyle bool
	// CA is the PEM bundle the store's certificate is checked against
	// (empty: the system roots).
	CA []byte
	// Peers is where an External store answers (store.Peers), for the
	// egress of the grant's pods; a Managed store's pods are the owner's.
	Peers []platform.Peer
}

// Port is the store endpoint's TCP port (443 when the URL names none).
func (s Store) Port() int32 {
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Port() == "" {
		return 443
	}
	p, err := strconv.ParseInt(u.Port(), 10, 32)
	if err != nil {
		return 443
	}
	return int32(p)
}

// Input is what a grant's objects are built from.
type Input struct {
	// Request is the approved AccessRequest; ID its grant id.
	Request *scidatav1.AccessRequest
	ID      string
	Store   Store
	// Access and Secret are the grant's credential.
	Access, Secret string
	// Prefix is what the grant reads (Prefix(entry's data prefix)).
	Prefix    string
	ExpiresAt time.Time
	// UseIsPlatform is true when the namespace of use is a platform's:
	// default-deny both ways, so the grant's pods need an egress rule.
	UseIsPlatform bool
	// Image and PullPolicy run the check Job (the operator's image).
	Image      string
	PullPolicy corev1.PullPolicy
}

// Labels are the labels of everything a grant makes: found by the grant's
// id, and never by a platform's label (a platform's own pruning leaves
// them alone).
func Labels(id, component string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":    "scidata-access-grant",
		"app.kubernetes.io/part-of": "scidata",
		scidatav1.LabelManagedBy:    scidatav1.ManagedBy,
		scidatav1.LabelComponent:    component,
		scidatav1.LabelAccessGrant:  id,
	}
}

func annotations(r *scidatav1.AccessRequest) map[string]string {
	return map[string]string{AnnotationRequestNamespace: r.Namespace, AnnotationRequestName: r.Name}
}

// GrantSecret is the credential in the namespace of use, with where the
// store is and its CA. It carries no owner reference: it may live in
// another namespace than its request, and is removed by the controller
// when the grant ends.
func GrantSecret(in Input) *corev1.Secret {
	data := map[string][]byte{
		KeyAccess:    []byte(in.Access),
		KeySecret:    []byte(in.Secret),
		KeyEndpoint:  []byte(in.Store.Endpoint),
		KeyBucket:    []byte(in.Store.Bucket),
		KeyPrefix:    []byte(in.Prefix),
		KeyPathStyle: []byte(strconv.FormatBool(in.Store.PathStyle)),
		KeyExpiresAt: []byte(in.ExpiresAt.UTC().Format(time.RFC3339)),
	}
	if in.Store.Region != "" {
		data[KeyRegion] = []byte(in.Store.Region)
	}
	if len(in.Store.CA) > 0 {
		data[KeyCA] = in.Store.CA
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: SecretName(in.ID), Namespace: in.Request.Spec.UseNamespace, Labels: Labels(in.ID, ComponentGrant), Annotations: annotations(in.Request)},
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
}

// FileGrant is the grant's line in the owner's store's grants Secret.
func FileGrant(in Input) storeboot.FileGrant {
	return storeboot.FileGrant{ID: in.ID, Access: in.Access, Secret: in.Secret, Prefix: in.Prefix, Expires: in.ExpiresAt.UTC()}
}

// NetworkPolicies are the grant's network path, added to the default-deny
// both sides have: egress from the grant's pods in the namespace of use to
// the owner's store (when that namespace is a platform's, where egress is
// denied by default), and ingress on a Managed owner's store from exactly
// those pods. An External store is reached where its spec says it answers
// (spec.objectStore.external.network); its own network admits or refuses
// the pods beyond that, as its storage team decides.
func NetworkPolicies(in Input) []*networkingv1ac.NetworkPolicyApplyConfiguration {
	port := networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolTCP).WithPort(intstr.FromInt32(in.Store.Port()))
	grantPods := metav1ac.LabelSelector().WithMatchLabels(map[string]string{scidatav1.LabelAccessGrant: in.ID})
	storePods := metav1ac.LabelSelector().WithMatchLabels(map[string]string{scidatav1.LabelPlatform: in.Store.Platform, scidatav1.LabelComponent: platform.ComponentObjectStore})
	policy := func(ns string) *networkingv1ac.NetworkPolicyApplyConfiguration {
		return networkingv1ac.NetworkPolicy(PolicyName(in.ID), ns).WithLabels(Labels(in.ID, ComponentGrant)).WithAnnotations(annotations(in.Request))
	}
	var out []*networkingv1ac.NetworkPolicyApplyConfiguration
	if in.UseIsPlatform {
		egress := platform.PeerRules(in.Store.Peers)
		if in.Store.Managed {
			egress = []*networkingv1ac.NetworkPolicyEgressRuleApplyConfiguration{networkingv1ac.NetworkPolicyEgressRule().
				WithTo(networkingv1ac.NetworkPolicyPeer().
					WithNamespaceSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{corev1.LabelMetadataName: in.Store.Namespace})).
					WithPodSelector(storePods)).
				WithPorts(port)}
		}
		if len(egress) > 0 {
			out = append(out, policy(in.Request.Spec.UseNamespace).WithSpec(networkingv1ac.NetworkPolicySpec().
				WithPodSelector(grantPods).
				WithPolicyTypes(networkingv1.PolicyTypeEgress).
				WithEgress(egress...)))
		}
	}
	if in.Store.Managed {
		out = append(out, policy(in.Store.Namespace).WithSpec(networkingv1ac.NetworkPolicySpec().
			WithPodSelector(storePods).
			WithPolicyTypes(networkingv1.PolicyTypeIngress).
			WithIngress(networkingv1ac.NetworkPolicyIngressRule().
				WithFrom(networkingv1ac.NetworkPolicyPeer().
					WithNamespaceSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{corev1.LabelMetadataName: in.Request.Spec.UseNamespace})).
					WithPodSelector(grantPods)).
				WithPorts(port))))
	}
	return out
}

// CheckJob proves the grant from the namespace of use: a pod carrying the
// grant's label, with the grant's Secret, lists and reads the prefix and is
// refused a write and a listing of the whole bucket (grant-check). Its
// termination message is the result; the controller deletes the Job once
// it has read it.
func CheckJob(in Input) *batchv1.Job {
	labels := Labels(in.ID, ComponentGrantCheck)
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: CheckJobName(in.ID), Namespace: in.Request.Spec.UseNamespace, Labels: labels, Annotations: annotations(in.Request)},
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To[int32](2),
			ActiveDeadlineSeconds: ptr.To[int64](15 * 60),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: platform.WorkerPod{Container: checkContainer, Image: in.Image, PullPolicy: in.PullPolicy,
					Args: []string{"grant-check", "--grant", GrantMount, "--wait", "3m"},
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
						Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
					},
					Mounts: []corev1.VolumeMount{{Name: "grant", MountPath: GrantMount, ReadOnly: true}},
					Volumes: []corev1.Volume{{Name: "grant", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
						SecretName: SecretName(in.ID), DefaultMode: ptr.To[int32](0o440)}}}},
				}.Spec(),
			},
		},
	}
}
