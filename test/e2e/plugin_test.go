package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/plugin"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// kubectlScidata runs `kubectl scidata ARGS` as an operator would: kubectl
// finds the plugin on the PATH under the name kubectl-scidata (the
// operator's binary, linked under that name) and the plugin reads the
// cluster with the same kubeconfig.
func kubectlScidata(t *testing.T, k kube, args ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(operatorBinary(t, k), filepath.Join(dir, "kubectl-scidata")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(k.n.kubectl, append([]string{"scidata"}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+k.n.kubeconfig)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// pluginReadsTheCity: on the real city, `kubectl scidata status` sees every
// platform Ready and the received Submissions; `trace` follows the
// department's received entry to its sync Job, the Job's pod and the
// receipt; `project` verifies the ready project's statement with the key
// the test pins from the Center's published set.
func pluginReadsTheCity(t *testing.T, k kube) {
	out, err := kubectlScidata(t, k, "status", "-o", "json")
	if err != nil {
		t.Fatalf("kubectl scidata status: %v\n%s", err, out)
	}
	var st plugin.CityStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("kubectl scidata status -o json: %v\n%s", err, out)
	}
	var platforms scidatav1.DataPlatformList
	k.get(&platforms, "dataplatforms")
	if len(st.Platforms) != len(platforms.Items) {
		t.Errorf("status lists %d platforms, the cluster has %d", len(st.Platforms), len(platforms.Items))
	}
	for _, p := range st.Platforms {
		if p.Ready != "True" {
			t.Errorf("status says platform %s is Ready %s (%s: %s)", p.Name, p.Ready, p.Reason, p.Message)
		}
	}
	if st.SubmissionsByState[string(scidatav1.SubmissionReceived)] < 2 {
		t.Errorf("status counts %v; want the two received Submissions (Managed and External departments)", st.SubmissionsByState)
	}
	text, err := kubectlScidata(t, k, "status")
	if err != nil || !strings.Contains(text, "PLATFORMS (") || !strings.Contains(text, "SUBMISSIONS BY STATE") {
		t.Errorf("kubectl scidata status: %v\n%s", err, text)
	}
	t.Logf("kubectl scidata status:\n%s", text)

	trace, err := kubectlScidata(t, k, "trace", entryName, "-n", deptNS)
	if err != nil {
		t.Fatalf("kubectl scidata trace: %v\n%s", err, trace)
	}
	for _, want := range []string{"CatalogEntry " + deptNS + "/" + entryName, "Submission " + deptNS + "/", "Received", "Job " + centerNS + "/",
		"Pod " + centerNS + "/", "Succeeded: container sync exited 0", "Receipt "} {
		if !strings.Contains(trace, want) {
			t.Errorf("kubectl scidata trace does not show %q:\n%s", want, trace)
		}
	}
	t.Logf("kubectl scidata trace %s:\n%s", entryName, trace)

	const ready = "BZKJ-2023-ZD-017"
	var p scidatav1.Project
	k.get(&p, "project", "-n", centerNS, submission.ProjectName(ready))
	if len(p.Status.Statements) == 0 {
		t.Fatalf("project %s has no statement", ready)
	}
	key := p.Status.Statements[len(p.Status.Statements)-1].KeyID
	proj, err := kubectlScidata(t, k, "project", ready, "--fingerprint", key)
	if err != nil || !strings.Contains(proj, ", verified; names the receipts the entries have now") {
		t.Errorf("kubectl scidata project %s: %v\n%s", ready, err, proj)
	}
	if out, err := kubectlScidata(t, k, "project", ready, "--fingerprint", strings.Repeat("0", 64)); err == nil {
		t.Errorf("kubectl scidata project verified a statement with a fingerprint not in the key set:\n%s", out)
	}
}
