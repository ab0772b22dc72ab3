package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// The Helm release the test installs, as docs/install.md does.
const helmRelease = "scidata-operator"

// helmCLI runs bin/helm (or $HELM) against the local cluster.
func helmCLI(t *testing.T, n *realNode, args ...string) string {
	t.Helper()
	bin := os.Getenv("HELM")
	if bin == "" {
		bin = filepath.Join(n.root, "bin", "helm")
	}
	home := t.TempDir()
	cmd := exec.Command(bin, append(args, "--kubeconfig", n.kubeconfig)...)
	cmd.Dir = n.root
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"), "HELM_DATA_HOME="+filepath.Join(home, "data"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	t.Logf("helm %s:\n%s", args[0], out.String())
	return out.String()
}

// TestE2EHelmOnARealNode installs the operator with the Helm chart on the
// real node and brings the manager to Available. Its city's Center is on
// an External store, the city's SeaweedFS on the node's address (the
// storage team's Secrets in the release's namespace), and Ready once the
// probe proved it; the sample department (Managed) uploads, its
// Submission is reviewed, copied by a real sync pod into the Center's
// bucket and accepted, and the receipt the manager wrote into SeaweedFS
// verifies offline while a changed byte is refused. Then the release is
// upgraded to two replicas (a PodDisruptionBudget, one leader) and
// uninstalled: the platforms, their namespaces, the department's claim
// (same UID), the objects in the Center's bucket and the CRDs stay.
//
// It needs the real node like TestE2EOperatorOnARealNode, and runs only
// when SCIDATA_E2E_HELM=1 too, on its own (`make test-e2e-helm`), so the
// two installs never meet on one node.
func TestE2EHelmOnARealNode(t *testing.T) {
	if os.Getenv("SCIDATA_E2E_HELM") != "1" {
		t.Skip("set SCIDATA_E2E_HELM=1 (with SCIDATA_E2E=1) to install the chart on a real node: make test-e2e-helm")
	}
	n := requireNode(t)
	k := kube{t: t, n: n}
	chart := filepath.Join(n.root, "charts", "scidata-operator")

	// The namespace first, as docs/install.md says.
	if !k.exists("namespace", operatorNS) {
		k.run("create", "namespace", operatorNS)
	}
	k.run("label", "--overwrite", "namespace", operatorNS, "pod-security.kubernetes.io/enforce=restricted")

	// The city's store and the binary that verifies receipts, in the
	// background while the chart installs.
	warmCityStore(t, k)
	go buildOperatorBinary(n.root)

	start := time.Now()
	notes := helmCLI(t, n, "install", helmRelease, chart, "--namespace", operatorNS,
		"--set", "image.pullPolicy=Never", "--set", "operands.imagePullPolicy=Never", "--wait", "--timeout", "3m")
	if !strings.Contains(notes, "kubectl get dataplatforms") {
		t.Errorf("the install notes do not say to read the platforms:\n%s", notes)
	}
	t.Logf("helm install: manager Available %.1fs after install", time.Since(start).Seconds())
	if sa := managerPod(t, k).Spec.ServiceAccountName; sa != managerName {
		t.Errorf("the manager runs as %q, want %q", sa, managerName)
	}

	// The Center and the department come up side by side.
	srv, applied := applyExternalCenter(t, k)
	applyUntilAccepted(t, k, filepath.Join("config", "samples", "10-science-technology.yaml"))
	externalCenterReady(t, k, srv, applied)
	// The department's store claim; an External Center has none (checked
	// by externalCenterReady), its data is the bucket's.
	claims := map[string]string{}
	eventually(t, 3*time.Minute, "the store's claim in "+deptNS+" is bound", func() (bool, string) {
		var pvc corev1.PersistentVolumeClaim
		if !k.exists("pvc", "-n", deptNS, storeClaim) {
			return false, "no claim yet"
		}
		k.get(&pvc, "pvc", "-n", deptNS, storeClaim)
		claims[deptNS] = string(pvc.UID)
		return pvc.Status.Phase == corev1.ClaimBound, string(pvc.Status.Phase)
	})

	// The city comes Ready under the Helm-installed manager: its stores and
	// portals really run.
	for _, name := range []string{center, dept} {
		eventually(t, 3*time.Minute, name+" Ready under the Helm install", func() (bool, string) {
			dp := getPlatform(t, k, name)
			return dp.Status.ObservedGeneration == dp.Generation && meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionReady),
				fmt.Sprintf("%+v", dp.Status.Conditions)
		})
	}

	start = time.Now()
	uploadSample(t, k) // what it holds is checked in the Center's bucket, byte for byte
	received := receiveIntoExternalCenter(t, k, srv)
	t.Logf("upload → receipt in the External Center verified: %.1fs", time.Since(start).Seconds())

	helmCLI(t, n, "upgrade", helmRelease, chart, "--namespace", operatorNS, "--reuse-values",
		"--set", "replicas=2", "--wait", "--timeout", "3m")
	var d appsv1.Deployment
	k.get(&d, "deployment", "-n", operatorNS, managerName)
	if d.Status.AvailableReplicas != 2 {
		t.Errorf("after upgrade to two replicas, %d are available", d.Status.AvailableReplicas)
	}
	if !k.exists("pdb", "-n", operatorNS, managerName) {
		t.Errorf("two replicas but no PodDisruptionBudget %s", managerName)
	}
	for ns, uid := range claims {
		var pvc corev1.PersistentVolumeClaim
		k.get(&pvc, "pvc", "-n", ns, storeClaim)
		if string(pvc.UID) != uid {
			t.Errorf("the upgrade replaced claim %s/%s (UID %s, was %s)", ns, storeClaim, pvc.UID, uid)
		}
	}

	out := helmCLI(t, n, "uninstall", helmRelease, "--namespace", operatorNS, "--wait")
	if !strings.Contains(out, "uninstalled") {
		t.Errorf("helm uninstall said: %s", out)
	}
	if k.exists("deployment", "-n", operatorNS, managerName) {
		t.Errorf("helm uninstall left the manager's Deployment")
	}
	for _, obj := range [][]string{
		{"crd", "dataplatforms.scidata.io"}, {"crd", "submissions.scidata.io"},
		{"dataplatform", center}, {"dataplatform", dept},
		{"namespace", centerNS}, {"namespace", deptNS},
	} {
		if !k.exists(obj...) {
			t.Errorf("helm uninstall removed %s", strings.Join(obj, " "))
		}
	}
	for ns, uid := range claims {
		var pvc corev1.PersistentVolumeClaim
		k.get(&pvc, "pvc", "-n", ns, storeClaim)
		if string(pvc.UID) != uid {
			t.Errorf("after uninstall claim %s/%s has UID %s, was %s", ns, storeClaim, pvc.UID, uid)
		}
	}
	if keys := bucketKeys(t, srv, centerBucket); !slices.Equal(keys, received) {
		t.Errorf("after uninstall the Center's bucket holds %v, before %v", keys, received)
	}
}
