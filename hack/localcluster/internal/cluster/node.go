package cluster

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// containerdConfig keeps every path containerd owns under the state
// directory (root, state, socket, opt), runs runc with cgroupfs, and sets
// restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, and without it
// every pod sandbox fails with "can't get final child's PID from pipe".
func containerdConfig(c *Config) string {
	d := func(elem ...string) string { return c.path(append([]string{"containerd"}, elem...)...) }
	return fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = %q

[ttrpc]
  address = %q

[debug]
  level = "warn"

[plugins."io.containerd.internal.v1.opt"]
  path = %q

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = %q
    conf_dir = %q
    max_conf_num = 1
`, d("root"), d("state"), c.ContainerdSocket(), c.ContainerdSocket()+".ttrpc", d("opt"),
		c.PauseImage, c.CNIBinDir, c.path("cni", "net.d"))
}

func containerdArgs(c *Config) []string {
	return []string{"--config=" + c.path("containerd", "config.toml")}
}

// startContainerd starts containerd and waits until it answers on its socket.
func (cl *Cluster) startContainerd(ctx context.Context) error {
	if _, err := cl.startProcess("containerd", "/usr/bin/containerd", containerdArgs(&cl.Config), nil); err != nil {
		return err
	}
	return poll(ctx, 30*time.Second, "containerd", func() error {
		if err := cl.exited("containerd"); err != nil {
			return err
		}
		return exec.Command("ctr", "--address", cl.ContainerdSocket(), "version").Run()
	})
}

// cniConflist: one bridge with the gateway on the host side and hairpin
// (a pod reaching itself through a Service), no masquerade (nothing leaves
// the machine), host-local addresses whose bookkeeping lives in the state
// directory, portmap for hostPort.
func cniConflist(c *Config) string {
	return fmt.Sprintf(`{
  "cniVersion": "0.4.0",
  "name": "localcluster",
  "plugins": [
    {
      "type": "bridge",
      "bridge": %q,
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": %q,
        "ranges": [[{"subnet": %q}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
`, c.BridgeName, c.path("cni", "ipam"), c.PodCIDR)
}

// kubeletConfig: cgroup v1 with cgroupfs (no systemd here), cluster DNS
// (else MissingClusterDNS on every pod), an empty resolv.conf so that no
// pod inherits a resolver outside the machine, relaxed eviction and image
// GC (the locally imported images cannot be pulled again), and a
// test-grade anonymous kubelet API.
func kubeletConfig(c *Config) string {
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %s
port: %d
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
  x509:
    clientCAFile: %s
authorization:
  mode: AlwaysAllow
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://%s
clusterDNS: [%s]
clusterDomain: %s
resolvConf: %s
podLogsDir: %s
staticPodPath: ""
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
imageMinimumGCAge: 87600h
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "1%%"
  nodefs.inodesFree: "1%%"
  imagefs.available: "1%%"
protectKernelDefaults: false
rotateCertificates: false
serverTLSBootstrap: false
registerNode: true
maxPods: 110
`, c.NodeIP, c.KubeletPort, c.path("pki", "ca.crt"), c.ContainerdSocket(), c.DNSServiceIP,
		c.ClusterDomain, c.path("kubelet", "resolv.conf"), c.path("kubelet", "pod-logs"))
}

func kubeletArgs(c *Config) []string {
	return []string{
		"--config=" + c.path("kubelet", "config.yaml"),
		"--kubeconfig=" + c.kubeconfigFor("kubelet"),
		"--root-dir=" + c.path("kubelet", "root"),
		"--cert-dir=" + c.path("kubelet", "pki"),
		"--hostname-override=" + c.NodeName,
		"--node-ip=" + c.NodeIP,
		"--node-labels=scidata.io/localcluster=true",
		"--v=1",
	}
}

// startKubelet starts the kubelet and waits for its node to turn Ready.
func (cl *Cluster) startKubelet(ctx context.Context) error {
	start := time.Now().Add(-time.Second).Truncate(time.Second)
	if _, err := cl.startProcess("kubelet", cl.bin("kubelet"), kubeletArgs(&cl.Config), nil); err != nil {
		return err
	}
	cs, err := cl.adminClient()
	if err != nil {
		return err
	}
	// A restarted kubelet with kept state shows the old Ready at first:
	// only a transition after this start counts.
	return poll(ctx, 90*time.Second, "node "+cl.NodeName+" Ready", func() error {
		if err := cl.exited("kubelet"); err != nil {
			return err
		}
		n, err := cs.CoreV1().Nodes().Get(ctx, cl.NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				if cond.Status == corev1.ConditionTrue && !cond.LastTransitionTime.Time.Before(start) {
					return nil
				}
				return fmt.Errorf("condition Ready=%s: %s", cond.Status, cond.Message)
			}
		}
		return fmt.Errorf("no Ready condition yet")
	})
}

// kubeProxyConfig: nftables mode, and conntrack left alone (maxPerCore 0
// and zero timeouts keep kube-proxy from writing those sysctls).
func kubeProxyConfig(c *Config) string {
	return fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clientConnection:
  kubeconfig: %s
hostnameOverride: %s
clusterCIDR: %s
bindAddress: 0.0.0.0
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [%s/32]
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`, c.kubeconfigFor("kube-proxy"), c.NodeName, c.PodCIDR, c.NodeIP)
}

func kubeProxyArgs(c *Config) []string {
	return []string{"--config=" + c.path("kube-proxy", "config.yaml"), "--v=1"}
}

// startKubeProxy starts kube-proxy and waits for its /healthz.
func (cl *Cluster) startKubeProxy(ctx context.Context) error {
	if _, err := cl.startProcess("kube-proxy", cl.bin("kube-proxy"), kubeProxyArgs(&cl.Config), nil); err != nil {
		return err
	}
	return cl.waitHTTP(ctx, "kube-proxy", "http://127.0.0.1:10256/healthz", 60*time.Second)
}

// corefile: CoreDNS answers for the cluster domain only. There is no
// forward plugin, so a name outside the cluster gets an error, never a
// query sent off the machine.
func corefile(c *Config) string {
	rev := "in-addr.arpa ip6.arpa"
	return fmt.Sprintf(`.:53 {
    bind %s
    ready 127.0.0.1:18181
    health 127.0.0.1:18080
    errors
    log . "{type} {name} {rcode} {duration}"
    kubernetes %s %s {
        kubeconfig %s
        pods insecure
        fallthrough %s
        ttl 5
    }
    cache 5
}
`, c.NodeIP, c.ClusterDomain, rev, c.kubeconfigFor("coredns"), rev)
}

func corednsArgs(c *Config) []string {
	return []string{"-conf", c.path("coredns", "Corefile")}
}

// startCoreDNS starts CoreDNS and waits for its ready endpoint.
func (cl *Cluster) startCoreDNS(ctx context.Context) error {
	if _, err := cl.startProcess("coredns", cl.bin("coredns"), corednsArgs(&cl.Config), nil); err != nil {
		return err
	}
	return cl.waitHTTP(ctx, "coredns", "http://127.0.0.1:18181/ready", 30*time.Second)
}

// kubeRouterArgs: only kube-router's NetworkPolicy controller, beside
// kube-proxy (no service proxy, no routing, no CNI), with its metrics and
// health servers off.
func kubeRouterArgs(c *Config) []string {
	return []string{
		"--kubeconfig=" + c.kubeconfigFor("kube-router"),
		"--hostname-override=" + c.NodeName,
		"--run-firewall=true",
		"--run-router=false",
		"--run-service-proxy=false",
		"--enable-cni=false",
		"--metrics-port=0",
		"--health-port=0",
		"--service-cluster-ip-range=" + c.ServiceCIDR,
		"--v=1",
	}
}

// startKubeRouter starts kube-router's policy controller (no health
// endpoint here: it must still run after a moment).
func (cl *Cluster) startKubeRouter(ctx context.Context) error {
	return cl.startAndWatch(ctx, "kube-router", cl.bin("kube-router"), kubeRouterArgs(&cl.Config))
}

const localPathNamespace = "local-path-storage"
const localPathServiceAccount = "local-path-provisioner"

func localPathArgs(c *Config) []string {
	return []string{
		"start",
		"--kubeconfig", c.kubeconfigFor("local-path-provisioner"),
		"--namespace", localPathNamespace,
		"--configmap-name", "local-path-config",
		"--service-account-name", localPathServiceAccount,
		"--provisioner-name", c.StorageProvName,
		// Required, but the helper pod's image comes from helperPod.yaml.
		"--helper-image", c.BusyboxImage,
	}
}

// startLocalPath starts local-path-provisioner (no health endpoint here).
func (cl *Cluster) startLocalPath(ctx context.Context) error {
	return cl.startAndWatch(ctx, "local-path-provisioner", cl.bin("local-path-provisioner"), localPathArgs(&cl.Config))
}

// LocalPathDir is where local-path-provisioner puts volumes.
func (c *Config) LocalPathDir() string { return c.path("local-path") }

// indent prefixes each line.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
