package platform

import (
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

func external(p *scidatav1.DataPlatform) {
	p.Spec.ObjectStore = scidatav1.ObjectStore{Mode: scidatav1.ObjectStoreExternal, External: &scidatav1.ExternalObjectStore{
		Endpoint: "https://s3.city.example.org", Bucket: p.Name}}
}

var cityS3 = []Peer{{CIDR: "10.20.0.0/24", Ports: []Port{{443, corev1.ProtocolTCP}}}}

// An External store's platform gets egress to its own store, whatever its
// classification, and none of a Managed store's rules (no store pods to
// admit anyone to); the Center's sync pods also reach the departments'
// External stores it is given.
func TestExternalStoresGetEgressToTheirOwnEndpointOnly(t *testing.T) {
	base := []string{PolicyDNS, PolicySamePlatform, PolicyDefaultDeny, PolicyPortalAPIServer}
	with := func(extra ...string) []string {
		out := append(append([]string{}, base...), extra...)
		sort.Strings(out)
		return out
	}
	own := net
	own.OwnStore = cityS3
	for _, tc := range []struct {
		name string
		p    *scidatav1.DataPlatform
		net  ClusterNetwork
		want []string
	}{
		{"an External department: its pods to its store and the Center's portal; no store pods to admit the sync pods to", dept("water", external), own,
			with(PolicyStoreEgress, PolicyEgressCenterPortal)},
		{"a classified External department: its own store, nothing else outside", dept("survey", func(p *scidatav1.DataPlatform) {
			external(p)
			p.Spec.MaxClassification = scidatav1.ClassificationSecret
		}), own, with(PolicyStoreEgress)},
		{"the External Center: no store pods for the manager to reach", dept(scidatav1.CenterName, func(p *scidatav1.DataPlatform) {
			*p = *centerPlatform()
			external(p)
		}), own, with(PolicyStoreEgress, PolicyPortalIngress, PolicySyncEgress, PolicyUpstream)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := policyNames(tc.p, tc.net); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("policies %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("the egress names the store's addresses and ports, and only them", func(t *testing.T) {
		for _, np := range NetworkPolicies(dept("water", external), cfg, own) {
			if *np.GetName() != PolicyStoreEgress {
				continue
			}
			rules := np.Spec.Egress
			if len(rules) != 1 || len(rules[0].To) != 1 || *rules[0].To[0].IPBlock.CIDR != "10.20.0.0/24" || len(rules[0].Ports) != 1 || *rules[0].Ports[0].Port != intstr.FromInt32(443) {
				t.Fatalf("egress %+v", rules)
			}
			if np.Spec.PodSelector == nil || len(np.Spec.PodSelector.MatchLabels) != 0 {
				t.Errorf("the egress selects %+v, want every pod of the platform", np.Spec.PodSelector)
			}
			return
		}
		t.Fatal("no egress to the External store")
	})
	t.Run("the Center's sync pods reach the departments' External stores besides Managed stores", func(t *testing.T) {
		n := net
		n.DepartmentStores = []Peer{{CIDR: "10.20.0.0/24", Ports: []Port{{443, corev1.ProtocolTCP}}}, {Namespace: "city-storage", PodLabels: map[string]string{"app": "s3"}, Ports: []Port{{8333, corev1.ProtocolTCP}}}}
		for _, np := range NetworkPolicies(centerPlatform(), cfg, n) {
			if *np.GetName() != PolicySyncEgress {
				continue
			}
			rules := np.Spec.Egress
			if len(rules) != 3 || rules[1].To[0].IPBlock == nil || rules[2].To[0].NamespaceSelector.MatchLabels[corev1.LabelMetadataName] != "city-storage" {
				t.Fatalf("sync egress %+v", rules)
			}
			return
		}
		t.Fatal("no sync egress")
	})
}

// A platform with a backup target: its backup pods, and only they, reach
// the target's addresses on its ports, classified or not; without a
// target (none declared, or not cleared) there is no such rule.
func TestBackupPodsReachTheirTargetOnly(t *testing.T) {
	target := []Peer{{CIDR: "10.30.0.7/32", Ports: []Port{{8333, corev1.ProtocolTCP}}}}
	withTarget := net
	withTarget.BackupTarget = target
	for _, p := range []*scidatav1.DataPlatform{dept("water", nil), dept("survey", func(p *scidatav1.DataPlatform) {
		p.Spec.MaxClassification = scidatav1.ClassificationSecret
	})} {
		found := false
		for _, np := range NetworkPolicies(p, cfg, withTarget) {
			if *np.GetName() != PolicyBackupEgress {
				continue
			}
			found = true
			if got := np.Spec.PodSelector.MatchLabels[scidatav1.LabelComponent]; got != ComponentBackup {
				t.Errorf("%s: the policy selects %q pods, want the backup pods", p.Name, got)
			}
			if len(np.Spec.Egress) != 1 || *np.Spec.Egress[0].To[0].IPBlock.CIDR != "10.30.0.7/32" || *np.Spec.Egress[0].Ports[0].Port != intstr.FromInt32(8333) {
				t.Errorf("%s: egress %+v, want the target's address and port only", p.Name, np.Spec.Egress)
			}
		}
		if !found {
			t.Errorf("%s: no %s policy", p.Name, PolicyBackupEgress)
		}
		for _, np := range NetworkPolicies(p, cfg, net) {
			if *np.GetName() == PolicyBackupEgress {
				t.Errorf("%s: a backup egress without a target", p.Name)
			}
		}
	}
}
