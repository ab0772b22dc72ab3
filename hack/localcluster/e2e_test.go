package main

// The end-to-end test of the tool itself: a real node comes up, runs a pod
// with a volume and a NetworkPolicy (so that every kind of host state
// exists: mounts, netns, veth, bridge, nftables tables, ipsets, sysctls,
// fixed paths), and `down` leaves the host exactly as it was.
//
// It needs root and a machine where no local cluster runs, changes host
// networking while it runs, and takes about a minute, so it runs only when
// asked:
//
//	SCIDATA_E2E=1 go test ./hack/localcluster -run TestE2E -v -count=1

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scidata-io/scidata-operator/hack/localcluster/internal/cluster"
)

// hostState is what must be the same before `up` and after `down`.
type hostState struct {
	Baseline *cluster.Baseline
	Mounts   []string
}

func snapshot(t *testing.T, stateDir string) hostState {
	t.Helper()
	b, err := cluster.TakeBaseline()
	if err != nil {
		t.Fatal(err)
	}
	b.Taken = time.Time{}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var mounts []string
	for _, l := range strings.Split(string(mi), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 {
			mounts = append(mounts, f[4])
		}
	}
	slices.Sort(mounts)
	return hostState{Baseline: b, Mounts: mounts}
}

func TestE2EDownLeavesNothingBehind(t *testing.T) {
	if os.Getenv("SCIDATA_E2E") != "1" {
		t.Skip("set SCIDATA_E2E=1 to run the local cluster end to end (needs root; changes host networking while it runs)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("SCIDATA_E2E=1: a real node needs root")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	tool := filepath.Join(t.TempDir(), "localcluster")
	if out, err := exec.Command("go", "build", "-o", tool, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tool, args...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("localcluster %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	statusCmd := exec.Command(tool, "status")
	statusCmd.Dir = root
	if statusCmd.Run() == nil {
		t.Fatal("a local cluster is already up here: run `localcluster down` first, the test needs the host as it is without one")
	}
	stateDir := filepath.Join(root, ".local", "cluster")
	// Packages are installed by the first up and stay; take the snapshot
	// with them present so that nft and ipset can list what exists.
	if _, err := cluster.EnsurePackages(); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, stateDir)

	t.Log(run("up", "--mode", "real"))
	downDone := false
	t.Cleanup(func() {
		if !downDone {
			cmd := exec.Command(tool, "down")
			cmd.Dir = root
			_ = cmd.Run()
		}
	})

	kubectl := filepath.Join(root, "bin", "k8s", "v1.37.2", "kubectl")
	if out, err := exec.Command(filepath.Join(root, "hack", "build-k8s.sh"), "--print-dir").Output(); err == nil {
		kubectl = filepath.Join(strings.TrimSpace(string(out)), "kubectl")
	}
	k := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(kubectl, append([]string{"--kubeconfig", filepath.Join(root, ".local", "kubeconfig")}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	k(`apiVersion: v1
kind: Namespace
metadata: {name: e2e-down}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: e2e-down}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: e2e-down}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: sleeper, namespace: e2e-down, labels: {app: sleeper}}
spec:
  containers:
  - name: c
    image: localcluster.scidata.io/busybox:v1
    imagePullPolicy: Never
    command: [sh, -c, "echo x > /data/x; sleep 3600"]
    volumeMounts: [{name: d, mountPath: /data}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
`, "apply", "-f", "-")
	k("", "-n", "e2e-down", "wait", "--for=condition=Ready", "pod/sleeper", "--timeout=120s")

	during := snapshot(t, stateDir)
	if reflect.DeepEqual(before, during) {
		t.Fatal("the running node changed nothing on the host: the comparison would prove nothing")
	}

	t.Log(run("down"))
	downDone = true
	after := snapshot(t, stateDir)

	if !reflect.DeepEqual(before.Baseline.Sysctls, after.Baseline.Sysctls) {
		t.Errorf("sysctls differ:\nbefore %v\nafter  %v", before.Baseline.Sysctls, after.Baseline.Sysctls)
	}
	for name, pair := range map[string][2][]string{
		"links":    {before.Baseline.Links, after.Baseline.Links},
		"nftables": {before.Baseline.NFTables, after.Baseline.NFTables},
		"ipsets":   {before.Baseline.IPSets, after.Baseline.IPSets},
		"mounts":   {before.Mounts, after.Mounts},
	} {
		if !slices.Equal(pair[0], pair[1]) {
			t.Errorf("%s differ:\nbefore %v\nafter  %v", name, pair[0], pair[1])
		}
	}
	if !reflect.DeepEqual(before.Baseline.Paths, after.Baseline.Paths) {
		t.Errorf("fixed paths differ:\nbefore %v\nafter  %v", before.Baseline.Paths, after.Baseline.Paths)
	}
	// No process may still run from the state directory.
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(stateDir+"/")) {
			t.Errorf("process %s still runs from the state directory: %s", e.Name(), bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		}
	}
	if _, err := os.Stat(filepath.Join(root, ".local", "kubeconfig")); err == nil {
		t.Error(".local/kubeconfig is left after down")
	}
}
