package main

// The end-to-end test of the tool itself: a real node comes up; a pod runs
// to completion, a PVC binds on the default StorageClass, cluster DNS
// resolves, a default-deny NetworkPolicy blocks what passes without it;
// then `down` leaves the host exactly as it was (every kind of host state
// existed meanwhile: mounts, netns, veth, bridge, nftables tables, ipsets,
// sysctls, fixed paths).
//
// It needs root and a machine where no local cluster runs, changes host
// networking while it runs, and takes about a minute, so it runs only when
// asked:
//
//	SCIDATA_E2E=1 go test ./hack/localcluster -run TestE2E -v -count=1

import (
	"bytes"
	"fmt"
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

func snapshot(t *testing.T) hostState {
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

func TestE2ERealNodeWorksAndDownLeavesNothingBehind(t *testing.T) {
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
	before := snapshot(t)

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
	k := func(t *testing.T, stdin string, args ...string) string {
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
	// Each probe is a pod of the local busybox image, non-root under the
	// restricted Pod Security Standard, whose phase says the outcome.
	podYAML := func(ns, name, script string, extra string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s, labels: {app: %s}}
spec:
  restartPolicy: Never
  securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: localcluster.scidata.io/busybox:v1
    imagePullPolicy: Never
    command: [sh, -c, %q]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
%s`, name, ns, name, script, extra)
	}
	phase := func(t *testing.T, ns, name string, timeout time.Duration) (string, string) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for {
			p := strings.TrimSpace(k(t, "", "-n", ns, "get", "pod", name, "-o", "jsonpath={.status.phase}"))
			if p == "Succeeded" || p == "Failed" || time.Now().After(deadline) {
				return p, k(t, "", "-n", ns, "logs", name)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	const ns = "e2e"
	k(t, `apiVersion: v1
kind: Namespace
metadata:
  name: e2e
  labels: {pod-security.kubernetes.io/enforce: restricted}
`, "apply", "-f", "-")

	t.Run("a pod runs to completion", func(t *testing.T) {
		k(t, podYAML(ns, "hello", "echo hello", ""), "apply", "-f", "-")
		if p, log := phase(t, ns, "hello", 60*time.Second); p != "Succeeded" || strings.TrimSpace(log) != "hello" {
			t.Fatalf("phase %s, log %q", p, log)
		}
	})
	t.Run("a PVC binds on the default StorageClass and holds data", func(t *testing.T) {
		k(t, `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: e2e}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
`, "apply", "-f", "-")
		k(t, podYAML(ns, "writer", "echo kept > /data/f && cat /data/f", `    volumeMounts: [{name: d, mountPath: /data}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
`), "apply", "-f", "-")
		if p, log := phase(t, ns, "writer", 90*time.Second); p != "Succeeded" || strings.TrimSpace(log) != "kept" {
			t.Fatalf("phase %s, log %q", p, log)
		}
		if sc := k(t, "", "-n", ns, "get", "pvc", "data", "-o", "jsonpath={.status.phase} {.spec.storageClassName}"); sc != "Bound local-path" {
			t.Fatalf("pvc: %q", sc)
		}
	})
	t.Run("cluster DNS resolves kubernetes.default from a pod", func(t *testing.T) {
		k(t, podYAML(ns, "dns", "nslookup kubernetes.default.svc.cluster.local && nc -w 2 kubernetes.default 443 </dev/null", ""), "apply", "-f", "-")
		if p, log := phase(t, ns, "dns", 60*time.Second); p != "Succeeded" || !strings.Contains(log, "10.96.0.1") {
			t.Fatalf("phase %s, log %q", p, log)
		}
	})
	t.Run("a default-deny NetworkPolicy blocks a pod-to-pod connection that passes without it", func(t *testing.T) {
		k(t, strings.Replace(podYAML(ns, "server", "while true; do echo hi | nc -l -p 8080; done", ""), "restartPolicy: Never", "restartPolicy: Always", 1), "apply", "-f", "-")
		k(t, "", "-n", ns, "wait", "--for=condition=Ready", "pod/server", "--timeout=60s")
		ip := k(t, "", "-n", ns, "get", "pod", "server", "-o", "jsonpath={.status.podIP}")
		// A new pod is policed only once the enforcer has seen it (~1 s):
		// the client waits before it tries.
		probe := "sleep 2; nc -w 2 " + ip + " 8080 </dev/null"
		k(t, podYAML(ns, "allowed", probe, ""), "apply", "-f", "-")
		if p, log := phase(t, ns, "allowed", 60*time.Second); p != "Succeeded" || !strings.Contains(log, "hi") {
			t.Fatalf("without a policy: phase %s, log %q", p, log)
		}
		k(t, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: e2e}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`, "apply", "-f", "-")
		// The enforcer programs a new policy within about a second: probe
		// until a connection is refused, a bounded number of times, rather
		// than waiting a fixed time first.
		var p, log string
		for i := 0; i < 5 && p != "Failed"; i++ {
			name := fmt.Sprintf("denied-%d", i)
			k(t, podYAML(ns, name, probe, ""), "apply", "-f", "-")
			p, log = phase(t, ns, name, 60*time.Second)
		}
		if p != "Failed" {
			t.Fatalf("under default-deny, five probes still connected: phase %s, log %q", p, log)
		}
	})
	if t.Failed() {
		return
	}

	during := snapshot(t)
	if reflect.DeepEqual(before, during) {
		t.Fatal("the running node changed nothing on the host: the comparison would prove nothing")
	}

	t.Log(run("down"))
	downDone = true
	after := snapshot(t)

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
