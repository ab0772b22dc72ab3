package cluster

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func testConfig(m Mode) Config {
	return Defaults("/repo", "/repo/bin/k8s/v1.37.2", m, "vm", "192.0.2.2")
}

func TestDecideModePicksRealOnlyOnLinuxAsRootAndSaysWhy(t *testing.T) {
	tests := []struct {
		name, requested, goos string
		euid                  int
		want                  Mode
		wantErr, reasonHas    string
	}{
		{"default linux root", "", "linux", 0, ModeReal, "", "default"},
		{"default linux user", "", "linux", 1000, ModeSimulated, "", "needs root"},
		{"default darwin", "", "darwin", 0, ModeSimulated, "", "needs Linux"},
		{"real refused without root, never falls back", "real", "linux", 1000, "", "needs root", ""},
		{"real refused off Linux", "real", "darwin", 0, "", "needs Linux", ""},
		{"simulated as root", "simulated", "linux", 0, ModeSimulated, "", "asked"},
		{"unknown", "fake", "linux", 0, "", "want real or simulated", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, reason, err := DecideMode(tt.requested, tt.goos, tt.euid)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || m != tt.want || !strings.Contains(reason, tt.reasonHas) {
				t.Fatalf("got %q %q %v, want %q with reason containing %q", m, reason, err, tt.want, tt.reasonHas)
			}
		})
	}
}

func TestDefaultRouteInterfaceReadsProcNetRoute(t *testing.T) {
	const table = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
lc0	0000F40A	00000000	0001	0	0	0	00FFFFFF	0	0	0
eth0	00000000	010200C0	0003	0	0	0	00000000	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
`
	got, err := DefaultRouteInterface(strings.NewReader(table))
	if err != nil || got != "eth0" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := DefaultRouteInterface(strings.NewReader("Iface\tDestination\n")); err == nil {
		t.Fatal("want an error without a default route")
	}
}

func flagValue(args []string, flag string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v, true
		}
	}
	return "", false
}

func TestComponentFlags(t *testing.T) {
	real, sim := testConfig(ModeReal), testConfig(ModeSimulated)
	tests := []struct {
		name string
		args []string
		want map[string]string // flag -> value ("" means present with any value)
		not  []string
	}{
		{"etcd listens on loopback only", etcdArgs(&real), map[string]string{
			"--listen-client-urls": "http://127.0.0.1:12379",
			"--listen-peer-urls":   "http://127.0.0.1:12380",
			"--data-dir":           "/repo/.local/cluster/etcd",
		}, nil},
		{"apiserver on a real node: node IP, Service endpoint, RBAC, kubelet addresses", apiserverArgs(&real), map[string]string{
			"--bind-address":                     "192.0.2.2",
			"--advertise-address":                "192.0.2.2",
			"--secure-port":                      "16443",
			"--authorization-mode":               "Node,RBAC",
			"--kubelet-preferred-address-types":  "InternalIP,Hostname",
			"--service-cluster-ip-range":         "10.96.0.0/16",
			"--client-ca-file":                   "/repo/.local/cluster/pki/ca.crt",
			"--service-account-signing-key-file": "/repo/.local/cluster/pki/sa.key",
		}, []string{"--endpoint-reconciler-type"}},
		{"apiserver with simulated nodes: loopback, no Service endpoint", apiserverArgs(&sim), map[string]string{
			"--bind-address":             "127.0.0.1",
			"--endpoint-reconciler-type": "none",
		}, []string{"--advertise-address"}},
		{"apiserver audits every write, in either mode, into the kept logs", apiserverArgs(&sim), map[string]string{
			"--audit-policy-file": "/repo/.local/cluster/audit-policy.yaml",
			"--audit-log-path":    "/repo/.local/cluster/logs/audit.log",
			"--audit-log-format":  "json",
		}, nil},
		{"controller-manager publishes the root CA", controllerManagerArgs(&real), map[string]string{
			"--root-ca-file":                     "/repo/.local/cluster/pki/ca.crt",
			"--use-service-account-credentials":  "true",
			"--service-account-private-key-file": "/repo/.local/cluster/pki/sa.key",
			"--kubeconfig":                       "/repo/.local/cluster/pki/kube-controller-manager.kubeconfig",
		}, nil},
		{"scheduler on loopback", schedulerArgs(&real), map[string]string{"--bind-address": "127.0.0.1"}, nil},
		{"kubelet names the node and its IP", kubeletArgs(&real), map[string]string{
			"--hostname-override": "vm",
			"--node-ip":           "192.0.2.2",
			"--root-dir":          "/repo/.local/cluster/kubelet/root",
			"--kubeconfig":        "/repo/.local/cluster/pki/kubelet.kubeconfig",
		}, nil},
		{"kube-router runs only its policy controller", kubeRouterArgs(&real), map[string]string{
			"--run-firewall":      "true",
			"--run-router":        "false",
			"--run-service-proxy": "false",
			"--enable-cni":        "false",
			"--metrics-port":      "0",
			"--health-port":       "0",
			"--hostname-override": "vm",
		}, nil},
		{"kwok manages annotated nodes", kwokArgs(&sim), map[string]string{
			"--manage-nodes-with-annotation-selector": "kwok.x-k8s.io/node=fake",
		}, []string{"--manage-all-nodes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for f, want := range tt.want {
				got, ok := flagValue(tt.args, f)
				if !ok || (want != "" && got != want) {
					t.Errorf("%s = %q (present %v), want %q\nargs: %v", f, got, ok, want, tt.args)
				}
			}
			for _, f := range tt.not {
				if _, ok := flagValue(tt.args, f); ok {
					t.Errorf("%s must not be set: %v", f, tt.args)
				}
			}
		})
	}
}

func TestAdmissionPluginsIncludeWhatTheOperatorNeeds(t *testing.T) {
	c := testConfig(ModeReal)
	v, _ := flagValue(apiserverArgs(&c), "--enable-admission-plugins")
	for _, p := range []string{"PodSecurity", "ValidatingAdmissionPolicy", "NodeRestriction", "DefaultStorageClass", "ResourceQuota"} {
		if !slices.Contains(strings.Split(v, ","), p) {
			t.Errorf("admission plugins %q lack %s", v, p)
		}
	}
}

func TestLocalPathProvisionerFlags(t *testing.T) {
	c := testConfig(ModeReal)
	args := localPathArgs(&c)
	if args[0] != "start" {
		t.Fatalf("first argument %q, want the start subcommand", args[0])
	}
	joined := strings.Join(args, " ")
	for _, want := range []string{"--namespace local-path-storage", "--provisioner-name rancher.io/local-path",
		"--configmap-name local-path-config", "--helper-image " + c.BusyboxImage} {
		if !strings.Contains(joined, want) {
			t.Errorf("%q lacks %q", joined, want)
		}
	}
}

// The generated files must parse, and hold the settings REALNODE.md found
// necessary on this kind of machine.
func TestGeneratedConfigFiles(t *testing.T) {
	c := testConfig(ModeReal)
	t.Run("containerd keeps its paths in the state directory and restricts oom_score_adj", func(t *testing.T) {
		got := containerdConfig(&c)
		for _, want := range []string{
			"restrict_oom_score_adj = true", "SystemdCgroup = false", `snapshotter = "overlayfs"`,
			`address = "/repo/.local/cluster/containerd/containerd.sock"`,
			`root = "/repo/.local/cluster/containerd/root"`, `sandbox_image = "` + c.PauseImage + `"`,
			`conf_dir = "/repo/.local/cluster/cni/net.d"`, `bin_dir = "/usr/lib/cni"`,
		} {
			if !strings.Contains(got, want) {
				t.Errorf("containerd config lacks %s", want)
			}
		}
	})
	t.Run("CNI bridge has no masquerade", func(t *testing.T) {
		var cl map[string]any
		if err := yaml.Unmarshal([]byte(cniConflist(&c)), &cl); err != nil {
			t.Fatal(err)
		}
		br := cl["plugins"].([]any)[0].(map[string]any)
		if br["type"] != "bridge" || br["ipMasq"] != false || br["isGateway"] != true || br["bridge"] != "lc0" {
			t.Fatalf("bridge plugin %v", br)
		}
	})
	t.Run("kubelet runs cgroupfs on v1, with cluster DNS and no host resolver", func(t *testing.T) {
		var kc map[string]any
		if err := yaml.Unmarshal([]byte(kubeletConfig(&c)), &kc); err != nil {
			t.Fatal(err)
		}
		if kc["cgroupDriver"] != "cgroupfs" || kc["failCgroupV1"] != false || kc["clusterDNS"].([]any)[0] != "10.96.0.10" ||
			kc["resolvConf"] != "/repo/.local/cluster/kubelet/resolv.conf" || kc["address"] != "192.0.2.2" {
			t.Fatalf("kubelet config %v", kc)
		}
		if kc["authorization"].(map[string]any)["mode"] != "AlwaysAllow" {
			t.Fatalf("kubelet authorization %v", kc["authorization"])
		}
	})
	t.Run("kube-proxy in nftables mode leaves conntrack sysctls alone", func(t *testing.T) {
		var kp map[string]any
		if err := yaml.Unmarshal([]byte(kubeProxyConfig(&c)), &kp); err != nil {
			t.Fatal(err)
		}
		ct := kp["conntrack"].(map[string]any)
		if kp["mode"] != "nftables" || ct["maxPerCore"] != float64(0) || ct["min"] != float64(0) {
			t.Fatalf("kube-proxy config %v", kp)
		}
	})
	t.Run("CoreDNS serves the cluster domain only, without forward", func(t *testing.T) {
		got := corefile(&c)
		if strings.Contains(got, "forward") || !strings.Contains(got, "bind 192.0.2.2") ||
			!strings.Contains(got, "kubernetes cluster.local") {
			t.Fatalf("Corefile:\n%s", got)
		}
	})
}

func TestManifestsParse(t *testing.T) {
	c := testConfig(ModeReal)
	c.SimulatedNodes = 3
	for name, m := range map[string]string{
		"dns": dnsManifests(&c), "storage": storageManifests(&c), "kwok": kwokNodeManifests(&c),
		"simulated endpoints": simulatedEndpointManifests(&c), "audit policy": auditPolicy(),
	} {
		docs := strings.Split(m, "\n---\n")
		for _, d := range docs {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(d), &obj); err != nil || obj["kind"] == nil {
				t.Errorf("%s: bad document (%v):\n%s", name, err, d)
			}
		}
		if name == "kwok" && len(docs) != 3 {
			t.Errorf("kwok: %d nodes, want 3", len(docs))
		}
	}
	var cm map[string]any
	docs := strings.Split(storageManifests(&c), "\n---\n")
	if err := yaml.Unmarshal([]byte(docs[len(docs)-1]), &cm); err != nil {
		t.Fatal(err)
	}
	data := cm["data"].(map[string]any)
	var helper map[string]any
	if err := yaml.Unmarshal([]byte(data["helperPod.yaml"].(string)), &helper); err != nil {
		t.Fatal(err)
	}
	ctr := helper["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	if ctr["image"] != c.BusyboxImage || ctr["imagePullPolicy"] != "Never" {
		t.Fatalf("helper pod container %v", ctr)
	}
	if !strings.Contains(data["config.json"].(string), "/repo/.local/cluster/local-path") {
		t.Fatalf("config.json %v", data["config.json"])
	}
	var sc map[string]any
	_ = yaml.Unmarshal([]byte(docs[0]), &sc)
	if sc["kind"] != "StorageClass" || sc["metadata"].(map[string]any)["annotations"].(map[string]any)["storageclass.kubernetes.io/is-default-class"] != "true" {
		t.Fatalf("storage class %v", sc)
	}
}

func TestParseHelpers(t *testing.T) {
	tables := parseNftTables("table ip filter\ntable inet kube-proxy\n\ngarbage\n")
	if !slices.Equal(tables, []string{"ip filter", "inet kube-proxy"}) {
		t.Fatalf("tables %v", tables)
	}
	if got := added([]string{"a", "b"}, []string{"a", "c", "b", "d"}); !slices.Equal(got, []string{"c", "d"}) {
		t.Fatalf("added %v", got)
	}
	mi := `22 1 0:21 / /sys rw - sysfs sysfs rw
100 22 0:50 / /repo/.local/cluster/containerd/root/x/rootfs rw - overlay overlay rw
101 100 0:51 / /repo/.local/cluster/kubelet/root/pods/p/volumes/a\040b rw - tmpfs tmpfs rw
102 22 0:52 / /run/netns/cni-1 rw - nsfs nsfs rw
103 22 0:53 / /repo/.local/clusterX rw - tmpfs tmpfs rw
`
	got := mountsUnder(parseMountinfo(mi), []string{"/repo/.local/cluster", "/run/netns"})
	want := []string{"/repo/.local/cluster/kubelet/root/pods/p/volumes/a b", "/repo/.local/cluster/containerd/root/x/rootfs", "/run/netns/cni-1"}
	if !slices.Equal(got, want) {
		t.Fatalf("mountsUnder\n got %q\nwant %q", got, want)
	}
	st := "1234 (kube (proxy)) S 1 1234 1234 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 0 0"
	if v, err := parseStatStartTime(st); err != nil || v != 98765 {
		t.Fatalf("start time %d %v", v, err)
	}
	if got := missingPackages([]string{"a", "b", "c"}, func(p string) bool { return p == "b" }); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("missing %v", got)
	}
}

func TestIdentitiesGiveTheKubeletANodeIdentity(t *testing.T) {
	for _, id := range identities("vm") {
		if id.file == "kubelet" && (id.cn != "system:node:vm" || !slices.Contains(id.orgs, "system:nodes")) {
			t.Fatalf("kubelet identity %+v", id)
		}
	}
}

func TestGeneratePKIWritesKubeconfigsThatParse(t *testing.T) {
	c := testConfig(ModeReal)
	c.StateDir = t.TempDir()
	if err := os.MkdirAll(filepath.Join(c.StateDir, "pki"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := GeneratePKI(&c); err != nil {
		t.Fatal(err)
	}
	var kc map[string]any
	data, err := os.ReadFile(c.kubeconfigFor("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &kc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "server: https://192.0.2.2:16443") {
		t.Fatalf("admin kubeconfig:\n%s", data)
	}
}

func TestBuildOutputHidesOnlyTheVersionReport(t *testing.T) {
	for line, hide := range map[string]bool{
		"16:26:06 build-k8s: kube-apiserver: Kubernetes v1.37.2":                                     true,
		"16:26:06 build-k8s: coredns: CoreDNS-1.15.0":                                                true,
		"16:17:31 build-k8s: building etcd (a cold build takes minutes)":                             false,
		"16:17:31 build-k8s: kubelet reports 'v0.0.0-master': the version ldflags did not take":      false,
		"16:17:31 build-k8s: hack/tools/kube/go.mod does not require k8s.io/kubernetes v1.37.2 as x": false,
	} {
		if got := versionReport.MatchString(line); got != hide {
			t.Errorf("%q hidden=%v, want %v", line, got, hide)
		}
	}
}

// The audit policy logs writes at the Metadata level (who, what, no
// bodies) and no reads: a benchmark counts one identity's writes from it.
func TestAuditPolicyLogsWritesOnly(t *testing.T) {
	var p struct {
		Rules []struct {
			Level           string   `json:"level"`
			Verbs           []string `json:"verbs"`
			NonResourceURLs []string `json:"nonResourceURLs"`
		} `json:"rules"`
	}
	if err := yaml.Unmarshal([]byte(auditPolicy()), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != 3 || p.Rules[0].Level != "None" || strings.Join(p.Rules[0].Verbs, ",") != "get,list,watch" ||
		p.Rules[1].Level != "None" || p.Rules[2].Level != "Metadata" || len(p.Rules[2].Verbs) != 0 {
		t.Fatalf("audit policy rules %+v: want reads and non-resource requests unlogged, every other request at Metadata", p.Rules)
	}
}

// Simulated nodes publish the endpoints an operator builds policies from:
// the DNS Service's and the kubernetes Service's, at addresses nothing
// answers.
func TestSimulatedEndpointsNameTheDNSAndAPIServerServices(t *testing.T) {
	c := testConfig(ModeSimulated)
	m := simulatedEndpointManifests(&c)
	for _, want := range []string{"kubernetes.io/service-name: kube-dns", "kubernetes.io/service-name: kubernetes", `"192.0.2.53"`, `"192.0.2.1"`, "port: 16443", "clusterIP: 10.96.0.10"} {
		if !strings.Contains(m, want) {
			t.Errorf("simulated endpoints lack %q:\n%s", want, m)
		}
	}
}
