package cluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/scidata-io/scidata-operator/hack/imagebuild"
)

// State is what `up` records for `status`, `down` and `load-image`.
type State struct {
	Mode      Mode      `json:"mode"`
	Reason    string    `json:"reason"`
	NodeName  string    `json:"nodeName"`
	NodeIP    string    `json:"nodeIP"`
	BinDir    string    `json:"binDir"`
	Started   time.Time `json:"started"`
	UpSeconds float64   `json:"upSeconds"`
	Nodes     int       `json:"nodes"`
}

func (c *Config) stateFile() string { return c.path("state.json") }

// LoadState reads the recorded state of the cluster in stateDir.
func LoadState(stateDir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, "state.json"))
	if err != nil {
		return nil, err
	}
	s := &State{}
	return s, json.Unmarshal(data, s)
}

// ConfigFromState rebuilds the configuration a running cluster was made with.
func ConfigFromState(repoRoot string, s *State) Config {
	c := Defaults(repoRoot, s.BinDir, s.Mode, s.NodeName, s.NodeIP)
	c.SimulatedNodes = s.Nodes
	return c
}

// Cluster brings a configured cluster up and down, printing a line per
// action.
type Cluster struct {
	Config
	Out        io.Writer
	Reason     string
	LoadImages []string
	started    time.Time
}

// action is one step of `up`, kind-style: a name the user sees and a run.
type action struct {
	name string
	run  func(ctx context.Context) error
}

func (cl *Cluster) say(format string, a ...any) {
	fmt.Fprintf(cl.Out, "   %s\n", fmt.Sprintf(format, a...))
}

// runActions runs each action in order, printing its name, time and outcome.
func (cl *Cluster) runActions(ctx context.Context, actions []action) error {
	for _, a := range actions {
		t := time.Now()
		fmt.Fprintf(cl.Out, " • %s ...\n", a.name)
		if err := a.run(ctx); err != nil {
			fmt.Fprintf(cl.Out, " ✗ %s (%.1fs): %v\n", a.name, time.Since(t).Seconds(), err)
			return fmt.Errorf("%s: %w", a.name, err)
		}
		fmt.Fprintf(cl.Out, " ✓ %s (%.1fs)\n", a.name, time.Since(t).Seconds())
	}
	return nil
}

// binaries the mode needs, by build-k8s.sh's names.
func binariesFor(m Mode) []string {
	cp := []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"}
	if m == ModeSimulated {
		return append(cp, "kwok")
	}
	return append(cp, "kubelet", "kube-proxy", "coredns", "kube-router", "local-path-provisioner")
}

// Up brings the cluster up: clean what a previous run left, then the
// ordered actions of the mode.
func (cl *Cluster) Up(ctx context.Context, lock *Lock) error {
	cl.started = time.Now()
	fmt.Fprintf(cl.Out, "Local cluster, mode %s (%s); state in %s\n", cl.Mode, cl.Reason, cl.StateDir)
	if o := lock.Owner(); o != nil && o.StateDir != cl.StateDir {
		other := Config{StateDir: o.StateDir}
		for _, p := range other.processes() {
			if p.alive() {
				return fmt.Errorf("a %s cluster of %s runs on this machine (%s pid %d): run `down` there first",
					o.Mode, o.StateDir, p.Name, p.PID)
			}
		}
		fmt.Fprintf(cl.Out, " • Cleaning what a killed cluster of %s left ...\n", o.StateDir)
		if err := other.Cleanup(cl.say); err != nil {
			return err
		}
	}
	if st, err := LoadState(cl.StateDir); err == nil && st.Mode != cl.Mode {
		fmt.Fprintf(cl.Out, "A %s cluster is recorded here: replacing it with a %s one.\n", st.Mode, cl.Mode)
	} else if err == nil {
		if err := Status(ctx, io.Discard, cl.StateDir, cl.RepoRoot); err == nil {
			fmt.Fprintf(cl.Out, "The %s cluster is already up (since %s); `down` first to start afresh.\n",
				st.Mode, st.Started.Format(time.RFC3339))
			if len(cl.LoadImages) > 0 && cl.Mode == ModeReal {
				return cl.runActions(ctx, []action{{"Importing images into containerd", cl.importLoadImages}})
			}
			return nil
		}
		fmt.Fprintf(cl.Out, "A %s cluster was recorded but is not healthy: starting afresh.\n", st.Mode)
	}
	actions := []action{{"Cleaning what an earlier run left", cl.cleanEarlier}}
	if cl.Mode == ModeReal {
		actions = append(actions,
			action{"Ensuring Debian packages", cl.ensurePackages},
			action{"Ensuring binaries (hack/build-k8s.sh)", cl.ensureBinaries},
			action{"Recording the host's state for down", cl.recordBaseline},
			action{"Preparing host networking (ip_forward)", cl.prepareHost},
			action{"Writing certificates and configuration", cl.writeConfig},
			action{"Building images (pause, busybox)", cl.buildImages},
			action{"Starting containerd", cl.startContainerd},
			action{"Importing images into containerd", cl.importImages},
		)
	} else {
		actions = append(actions,
			action{"Ensuring binaries (hack/build-k8s.sh)", cl.ensureBinaries},
			action{"Writing certificates and configuration", cl.writeConfig},
		)
	}
	actions = append(actions,
		action{"Starting etcd", cl.startEtcd},
		action{"Starting kube-apiserver", cl.startAPIServer},
		action{"Starting kube-controller-manager and kube-scheduler", cl.startControllers},
	)
	if cl.Mode == ModeReal {
		actions = append(actions,
			action{"Installing cluster DNS Service and storage objects", cl.applyAddonObjects},
			action{"Starting CoreDNS", cl.startCoreDNS},
			action{"Starting kubelet and waiting for the node to be Ready", cl.startKubelet},
			action{"Starting kube-proxy (nftables)", cl.startKubeProxy},
			action{"Starting the NetworkPolicy enforcer (kube-router)", cl.startKubeRouter},
			action{"Starting local-path-provisioner (default StorageClass)", cl.startLocalPath},
		)
	} else {
		actions = append(actions, action{"Starting KWOK and its nodes", cl.startKwok})
	}
	actions = append(actions,
		action{"Waiting for the default service account", cl.waitDefaultServiceAccount},
		action{"Writing .local/kubeconfig", cl.writeUserKubeconfig},
	)
	if err := lock.SetOwner(lockOwner{StateDir: cl.StateDir, Mode: cl.Mode}); err != nil {
		return err
	}
	if err := cl.runActions(ctx, actions); err != nil {
		fmt.Fprintf(cl.Out, "up failed; logs are in %s; `down` cleans up\n", cl.path("logs"))
		return err
	}
	st := State{Mode: cl.Mode, Reason: cl.Reason, NodeName: cl.NodeName, NodeIP: cl.NodeIP, BinDir: cl.BinDir,
		Started: cl.started.UTC(), UpSeconds: time.Since(cl.started).Seconds(), Nodes: cl.SimulatedNodes}
	data, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(cl.stateFile(), data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(cl.Out, "Cluster up in %.1fs (mode %s). export KUBECONFIG=%s\n", st.UpSeconds, cl.Mode, cl.Kubeconfig)
	return nil
}

func (cl *Cluster) cleanEarlier(ctx context.Context) error {
	if err := cl.Cleanup(cl.say); err != nil {
		return err
	}
	return cl.removeState()
}

// removeState deletes the state directory but its logs (kept as logs.prev
// for the next run), refusing while anything is mounted under it.
func (cl *Cluster) removeState() error {
	text, _ := os.ReadFile("/proc/self/mountinfo")
	if left := mountsUnder(parseMountinfo(string(text)), []string{cl.StateDir}); len(left) > 0 {
		return fmt.Errorf("not removing %s: still mounted: %s", cl.StateDir, strings.Join(left, ", "))
	}
	entries, err := os.ReadDir(cl.StateDir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch e.Name() {
		case "logs", "logs.prev", "host-baseline.json":
			continue
		}
		if err := os.RemoveAll(filepath.Join(cl.StateDir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

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

func (cl *Cluster) ensureBinaries(ctx context.Context) error {
	// The script only checks stamps when everything is built; a cold build
	// takes many minutes, so what it says is shown as it says it.
	cmd := exec.CommandContext(ctx, filepath.Join(cl.RepoRoot, "hack", "build-k8s.sh"), binariesFor(cl.Mode)...)
	cmd.Dir = cl.RepoRoot
	w := &lineWriter{out: cl.Out, keep: func(l string) bool { return !versionReport.MatchString(l) }}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("hack/build-k8s.sh: %v", err)
	}
	return nil
}

// versionReport matches build-k8s.sh's closing "<binary>: <its version>"
// lines, which a successful check need not show.
var versionReport = regexp.MustCompile(`build-k8s: [a-z-]+: [^']*$`)

// lineWriter indents each line it is given, keeping only those keep says.
type lineWriter struct {
	out  io.Writer
	keep func(string) bool
	buf  []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		if w.keep == nil || w.keep(line) {
			fmt.Fprintf(w.out, "   %s\n", line)
		}
	}
}

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

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

func (cl *Cluster) writeConfig(ctx context.Context) error {
	if d := cl.path("logs"); dirExists(d) {
		_ = os.RemoveAll(cl.path("logs.prev"))
		_ = os.Rename(d, cl.path("logs.prev"))
	}
	if err := GeneratePKI(&cl.Config); err != nil {
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

func (cl *Cluster) imageTar(name string) string { return cl.path("images", name+".tar") }

func (cl *Cluster) buildImages(ctx context.Context) error {
	work := cl.path("images")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	pause, err := pauseImage(cl.RepoRoot, work)
	if err != nil {
		return err
	}
	if err := imagebuild.WriteOCITarball(cl.imageTar("pause"), cl.PauseImage, pause); err != nil {
		return err
	}
	bb, err := busyboxImage("/bin/busybox")
	if err != nil {
		return err
	}
	if err := imagebuild.WriteOCITarball(cl.imageTar("busybox"), cl.BusyboxImage, bb); err != nil {
		return err
	}
	cl.say("%s, %s", cl.PauseImage, cl.BusyboxImage)
	return nil
}

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

// importImages loads the built images and those of --load-image.
func (cl *Cluster) importImages(ctx context.Context) error {
	return cl.importTars(append([]string{cl.imageTar("pause"), cl.imageTar("busybox")}, cl.LoadImages...))
}

// importLoadImages loads only the images of --load-image.
func (cl *Cluster) importLoadImages(ctx context.Context) error { return cl.importTars(cl.LoadImages) }

func (cl *Cluster) importTars(tars []string) error {
	for _, t := range tars {
		if err := cl.ImportImage(t); err != nil {
			return err
		}
		cl.say("imported %s", filepath.Base(t))
	}
	return nil
}

func (cl *Cluster) startEtcd(ctx context.Context) error {
	if _, err := cl.startProcess("etcd", cl.bin("etcd"), etcdArgs(&cl.Config), nil); err != nil {
		return err
	}
	return cl.waitHTTP(ctx, "etcd", cl.EtcdURL()+"/health", 30*time.Second)
}

// adminClient is a clientset with the admin identity.
func (cl *Cluster) adminClient() (*kubernetes.Clientset, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", cl.kubeconfigFor("admin"))
	if err != nil {
		return nil, err
	}
	rc.Timeout = 10 * time.Second
	return kubernetes.NewForConfig(rc)
}

func (cl *Cluster) apiReady(ctx context.Context) error {
	cs, err := cl.adminClient()
	if err != nil {
		return err
	}
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("%v %s", err, body)
	}
	return nil
}

func (cl *Cluster) startAPIServer(ctx context.Context) error {
	if _, err := cl.startProcess("kube-apiserver", cl.bin("kube-apiserver"), apiserverArgs(&cl.Config), nil); err != nil {
		return err
	}
	return poll(ctx, 90*time.Second, "kube-apiserver /readyz", func() error {
		if err := cl.exited("kube-apiserver"); err != nil {
			return err
		}
		return cl.apiReady(ctx)
	})
}

func (cl *Cluster) startControllers(ctx context.Context) error {
	if _, err := cl.startProcess("kube-controller-manager", cl.bin("kube-controller-manager"), controllerManagerArgs(&cl.Config), nil); err != nil {
		return err
	}
	if _, err := cl.startProcess("kube-scheduler", cl.bin("kube-scheduler"), schedulerArgs(&cl.Config), nil); err != nil {
		return err
	}
	if err := cl.waitHTTP(ctx, "kube-controller-manager", "https://127.0.0.1:10257/healthz", 60*time.Second); err != nil {
		return err
	}
	return cl.waitHTTP(ctx, "kube-scheduler", "https://127.0.0.1:10259/healthz", 60*time.Second)
}

// kubectlApply applies manifests server-side under the tool's field manager.
func (cl *Cluster) kubectlApply(ctx context.Context, manifests string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, cl.bin("kubectl"), "--kubeconfig", cl.kubeconfigFor("admin"), "--cache-dir", cl.path("kubectl-cache"),
		"apply", "--server-side", "--force-conflicts", "--field-manager=localcluster", "-f", "-")
	cmd.Stdin = strings.NewReader(manifests)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kubectl apply: %v: %s", err, out.String())
	}
	return nil
}

func (cl *Cluster) applyAddonObjects(ctx context.Context) error {
	return poll(ctx, 30*time.Second, "apply", func() error {
		return cl.kubectlApply(ctx, dnsManifests(&cl.Config)+"---\n"+storageManifests(&cl.Config))
	})
}

func (cl *Cluster) startCoreDNS(ctx context.Context) error {
	if _, err := cl.startProcess("coredns", cl.bin("coredns"), corednsArgs(&cl.Config), nil); err != nil {
		return err
	}
	return cl.waitHTTP(ctx, "coredns", "http://127.0.0.1:18181/ready", 30*time.Second)
}

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
				return fmt.Errorf("Ready=%s: %s", cond.Status, cond.Message)
			}
		}
		return fmt.Errorf("no Ready condition yet")
	})
}

func (cl *Cluster) startKubeProxy(ctx context.Context) error {
	if _, err := cl.startProcess("kube-proxy", cl.bin("kube-proxy"), kubeProxyArgs(&cl.Config), nil); err != nil {
		return err
	}
	return cl.waitHTTP(ctx, "kube-proxy", "http://127.0.0.1:10256/healthz", 60*time.Second)
}

// startAndWatch starts a component that has no health endpoint here and
// checks that it is still running after a moment.
func (cl *Cluster) startAndWatch(ctx context.Context, name, bin string, args []string) error {
	p, err := cl.startProcess(name, bin, args, nil)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(1500 * time.Millisecond):
	}
	if !p.alive() {
		return fmt.Errorf("%s exited; see %s", name, cl.LogFile(name))
	}
	return nil
}

func (cl *Cluster) startKubeRouter(ctx context.Context) error {
	return cl.startAndWatch(ctx, "kube-router", cl.bin("kube-router"), kubeRouterArgs(&cl.Config))
}

func (cl *Cluster) startLocalPath(ctx context.Context) error {
	return cl.startAndWatch(ctx, "local-path-provisioner", cl.bin("local-path-provisioner"), localPathArgs(&cl.Config))
}

func (cl *Cluster) startKwok(ctx context.Context) error {
	if _, err := cl.startProcess("kwok", cl.bin("kwok"), kwokArgs(&cl.Config), nil); err != nil {
		return err
	}
	if err := cl.kubectlApply(ctx, kwokNodeManifests(&cl.Config)); err != nil {
		return err
	}
	cs, err := cl.adminClient()
	if err != nil {
		return err
	}
	return poll(ctx, 60*time.Second, "KWOK nodes Ready", func() error {
		if err := cl.exited("kwok"); err != nil {
			return err
		}
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "type=kwok"})
		if err != nil {
			return err
		}
		ready := 0
		for _, n := range nodes.Items {
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		if ready < cl.SimulatedNodes {
			return fmt.Errorf("%d of %d nodes Ready", ready, cl.SimulatedNodes)
		}
		return nil
	})
}

func (cl *Cluster) waitDefaultServiceAccount(ctx context.Context) error {
	cs, err := cl.adminClient()
	if err != nil {
		return err
	}
	return poll(ctx, 60*time.Second, "default/default ServiceAccount and kube-root-ca.crt", func() error {
		if _, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err != nil {
			return err
		}
		_, err := cs.CoreV1().ConfigMaps("default").Get(ctx, "kube-root-ca.crt", metav1.GetOptions{})
		return err
	})
}

func (cl *Cluster) writeUserKubeconfig(ctx context.Context) error {
	data, err := os.ReadFile(cl.kubeconfigFor("admin"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(cl.Kubeconfig), 0o755); err != nil {
		return err
	}
	return os.WriteFile(cl.Kubeconfig, data, 0o600)
}

// Down stops everything and puts the host back as `up` found it.
func (cl *Cluster) Down() error {
	t := time.Now()
	fmt.Fprintf(cl.Out, " • Stopping the cluster in %s ...\n", cl.StateDir)
	err := cl.Cleanup(cl.say)
	if err == nil {
		err = cl.removeState()
	}
	if err != nil {
		fmt.Fprintf(cl.Out, " ✗ Stopping the cluster (%.1fs): %v\n", time.Since(t).Seconds(), err)
		return err
	}
	_ = os.Remove(cl.Kubeconfig)
	_ = os.Remove(cl.baselineFile())
	fmt.Fprintf(cl.Out, " ✓ Stopping the cluster (%.1fs); logs kept in %s\n", time.Since(t).Seconds(), cl.path("logs"))
	return nil
}

// exited is a permanent error, with the end of its log, when a component
// is no longer running.
func (cl *Cluster) exited(name string) error {
	if p := cl.process(name); p != nil && p.alive() {
		return nil
	}
	log, _ := os.ReadFile(cl.LogFile(name))
	return permanent(fmt.Errorf("%s exited; the end of %s:\n%s", name, cl.LogFile(name), tail(log)))
}

// permanentErr stops a poll early.
type permanentErr struct{ error }

func permanent(err error) error { return permanentErr{err} }

// poll retries f until it succeeds, the timeout passes or f fails
// permanently; the last error says what was still missing.
func poll(ctx context.Context, timeout time.Duration, what string, f func() error) error {
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = f(); err == nil {
			return nil
		}
		if pe, ok := err.(permanentErr); ok {
			return pe.error
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w", what, timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitHTTP waits for a 200 from a local health endpoint. The components'
// self-signed serving certificates are not verified: the address is
// loopback and the question is only "is it up".
func (cl *Cluster) waitHTTP(ctx context.Context, name, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback health check
	}}
	return poll(ctx, timeout, url, func() error {
		if err := cl.exited(name); err != nil {
			return err
		}
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			return fmt.Errorf("%s: %s", resp.Status, b)
		}
		return nil
	})
}
