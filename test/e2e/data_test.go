package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/submission"
	"github.com/scidata-io/scidata-operator/test/cityops"
)

// The sample entry of config/samples/10-science-technology.yaml, which the
// Center's city-wide policy selects (scidata.io/funding: government).
const (
	entryName    = "selenium-tea-field-trials"
	entryPrefix  = "agronomy/selenium-tea-trials/"
	entryVersion = "2025.11"
	reviewer     = "reviewer@science-technology"
	curator      = "curator@center"
)

// sampleData is what the department uploads: small, but real bytes.
var sampleData = map[string]string{
	"plots.csv":       "plot,county,cultivar,leaf_se_mg_kg\nNJ-01,Nanjiang,Fuding,0.41\nNJ-02,Nanjiang,Micang,0.52\nTJ-01,Tongjiang,Fuding,0.38\n",
	"soil.csv":        "plot,soil_se_mg_kg,ph\nNJ-01,0.92,5.4\nNJ-02,1.10,5.1\nTJ-01,0.87,5.6\n",
	"README.txt":      "Selenium uptake field trials, 2023-2025. Columns are described in the entry.\n",
	"yield-2025.csv":  "plot,yield_kg_ha\nNJ-01,1320\nNJ-02,1185\nTJ-01,1402\n",
	"photo-index.csv": "plot,file\nNJ-01,nj01.jpg\n",
}

// toolJob runs the operator's own image in ns as a Job (cityops.ToolJob:
// restricted, the credentials Secret and the CA bundle mounted), waits for
// it to finish and returns its log. It fails the test when the Job fails.
func toolJob(t *testing.T, k kube, ns, name string, args []string, credentials, data string) string {
	t.Helper()
	logs, failed := runToolJob(t, k, ns, name, args, credentials, data)
	if failed != "" {
		t.Fatalf("job %s/%s failed (%s); its log:\n%s", ns, name, failed, logs)
	}
	return logs
}

// runToolJob runs the Job and returns its log and, if it failed, why.
func runToolJob(t *testing.T, k kube, ns, name string, args []string, credentials, data string) (logs, failed string) {
	t.Helper()
	startJob(t, k, cityops.ToolJob("scidata-operator:dev", ns, name, args, credentials, data))
	return waitJob(t, k, ns, name)
}

// startJob creates job (deleted when the test ends) without waiting.
func startJob(t *testing.T, k kube, job *batchv1.Job) {
	t.Helper()
	b, err := yaml.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	ns, name := job.Namespace, job.Name
	if out, err := k.try(string(b), "apply", "-f", "-"); err != nil {
		t.Fatalf("create job %s/%s: %v\n%s", ns, name, err, out)
	}
	t.Cleanup(func() { _, _ = k.try("", "delete", "job", "-n", ns, name, "--wait=false", "--cascade=background") })
}

// waitJob waits for a Job to finish and returns its log and, if it
// failed, why.
func waitJob(t *testing.T, k kube, ns, name string) (logs, failed string) {
	t.Helper()
	var done batchv1.Job
	eventually(t, 2*time.Minute, "job "+ns+"/"+name+" finishes", func() (bool, string) {
		k.get(&done, "job", "-n", ns, name)
		for _, c := range done.Status.Conditions {
			if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", done.Status)
	})
	logs, _ = k.try("", "logs", "-n", ns, "job/"+name)
	for _, c := range done.Status.Conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
			return logs, c.Reason + ": " + c.Message
		}
	}
	return logs, ""
}

// uploadData loads the sample files into the department's store the way
// its owners would: from a pod in its own namespace, with its upload
// account, over verified TLS.
func uploadData(t *testing.T, k kube) {
	uploadSample(t, k)
	listed := listObjects(t, k, deptNS, "objectstore-upload", "list-dept-store", entryPrefix)
	if len(listed) != len(sampleData) {
		t.Fatalf("the department's store lists %d objects under %s, want %d: %v", len(listed), entryPrefix, len(sampleData), listed)
	}
	for name, data := range sampleData {
		if got := listed[entryPrefix+name]; got != int64(len(data)) {
			t.Errorf("%s%s: %d bytes in the store, %d uploaded", entryPrefix, name, got, len(data))
		}
	}
}

// uploadSample runs the owners' upload Job of the sample files into the
// department's store.
func uploadSample(t *testing.T, k kube) {
	t.Helper()
	cm := cityops.DataConfigMap(deptNS, "selenium-tea-data", sampleData)
	b, _ := yaml.Marshal(cm)
	if out, err := k.try(string(b), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply data ConfigMap: %v\n%s", err, out)
	}
	start := time.Now()
	out := toolJob(t, k, deptNS, "upload-selenium-tea", cityops.UploadArgs(cityops.ManagedStore(deptNS), entryPrefix), "objectstore-upload", cm.Name)
	t.Logf("uploaded in %.1fs:\n%s", time.Since(start).Seconds(), out)
}

// listObjects lists a Managed store from a pod in its namespace: key → size.
func listObjects(t *testing.T, k kube, ns, secret, job, prefix string) map[string]int64 {
	t.Helper()
	return listStore(t, k, ns, cityops.ManagedStore(ns), secret, job, prefix)
}

// listStore lists st from a pod in ns: key → size.
func listStore(t *testing.T, k kube, ns string, st store.Store, secret, job, prefix string) map[string]int64 {
	t.Helper()
	out := toolJob(t, k, ns, job, cityops.ObjectsArgs(st, "ls", prefix), secret, "")
	got := map[string]int64{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var size int64
		var key string
		if _, err := fmt.Sscanf(l, "%d\t%s", &size, &key); err == nil {
			got[key] = size
		}
	}
	return got
}

// submitAndReceive follows the sample entry from the Center's policy to a
// verified receipt: the Submission appears, waits for review, a reviewer
// approves it in their own name, a sync Job pod in the Center's namespace
// copies the bytes, and the receipt verifies offline against the manifest
// read back from the Center's store; a changed byte fails verification.
func submitAndReceive(t *testing.T, k kube) {
	receive(t, k, flow{dept: dept, ns: deptNS, entry: entryName, version: entryVersion, reviewer: reviewer, data: sampleData, first: true})
}

// flow is one department's entry, from its Submission to its receipt.
type flow struct {
	dept, ns, entry, version, reviewer string
	data                               map[string]string
	// first: the checks made once for the city (the Center's owners
	// cannot overwrite what was received; the review policy refuses a
	// review in another's name).
	first bool
}

// awaitReview waits for the Submission the Center's policy makes for the
// entry to wait for its review, with no sync Job yet.
func awaitReview(t *testing.T, k kube, f flow) *scidatav1.Submission {
	t.Helper()
	name := submission.Name(f.entry, f.version)
	var sub scidatav1.Submission
	eventually(t, 90*time.Second, "Submission "+f.ns+"/"+name+" waits for review", func() (bool, string) {
		if !k.exists("submission", "-n", f.ns, name) {
			return false, "no Submission yet"
		}
		k.get(&sub, "submission", "-n", f.ns, name)
		c := meta.FindStatusCondition(sub.Status.Conditions, scidatav1.ConditionReady)
		return c != nil && c.Status == metav1.ConditionFalse && sub.Status.Transfer == nil, fmt.Sprintf("%+v", sub.Status)
	})
	if k.exists("job", "-n", centerNS, submission.JobName(&sub)) {
		t.Fatalf("the sync Job of %s/%s runs before the review", f.ns, name)
	}
	return &sub
}

// approve: the department's reviewer approves in their own name (approve
// on reviewers/<department>, and the status of Submissions in the
// department's namespace only).
func approve(t *testing.T, k kube, f flow) {
	t.Helper()
	name := submission.Name(f.entry, f.version)
	if out, err := k.try(cityops.ReviewerRBAC(f.dept, f.ns, f.reviewer), "apply", "-f", "-"); err != nil {
		t.Fatalf("reviewer RBAC: %v\n%s", err, out)
	}
	review := func(by string) (string, error) {
		patch := cityops.ApprovalPatch(by, metav1.Now())
		return k.try("", "patch", "submission", "-n", f.ns, name, "--subresource=status", "--type=merge", "-p", patch, "--as", f.reviewer)
	}
	if f.first {
		// Approving in someone else's name is refused by admission.
		if out, err := review("someone-else"); err == nil || !strings.Contains(out, "scidata-submission-review") {
			t.Fatalf("a review in another's name was not refused by the review policy: %v\n%s", err, out)
		}
	}
	eventually(t, 30*time.Second, "the reviewer's approval is admitted", func() (bool, string) {
		out, err := review(f.reviewer) // RBAC may take a moment to reach the authorizer's cache
		return err == nil, out
	})
}

// awaitTransferred waits until the Center's gates passed and the data was
// transferred and verified: the sample city asks its curator to accept
// before the receipt.
func awaitTransferred(t *testing.T, k kube, f flow, timeout time.Duration) *scidatav1.Submission {
	t.Helper()
	name := submission.Name(f.entry, f.version)
	var sub scidatav1.Submission
	eventually(t, timeout, "Submission "+name+" is transferred and waits for the Center's curator", func() (bool, string) {
		k.get(&sub, "submission", "-n", f.ns, name)
		return submission.State(&sub) == scidatav1.SubmissionAwaitingAcceptance && sub.Status.AcceptanceDueAt != nil, fmt.Sprintf("%+v", sub.Status.Conditions)
	})
	return &sub
}

// accept: the Center's curator accepts (the department's reviewer
// cannot), and the Submission is received with its receipt.
func accept(t *testing.T, k kube, f flow) *scidatav1.Submission {
	t.Helper()
	name := submission.Name(f.entry, f.version)
	if out, err := k.try(cityops.CuratorRBAC(curator), "apply", "-f", "-"); err != nil {
		t.Fatalf("curator RBAC: %v\n%s", err, out)
	}
	if out, err := k.try("", "patch", "submission", "-n", f.ns, name, "--subresource=status", "--type=merge", "-p", cityops.AcceptancePatch(f.reviewer, metav1.Now()), "--as", f.reviewer); err == nil {
		t.Fatalf("the department's reviewer accepted for the Center:\n%s", out)
	}
	eventually(t, 30*time.Second, "the curator's acceptance is admitted", func() (bool, string) {
		out, err := k.try("", "patch", "submission", "-n", f.ns, name, "--subresource=status", "--type=merge", "-p", cityops.AcceptancePatch(curator, metav1.Now()), "--as", curator)
		return err == nil, out
	})
	var sub scidatav1.Submission
	eventually(t, time.Minute, "Submission "+name+" is received with a receipt", func() (bool, string) {
		k.get(&sub, "submission", "-n", f.ns, name)
		return sub.Status.Receipt != nil && meta.IsStatusConditionTrue(sub.Status.Conditions, scidatav1.ConditionReceived) &&
			meta.IsStatusConditionTrue(sub.Status.Conditions, scidatav1.ConditionReady), fmt.Sprintf("%+v", sub.Status.Conditions)
	})
	if !meta.IsStatusConditionTrue(sub.Status.Conditions, scidatav1.ConditionApproved) {
		t.Errorf("Approved condition not True: %+v", sub.Status.Conditions)
	}
	return &sub
}

// receive follows f's entry from the Center's policy to a verified receipt.
func receive(t *testing.T, k kube, f flow) {
	name := submission.Name(f.entry, f.version)
	awaitReview(t, k, f)
	start := time.Now()
	approve(t, k, f)
	sub := awaitTransferred(t, k, f, 4*time.Minute)
	t.Logf("approved → transferred in %.1fs; gates %v; acceptance due %s", time.Since(start).Seconds(), submission.Passed(sub.Status.Gates), sub.Status.AcceptanceDueAt)
	sub = accept(t, k, f)
	t.Logf("approved → receipt in %.1fs; transfer %+v", time.Since(start).Seconds(), *sub.Status.Transfer)

	checkSyncPod(t, k, sub, f)

	// The bytes are in the Center's store, under the version's prefix,
	// with the manifest and the receipt beside them.
	dest := sub.Status.Transfer.Destination
	center := cityops.ManagedStore(centerNS)
	var listed map[string]int64
	var manifest string
	if f.first {
		// From a pod of the Center's namespace, with its owners' account.
		listed = listStore(t, k, centerNS, center, "objectstore-upload", "list-center-"+f.dept, dest)
		manifest = toolJob(t, k, centerNS, "read-manifest-"+f.dept, cityops.ObjectsArgs(center, "cat", dest+"manifest.json"), "objectstore-upload", "")
	} else {
		// The same account from the host (no Job to wait for).
		cl, bucket := centerStoreClient(t, k)
		listed = map[string]int64{}
		for o := range cl.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: dest, Recursive: true}) {
			if o.Err != nil {
				t.Fatalf("list %s: %v", dest, o.Err)
			}
			listed[o.Key] = o.Size
		}
		b, err := getObject(cl, bucket, dest+"manifest.json")
		if err != nil {
			t.Fatalf("the manifest: %v", err)
		}
		manifest = string(b)
	}
	for n, d := range f.data {
		if listed[dest+n] != int64(len(d)) {
			t.Errorf("the Center's store holds %s%s with %d bytes, want %d", dest, n, listed[dest+n], len(d))
		}
	}
	for _, n := range []string{"manifest.json", "receipt.json"} {
		if _, ok := listed[dest+n]; !ok {
			t.Errorf("the Center's store has no %s%s: %v", dest, n, listed)
		}
	}
	if f.first {
		// The Center's owners read what was received and cannot alter it:
		// their account only reads the Center's store; the sync account
		// alone writes.
		forged, _ := yaml.Marshal(cityops.DataConfigMap(centerNS, "selenium-tea-data-center", map[string]string{"plots.csv": "forged\n"}))
		if out, err := k.try(string(forged), "apply", "-f", "-"); err != nil {
			t.Fatalf("apply data ConfigMap: %v\n%s", err, out)
		}
		if logs, failed := runToolJob(t, k, centerNS, "owners-overwrite", cityops.UploadArgs(center, dest), "objectstore-upload", "selenium-tea-data-center"); failed == "" || !strings.Contains(logs, "Access Denied") {
			t.Errorf("the Center's owners overwrote %s (failed %q):\n%s", dest, failed, logs)
		}
	}
	checkManifest(t, manifest, f.data)
	verifyReceipt(t, k, sub, manifest, []string{`"by": "` + f.reviewer + `"`, `"by": "` + curator + `"`, `"SubjectCode"`, `"ObjectsPresent"`})
	t.Logf("%s/%s: receipt %s verified; a one-byte change is refused", f.ns, name, sub.Status.Receipt.KeyID)
}

// checkSyncPod: a real pod ran the copy of sub, in the Center's namespace,
// as a sync pod, and the transfer counts f's objects and bytes.
func checkSyncPod(t *testing.T, k kube, sub *scidatav1.Submission, f flow) {
	t.Helper()
	// A real pod ran the copy, in the Center's namespace, as a sync pod.
	var pods corev1.PodList
	k.get(&pods, "pods", "-n", centerNS, "-l", "app.kubernetes.io/component=sync,"+batchv1.JobNameLabel+"="+sub.Status.Transfer.JobName)
	succeeded := 0
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodSucceeded {
			succeeded++
		}
	}
	if succeeded == 0 {
		t.Errorf("no sync pod of %s Succeeded in %s: %d pods", sub.Status.Transfer.JobName, centerNS, len(pods.Items))
	}
	if sub.Status.Transfer.Objects != int64(len(f.data)) {
		t.Errorf("the transfer copied %d objects, want %d", sub.Status.Transfer.Objects, len(f.data))
	}
	var total int64
	for _, d := range f.data {
		total += int64(len(d))
	}
	if sub.Status.Transfer.Bytes != total {
		t.Errorf("the transfer copied %d bytes, want %d", sub.Status.Transfer.Bytes, total)
	}
}

// checkManifest: the manifest read back lists exactly data's objects, each
// with the SHA-256 of the bytes uploaded.
func checkManifest(t *testing.T, manifest string, data map[string]string) {
	t.Helper()
	var m struct {
		Objects []struct {
			Path   string `json:"path"`
			Size   int64  `json:"size"`
			SHA256 string `json:"sha256"`
		} `json:"objects"`
	}
	if err := json.Unmarshal([]byte(manifest), &m); err != nil {
		t.Fatalf("the manifest read back is not JSON: %v\n%.2000s", err, manifest)
	}
	if len(m.Objects) != len(data) {
		t.Errorf("the manifest lists %d objects, %d were uploaded", len(m.Objects), len(data))
	}
	for _, o := range m.Objects {
		d, ok := data[o.Path]
		sum := sha256.Sum256([]byte(d))
		if !ok || o.SHA256 != hex.EncodeToString(sum[:]) || o.Size != int64(len(d)) {
			t.Errorf("manifest: %s has %d bytes, SHA-256 %s; the uploaded bytes (%v): %d, %x", o.Path, o.Size, o.SHA256, ok, len(d), sum)
		}
	}
}

// verifyReceipt runs receipt verify offline, against the key fingerprint
// published in the Center's key set and the manifest read back from the
// Center's store; the verified receipt attests what attests names, and a
// manifest with one changed byte is refused.
func verifyReceipt(t *testing.T, k kube, sub *scidatav1.Submission, manifest string, attests []string) {
	t.Helper()
	verifyReceipts(t, k, sub, manifest, attests, map[string]string{
		"submission.yaml": k.run("get", "submission", "-n", sub.Namespace, sub.Name, "-o", "yaml")})
}

// verifyReceipts is verifyReceipt for each of receipts (file name → a
// Submission holding the receipt, or the bare receipt as the manager wrote
// it beside the manifest): each verifies, attests what attests names, and
// is refused with a manifest of one changed byte.
func verifyReceipts(t *testing.T, k kube, sub *scidatav1.Submission, manifest string, attests []string, receipts map[string]string) {
	t.Helper()
	work := t.TempDir()
	bin := operatorBinary(t, k)
	write := func(name, data string) string {
		p := filepath.Join(work, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The key set as the Center's portal publishes it to auditors (through
	// the apiserver's service proxy), the same as the ConfigMap it is read
	// from.
	var keys corev1.ConfigMap
	k.get(&keys, "configmap", "-n", centerNS, "receipt-keys")
	var published string
	eventually(t, 60*time.Second, "the Center's portal publishes the key set", func() (bool, string) {
		out, err := k.try("", "get", "--raw", "/api/v1/namespaces/"+centerNS+"/services/portal:8080/proxy/receipt-keys.json")
		published = out
		return err == nil && strings.Contains(out, sub.Status.Receipt.KeyID), out
	})
	if strings.TrimSpace(published) != strings.TrimSpace(keys.Data["keys.json"]) {
		t.Errorf("the portal publishes\n%s\nbut the key set ConfigMap holds\n%s", published, keys.Data["keys.json"])
	}
	keySet := write("keys.json", published)
	genuine := write("manifest.json", manifest)
	tampered := []byte(manifest)
	i := strings.Index(manifest, `"size"`)
	tampered[i+len(`"size":`)+1] ^= 1 // one byte of the first size
	changed := write("tampered.json", string(tampered))
	for name, doc := range receipts {
		receiptFile := write(name, doc)
		verify := func(manifestFile string) (string, error) {
			out, err := exec.Command(bin, "receipt", "verify", "--receipt", receiptFile, "--keyset", keySet,
				"--fingerprint", sub.Status.Receipt.KeyID, "--manifest", manifestFile).CombinedOutput()
			return string(out), err
		}
		out, err := verify(genuine)
		if err != nil {
			t.Fatalf("receipt verify of the genuine receipt (%s) and manifest: %v\n%s", name, err, out)
		}
		for _, says := range append([]string{`"version": "scidata.io/receipt/v2"`}, attests...) {
			if !strings.Contains(out, says) {
				t.Errorf("the verified receipt (%s) does not attest %s:\n%.3000s", name, says, out)
			}
		}
		if out, err := verify(changed); err == nil {
			t.Fatalf("receipt verify (%s) accepted a manifest with a changed byte:\n%.3000s", name, out)
		}
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// operatorBinary builds the operator's binary once, for receipt verify.
func operatorBinary(t *testing.T, k kube) string {
	t.Helper()
	buildOperatorBinary(k.n.root)
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// buildOperatorBinary builds the binary of the module at root, once; a
// test may start it early in the background (go buildOperatorBinary), and
// operatorBinary waits for it.
func buildOperatorBinary(root string) {
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scidata-e2e-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "scidata-operator")
		if out, err := exec.Command("go", "build", "-o", binPath, root).CombinedOutput(); err != nil {
			binErr = fmt.Errorf("build the operator's binary: %w\n%s", err, out)
		}
	})
}

// projectsAtAcceptance: the project whose one entry was received is ready
// for acceptance with the Center's signed statement, which receipt verify
// checks offline (and a changed byte fails); the classified department's
// project, whose entry waits for its reviewer, is not ready and says which
// entry is missing.
func projectsAtAcceptance(t *testing.T, k kube) {
	const ready, waiting = "BZKJ-2023-ZD-017", "BZZR-CH-2023-004"
	var p scidatav1.Project
	eventually(t, time.Minute, "project "+ready+" is ready with its signed statement", func() (bool, string) {
		name := submission.ProjectName(ready)
		if !k.exists("project", "-n", centerNS, name) {
			return false, "no Project " + name
		}
		k.get(&p, "project", "-n", centerNS, name)
		return p.Status.ReadyForAcceptance && len(p.Status.Statements) > 0 && meta.IsStatusConditionTrue(p.Status.Conditions, scidatav1.ConditionReady),
			fmt.Sprintf("%+v", p.Status.Conditions)
	})
	work := t.TempDir()
	doc := k.run("get", "project", "-n", centerNS, p.Name, "-o", "yaml")
	var keys corev1.ConfigMap
	k.get(&keys, "configmap", "-n", centerNS, "receipt-keys")
	keySet := filepath.Join(work, "keys.json")
	if err := os.WriteFile(keySet, []byte(keys.Data["keys.json"]), 0o600); err != nil {
		t.Fatal(err)
	}
	last := p.Status.Statements[len(p.Status.Statements)-1]
	verify := func(file, doc string) (string, error) {
		path := filepath.Join(work, file)
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(operatorBinary(t, k), "receipt", "verify", "--receipt", path, "--keyset", keySet, "--fingerprint", last.KeyID).CombinedOutput()
		return string(out), err
	}
	out, err := verify("project.yaml", doc)
	if err != nil || !strings.Contains(out, `"projectID": "`+ready+`"`) || !strings.Contains(out, entryName) {
		t.Fatalf("receipt verify of project %s's statement: %v\n%s", ready, err, out)
	}
	// One byte of the signed payload changed: refused.
	at := strings.Index(doc, last.Payload)
	if at < 0 {
		t.Fatalf("kubectl get -o yaml does not show the statement's payload on one line:\n%s", doc)
	}
	i := at + len(last.Payload)/2
	tampered := []byte(doc)
	tampered[i] = map[bool]byte{true: 'B', false: 'A'}[tampered[i] == 'A']
	if out, err := verify("tampered.yaml", string(tampered)); err == nil {
		t.Fatalf("receipt verify accepted a statement with a changed byte:\n%s", out)
	}
	t.Logf("project %s: statement %d verified offline; a one-byte change is refused", ready, last.Sequence)

	var q scidatav1.Project
	missing := "scidata-natural-resources/high-precision-survey-results-2023 (AwaitingReview)"
	eventually(t, time.Minute, "project "+waiting+" is not ready and names its missing entry", func() (bool, string) {
		name := submission.ProjectName(waiting)
		if !k.exists("project", "-n", centerNS, name) {
			return false, "no Project " + name
		}
		k.get(&q, "project", "-n", centerNS, name)
		c := meta.FindStatusCondition(q.Status.Conditions, scidatav1.ConditionReady)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == scidatav1.ReasonEntriesMissing && strings.Contains(c.Message, missing), fmt.Sprintf("%+v", q.Status.Conditions)
	})
	t.Logf("project %s: %s", waiting, meta.FindStatusCondition(q.Status.Conditions, scidatav1.ConditionReady).Message)
}

// dataSurvives: after the department's platform was deleted (Retain) and
// adopted again, the bytes uploaded before are still there and readable.
func dataSurvives(t *testing.T, k kube) {
	eventually(t, 3*time.Minute, dept+" is Ready again after adoption", func() (bool, string) {
		dp := getPlatform(t, k, dept)
		return meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionReady), fmt.Sprintf("%+v", dp.Status.Conditions)
	})
	listed := listObjects(t, k, deptNS, "objectstore-upload", "list-after-adoption", entryPrefix)
	var keys []string
	for key := range listed {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	if len(listed) != len(sampleData) {
		t.Fatalf("after adoption the store lists %v, want the %d objects uploaded before", keys, len(sampleData))
	}
	got := toolJob(t, k, deptNS, "read-after-adoption", cityops.ObjectsArgs(cityops.ManagedStore(deptNS), "cat", entryPrefix+"soil.csv"), "objectstore-upload", "")
	if got != sampleData["soil.csv"] {
		t.Fatalf("soil.csv after adoption reads %q, want %q", got, sampleData["soil.csv"])
	}
}
