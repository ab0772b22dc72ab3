package platform

import (
	"crypto/sha256"
	"encoding/hex"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// A restore drill runs in a scratch namespace of its own, never the
// platform's: a temporary store, the Job that restores into it, and the
// Secrets and NetworkPolicies they need, all removed with the namespace
// when the drill ends.
const (
	// ComponentRestoreDrill labels the drill's namespace, Job and pods.
	ComponentRestoreDrill = "restore-drill"
	// LabelDrillOf, on a scratch namespace, names the platform it drills.
	LabelDrillOf = "scidata.io/restore-drill-of"
	// DrillNamespacePrefix starts every scratch namespace. No platform's
	// namespace can have it: the API refuses platform names starting with
	// "drill-".
	DrillNamespacePrefix = scidatav1.NamespacePrefix + "drill-"
	// PolicyDrillEgress lets the drill's pods reach the backup target.
	PolicyDrillEgress = "restore-drill-to-target"
)

// DrillNamespace is the name of p's scratch namespace: fixed per platform
// (one drill at a time), from a hash of its name, which may be 55
// characters long.
func DrillNamespace(p *scidatav1.DataPlatform) string {
	sum := sha256.Sum256([]byte(p.Name))
	return DrillNamespacePrefix + hex.EncodeToString(sum[:6])
}

// DrillNamespaceObject is p's scratch namespace: restricted, owned by the
// platform (deleting the platform removes it; it holds only a copy of a
// backup), labelled with the platform it drills but not as the platform's
// own namespace.
func DrillNamespaceObject(p *scidatav1.DataPlatform) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: DrillNamespace(p),
		Labels: map[string]string{
			"app.kubernetes.io/part-of":                  "scidata",
			scidatav1.LabelManagedBy:                     scidatav1.ManagedBy,
			scidatav1.LabelComponent:                     ComponentRestoreDrill,
			LabelDrillOf:                                 p.Name,
			"pod-security.kubernetes.io/enforce":         "restricted",
			"pod-security.kubernetes.io/enforce-version": "latest",
			"pod-security.kubernetes.io/warn":            "restricted",
		},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: scidatav1.GroupVersion.String(), Kind: "DataPlatform",
			Name: p.Name, UID: p.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
	}}
}

// IsDrillNamespaceOf reports whether ns is p's scratch namespace as the
// operator made it: its name, its label and p as its controller. A
// namespace of that name made by anyone else is never written into.
func IsDrillNamespaceOf(ns *corev1.Namespace, p *scidatav1.DataPlatform) bool {
	if ns.Name != DrillNamespace(p) || ns.Labels[LabelDrillOf] != p.Name || ns.Labels[scidatav1.LabelManagedBy] != scidatav1.ManagedBy {
		return false
	}
	ref := metav1.GetControllerOf(ns)
	return ref != nil && ref.UID == p.UID
}

// DrillNetworkPolicies are the scratch namespace's rules: default-deny
// both ways, DNS, and the drill's pods to the backup target (targets, the
// peers of the platform's backup-to-target rule). The temporary store runs
// in the drill's own pod, so nothing else is allowed, not even traffic
// within the namespace.
func DrillNetworkPolicies(p *scidatav1.DataPlatform, dns, target []Peer) []*networkingv1ac.NetworkPolicyApplyConfiguration {
	ns := DrillNamespace(p)
	mk := func(name string, pods map[string]string, ingress, egress bool) *networkingv1ac.NetworkPolicyApplyConfiguration {
		return networkingv1ac.NetworkPolicy(name, ns).
			WithLabels(Labels(p, "network")).
			WithOwnerReferences(ownerRef(p)).
			WithSpec(policySpec(pods, ingress, egress))
	}
	return []*networkingv1ac.NetworkPolicyApplyConfiguration{
		mk(PolicyDefaultDeny, nil, true, true),
		mk(PolicyDNS, nil, false, true).WithSpec(policySpec(nil, false, true).WithEgress(PeerRules(dns)...)),
		mk(PolicyDrillEgress, nil, false, true).WithSpec(policySpec(Selector(p, ComponentRestoreDrill), false, true).WithEgress(PeerRules(target)...)),
	}
}
