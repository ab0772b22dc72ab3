package cluster

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// componentsFor are the processes a healthy cluster of the mode runs.
func componentsFor(m Mode) []string {
	cp := []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}
	if m == ModeSimulated {
		return append(cp, "kwok")
	}
	return append([]string{"containerd"}, append(cp, "coredns", "kubelet", "kube-proxy", "kube-router", "local-path-provisioner")...)
}

// Status reports what runs and what does not; it returns an error when the
// cluster is not (entirely) up.
func Status(ctx context.Context, out io.Writer, stateDir, repoRoot string) error {
	st, err := LoadState(stateDir)
	if err != nil {
		if os.IsNotExist(err) {
			c := Config{StateDir: stateDir}
			var alive []string
			for _, p := range c.processes() {
				if p.alive() {
					alive = append(alive, fmt.Sprintf("%s (pid %d)", p.Name, p.PID))
				}
			}
			if len(alive) > 0 {
				fmt.Fprintf(out, "no cluster is up, but these run from an unfinished up: %v (run down)\n", alive)
				return fmt.Errorf("unfinished cluster")
			}
			fmt.Fprintf(out, "no cluster is up (no %s/state.json)\n", stateDir)
			return fmt.Errorf("not up")
		}
		return err
	}
	c := ConfigFromState(repoRoot, st)
	fmt.Fprintf(out, "mode:       %s (%s)\n", st.Mode, st.Reason)
	fmt.Fprintf(out, "up since:   %s (%s ago), took %.1fs\n", st.Started.Format(time.RFC3339), time.Since(st.Started).Round(time.Second), st.UpSeconds)
	fmt.Fprintf(out, "apiserver:  %s\n", c.APIServerURL())
	fmt.Fprintf(out, "kubeconfig: %s\n", c.Kubeconfig)
	bad := 0
	var total int64
	fmt.Fprintf(out, "processes:\n")
	for _, name := range componentsFor(st.Mode) {
		p := c.process(name)
		switch {
		case p == nil:
			fmt.Fprintf(out, "  %-24s not running (no PID recorded)\n", name)
			bad++
		case !p.alive():
			fmt.Fprintf(out, "  %-24s NOT RUNNING (pid %d gone; log %s)\n", name, p.PID, p.Log)
			bad++
		default:
			r := rss(p.PID)
			total += r
			fmt.Fprintf(out, "  %-24s running, pid %d, %d MiB RSS\n", name, p.PID, r>>20)
		}
	}
	fmt.Fprintf(out, "  %-24s %d MiB RSS (pods not counted)\n", "total", total>>20)
	cl := &Cluster{Config: c}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := cl.apiReady(cctx); err != nil {
		fmt.Fprintf(out, "apiserver /readyz: %v\n", err)
		return fmt.Errorf("apiserver not ready")
	}
	fmt.Fprintf(out, "apiserver /readyz: ok\n")
	cs, err := cl.adminClient()
	if err != nil {
		return err
	}
	nodes, err := cs.CoreV1().Nodes().List(cctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	sort.Slice(nodes.Items, func(i, j int) bool { return nodes.Items[i].Name < nodes.Items[j].Name })
	fmt.Fprintf(out, "nodes:\n")
	for i, n := range nodes.Items {
		if i == 10 {
			fmt.Fprintf(out, "  ... and %d more\n", len(nodes.Items)-10)
			break
		}
		ready := "NotReady"
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				ready = "Ready"
			}
		}
		if ready != "Ready" {
			bad++
		}
		fmt.Fprintf(out, "  %-24s %s\n", n.Name, ready)
	}
	if len(nodes.Items) == 0 {
		fmt.Fprintf(out, "  (none)\n")
		bad++
	}
	if bad > 0 {
		return fmt.Errorf("%d problems", bad)
	}
	return nil
}

// rss reads a process's resident memory in bytes from /proc.
func rss(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		return 0
	}
	var size, res int64
	if _, err := fmt.Sscan(string(data), &size, &res); err != nil {
		return 0
	}
	return res * int64(os.Getpagesize())
}
