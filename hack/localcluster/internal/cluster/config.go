package cluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Mode says what kind of node the cluster has.
type Mode string

const (
	// ModeReal runs a kubelet with containerd: pods are real containers.
	ModeReal Mode = "real"
	// ModeSimulated runs KWOK nodes: pods are objects only, for scale.
	ModeSimulated Mode = "simulated"
)

// Config is everything the components' flags and files are built from.
// Paths are absolute.
type Config struct {
	Mode Mode
	// RepoRoot is the repository root; StateDir and Kubeconfig live under it.
	RepoRoot string
	// StateDir holds PIDs, logs, certificates, data: .local/cluster.
	StateDir string
	// BinDir holds the binaries hack/build-k8s.sh builds.
	BinDir string
	// Kubeconfig is the admin kubeconfig written for users: .local/kubeconfig.
	Kubeconfig string

	NodeName string
	// NodeIP is the address of the interface of the default route; the
	// apiserver, kubelet and CoreDNS listen on it in real mode.
	NodeIP string

	ServiceCIDR     string
	APIServiceIP    string // first address of ServiceCIDR: kubernetes.default
	DNSServiceIP    string
	PodCIDR         string
	ClusterDomain   string
	BridgeName      string
	EtcdClientPort  int
	EtcdPeerPort    int
	APIServerPort   int
	KubeletPort     int
	CNIBinDir       string
	SimulatedNodes  int
	KubeVersion     string
	PauseImage      string
	BusyboxImage    string
	StorageProvName string
}

// Defaults returns the configuration for a repository root, a mode and a
// node, with the fixed addresses and ports docs/local-cluster.md lists.
func Defaults(repoRoot, binDir string, mode Mode, nodeName, nodeIP string) Config {
	return Config{
		Mode:            mode,
		RepoRoot:        repoRoot,
		StateDir:        filepath.Join(repoRoot, ".local", "cluster"),
		BinDir:          binDir,
		Kubeconfig:      filepath.Join(repoRoot, ".local", "kubeconfig"),
		NodeName:        nodeName,
		NodeIP:          nodeIP,
		ServiceCIDR:     "10.96.0.0/16",
		APIServiceIP:    "10.96.0.1",
		DNSServiceIP:    "10.96.0.10",
		PodCIDR:         "10.244.0.0/24",
		ClusterDomain:   "cluster.local",
		BridgeName:      "lc0",
		EtcdClientPort:  12379,
		EtcdPeerPort:    12380,
		APIServerPort:   16443,
		KubeletPort:     10250,
		CNIBinDir:       "/usr/lib/cni",
		SimulatedNodes:  1,
		PauseImage:      "localcluster.scidata.io/pause:v1",
		BusyboxImage:    "localcluster.scidata.io/busybox:v1",
		StorageProvName: "rancher.io/local-path",
	}
}

// path joins elements under the state directory.
func (c *Config) path(elem ...string) string {
	return filepath.Join(append([]string{c.StateDir}, elem...)...)
}

// bin is the path of a built binary.
func (c *Config) bin(name string) string { return filepath.Join(c.BinDir, name) }

// APIServerHost is where the apiserver listens and clients connect: the
// node IP on a real node (pods reach it through the kubernetes Service),
// loopback for simulated nodes.
func (c *Config) APIServerHost() string {
	if c.Mode == ModeReal {
		return c.NodeIP
	}
	return "127.0.0.1"
}

// APIServerURL is the apiserver's address for every client.
func (c *Config) APIServerURL() string {
	return fmt.Sprintf("https://%s", net.JoinHostPort(c.APIServerHost(), fmt.Sprint(c.APIServerPort)))
}

// EtcdURL is etcd's client URL, on loopback only.
func (c *Config) EtcdURL() string { return fmt.Sprintf("http://127.0.0.1:%d", c.EtcdClientPort) }

// ContainerdSocket is containerd's gRPC socket, under the state directory.
func (c *Config) ContainerdSocket() string { return c.path("containerd", "containerd.sock") }

// DecideMode picks the mode from what was asked and what the host is. An
// explicit "real" on a host that cannot run a node is an error naming the
// reason, never a silent fall back to simulated nodes.
func DecideMode(requested, goos string, euid int) (Mode, string, error) {
	canReal := ""
	switch {
	case goos != "linux":
		canReal = fmt.Sprintf("a real node needs Linux, this is %s", goos)
	case euid != 0:
		canReal = "a real node needs root (containerd, kubelet and host networking), this runs as uid " + fmt.Sprint(euid)
	}
	switch Mode(requested) {
	case "":
		if canReal == "" {
			return ModeReal, "default on Linux as root", nil
		}
		return ModeSimulated, canReal, nil
	case ModeReal:
		if canReal != "" {
			return "", "", fmt.Errorf("--mode real: %s", canReal)
		}
		return ModeReal, "asked for with --mode real", nil
	case ModeSimulated:
		return ModeSimulated, "asked for with --mode simulated", nil
	}
	return "", "", fmt.Errorf("--mode %q: want real or simulated", requested)
}

// HostMode is DecideMode for this process.
func HostMode(requested string) (Mode, string, error) {
	return DecideMode(requested, runtime.GOOS, os.Geteuid())
}

// NodeName is the host name as a Node name (lower case).
func NodeName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localcluster"
	}
	return strings.ToLower(strings.Split(h, ".")[0])
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

// writeConfig keeps the last run's logs as logs.prev and writes the PKI
// and every component's configuration file.
func (cl *Cluster) writeConfig(ctx context.Context) error {
	if d := cl.path("logs"); dirExists(d) {
		_ = os.RemoveAll(cl.path("logs.prev"))
		_ = os.Rename(d, cl.path("logs.prev"))
	}
	if err := GeneratePKI(&cl.Config); err != nil {
		return err
	}
	if err := writeFile(cl.path("audit-policy.yaml"), auditPolicy()); err != nil {
		return err
	}
	if cl.Mode == ModeSimulated {
		return nil
	}
	files := map[string]string{
		cl.path("containerd", "config.toml"):                containerdConfig(&cl.Config),
		cl.path("cni", "net.d", "10-localcluster.conflist"): cniConflist(&cl.Config),
		cl.path("kubelet", "config.yaml"):                   kubeletConfig(&cl.Config),
		cl.path("kubelet", "resolv.conf"):                   "",
		cl.path("kube-proxy", "config.yaml"):                kubeProxyConfig(&cl.Config),
		cl.path("coredns", "Corefile"):                      corefile(&cl.Config),
	}
	for p, content := range files {
		if err := writeFile(p, content); err != nil {
			return err
		}
	}
	return os.MkdirAll(cl.LocalPathDir(), 0o755)
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
