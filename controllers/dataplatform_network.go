package controllers

import (
	"context"
	"fmt"
	"net/netip"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/apply"
	"github.com/scidata-io/scidata-operator/internal/backup"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/store"
)

// reconcileNetwork applies the platform's NetworkPolicies, built from what
// the cluster shows (the DNS and apiserver endpoints, the Center's
// clearance), and removes the ones no longer wanted.
func (r *DataPlatformReconciler) reconcileNetwork(ctx context.Context, s *platformScope) error {
	net, err := r.clusterNetwork(ctx)
	if err != nil {
		return err
	}
	net.OwnStore = store.Peers(s.dp, r.Config.OperatorNamespace)
	if backup.Cleared(s.dp) == nil {
		net.BackupTarget = store.TargetPeers(s.dp, r.Config.OperatorNamespace)
	}
	if s.dp.Spec.Role == scidatav1.RoleCenter {
		if net.DepartmentStores, err = r.departmentStorePeers(ctx, net); err != nil {
			return err
		}
	}
	s.network = net
	want := map[string]bool{}
	for _, np := range platform.NetworkPolicies(s.dp, r.Config, net) {
		want[*np.GetName()] = true
		if _, err := apply.Ensure(ctx, r.Client, np, &networkingv1.NetworkPolicy{}, networkingv1ac.ExtractNetworkPolicy); err != nil {
			return err
		}
	}
	if err := r.pruneNetworkPolicies(ctx, s.dp, want); err != nil {
		return err
	}
	s.isolated = networkObservation(s.dp, net, len(want))
	return nil
}

func networkObservation(dp *scidatav1.DataPlatform, net platform.ClusterNetwork, n int) observation {
	switch {
	case len(net.DNS) == 0:
		return notReady(scidatav1.ReasonClusterDNSUnknown, "the cluster DNS Service has no endpoints, so the platform's pods are isolated but cannot resolve names; check the DNS Service the operator is configured with (--dns-service)")
	case len(net.APIServer) == 0:
		return notReady(scidatav1.ReasonAPIServerUnknown, "the default/kubernetes Service has no endpoints, so the portal cannot be allowed to reach the apiserver")
	case dp.Spec.Role == scidatav1.RoleDepartment && !platform.CenterCleared(dp, net):
		return ready(scidatav1.ReasonIsolatedUncleared, fmt.Sprintf("%d NetworkPolicies enforce the city's network table; the Center is not cleared for %s data, so no sync pod may reach this store", n, platform.MaxClassification(dp))+noStoreNetwork(dp, net))
	default:
		return ready(scidatav1.ReasonPoliciesApplied, fmt.Sprintf("%d NetworkPolicies enforce the city's network table", n)+noStoreNetwork(dp, net))
	}
}

// noStoreNetwork says, for an External store stored before its network
// was required, that no pod may reach it.
func noStoreNetwork(dp *scidatav1.DataPlatform, net platform.ClusterNetwork) string {
	if platform.Managed(dp) || len(net.OwnStore) > 0 {
		return ""
	}
	return "; no pod may reach the External store: set spec.objectStore.external.network"
}

// departmentStorePeers is where the External stores of the departments
// the Center is cleared for answer, by department name, each once.
func (r *DataPlatformReconciler) departmentStorePeers(ctx context.Context, net platform.ClusterNetwork) ([]platform.Peer, error) {
	var list scidatav1.DataPlatformList
	if err := r.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("list platforms: %w", err)
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
	var peers []platform.Peer
	for i := range list.Items {
		d := &list.Items[i]
		if d.Spec.Role != scidatav1.RoleDepartment || !d.DeletionTimestamp.IsZero() || !platform.CenterCleared(d, net) {
			continue
		}
		peers = append(peers, store.Peers(d, r.Config.OperatorNamespace)...)
	}
	return dedupe(peers), nil
}

func (r *DataPlatformReconciler) pruneNetworkPolicies(ctx context.Context, dp *scidatav1.DataPlatform, want map[string]bool) error {
	var list networkingv1.NetworkPolicyList
	if err := r.List(ctx, &list, client.InNamespace(platform.Namespace(dp)), client.MatchingLabels{scidatav1.LabelPlatform: dp.Name, scidatav1.LabelManagedBy: scidatav1.ManagedBy}); err != nil {
		return fmt.Errorf("list network policies: %w", err)
	}
	for i := range list.Items {
		if np := &list.Items[i]; !want[np.Name] {
			if err := r.Delete(ctx, np); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("delete network policy %s: %w", np.Name, err)
			}
		}
	}
	return nil
}

// clusterNetwork reads the DNS and apiserver endpoints and the Center's clearance.
func (r *DataPlatformReconciler) clusterNetwork(ctx context.Context) (platform.ClusterNetwork, error) {
	var net platform.ClusterNetwork
	var err error
	if net.DNS, err = r.servicePeers(ctx, r.DNSService); err != nil {
		return net, err
	}
	if net.APIServer, err = r.servicePeers(ctx, platform.APIServerService); err != nil {
		return net, err
	}
	var center scidatav1.DataPlatform
	if err := r.Get(ctx, types.NamespacedName{Name: scidatav1.CenterName}, &center); client.IgnoreNotFound(err) != nil {
		return net, fmt.Errorf("get the Center: %w", err)
	} else if err == nil && center.DeletionTimestamp.IsZero() {
		net.CenterMax = platform.MaxClassification(&center)
	}
	return net, nil
}

// servicePeers turns a Service's EndpointSlices into policy peers: pod
// endpoints become the Service's pod selector in its namespace; other
// endpoints (host processes, as on a single real node) become one-address
// ipBlocks. Sorted, so the same endpoints always build the same policy.
func (r *DataPlatformReconciler) servicePeers(ctx context.Context, svc types.NamespacedName) ([]platform.Peer, error) {
	var slices discoveryv1.EndpointSliceList
	if err := r.List(ctx, &slices, client.InNamespace(svc.Namespace), client.MatchingLabels{discoveryv1.LabelServiceName: svc.Name}); err != nil {
		return nil, fmt.Errorf("list endpoints of %s: %w", svc, err)
	}
	var peers []platform.Peer
	podBacked := false
	for _, sl := range slices.Items {
		ports := slicePorts(sl.Ports)
		for _, ep := range sl.Endpoints {
			if ep.TargetRef != nil && ep.TargetRef.Kind == "Pod" {
				podBacked = true
				continue
			}
			for _, a := range ep.Addresses {
				if cidr, ok := hostCIDR(a); ok {
					peers = append(peers, platform.Peer{CIDR: cidr, Ports: ports})
				}
			}
		}
		if podBacked {
			var s corev1.Service
			if err := r.Get(ctx, svc, &s); err != nil {
				return nil, fmt.Errorf("get service %s: %w", svc, err)
			}
			peers = append(peers, platform.Peer{Namespace: svc.Namespace, PodLabels: s.Spec.Selector, Ports: ports})
			podBacked = false
		}
	}
	sort.SliceStable(peers, func(i, j int) bool { return peers[i].CIDR < peers[j].CIDR })
	return dedupe(peers), nil
}

func slicePorts(ps []discoveryv1.EndpointPort) []platform.Port {
	var out []platform.Port
	for _, p := range ps {
		if p.Port == nil {
			continue
		}
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		out = append(out, platform.Port{Port: *p.Port, Protocol: proto})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Port != out[j].Port {
			return out[i].Port < out[j].Port
		}
		return out[i].Protocol < out[j].Protocol
	})
	return out
}

func hostCIDR(addr string) (string, bool) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "", false
	}
	return netip.PrefixFrom(a, a.BitLen()).String(), true
}

func dedupe(peers []platform.Peer) []platform.Peer {
	seen := map[string]bool{}
	out := peers[:0]
	for _, p := range peers {
		k := fmt.Sprint(p)
		if !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}
