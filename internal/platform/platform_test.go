package platform

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	psapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var cfg = Config{OperatorNamespace: "scidata-system", ObjectStoreImage: "scidata-objectstore:dev", OperatorImage: "scidata-operator:dev", ImagePullPolicy: corev1.PullIfNotPresent}

func dept(name string, mut func(*scidatav1.DataPlatform)) *scidatav1.DataPlatform {
	p := &scidatav1.DataPlatform{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)},
		Spec: scidatav1.DataPlatformSpec{
			Role:       scidatav1.RoleDepartment,
			Department: scidatav1.Department{Code: name, Name: name},
			Storage:    scidatav1.Storage{Size: resource.MustParse("10Gi")},
		},
	}
	if mut != nil {
		mut(p)
	}
	return p
}

func centerPlatform() *scidatav1.DataPlatform {
	return dept(scidatav1.CenterName, func(p *scidatav1.DataPlatform) {
		p.Spec.Role = scidatav1.RoleCenter
		p.Spec.MaxClassification = scidatav1.ClassificationConfidential
		p.Spec.Network = &scidatav1.PlatformNetwork{PublicNamespaces: []string{"ingress-nginx"}, PublicCIDRs: []string{"203.0.113.0/24"}}
		p.Spec.Upstream = &scidatav1.Upstream{Name: "Province", Endpoint: "https://p.example.org", CIDRs: []string{"198.51.100.0/24"}, Port: 443}
	})
}

var net = ClusterNetwork{
	DNS:       []Peer{{CIDR: "192.0.2.10/32", Ports: []Port{{53, corev1.ProtocolTCP}, {53, corev1.ProtocolUDP}}}},
	APIServer: []Peer{{CIDR: "192.0.2.1/32", Ports: []Port{{6443, corev1.ProtocolTCP}}}},
	CenterMax: scidatav1.ClassificationConfidential,
}

func policyNames(p *scidatav1.DataPlatform, n ClusterNetwork) []string {
	var names []string
	for _, np := range NetworkPolicies(p, cfg, n) {
		names = append(names, *np.GetName())
	}
	sort.Strings(names)
	return names
}

// Each platform gets exactly the allowances of the city's network table.
func TestNetworkPoliciesFollowTheTable(t *testing.T) {
	// A Managed store's sidecar reads its grants Secret from the apiserver.
	base := []string{PolicyDNS, PolicySamePlatform, PolicyDefaultDeny, PolicyStoreAPIServer, PolicyPortalAPIServer} // sorted
	with := func(extra ...string) []string {
		out := append(append([]string{}, base...), extra...)
		sort.Strings(out)
		return out
	}
	uncleared := net
	uncleared.CenterMax = scidatav1.ClassificationInternal
	cases := []struct {
		name string
		p    *scidatav1.DataPlatform
		net  ClusterNetwork
		want []string
	}{
		{"the Center: manager to its store, everyone to its portal, sync out, upstream", centerPlatform(), net,
			with(PolicyStoreFromManager, PolicyPortalIngress, PolicySyncEgress, PolicyUpstream)},
		{"a department: the Center's sync in, its pods out to the Center's portal", dept("water", nil), net,
			with(PolicyStoreFromSync, PolicyEgressCenterPortal)},
		{"a department listing allowed namespaces opens its portal to them", dept("weather", func(p *scidatav1.DataPlatform) {
			p.Spec.Network = &scidatav1.PlatformNetwork{AllowedNamespaces: []string{"tools"}}
		}), net, with(PolicyStoreFromSync, PolicyEgressCenterPortal, PolicyPortalIngress)},
		{"a classified department the Center is cleared for: only the sync pods in", dept("survey", func(p *scidatav1.DataPlatform) {
			p.Spec.MaxClassification = scidatav1.ClassificationConfidential
			p.Spec.Network = &scidatav1.PlatformNetwork{AllowedNamespaces: []string{"tools"}}
		}), net, with(PolicyStoreFromSync)},
		{"a classified department above the Center's clearance: nothing in", dept("survey", func(p *scidatav1.DataPlatform) {
			p.Spec.MaxClassification = scidatav1.ClassificationSecret
		}), net, base},
		{"a classified department with no Center at all: nothing in", dept("survey", func(p *scidatav1.DataPlatform) {
			p.Spec.MaxClassification = scidatav1.ClassificationConfidential
		}), ClusterNetwork{DNS: net.DNS, APIServer: net.APIServer}, base},
		{"an unclassified department whose Center is not cleared still syncs", dept("water", nil), uncleared,
			with(PolicyStoreFromSync, PolicyEgressCenterPortal)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := policyNames(tc.p, tc.net); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("policies %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQuotaAndOwners(t *testing.T) {
	if ResourceQuota(dept("a", nil)) != nil {
		t.Error("a quota without spec.quota")
	}
	q := ResourceQuota(dept("a", func(p *scidatav1.DataPlatform) {
		p.Spec.Quota = &scidatav1.Quota{CPU: ptr.To(resource.MustParse("4")), Memory: ptr.To(resource.MustParse("8Gi")), Pods: ptr.To[int32](20)}
	}))
	hard := *q.Spec.Hard
	if hard.Name(corev1.ResourceRequestsCPU, resource.DecimalSI).String() != "4" || hard.Pods().Value() != 20 || hard.Name(corev1.ResourceLimitsMemory, resource.BinarySI).String() != "8Gi" {
		t.Errorf("hard limits %v", hard)
	}
	if OwnersRoleBinding(dept("a", nil)) != nil || UploadSecretRoleBinding(dept("a", nil)) != nil {
		t.Error("bindings without owners")
	}
	rb := OwnersRoleBinding(dept("a", func(p *scidatav1.DataPlatform) {
		p.Spec.Owners = scidatav1.Owners{Groups: []string{"g"}, Users: []string{"u"},
			ServiceAccounts: []scidatav1.ServiceAccountReference{{Namespace: "flux-system", Name: "a-gitops"}}}
	}))
	if len(rb.Subjects) != 3 || *rb.Subjects[0].Kind != "Group" || *rb.Subjects[1].Kind != "User" || *rb.RoleRef.Name != PlatformAdminRole {
		t.Errorf("owners binding %+v", rb)
	}
	if sa := rb.Subjects[2]; *sa.Kind != "ServiceAccount" || *sa.Namespace != "flux-system" || *sa.Name != "a-gitops" || sa.APIGroup != nil {
		t.Errorf("a ServiceAccount owner is bound as %+v", sa)
	}
	if PortalReaderClusterBinding(dept("a", nil)) != nil || PortalReaderClusterBinding(centerPlatform()) == nil {
		t.Error("only the Center's portal reads the whole city")
	}
}

// Every pod the operator runs meets the restricted Pod Security Standard,
// as the apiserver's own evaluator judges it.
func TestPodsMeetTheRestrictedStandard(t *testing.T) {
	evaluator, err := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := dept("water", nil)
	specs := map[string]*corev1ac.PodSpecApplyConfiguration{
		"object store": ObjectStoreStatefulSet(p, cfg, p.Spec.Storage.Size, StoreRevision{Certificate: "0123456789abcdef0123456789abcdef", Accounts: "fedcba9876543210fedcba9876543210"}, "scidata").Spec.Template.Spec,
		"portal":       PortalDeployment(p, cfg).Spec.Template.Spec,
	}
	for name, ac := range specs {
		var spec corev1.PodSpec
		b, _ := yaml.Marshal(ac)
		if err := yaml.Unmarshal(b, &spec); err != nil {
			t.Fatal(err)
		}
		results := evaluator.EvaluatePod(psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}, &metav1.ObjectMeta{}, &spec)
		for _, r := range results {
			if !r.Allowed {
				t.Errorf("%s: %s: %s", name, r.ForbiddenReason, r.ForbiddenDetail)
			}
		}
	}
}

// The whole of a Center's and a department's objects, as YAML: a reviewer
// sees every change of what the operator runs. `go test ./internal/platform
// -update` rewrites them.
func TestGolden(t *testing.T) {
	for _, p := range []*scidatav1.DataPlatform{centerPlatform(), dept("water-resources", func(p *scidatav1.DataPlatform) {
		p.Spec.Owners = scidatav1.Owners{Groups: []string{"water-admins"}, ServiceAccounts: []scidatav1.ServiceAccountReference{{Namespace: "flux-system", Name: "water-resources-gitops"}}}
		p.Spec.Quota = &scidatav1.Quota{CPU: ptr.To(resource.MustParse("4")), Storage: ptr.To(resource.MustParse("500Gi"))}
	})} {
		objs := []any{NamespaceObject(p), ResourceQuota(p), LimitRange(p), OwnersRoleBinding(p), UploadSecretRole(p), UploadSecretRoleBinding(p),
			PortalServiceAccount(p), StoreServiceAccount(p), StoreGrantsRole(p), StoreGrantsRoleBinding(p), PortalReaderBinding(p), PortalReaderClusterBinding(p), ReceiptKeysRole(p), ReceiptKeysRoleBinding(p), ObjectStoreHeadlessService(p), ObjectStoreService(p),
			ObjectStoreStatefulSet(p, cfg, p.Spec.Storage.Size, StoreRevision{Certificate: "0123456789abcdef0123456789abcdef", Accounts: "fedcba9876543210fedcba9876543210"}, "scidata"), PortalService(p), PortalDeployment(p, cfg)}
		for _, np := range NetworkPolicies(p, cfg, net) {
			objs = append(objs, np)
		}
		var out strings.Builder
		for _, o := range objs {
			b, err := yaml.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) == "null\n" {
				continue
			}
			out.WriteString("---\n")
			out.Write(b)
		}
		path := filepath.Join("testdata", p.Name+".golden.yaml")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/platform -update)", err)
		}
		if string(want) != out.String() {
			t.Errorf("%s is not what the builders build; review the change and run go test ./internal/platform -update", path)
		}
	}
}

func TestCredentialsAreRandomAndWellFormed(t *testing.T) {
	a1, s1, err := NewCredentials(DefaultRand)
	if err != nil {
		t.Fatal(err)
	}
	a2, s2, _ := NewCredentials(DefaultRand)
	if len(a1) != 24 || len(s1) != 48 || a1 == a2 || s1 == s2 {
		t.Errorf("credentials %q/%q and %q/%q", a1, s1, a2, s2)
	}
	if _, _, err := NewCredentials(strings.NewReader("short")); err == nil {
		t.Error("a short random source gave credentials")
	}
}
