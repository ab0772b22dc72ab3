package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
		actions = append(actions,
			action{"Starting KWOK and its nodes", cl.startKwok},
			action{"Publishing the DNS Service and placeholder endpoints of DNS and the apiserver", cl.applySimulatedEndpoints},
		)
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

func (cl *Cluster) ensureBinaries(ctx context.Context) error {
	// The script only checks stamps when everything is built; a cold build
	// takes many minutes, so what it says is shown as it says it.
	cmd := exec.CommandContext(ctx, filepath.Join(cl.RepoRoot, "hack", "build-k8s.sh"), binariesFor(cl.Mode)...)
	cmd.Dir = cl.RepoRoot
	w := &lineWriter{out: cl.Out, keep: func(l string) bool { return !versionReport.MatchString(l) }}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("hack/build-k8s.sh: %w", err)
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
