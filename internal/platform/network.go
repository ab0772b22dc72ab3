package platform

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Peer is somewhere the cluster's DNS or apiserver runs, as the cluster's
// EndpointSlices show it: pods (selected by namespace and labels) or host
// addresses (an ipBlock of one address). NetworkPolicies see traffic after
// a Service's address is translated, so the rules name these, never the
// Service's virtual IP.
type Peer struct {
	// CIDR is set for a host endpoint, as "<ip>/32" (or /128).
	CIDR string
	// Namespace and PodLabels are set for pod endpoints.
	Namespace string
	PodLabels map[string]string
	// Ports are the endpoint's ports.
	Ports []Port
}

// Port is a port and protocol of a Peer.
type Port struct {
	Port     int32
	Protocol corev1.Protocol
}

// ClusterNetwork is what the network rules need to know of the cluster.
type ClusterNetwork struct {
	DNS       []Peer
	APIServer []Peer
	// CenterMax is the Center's maxClassification, or "" when there is no Center.
	CenterMax scidatav1.ClassificationLevel
	// OwnStore is where the platform's External store answers (none for a
	// Managed store): its own pods, the Center's sync pods included on the
	// Center, may reach it.
	OwnStore []Peer
	// DepartmentStores (the Center only) is where the External stores of
	// the departments the Center is cleared for answer: the sync pods may
	// reach them.
	DepartmentStores []Peer
	// BackupTarget is where the platform's backup target answers, when it
	// has one and the target is cleared for the platform's level: its
	// backup pods alone may reach it.
	BackupTarget []Peer
}

// NetworkPolicy names.
const (
	PolicyDefaultDeny        = "default-deny"
	PolicyDNS                = "allow-dns"
	PolicySamePlatform       = "allow-same-platform"
	PolicyPortalAPIServer    = "portal-to-apiserver"
	PolicyStoreAPIServer     = "objectstore-to-apiserver"
	PolicyStoreFromSync      = "objectstore-from-center-sync"
	PolicyStoreFromManager   = "objectstore-from-manager"
	PolicyPortalIngress      = "portal-ingress"
	PolicyEgressCenterPortal = "egress-to-center-portal"
	PolicySyncEgress         = "sync-to-department-stores"
	PolicyUpstream           = "egress-to-upstream"
	PolicyStoreEgress        = "egress-to-external-store"
	PolicyBackupEgress       = "backup-to-target"
)

// CenterCleared reports whether the Center may sync data from p: it is
// cleared for p's maxClassification. An unclassified platform needs no
// clearance.
func CenterCleared(p *scidatav1.DataPlatform, net ClusterNetwork) bool {
	if !MaxClassification(p).IsClassified() {
		return true
	}
	return net.CenterMax != "" && MaxClassification(p).Within(net.CenterMax)
}

// NetworkPolicies implements the city's table of who may reach whom for one
// platform: default-deny both ways, then only the allowances the table
// lists. A platform above Internal takes nothing from outside its namespace
// but the cleared Center's sync pods, and sends nothing beyond DNS, the
// apiserver (its portal and its store's sidecar) and its own namespace.
func NetworkPolicies(p *scidatav1.DataPlatform, cfg Config, net ClusterNetwork) []*networkingv1ac.NetworkPolicyApplyConfiguration {
	all := []*networkingv1ac.NetworkPolicyApplyConfiguration{
		policy(p, PolicyDefaultDeny, nil, true, true),
		policy(p, PolicyDNS, nil, false, true).WithSpec(policySpec(nil, false, true).WithEgress(PeerRules(net.DNS)...)),
		policy(p, PolicySamePlatform, nil, true, true).WithSpec(policySpec(nil, true, true).
			WithIngress(networkingv1ac.NetworkPolicyIngressRule().WithFrom(networkingv1ac.NetworkPolicyPeer().WithPodSelector(metav1ac.LabelSelector()))).
			WithEgress(networkingv1ac.NetworkPolicyEgressRule().WithTo(networkingv1ac.NetworkPolicyPeer().WithPodSelector(metav1ac.LabelSelector())))),
		policy(p, PolicyPortalAPIServer, nil, false, true).WithSpec(policySpec(Selector(p, ComponentPortal), false, true).WithEgress(PeerRules(net.APIServer)...)),
	}
	if Managed(p) {
		// The store's sidecar watches the grants Secret (StoreGrantsRole).
		all = append(all, policy(p, PolicyStoreAPIServer, nil, false, true).WithSpec(policySpec(Selector(p, ComponentObjectStore), false, true).WithEgress(PeerRules(net.APIServer)...)))
	}
	if len(net.OwnStore) > 0 {
		// An External store: every pod of the platform may reach it (its
		// owners' tools, and on the Center the sync pods), and nothing else
		// of the store's network, classified or not.
		all = append(all, policy(p, PolicyStoreEgress, nil, false, true).WithSpec(policySpec(nil, false, true).WithEgress(PeerRules(net.OwnStore)...)))
	}
	if len(net.BackupTarget) > 0 {
		// The backup Jobs' pods reach the declared target, and nothing else
		// of its network; the caller gives the target only when it is
		// cleared for the platform's level, classified or not.
		all = append(all, policy(p, PolicyBackupEgress, nil, false, true).WithSpec(
			policySpec(Selector(p, ComponentBackup), false, true).WithEgress(PeerRules(net.BackupTarget)...)))
	}
	if p.Spec.Role == scidatav1.RoleCenter {
		return append(all, centerPolicies(p, cfg, net)...)
	}
	return append(all, departmentPolicies(p, net)...)
}

func centerPolicies(p *scidatav1.DataPlatform, cfg Config, net ClusterNetwork) []*networkingv1ac.NetworkPolicyApplyConfiguration {
	// The sync pods pull from department stores: the Managed ones' pods,
	// and the External ones of the departments the Center is cleared for.
	syncEgress := append([]*networkingv1ac.NetworkPolicyEgressRuleApplyConfiguration{networkingv1ac.NetworkPolicyEgressRule().
		WithTo(networkingv1ac.NetworkPolicyPeer().
			WithNamespaceSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelDepartment})).
			WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{scidatav1.LabelComponent: ComponentObjectStore}))).
		WithPorts(tcp(ObjectStorePort))}, PeerRules(net.DepartmentStores)...)
	out := []*networkingv1ac.NetworkPolicyApplyConfiguration{
		// Every platform's pods, and the listed public namespaces and CIDRs,
		// reach the Center's portal.
		policy(p, PolicyPortalIngress, nil, true, false).WithSpec(policySpec(Selector(p, ComponentPortal), true, false).
			WithIngress(networkingv1ac.NetworkPolicyIngressRule().WithFrom(centerPortalPeers(p)...).WithPorts(tcp(PortalPort)))),
		policy(p, PolicySyncEgress, nil, false, true).WithSpec(policySpec(map[string]string{scidatav1.LabelComponent: ComponentSync}, false, true).
			WithEgress(syncEgress...)),
	}
	if Managed(p) {
		// The manager reads manifests back and writes receipts.
		out = append([]*networkingv1ac.NetworkPolicyApplyConfiguration{
			policy(p, PolicyStoreFromManager, nil, true, false).WithSpec(policySpec(Selector(p, ComponentObjectStore), true, false).
				WithIngress(networkingv1ac.NetworkPolicyIngressRule().
					WithFrom(podsIn(cfg.OperatorNamespace, map[string]string{scidatav1.LabelComponent: ComponentManager})).
					WithPorts(tcp(ObjectStorePort))))}, out...)
	}
	if u := p.Spec.Upstream; u != nil {
		port := u.Port
		if port == 0 {
			port = 443
		}
		rule := networkingv1ac.NetworkPolicyEgressRule().WithPorts(tcp(port))
		for _, c := range u.CIDRs {
			rule.WithTo(networkingv1ac.NetworkPolicyPeer().WithIPBlock(networkingv1ac.IPBlock().WithCIDR(c)))
		}
		out = append(out, policy(p, PolicyUpstream, nil, false, true).WithSpec(policySpec(nil, false, true).WithEgress(rule)))
	}
	return out
}

func centerPortalPeers(p *scidatav1.DataPlatform) []*networkingv1ac.NetworkPolicyPeerApplyConfiguration {
	peers := []*networkingv1ac.NetworkPolicyPeerApplyConfiguration{
		networkingv1ac.NetworkPolicyPeer().WithNamespaceSelector(metav1ac.LabelSelector().
			WithMatchExpressions(metav1ac.LabelSelectorRequirement().WithKey(scidatav1.LabelPlatform).WithOperator("Exists"))),
	}
	if n := p.Spec.Network; n != nil {
		for _, ns := range append(append([]string{}, n.PublicNamespaces...), n.AllowedNamespaces...) {
			peers = append(peers, namespacePeer(ns))
		}
		for _, c := range n.PublicCIDRs {
			peers = append(peers, networkingv1ac.NetworkPolicyPeer().WithIPBlock(networkingv1ac.IPBlock().WithCIDR(c)))
		}
	}
	return peers
}

func departmentPolicies(p *scidatav1.DataPlatform, net ClusterNetwork) []*networkingv1ac.NetworkPolicyApplyConfiguration {
	var out []*networkingv1ac.NetworkPolicyApplyConfiguration
	if CenterCleared(p, net) && Managed(p) {
		out = append(out, policy(p, PolicyStoreFromSync, nil, true, false).WithSpec(policySpec(Selector(p, ComponentObjectStore), true, false).
			WithIngress(networkingv1ac.NetworkPolicyIngressRule().
				WithFrom(podsIn(CenterNamespace, map[string]string{scidatav1.LabelComponent: ComponentSync})).
				WithPorts(tcp(ObjectStorePort)))))
	}
	if MaxClassification(p).IsClassified() {
		return out
	}
	out = append(out, policy(p, PolicyEgressCenterPortal, nil, false, true).WithSpec(policySpec(nil, false, true).
		WithEgress(networkingv1ac.NetworkPolicyEgressRule().
			WithTo(podsIn(CenterNamespace, map[string]string{scidatav1.LabelComponent: ComponentPortal})).
			WithPorts(tcp(PortalPort)))))
	if n := p.Spec.Network; n != nil && len(n.AllowedNamespaces) > 0 {
		rule := networkingv1ac.NetworkPolicyIngressRule().WithPorts(tcp(PortalPort))
		for _, ns := range n.AllowedNamespaces {
			rule.WithFrom(namespacePeer(ns))
		}
		out = append(out, policy(p, PolicyPortalIngress, nil, true, false).WithSpec(policySpec(Selector(p, ComponentPortal), true, false).WithIngress(rule)))
	}
	return out
}

// policy starts a NetworkPolicy whose spec selects pods (all when nil) for
// the given directions, with no rules: a deny until rules are added.
func policy(p *scidatav1.DataPlatform, name string, pods map[string]string, ingress, egress bool) *networkingv1ac.NetworkPolicyApplyConfiguration {
	return networkingv1ac.NetworkPolicy(name, Namespace(p)).
		WithLabels(Labels(p, "network")).
		WithOwnerReferences(ownerRef(p)).
		WithSpec(policySpec(pods, ingress, egress))
}

func policySpec(pods map[string]string, ingress, egress bool) *networkingv1ac.NetworkPolicySpecApplyConfiguration {
	sel := metav1ac.LabelSelector()
	if len(pods) > 0 {
		sel.WithMatchLabels(pods)
	}
	spec := networkingv1ac.NetworkPolicySpec().WithPodSelector(sel)
	if ingress {
		spec.WithPolicyTypes(networkingv1.PolicyTypeIngress)
	}
	if egress {
		spec.WithPolicyTypes(networkingv1.PolicyTypeEgress)
	}
	return spec
}

// PeerRules turns peers into egress rules, one per peer so that each keeps
// its own ports.
func PeerRules(peers []Peer) []*networkingv1ac.NetworkPolicyEgressRuleApplyConfiguration {
	var rules []*networkingv1ac.NetworkPolicyEgressRuleApplyConfiguration
	for _, peer := range peers {
		rule := networkingv1ac.NetworkPolicyEgressRule()
		if peer.CIDR != "" {
			rule.WithTo(networkingv1ac.NetworkPolicyPeer().WithIPBlock(networkingv1ac.IPBlock().WithCIDR(peer.CIDR)))
		} else {
			rule.WithTo(podsIn(peer.Namespace, peer.PodLabels))
		}
		for _, port := range peer.Ports {
			rule.WithPorts(networkingv1ac.NetworkPolicyPort().WithProtocol(port.Protocol).WithPort(intstr.FromInt32(port.Port)))
		}
		rules = append(rules, rule)
	}
	return rules
}

func podsIn(namespace string, labels map[string]string) *networkingv1ac.NetworkPolicyPeerApplyConfiguration {
	return networkingv1ac.NetworkPolicyPeer().
		WithNamespaceSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{corev1.LabelMetadataName: namespace})).
		WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(labels))
}

func namespacePeer(namespace string) *networkingv1ac.NetworkPolicyPeerApplyConfiguration {
	return networkingv1ac.NetworkPolicyPeer().
		WithNamespaceSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{corev1.LabelMetadataName: namespace}))
}

func tcp(port int32) *networkingv1ac.NetworkPolicyPortApplyConfiguration {
	return networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolTCP).WithPort(intstr.FromInt32(port))
}
