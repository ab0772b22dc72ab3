package e2e

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
	"github.com/scidata-io/scidata-operator/test/cityops"
)

// The Conditional entry of the Managed department that the classified
// department asks for, and the request. The sample entry
// (entryPrefix, uploaded by uploadData) is the other entry's prefix in the
// same bucket, which the grant must not read.
const (
	condEntry    = "selenium-soil-survey"
	condPrefix   = "agronomy/selenium-soil-survey/"
	accessName   = "soil-survey-hazard-mapping"
	accessUser   = "alice@" + classifiedDept
	accessReview = "dora@" + dept
)

var condData = map[string]string{
	"sites.csv":   "site,county,soil_se_mg_kg\nNJ-S1,Nanjiang,0.96\nTJ-S4,Tongjiang,0.81\n",
	"methods.txt": "Soil selenium by hydride generation AFS; duplicates every tenth sample.\n",
}

func condEntryYAML() string {
	return fmt.Sprintf(`apiVersion: scidata.io/v1alpha1
kind: CatalogEntry
metadata:
  name: %s
  namespace: %s
  labels: {scidata.io/subject: agronomy}
spec:
  title: Soil selenium survey of the Micang Mountains tea plantations, 2025
  description: Site-level soil selenium of the tea plantations, with the sampling method.
  subject: Agronomy
  subjectCode: "210"
  dataTypes: [Table]
  responsibleDepartment: {code: %s, name: Bazhong Municipal Science and Technology Bureau}
  providingDepartment: {name: Bazhong Institute for Green Agriculture Innovation and Development}
  data: {prefix: %s, contentVersion: "2025.12", formats: [text/csv]}
  sharing:
    mode: Conditional
    conditions: Research and government use; sites are not republished with coordinates.
    audience: City departments and research institutes
    reviewProcedure: The bureau's data office reviews the purpose within 10 working days.
    fees: {model: Free}
  classification: {level: Internal}
  accessMethod: {type: Offline}
`, condEntry, deptNS, dept, condPrefix)
}

func accessRequestYAML() string {
	return fmt.Sprintf(`apiVersion: scidata.io/v1alpha1
kind: AccessRequest
metadata: {name: %s, namespace: %s}
spec:
  entry: {namespace: %s, name: %s}
  useNamespace: %s
  purpose: {category: DisasterPrevention, description: Soil selenium as a covariate of the landslide susceptibility map.}
  requester: {user: %q, name: Alice Wang, qualification: Geologist of the bureau's hazard section.}
  safeguards: Kept in the platform's namespace; deleted when the map is published.
  durationSeconds: 7200
`, accessName, classifiedNS, deptNS, condEntry, classifiedNS, accessUser)
}

// accessReviewerRBAC makes user an access reviewer of the department (the
// verb approve on accessreviewers/<department>, cluster-wide as the
// admission policy's authorizer check has no namespace) who reads the
// requests of ns and writes their status, and nothing else.
func accessReviewerRBAC(department, ns, user string) string {
	return fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scidata-access-reviewer-%[1]s}
rules:
- apiGroups: [scidata.io]
  resources: [accessreviewers]
  resourceNames: [%[1]s]
  verbs: [approve]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: scidata-access-reviewer-%[1]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scidata-access-reviewer-%[1]s}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: %[3]q}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: scidata-access-reviewer, namespace: %[2]s}
rules:
- apiGroups: [scidata.io]
  resources: [accessrequests]
  verbs: [get, list, watch]
- apiGroups: [scidata.io]
  resources: [accessrequests/status]
  verbs: [get, patch, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: scidata-access-reviewer, namespace: %[2]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: scidata-access-reviewer}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: %[3]q}
`, department, ns, user)
}

// grantProbe is a busybox pod in the namespace of use that tries one TCP
// connection to the owner's store (the probe of the truth table).
func grantProbe(t *testing.T, k kube, name string, labels map[string]string) {
	t.Helper()
	pod := probePod(name, classifiedNS, labels, []target{{"dept store", "objectstore." + deptNS + ".svc.cluster.local", "9000"}})
	if out, err := k.try(pod, "apply", "-f", "-"); err != nil {
		t.Fatalf("probe pod %s/%s: %v\n%s", classifiedNS, name, err, out)
	}
	t.Cleanup(func() { _, _ = k.try("", "delete", "pod", "-n", classifiedNS, name, "--wait=false") })
}

// probeResult waits for a grantProbe and returns allow or deny.
func probeResult(t *testing.T, k kube, name string) string {
	t.Helper()
	eventually(t, time.Minute, "probe "+classifiedNS+"/"+name+" finishes", func() (bool, string) {
		p := strings.TrimSpace(k.run("get", "pod", "-n", classifiedNS, name, "-o", "jsonpath={.status.phase}"))
		return p == "Succeeded" || p == "Failed", p
	})
	for _, l := range strings.Split(k.run("logs", "-n", classifiedNS, name), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "dept store="); ok {
			return v
		}
	}
	t.Fatalf("probe %s/%s printed no result", classifiedNS, name)
	return ""
}

// grantJob is a tool Job in the namespace of use with the grant's Secret
// mounted as its credentials and, when label is set, the grant's label.
func grantJob(t *testing.T, k kube, name, secret, data string, label bool, id string, args []string) {
	t.Helper()
	job := cityops.ToolJob("scidata-operator:dev", classifiedNS, name, args, secret, data)
	if label {
		job.Spec.Template.Labels[scidatav1.LabelAccessGrant] = id
	}
	startJob(t, k, job)
}

// storePod is the owner's store pod's identity and restarts.
func storePod(t *testing.T, k kube) (uid string, restarts int32) {
	t.Helper()
	var pod corev1.Pod
	k.get(&pod, "pod", "-n", deptNS, platform.ObjectStoreName+"-0")
	for _, c := range pod.Status.ContainerStatuses {
		restarts += c.RestartCount
	}
	return string(pod.UID), restarts
}

// grantLeft lists what is left of grant id: its Secret, NetworkPolicies
// and check Job in both namespaces, its line in the owner's store's grants,
// and any statement of the bucket policy naming it or its account.
func grantLeft(t *testing.T, k kube, id, accessKey string) []string {
	t.Helper()
	var left []string
	for _, ns := range []string{classifiedNS, deptNS} {
		for _, kind := range []string{"secrets", "networkpolicies", "jobs"} {
			out := k.run("get", kind, "-n", ns, "-o", "name")
			for _, l := range strings.Fields(out) {
				if strings.Contains(l, id) {
					left = append(left, ns+" "+l)
				}
			}
		}
	}
	var sec corev1.Secret
	k.get(&sec, "secret", "-n", deptNS, platform.GrantsSecretName)
	lines, err := storeboot.ParseGrants(sec.Data[storeboot.GrantsFile])
	if err != nil {
		t.Fatalf("the owner's grants: %v", err)
	}
	for _, g := range lines {
		left = append(left, "grants line "+g.ID)
	}
	var root corev1.Secret
	k.get(&root, "secret", "-n", deptNS, platform.RootCredentialsName)
	cl, bucket := storeClient(t, k, deptNS, string(root.Data[platform.AccessKeyField]), string(root.Data[platform.SecretKeyField]))
	policy, err := cl.GetBucketPolicy(context.Background(), bucket)
	if err != nil && minio.ToErrorResponse(err).Code != "NoSuchBucketPolicy" {
		t.Fatalf("bucket policy of %s: %v", bucket, err)
	}
	if strings.Contains(policy, id) || strings.Contains(policy, accessKey) {
		left = append(left, "bucket policy statement: "+policy)
	}
	return left
}

// accessGrantEndToEnd: a pod of the classified department cannot read the
// Managed department's Conditional entry; the department's access reviewer
// approves a request for it; the grant, checked by the operator's Job in
// the namespace of use, lets a pod with its label and Secret read that
// entry's prefix only, read-only, without restarting the store; a pod
// without the label cannot connect; it expires a minute after approval
// (the reviewer granted that), after which the store refuses the
// credential, the network the connection, and nothing of the grant is
// left. The grant's row of the truth table prints before, during and
// after. (A revocation is the same end at another moment: the envtest
// proves it removes the grant's line, internal/storeboot that the sidecar
// deletes the account as soon as the watched Secret loses it.)
func accessGrantEndToEnd(t *testing.T, k kube) {
	start := time.Now()
	type row struct{ when, network, unlabelled, read, other, write, store string }
	var rows []row
	defer func() {
		var b strings.Builder
		fmt.Fprintf(&b, "\n%-8s | %-22s | %-22s | %-14s | %-16s | %-8s | %s\n", "grant", "labelled → dept store", "unlabelled → dept store", "read its prefix", "read other prefix", "write", "store, its credential")
		for _, r := range rows {
			fmt.Fprintf(&b, "%-8s | %-22s | %-23s | %-15s | %-17s | %-8s | %s\n", r.when, r.network, r.unlabelled, r.read, r.other, r.write, r.store)
		}
		t.Logf("the grant's row of the truth table, measured from real pods of %s:%s", classifiedNS, b.String())
	}()

	// 1. The entry, its data and that of another entry under one bucket.
	applyDoc(t, k, "the Conditional entry "+condEntry, condEntryYAML())
	cm := cityops.DataConfigMap(deptNS, "selenium-soil-data", condData)
	b, _ := yaml.Marshal(cm)
	if out, err := k.try(string(b), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply data ConfigMap: %v\n%s", err, out)
	}
	toolJob(t, k, deptNS, "upload-selenium-soil", cityops.UploadArgs(cityops.ManagedStore(deptNS), condPrefix), "objectstore-upload", cm.Name)
	// The write attempt's data, in the namespace of use.
	cmUse := cityops.DataConfigMap(classifiedNS, "grant-write-attempt", map[string]string{"sites.csv": "overwritten\n"})
	b, _ = yaml.Marshal(cmUse)
	if out, err := k.try(string(b), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply ConfigMap: %v\n%s", err, out)
	}
	uid, restarts := storePod(t, k)

	// Before: the other department's pod has no credential, and the
	// network refuses it.
	grantProbe(t, k, "grant-before", nil)
	before := probeResult(t, k, "grant-before")
	if before != "deny" {
		t.Errorf("before any grant, a pod of %s connects to %s's store: %s", classifiedNS, deptNS, before)
	}
	rows = append(rows, row{"before", "— (no grant)", before, "no credential", "no credential", "no credential", "—"})

	// 2. The request, filed by the department's robot for Alice.
	applyDoc(t, k, "AccessRequest "+accessName, accessRequestYAML())
	var ar scidatav1.AccessRequest
	eventually(t, 30*time.Second, "the request waits for review", func() (bool, string) {
		k.get(&ar, "accessrequest", "-n", classifiedNS, accessName)
		return ar.Status.State != nil && *ar.Status.State == scidatav1.AccessPending && ar.Status.ObservedGeneration != nil && *ar.Status.ObservedGeneration == ar.Generation, fmt.Sprintf("%+v", ar.Status)
	})
	if k.exists("secret", "-n", classifiedNS, access.SecretPrefix+access.GrantID(classifiedNS, accessName)) {
		t.Errorf("a grant Secret exists before any approval")
	}
	if out, err := k.try(accessReviewerRBAC(dept, classifiedNS, accessReview), "apply", "-f", "-"); err != nil {
		t.Fatalf("access reviewer RBAC: %v\n%s", err, out)
	}
	review := func(as, by string) (string, error) {
		patch := fmt.Sprintf(`{"status":{"review":{"decision":"Approved","by":%q,"at":%q,"generation":%d,"durationSeconds":%d}}}`, by, time.Now().UTC().Format(time.RFC3339), ar.Generation, scidatav1.MinGrantedDurationSeconds)
		return k.try("", "patch", "accessrequest", "-n", classifiedNS, accessName, "--subresource=status", "--type=merge", "-p", patch,
			"--as", as, "--as-group", "system:authenticated")
	}
	eventually(t, 30*time.Second, "the access reviewer's approval is admitted", func() (bool, string) {
		// RBAC may take a moment to reach the authorizer's cache: until
		// it does, the review policy refuses for want of the verb.
		out, err := review(accessReview, accessReview)
		return err == nil, out
	})
	approved := time.Now()
	eventually(t, 2*time.Minute, "the request is Active after its check", func() (bool, string) {
		k.get(&ar, "accessrequest", "-n", classifiedNS, accessName)
		return ar.Status.State != nil && *ar.Status.State == scidatav1.AccessActive, fmt.Sprintf("%+v", ar.Status)
	})
	t.Logf("Active %.1fs after the approval (the grant-check Job ran in %s)", time.Since(approved).Seconds(), classifiedNS)
	g := ar.Status.Grant
	if g == nil || g.ID != access.GrantID(classifiedNS, accessName) || g.Prefix != condPrefix {
		t.Fatalf("the Active request's grant: %+v", g)
	}
	// The check ran in the namespace of use; the Job is gone once it
	// passed.
	eventually(t, 30*time.Second, "the passed grant-check Job is deleted", func() (bool, string) {
		return !k.exists("job", "-n", classifiedNS, access.CheckJobName(g.ID)), "the Job stays"
	})
	var grantSecret corev1.Secret
	k.get(&grantSecret, "secret", "-n", classifiedNS, g.SecretName)
	accessKey := string(grantSecret.Data[platform.AccessKeyField])
	secretKey := string(grantSecret.Data[platform.SecretKeyField])

	// 3. Pods of the grant, in parallel: read, list, the other prefix,
	// a write; and the network with and without the label.
	grantProbe(t, k, "grant-labelled", map[string]string{scidatav1.LabelAccessGrant: g.ID})
	grantProbe(t, k, "grant-unlabelled", nil)
	st := cityops.ManagedStore(deptNS)
	jobs := []struct {
		name string
		args []string
		data string
	}{
		{"grant-list", cityops.ObjectsArgs(st, "ls", condPrefix), ""},
		{"grant-read", cityops.ObjectsArgs(st, "cat", condPrefix+"sites.csv"), ""},
		{"grant-other", cityops.ObjectsArgs(st, "cat", entryPrefix+"plots.csv"), ""},
		{"grant-write", cityops.UploadArgs(st, condPrefix), cmUse.Name},
	}
	for _, j := range jobs {
		grantJob(t, k, j.name, g.SecretName, j.data, true, g.ID, j.args)
	}
	during := row{when: "during", store: "accepted"}
	logs, failed := waitJob(t, k, classifiedNS, "grant-list")
	if failed != "" {
		t.Errorf("a pod of the grant could not list its prefix (%s):\n%s", failed, logs)
	}
	for name, data := range condData {
		if !strings.Contains(logs, fmt.Sprintf("%d\t%s%s", len(data), condPrefix, name)) {
			t.Errorf("the grant's listing lacks %s%s (%d bytes):\n%s", condPrefix, name, len(data), logs)
		}
	}
	logs, failed = waitJob(t, k, classifiedNS, "grant-read")
	if failed != "" || !strings.Contains(logs, condData["sites.csv"]) {
		t.Errorf("a pod of the grant could not read %ssites.csv (%s):\n%s", condPrefix, failed, logs)
		during.read = "refused"
	} else {
		during.read = "read"
	}
	logs, failed = waitJob(t, k, classifiedNS, "grant-other")
	if failed == "" {
		t.Errorf("a pod of the grant read another entry's %splots.csv:\n%s", entryPrefix, logs)
		during.other = "read"
	} else if !strings.Contains(logs, "Access Denied") && !strings.Contains(logs, "AccessDenied") {
		t.Errorf("reading another entry's prefix failed, but not as refused by the store:\n%s", logs)
		during.other = "failed"
	} else {
		during.other = "refused"
	}
	logs, failed = waitJob(t, k, classifiedNS, "grant-write")
	if failed == "" {
		t.Errorf("a pod of the grant wrote under %s:\n%s", condPrefix, logs)
		during.write = "written"
	} else if !strings.Contains(logs, "Access Denied") && !strings.Contains(logs, "AccessDenied") {
		t.Errorf("the grant's write failed, but not as refused by the store:\n%s", logs)
		during.write = "failed"
	} else {
		during.write = "refused"
	}
	during.network = probeResult(t, k, "grant-labelled")
	during.unlabelled = probeResult(t, k, "grant-unlabelled")
	if during.network != "allow" {
		t.Errorf("a pod with the grant's label cannot connect to the owner's store: %s", during.network)
	}
	if during.unlabelled != "deny" {
		t.Errorf("a pod without the grant's label connects to the owner's store: %s", during.unlabelled)
	}
	rows = append(rows, during)
	if u, r := storePod(t, k); u != uid || r != restarts {
		t.Errorf("the owner's store pod changed with the grant: uid %s → %s, restarts %d → %d", uid, u, restarts, r)
	}

	// 4. The grant expires: the reviewer granted a minute (the shortest a
	// reviewer may grant), the store's own policy refuses from that
	// instant, and the operator ends the grant then.
	t.Logf("the grant's pods had read, listed and been refused %.1fs after the approval", time.Since(approved).Seconds())
	if g.ExpiresAt == nil {
		t.Fatalf("the Active grant has no expiry: %+v", g)
	}
	expires := g.ExpiresAt.Time
	if d := expires.Sub(approved); d > 70*time.Second {
		t.Fatalf("the grant expires %s after the approval, want the minute the reviewer granted", d)
	}
	eventually(t, time.Until(expires)+time.Minute, "the request is Expired", func() (bool, string) {
		k.get(&ar, "accessrequest", "-n", classifiedNS, accessName)
		return ar.Status.State != nil && *ar.Status.State == scidatav1.AccessExpired && ar.Status.Grant != nil && ar.Status.Grant.EndedAt != nil, fmt.Sprintf("%+v", ar.Status)
	})
	if ended := ar.Status.Grant.EndedAt.Time; ended.Before(expires.Truncate(time.Second)) {
		t.Errorf("the grant ended at %s, before its expiry %s", ended, expires)
	}
	t.Logf("Expired %.1fs after its expiry instant", time.Since(expires).Seconds())
	grantProbe(t, k, "grant-after", map[string]string{scidatav1.LabelAccessGrant: g.ID})
	after := row{when: "after", unlabelled: "—", read: "no credential", other: "no credential", write: "no credential"}
	// The store itself refuses the credential (from the node, which the
	// network lets through): its bucket policy from the expiry instant, and
	// the account once its sidecar deleted it.
	cl, bucket := storeClient(t, k, deptNS, accessKey, secretKey)
	eventually(t, 2*time.Minute, "the owner's store refuses the ended grant's credential", func() (bool, string) {
		obj, err := cl.GetObject(context.Background(), bucket, condPrefix+"sites.csv", minio.GetObjectOptions{})
		if err == nil {
			_, err = io.ReadAll(obj)
			obj.Close()
		}
		if err == nil {
			return false, "read"
		}
		after.store = "refused (" + minio.ToErrorResponse(err).Code + ")"
		return true, ""
	})
	t.Logf("the store refused the credential %.1fs after the expiry instant", time.Since(expires).Seconds())
	after.network = probeResult(t, k, "grant-after")
	if after.network != "deny" {
		t.Errorf("after the revocation, a pod with the grant's label connects to the owner's store: %s", after.network)
	}
	rows = append(rows, after)
	left := grantLeft(t, k, g.ID, accessKey)
	if len(left) > 0 {
		t.Errorf("left of the ended grant %s: %v", g.ID, left)
	} else {
		t.Logf("nothing left of grant %s: no Secret, NetworkPolicy or Job naming it in %s or %s, no grants line, no bucket policy statement", g.ID, classifiedNS, deptNS)
	}
	if u, r := storePod(t, k); u != uid || r != restarts {
		t.Errorf("the owner's store pod changed with the end of the grant: uid %s → %s, restarts %d → %d", uid, u, restarts, r)
	}
	// The sidecar read the grants through the API with the store's
	// ServiceAccount (RBAC and the objectstore-to-apiserver policy work),
	// not only from the mounted copy.
	if logs := k.run("logs", "-n", deptNS, platform.ObjectStoreName+"-0", "-c", "store-bootstrap"); !strings.Contains(logs, "watching the grants Secret") {
		t.Errorf("the store's sidecar never watched the grants Secret through the API:\n%s", logs)
	}
	t.Logf("conditional access, request to the end of the grant, in %.1fs", time.Since(start).Seconds())
}
