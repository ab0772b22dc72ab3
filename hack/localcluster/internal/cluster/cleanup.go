package cluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Cleanup puts the host back as the baseline says, in the ordered steps of
// cleanupSteps, each printing one status line through say: it stops
// whatever still runs from the state directory, the pods, unmounts, removes
// the bridge, the nftables tables and ipsets the node made, the fixed
// paths, and restores the sysctls. A failed step does not stop the next
// ones; their errors are returned together. It is safe to run again, and
// after a killed run.
func (c *Config) Cleanup(say func(string, ...any)) error {
	cu := &cleanup{Config: c}
	for _, s := range cleanupSteps() {
		if s.host && cu.baseline == nil {
			continue
		}
		t := time.Now()
		what, err := s.run(cu)
		if err != nil {
			cu.errs = append(cu.errs, err.Error())
			say("✗ %s (%.1fs): %v", s.name, time.Since(t).Seconds(), err)
		} else {
			say("✓ %s: %s (%.1fs)", s.name, what, time.Since(t).Seconds())
		}
		if cu.done {
			break
		}
	}
	if cu.fatal != nil {
		return cu.fatal
	}
	if len(cu.errs) == 0 {
		return nil
	}
	return fmt.Errorf("cleanup: %s", strings.Join(cu.errs, "; "))
}

// cleanup is what Cleanup's steps share.
type cleanup struct {
	*Config
	// baseline is the host as up found it; nil when none was recorded (then
	// nothing of the host was changed beyond the state directory) or it
	// cannot be read (fatal).
	baseline *Baseline
	fatal    error
	// stillMounted: the unmount failed, so no path may be removed (a
	// hostPath bind mount would take host data with it).
	stillMounted bool
	errs         []string
	// done ends the cleanup after the current step.
	done bool
}

// cleanupStep is one step of Cleanup: the name its status line shows, and
// a run that says what it did. A host step undoes a change to the host and
// runs only when a baseline says what the host was.
type cleanupStep struct {
	name string
	host bool
	run  func(*cleanup) (string, error)
}

func cleanupSteps() []cleanupStep {
	return []cleanupStep{
		{"Stopping the components", false, (*cleanup).stopComponents},
		{"Reading the host's baseline", false, (*cleanup).readBaseline},
		{"Killing the pods", true, (*cleanup).killPods},
		{"Stopping leftover processes of the state directory", false, (*cleanup).stopStrays},
		{"Unmounting", false, (*cleanup).unmount},
		{"Removing the CRI network namespaces", true, (*cleanup).removeNetns},
		{"Deleting the bridge and veths", true, (*cleanup).deleteLinks},
		{"Deleting the node's nftables tables", true, (*cleanup).deleteNFTables},
		{"Destroying the node's ipsets", true, (*cleanup).destroyIPSets},
		{"Flushing conntrack entries of the pod and Service ranges", true, (*cleanup).flushConntrack},
		{"Removing the fixed paths the node wrote", true, (*cleanup).removeFixedPaths},
		{"Restoring sysctls", true, (*cleanup).restoreSysctls},
		{"Forgetting the baseline", true, (*cleanup).forgetBaseline},
	}
}

// installed says whether a command is on the PATH; a tool the host does
// not have made nothing to undo.
func installed(command string) bool {
	_, err := exec.LookPath(command)
	return err == nil
}

// listOr joins items, or says none when there is none.
func listOr(items []string, none string) string {
	if len(items) == 0 {
		return none
	}
	return strings.Join(items, ", ")
}

// stopComponents stops the components by their PID files, last started
// first.
func (cu *cleanup) stopComponents() (string, error) {
	var stopped []string
	ps := cu.processes()
	slices.Reverse(ps)
	for _, p := range ps {
		if p.alive() {
			stopped = append(stopped, fmt.Sprintf("%s (pid %d)", p.Name, p.PID))
		}
		cu.stop(p, 10*time.Second)
	}
	return listOr(stopped, "none ran"), nil
}

// readBaseline loads what up recorded of the host. Pods are killed through
// the kubelet's cgroups, and the host's state put back, only when this
// state directory's node ran (its baseline exists): a kubepods cgroup of
// anything else on the machine is none of our business.
func (cu *cleanup) readBaseline() (string, error) {
	b, err := cu.loadBaseline()
	switch {
	case err == nil:
		cu.baseline = b
		return "taken " + b.Taken.Format(time.RFC3339), nil
	case os.IsNotExist(err):
		return "none, so nothing of the host was changed beyond the state directory", nil
	default:
		cu.fatal = err
		return "", err
	}
}

func (cu *cleanup) killPods() (string, error) {
	if n := killPods(); n > 0 {
		return fmt.Sprintf("killed %d pod processes", n), nil
	}
	return "none ran", nil
}

// stopStrays stops processes whose command line names the state directory
// (containerd's shims, components whose PID file was lost), then kills the
// pods again: a shim killed late may have left a cgroup.
func (cu *cleanup) stopStrays() (string, error) {
	stray := strayProcesses(cu.StateDir)
	if len(stray) > 0 {
		killAndWait(stray, syscall.SIGTERM, 3*time.Second)
		killAndWait(stray, syscall.SIGKILL, 3*time.Second)
	}
	if cu.baseline != nil {
		killPods()
	}
	if len(stray) == 0 {
		return "none", nil
	}
	return fmt.Sprintf("stopped %d (shims, components)", len(stray)), nil
}

// unmount unmounts everything under the node's mount roots; with no
// baseline only the state directory, and the cleanup ends there.
func (cu *cleanup) unmount() (string, error) {
	if cu.baseline == nil {
		cu.done = true
		if err := cu.fatal; err != nil {
			return fmt.Sprintf("not done: the baseline cannot be read (%v)", err), nil
		}
		n, err := unmountAll([]string{cu.StateDir})
		return fmt.Sprintf("%d mounts under the state directory", n), err
	}
	n, err := unmountAll(cu.mountRoots())
	cu.stillMounted = err != nil
	return fmt.Sprintf("%d mounts", n), err
}

// removeNetns removes the CRI network namespaces, files under /run/netns
// once unmounted.
func (cu *cleanup) removeNetns() (string, error) {
	ns, _ := filepath.Glob("/run/netns/cni-*")
	for _, f := range ns {
		_ = os.Remove(f)
	}
	return fmt.Sprintf("%d removed", len(ns)), nil
}

// deleteLinks deletes the bridge and any veth left. A veth vanishes by
// itself once its netns is freed, which happens asynchronously after the
// unmount: one already gone is no error.
func (cu *cleanup) deleteLinks() (string, error) {
	var deleted []string
	var errs []error
	for _, l := range added(cu.baseline.Links, links()) {
		if l != cu.BridgeName && !strings.HasPrefix(l, "veth") {
			continue
		}
		err := run("ip", "link", "delete", l)
		if err != nil && strings.Contains(err.Error(), "Cannot find device") {
			continue
		}
		errs = append(errs, err)
		deleted = append(deleted, l)
	}
	return listOr(deleted, "none left"), errors.Join(errs...)
}

// deleteNFTables deletes the tables made by kube-proxy, kube-router
// (iptables-nft), the kubelet and portmap.
func (cu *cleanup) deleteNFTables() (string, error) {
	if !installed("nft") {
		return "nft is not installed", nil
	}
	tables := added(cu.baseline.NFTables, nftTables())
	var errs []error
	for _, t := range tables {
		f := strings.Fields(t)
		errs = append(errs, run("nft", "delete", "table", f[0], f[1]))
	}
	return listOr(tables, "none left"), errors.Join(errs...)
}

// destroyIPSets destroys the ipsets the policy enforcer's rules referenced,
// once the tables are gone.
func (cu *cleanup) destroyIPSets() (string, error) {
	if !installed("ipset") {
		return "ipset is not installed", nil
	}
	sets := added(cu.baseline.IPSets, ipsets())
	var errs []error
	for _, s := range sets {
		errs = append(errs, run("ipset", "destroy", s))
	}
	return fmt.Sprintf("%d destroyed", len(sets)), errors.Join(errs...)
}

// flushConntrack forgets connections of pods and Services; an entry that
// is not there is no error.
func (cu *cleanup) flushConntrack() (string, error) {
	if !installed("conntrack") {
		return "conntrack is not installed", nil
	}
	_ = exec.Command("conntrack", "-D", "-s", cu.PodCIDR).Run()
	_ = exec.Command("conntrack", "-D", "-d", cu.PodCIDR).Run()
	_ = exec.Command("conntrack", "-D", "-d", cu.ServiceCIDR).Run()
	return cu.PodCIDR + ", " + cu.ServiceCIDR, nil
}

// removeFixedPaths removes the fixed paths that did not exist before up,
// never through a mount that is still there.
func (cu *cleanup) removeFixedPaths() (string, error) {
	if cu.stillMounted {
		return "not done: something is still mounted", nil
	}
	var removed []string
	var errs []error
	for _, p := range fixedPaths {
		if cu.baseline.Paths[p] {
			continue
		}
		if _, err := os.Lstat(p); err == nil {
			errs = append(errs, os.RemoveAll(p))
			removed = append(removed, p)
		}
	}
	return listOr(removed, "none left"), errors.Join(errs...)
}

// restoreSysctls writes back every sysctl that differs from the baseline.
func (cu *cleanup) restoreSysctls() (string, error) {
	var restored []string
	var errs []error
	keys := make([]string, 0, len(cu.baseline.Sysctls))
	for s := range cu.baseline.Sysctls {
		keys = append(keys, s)
	}
	sort.Strings(keys)
	for _, s := range keys {
		want := cu.baseline.Sysctls[s]
		now, err := os.ReadFile(filepath.Join("/proc/sys", s))
		if err != nil || strings.TrimSpace(string(now)) == want {
			continue
		}
		errs = append(errs, writeSysctl(s, want))
		restored = append(restored, fmt.Sprintf("%s=%s", strings.ReplaceAll(s, "/", "."), want))
	}
	return listOr(restored, "all as found"), errors.Join(errs...)
}

// forgetBaseline removes the baseline once everything is back; after an
// error it is kept, so that the next run tries again.
func (cu *cleanup) forgetBaseline() (string, error) {
	if len(cu.errs) > 0 {
		return "kept: a step failed, the next up or down retries", nil
	}
	return "removed", os.Remove(cu.baselineFile())
}
