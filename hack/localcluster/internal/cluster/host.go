package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// debianPackages are what a real node needs from Debian: the container
// runtime, the CNI plugins, the netfilter tools kube-proxy and kube-router
// call, and busybox-static for the shell image.
var debianPackages = []string{
	"containerd", "runc", "containernetworking-plugins", "nftables", "iptables",
	"conntrack", "ipset", "busybox-static", "iproute2", "util-linux", "mount",
}

// missingPackages filters the packages dpkg does not report installed.
func missingPackages(pkgs []string, installed func(string) bool) []string {
	var missing []string
	for _, p := range pkgs {
		if !installed(p) {
			missing = append(missing, p)
		}
	}
	return missing
}

func dpkgInstalled(pkg string) bool {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", pkg).Output()
	return err == nil && strings.HasSuffix(strings.TrimSpace(string(out)), " installed")
}

// EnsurePackages installs the missing Debian packages: apt-get update once,
// then install only what is missing. Nothing is started by the install
// (the image's policy-rc.d refuses, and the tool runs its own containerd).
func EnsurePackages() (installed []string, err error) {
	missing := missingPackages(debianPackages, dpkgInstalled)
	if len(missing) == 0 {
		return nil, nil
	}
	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	upd := exec.Command("apt-get", "update")
	upd.Env = env
	if out, err := upd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("apt-get update: %w: %s", err, tail(out))
	}
	inst := exec.Command("apt-get", append([]string{"install", "-y", "--no-install-recommends"}, missing...)...)
	inst.Env = env
	if out, err := inst.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("apt-get install %s: %w: %s", strings.Join(missing, " "), err, tail(out))
	}
	return missing, nil
}

func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// fixedPaths are written by the kubelet, containerd's shims, libcni and the
// netfilter tools at places no flag moves. `down` removes those that did
// not exist before `up`.
var fixedPaths = []string{
	"/var/lib/kubelet", "/var/log/containers", "/var/log/pods", "/run/containerd",
	"/var/lib/containerd", "/opt/containerd", "/var/lib/cni", "/run/netns",
	"/var/lib/kube-router", "/run/xtables.lock", "/etc/cni", "/opt/cni", "/run/mount",
}

// sysctls the node changes: ip_forward (by the tool), and what the kubelet
// and kube-proxy set when they start. `down` writes back the values `up`
// found.
var sysctls = []string{
	"net/ipv4/ip_forward",
	"net/bridge/bridge-nf-call-iptables",
	"net/bridge/bridge-nf-call-ip6tables",
	"net/ipv4/conf/all/route_localnet",
	"net/netfilter/nf_conntrack_max",
	"net/netfilter/nf_conntrack_tcp_timeout_established",
	"net/netfilter/nf_conntrack_tcp_timeout_close_wait",
	"net/netfilter/nf_conntrack_tcp_be_liberal",
	"vm/overcommit_memory",
	"vm/panic_on_oom",
	"kernel/panic",
	"kernel/panic_on_oops",
	"kernel/keys/root_maxkeys",
	"kernel/keys/root_maxbytes",
}

// Baseline is the host as `up` found it, saved in the state directory so
// that `down` (or the next `up` after a killed run) can put it back.
type Baseline struct {
	Taken    time.Time         `json:"taken"`
	Sysctls  map[string]string `json:"sysctls"`
	Paths    map[string]bool   `json:"paths"`
	Links    []string          `json:"links"`
	NFTables []string          `json:"nftables"`
	IPSets   []string          `json:"ipsets"`
}

func (c *Config) baselineFile() string { return c.path("host-baseline.json") }

// TakeBaseline records the host's state.
func TakeBaseline() (*Baseline, error) {
	b := &Baseline{Taken: time.Now().UTC(), Sysctls: map[string]string{}, Paths: map[string]bool{}}
	for _, s := range sysctls {
		if v, err := os.ReadFile(filepath.Join("/proc/sys", s)); err == nil {
			b.Sysctls[s] = strings.TrimSpace(string(v))
		}
	}
	for _, p := range fixedPaths {
		_, err := os.Lstat(p)
		b.Paths[p] = err == nil
	}
	b.Links = links()
	b.NFTables = nftTables()
	b.IPSets = ipsets()
	return b, nil
}

func (c *Config) saveBaseline(b *Baseline) error {
	data, _ := json.MarshalIndent(b, "", "  ")
	return os.WriteFile(c.baselineFile(), data, 0o644)
}

func (c *Config) loadBaseline() (*Baseline, error) {
	data, err := os.ReadFile(c.baselineFile())
	if err != nil {
		return nil, err
	}
	b := &Baseline{}
	return b, json.Unmarshal(data, b)
}

func writeSysctl(name, value string) error {
	return os.WriteFile(filepath.Join("/proc/sys", name), []byte(value+"\n"), 0o644)
}

func links() []string {
	entries, _ := os.ReadDir("/sys/class/net")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// nftTables lists "family name" of every nftables table.
func nftTables() []string {
	out, err := exec.Command("nft", "list", "tables").Output()
	if err != nil {
		return nil
	}
	return parseNftTables(string(out))
}

// parseNftTables reads `nft list tables`: lines "table <family> <name>".
func parseNftTables(out string) []string {
	var t []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) == 3 && f[0] == "table" {
			t = append(t, f[1]+" "+f[2])
		}
	}
	return t
}

func ipsets() []string {
	out, err := exec.Command("ipset", "list", "-n").Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}

// added lists what is in now but not in before.
func added(before, now []string) []string {
	had := map[string]bool{}
	for _, b := range before {
		had[b] = true
	}
	var out []string
	for _, n := range now {
		if !had[n] {
			out = append(out, n)
		}
	}
	return out
}

// mount is one line of /proc/self/mountinfo that matters here.
type mount struct {
	point string
	fs    string
}

// parseMountinfo reads mount points (unescaping \040 and friends).
func parseMountinfo(text string) []mount {
	var ms []mount
	s := bufio.NewScanner(strings.NewReader(text))
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) < 10 {
			continue
		}
		fs := ""
		for i, x := range f {
			if x == "-" && i+1 < len(f) {
				fs = f[i+1]
				break
			}
		}
		ms = append(ms, mount{point: unescapeOctal(f[4]), fs: fs})
	}
	return ms
}

func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsUnder picks the mount points under any of the roots, deepest
// first, so that each is unmounted before what it sits on.
func mountsUnder(ms []mount, roots []string) []string {
	var out []string
	for _, m := range ms {
		for _, r := range roots {
			if m.point == r || strings.HasPrefix(m.point, r+"/") {
				out = append(out, m.point)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.Count(out[i], "/") > strings.Count(out[j], "/") })
	return out
}

// mountRoots are where the node mounts: its state directory, the kubelet's
// and containerd's fixed paths and the CRI network namespaces.
func (c *Config) mountRoots() []string {
	return []string{c.StateDir, "/var/lib/kubelet", "/run/containerd", "/var/lib/containerd", "/run/netns", "/var/run/netns"}
}

func unmountAll(roots []string) (int, error) {
	n := 0
	for pass := 0; pass < 5; pass++ {
		text, err := os.ReadFile("/proc/self/mountinfo")
		if err != nil {
			return n, err
		}
		points := mountsUnder(parseMountinfo(string(text)), roots)
		if len(points) == 0 {
			return n, nil
		}
		for _, p := range points {
			if err := syscall.Unmount(p, syscall.MNT_DETACH); err == nil {
				n++
			}
		}
	}
	text, _ := os.ReadFile("/proc/self/mountinfo")
	if left := mountsUnder(parseMountinfo(string(text)), roots); len(left) > 0 {
		return n, fmt.Errorf("still mounted: %s", strings.Join(left, ", "))
	}
	return n, nil
}

// podCgroups are the cgroup v1 directories of the kubelet's pods in every
// hierarchy (cgroupfs driver, cgroupsPerQOS: /kubepods).
func podCgroups() []string {
	var dirs []string
	hier, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods")
	for _, h := range hier {
		_ = filepath.Walk(h, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	if fi, err := os.Stat("/sys/fs/cgroup/unified/kubepods"); err == nil && fi.IsDir() {
		_ = filepath.Walk("/sys/fs/cgroup/unified/kubepods", func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	return dirs
}

// killPods SIGKILLs every process in the pods' cgroups and removes the
// cgroups, deepest first.
func killPods() int {
	dirs := podCgroups()
	seen := map[int]bool{}
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			var pid int
			if _, err := fmt.Sscan(f, &pid); err == nil && pid > 1 {
				seen[pid] = true
			}
		}
	}
	var pids []int
	for p := range seen {
		pids = append(pids, p)
	}
	killAndWait(pids, syscall.SIGKILL, 5*time.Second)
	sort.SliceStable(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for pass := 0; pass < 20; pass++ {
		left := 0
		for _, d := range dirs {
			if err := syscall.Rmdir(d); err != nil && !os.IsNotExist(err) {
				left++
			}
		}
		if left == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return len(pids)
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ensurePackages installs the Debian packages a real node needs.
func (cl *Cluster) ensurePackages(ctx context.Context) error {
	got, err := EnsurePackages()
	if err != nil {
		return err
	}
	if len(got) > 0 {
		cl.say("installed %s", strings.Join(got, " "))
	} else {
		cl.say("all %d present", len(debianPackages))
	}
	return nil
}

// recordBaseline saves the host's state for down; one left by an earlier
// run means that run was never cleaned up, and is refused.
func (cl *Cluster) recordBaseline(ctx context.Context) error {
	if _, err := cl.loadBaseline(); err == nil {
		return fmt.Errorf("a baseline from an earlier run is still in %s", cl.baselineFile())
	}
	b, err := TakeBaseline()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cl.StateDir, 0o755); err != nil {
		return err
	}
	return cl.saveBaseline(b)
}

// prepareHost turns on forwarding (and bridge netfilter, if off).
func (cl *Cluster) prepareHost(ctx context.Context) error {
	if err := writeSysctl("net/ipv4/ip_forward", "1"); err != nil {
		return err
	}
	// The bridge netfilter hook lets policies see traffic between pods on
	// one bridge; it is built in and normally on already.
	if v, err := os.ReadFile("/proc/sys/net/bridge/bridge-nf-call-iptables"); err == nil && strings.TrimSpace(string(v)) != "1" {
		return writeSysctl("net/bridge/bridge-nf-call-iptables", "1")
	}
	return nil
}
