package cmd

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/plugin"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/submission"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// The binary is the kubectl plugin under the name kubectl finds it by.
func TestThePluginIsTheBinaryNamedKubectlScidata(t *testing.T) {
	for argv0, want := range map[string]bool{
		"kubectl-scidata": true, "/usr/local/bin/kubectl-scidata": true, `C:\krew\bin\kubectl-scidata.exe`: true,
		"scidata-operator": false, "/manager": false, "kubectl-scidata-old": false,
	} {
		if got := IsPlugin(strings.ReplaceAll(argv0, `\`, "/")); got != want {
			t.Errorf("IsPlugin(%q) = %v; want %v", argv0, got, want)
		}
	}
}

// t0 is when the fixture's city stands.
var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// projectID is the funded project of the fixture's entry.
const projectID = "BZ-2026-007"

// city is what the fixture makes, for the assertions.
type city struct {
	kubeconfig   string
	keyID        string
	manifest     []byte
	secretValue  string
	receivedName string
	jobName      string
}

// kubeconfigFor writes a kubeconfig file that reaches env as its admin.
func kubeconfigFor(t *testing.T, env *testenv.Env) string {
	t.Helper()
	c := env.Config
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: c.Host, CertificateAuthorityData: c.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: c.CertData, ClientKeyData: c.KeyData, Token: c.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin", Namespace: "scidata-water"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// buildCity makes a small city as the controllers would leave it: a Ready
// Center, a department whose store waits for its volume, an entry with a
// received Submission (a real signed receipt, its sync Job and pod), a
// failed one, an overdue one, a suspended policy, the published key set,
// a Secret and the manager's pod.
func buildCity(t *testing.T, env *testenv.Env) city {
	t.Helper()
	ctx := context.Background()
	c := env.Client
	for _, ns := range []string{platform.CenterNamespace, "scidata-water", "scidata-system"} {
		must(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}
	cond := func(typ string, status metav1.ConditionStatus, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg, LastTransitionTime: metav1.NewTime(t0)}
	}
	status := func(o client.Object, set func()) {
		t.Helper()
		set()
		must(t, c.Status().Update(ctx, o))
	}
	platformOf := func(name string, role scidatav1.PlatformRole, code string) *scidatav1.DataPlatform {
		return &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: scidatav1.DataPlatformSpec{
			Role: role, Department: scidatav1.Department{Code: code, Name: code}, Owners: scidatav1.Owners{Groups: []string{code + "-admins"}},
			Storage: scidatav1.Storage{Size: resource.MustParse("10Gi")}}}
	}
	center := platformOf(scidatav1.CenterName, scidatav1.RoleCenter, "st-info")
	water := platformOf("water", scidatav1.RoleDepartment, "water")
	must(t, c.Create(ctx, center))
	must(t, c.Create(ctx, water))
	status(center, func() {
		center.Status.Conditions = []metav1.Condition{cond(scidatav1.ConditionReady, metav1.ConditionTrue, scidatav1.ReasonReady, "the platform's store, portal and network isolation are in place")}
	})
	status(water, func() {
		water.Status.Conditions = []metav1.Condition{cond(scidatav1.ConditionReady, metav1.ConditionFalse, scidatav1.ReasonVolumePending, "claim data-objectstore-0 is Pending")}
	})

	entry := &scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: "rainfall"}, Spec: scidatav1.CatalogEntrySpec{
		Title: "Rainfall", Description: "Daily rainfall", Subject: "Hydrology", DataTypes: []scidatav1.DataType{scidatav1.DataTypeTable},
		ResponsibleDepartment: scidatav1.Department{Code: "water", Name: "Water"}, ProvidingDepartment: scidatav1.Provider{Name: "Survey"},
		Data: scidatav1.DataLocation{Prefix: "rainfall/", ContentVersion: "v2"}, Sharing: scidatav1.Sharing{Mode: scidatav1.SharingOpen},
		Classification: &scidatav1.Classification{Level: scidatav1.ClassificationPublic},
		AccessMethod:   scidatav1.AccessMethod{Type: scidatav1.AccessOffline}}}
	must(t, c.Create(ctx, entry))
	status(entry, func() {
		entry.Status.EffectiveSharing = scidatav1.SharingOpen
		entry.Status.Conditions = []metav1.Condition{cond(scidatav1.ConditionReady, metav1.ConditionTrue, scidatav1.ReasonReconciled, "effective sharing Open")}
		entry.Status.Submission = &scidatav1.EntrySubmissionStatus{State: scidatav1.SubmissionReceived}
	})

	newSub := func(version string, deadline *metav1.Time, review bool) *scidatav1.Submission {
		s := &scidatav1.Submission{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: submission.Name("rainfall", version),
			Labels: map[string]string{submission.LabelEntry: "rainfall"}},
			Spec: scidatav1.SubmissionSpec{Entry: scidatav1.LocalObjectReference{Name: "rainfall"}, EntryUID: string(entry.UID), Department: "water",
				ContentVersion: version, SourcePrefix: "rainfall/", Policy: "scidata-water/funded", Deadline: deadline, ReviewRequired: review}}
		must(t, c.Create(ctx, s))
		return s
	}
	// v1: received, with a real receipt for this very Submission.
	received := newSub("v1", nil, true)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	manifest := []byte(`{"version":"scidata.io/manifest/v1","objects":[{"key":"a.csv","size":12}]}` + "\n")
	at := metav1.NewTime(t0.Add(-time.Hour))
	rc, err := receipt.Sign(priv, receipt.Payload{
		Submission: receipt.Ref{Namespace: received.Namespace, Name: received.Name, UID: string(received.UID)},
		Entry:      receipt.Ref{Namespace: received.Namespace, Name: "rainfall", UID: string(entry.UID)},
		Department: "water", ContentVersion: "v1", Destination: "water/rainfall/v1/", ManifestDigest: receipt.Digest(manifest),
		Objects: 1, Bytes: 12, ReceivedAt: at.Time,
	})
	must(t, err)
	status(received, func() {
		received.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewApproved, By: "alice", At: at}
		received.Status.Transfer = &scidatav1.Transfer{JobName: submission.JobName(received), StartedAt: &at, CompletedAt: &at, Attempts: 1,
			Destination: "water/rainfall/v1/", ManifestDigest: receipt.Digest(manifest), Objects: 1, Bytes: 12}
		received.Status.Receipt = &scidatav1.Receipt{Payload: rc.Payload, Signature: rc.Signature, KeyID: rc.KeyID}
		received.Status.Conditions = []metav1.Condition{cond(scidatav1.ConditionReady, metav1.ConditionTrue, scidatav1.ReasonReceived, "the Center received the data")}
	})
	// The project the entry belongs to, received, with a signed statement.
	digest, err := receipt.PayloadDigest(rc)
	must(t, err)
	project := &scidatav1.Project{ObjectMeta: metav1.ObjectMeta{Namespace: platform.CenterNamespace, Name: submission.ProjectName(projectID)}}
	must(t, c.Create(ctx, project))
	entries := []scidatav1.ProjectEntry{{Namespace: "scidata-water", Name: "rainfall", Department: "water", ContentVersion: "v1",
		State: scidatav1.SubmissionReceived, Submission: received.Name, ReceiptDigest: digest}}
	status(project, func() {
		project.Status.ProjectID, project.Status.EntryCount, project.Status.Received, project.Status.ReadyForAcceptance = projectID, 1, 1, true
		project.Status.Entries = entries
		signed, err := receipt.SignStatement(priv, submission.StatementFor(project, entries, 1, t0))
		must(t, err)
		project.Status.Statements = []scidatav1.ProjectStatement{{Sequence: 1, IssuedAt: metav1.NewTime(t0), Payload: signed.Payload, Signature: signed.Signature, KeyID: signed.KeyID}}
		project.Status.Conditions = []metav1.Condition{cond(scidatav1.ConditionReady, metav1.ConditionTrue, scidatav1.ReasonReceived, "every entry is received; statement 1 is signed")}
	})
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: platform.CenterNamespace, Name: submission.JobName(received)},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "sync", Image: "scidata-operator:test"}}}}}}
	must(t, c.Create(ctx, job))
	status(job, func() {
		job.Status = batchv1.JobStatus{Succeeded: 1, StartTime: &at, CompletionTime: &at, Conditions: []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: at},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: at}}}
	})
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: platform.CenterNamespace, Name: job.Name + "-0", Labels: map[string]string{batchv1.JobNameLabel: job.Name}},
		Spec: job.Spec.Template.Spec}
	must(t, c.Create(ctx, pod))
	status(pod, func() {
		pod.Status = corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{{Name: "sync",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: at, FinishedAt: at}}}}}
	})
	// v2: failed; v3: past its deadline, waiting for a review.
	failed := newSub("v2", nil, false)
	status(failed, func() {
		failed.Status.Conditions = []metav1.Condition{
			cond(scidatav1.ConditionStalled, metav1.ConditionTrue, "CenterStoreFull", "the sync job failed after 1 attempts: the Center's store is full"),
			cond(scidatav1.ConditionReady, metav1.ConditionFalse, "CenterStoreFull", "the sync job failed after 1 attempts: the Center's store is full")}
	})
	newSub("v3", &metav1.Time{Time: t0.Add(-24 * time.Hour)}, true)

	policy := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: "funded"}, Spec: scidatav1.SubmissionPolicySpec{Suspend: true}}
	must(t, c.Create(ctx, policy))
	status(policy, func() {
		policy.Status.Conditions = []metav1.Condition{cond(scidatav1.ConditionReconciliationPaused, metav1.ConditionTrue, scidatav1.ReasonSuspended,
			`reconciliation is paused: spec.suspend was set to true by "kubectl-patch"`)}
	})

	// A grant of the entry to a study in the Center's namespace, Active.
	ar := &scidatav1.AccessRequest{ObjectMeta: metav1.ObjectMeta{Namespace: platform.CenterNamespace, Name: "rainfall-study"},
		Spec: scidatav1.AccessRequestSpec{Entry: scidatav1.AccessEntryReference{Namespace: "scidata-water", Name: "rainfall"},
			UseNamespace: platform.CenterNamespace,
			Purpose:      scidatav1.AccessPurpose{Category: scidatav1.PurposePublicInterestResearch, Description: "Rainfall and floods."},
			Requester:    scidatav1.Requester{User: "bob@st-info", Name: "Bob", Qualification: "Hydrologist of the institute."},
			Safeguards:   "Kept in the Center's namespace.", DurationSeconds: 86400}}
	must(t, c.Create(ctx, ar))
	status(ar, func() {
		active, expires := scidatav1.AccessActive, metav1.NewTime(t0.Add(24*time.Hour))
		ar.Status.State = &active
		ar.Status.Entry = &scidatav1.AccessEntryRecord{UID: string(entry.UID), Platform: "water", Classification: scidatav1.ClassificationPublic, Sharing: scidatav1.SharingConditional}
		ar.Status.Review = &scidatav1.AccessReview{Decision: scidatav1.AccessDecisionApproved, By: "carol@water", At: &at, Generation: 1}
		approved := metav1.NewTime(t0)
		ar.Status.Grant = &scidatav1.AccessGrant{ID: "g-rainfall", SecretName: "scidata-grant-g-rainfall", PodLabel: scidatav1.LabelAccessGrant + "=g-rainfall",
			Prefix: "rainfall/", ApprovedAt: &approved, ExpiresAt: &expires, Fee: scidatav1.AccessFee{Charge: scidatav1.ChargeFree}}
		ar.Status.Conditions = []metav1.Condition{cond(scidatav1.ConditionReady, metav1.ConditionTrue, scidatav1.ReasonGranted, "read-only access to scidata-water/rainfall is in force")}
	})

	var set receipt.KeySet
	set.Append(pub, t0.Add(-48*time.Hour))
	ks, _ := json.Marshal(set)
	must(t, c.Create(ctx, platform.ReceiptKeySet(receipt.KeySetField, ks)))
	const secretValue = "s3cr3t-r00t-key-do-not-leak"
	must(t, c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: platform.RootCredentialsName,
		Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"data":{"secretAccessKey":"` + secretValue + `"}}`}},
		Data: map[string][]byte{platform.AccessKeyField: []byte("root"), platform.SecretKeyField: []byte(secretValue)}}))
	must(t, c.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-system", Name: "scidata-operator-manager-0",
		Labels: map[string]string{"app.kubernetes.io/component": "manager"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "scidata-operator:test"}}}}))
	must(t, c.Create(ctx, &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: "rainfall.1"},
		InvolvedObject: corev1.ObjectReference{Kind: "CatalogEntry", Namespace: "scidata-water", Name: "rainfall"},
		Reason:         scidatav1.EventSharingChanged, Message: "effective sharing is now Open", Type: corev1.EventTypeNormal}))
	return city{kubeconfig: kubeconfigFor(t, env), keyID: receipt.KeyID(pub), manifest: manifest, secretValue: secretValue, receivedName: received.Name, jobName: job.Name}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// run runs `kubectl scidata args...` against the city, as kubectl would
// (the kubeconfig's context names scidata-water as its namespace).
func (c city) run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := ExecutePlugin(context.Background(), append(args, "--kubeconfig", c.kubeconfig), &out, &errOut)
	return out.String(), errOut.String(), err
}

// Each command of `kubectl scidata`, against a real apiserver holding a
// small city, prints what the city holds, as text and with -o json|yaml.
func TestKubectlScidataCommands(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c := buildCity(t, env)

	t.Run("status", func(t *testing.T) {
		out, _, err := c.run(t, "status")
		must(t, err)
		for _, want := range []string{
			"PLATFORMS (2)",
			"center  Center      st-info     True   Ready          0        0",
			"water   Department  water       False  VolumePending  1        3",
			"ENTRIES BY SHARING   Open 1  Conditional 0  Closed 0  Unknown 0",
			"SUBMISSIONS BY STATE Pending 0  AwaitingReview 1  Returned 0  Transferring 0  AwaitingAcceptance 0  Received 1  Denied 0  Failed 1  Withdrawn 0  Referred 0",
			"OVERDUE (1)\n  Submission scidata-water/" + submission.Name("rainfall", "v3") + " (entry rainfall, version v3): AwaitingReview, deadline 2026-11-24T12:00:00Z",
			"STALLED (1)\n  Submission scidata-water/" + submission.Name("rainfall", "v2") + ": CenterStoreFull: the sync job failed after 1 attempts: the Center's store is full",
			"PAUSED (1)\n  SubmissionPolicy scidata-water/funded: Suspended: reconciliation is paused: spec.suspend was set to true by \"kubectl-patch\"",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("status does not say %q:\n%s", want, out)
			}
		}
		var fromJSON, fromYAML plugin.CityStatus
		js, _, err := c.run(t, "status", "-o", "json")
		must(t, err)
		must(t, json.Unmarshal([]byte(js), &fromJSON))
		ys, _, err := c.run(t, "status", "-o", "yaml")
		must(t, err)
		must(t, yaml.Unmarshal([]byte(ys), &fromYAML))
		if len(fromJSON.Platforms) != 2 || fromJSON.Platforms[1].Reason != "VolumePending" || fromJSON.SubmissionsByState["Failed"] != 1 ||
			len(fromJSON.Overdue) != 1 || len(fromJSON.Stalled) != 1 || len(fromJSON.Paused) != 1 || fromJSON.EntriesBySharing["Open"] != 1 {
			t.Errorf("status -o json: %s", js)
		}
		if a, b := toJSON(t, fromJSON), toJSON(t, fromYAML); a != b {
			t.Errorf("-o yaml and -o json disagree:\n%s\n%s", a, b)
		}
		if _, _, err := c.run(t, "status", "-o", "wide"); err == nil || !strings.Contains(err.Error(), `-o "wide": want json or yaml`) {
			t.Errorf("-o wide: %v", err)
		}
	})

	t.Run("trace", func(t *testing.T) {
		out, _, err := c.run(t, "trace", "rainfall")
		must(t, err)
		job := c.jobName
		// The Submissions in the order they were made (by name within a
		// second), each with its subtree; the last one's branch closes.
		lines := map[string][]string{
			c.receivedName: {
				"Submission scidata-water/" + c.receivedName + "  Received: version v1: Received: the Center received the data",
				"├── Job scidata-center/" + job + "  Complete: 1 succeeded, 0 failed.",
				"│   └── Pod scidata-center/" + job + "-0  Succeeded: container sync exited 0 (Completed)",
				"└── Receipt " + c.keyID + "  Signed: received at 2026-11-25T11:00:00Z: 1 objects, 12 bytes at water/rainfall/v1/, manifest " + receipt.Digest(c.manifest) +
					"; verify with kubectl scidata receipt verify " + c.receivedName + " -n scidata-water --fingerprint <pinned>",
			},
			submission.Name("rainfall", "v2"): {"Submission scidata-water/" + submission.Name("rainfall", "v2") + "  Failed: version v2: CenterStoreFull: the sync job failed after 1 attempts: the Center's store is full"},
			submission.Name("rainfall", "v3"): {"Submission scidata-water/" + submission.Name("rainfall", "v3") + "  AwaitingReview: version v3: not reconciled yet"},
		}
		var subs scidatav1.SubmissionList
		must(t, env.Client.List(context.Background(), &subs, client.InNamespace("scidata-water")))
		sort.Slice(subs.Items, func(i, j int) bool {
			a, b := subs.Items[i], subs.Items[j]
			return a.CreationTimestamp.Before(&b.CreationTimestamp) || (a.CreationTimestamp.Equal(&b.CreationTimestamp) && a.Name < b.Name)
		})
		wantLines := []string{"CatalogEntry scidata-water/rainfall  Ready True, submission Received: Reconciled: effective sharing Open"}
		for i, sub := range subs.Items {
			first, rest := "├── ", "│   "
			if i == len(subs.Items)-1 {
				first, rest = "└── ", "    "
			}
			for j, l := range lines[sub.Name] {
				if j == 0 {
					wantLines = append(wantLines, first+l)
				} else {
					wantLines = append(wantLines, rest+l)
				}
			}
		}
		wantLines[len(wantLines)-len(lines[subs.Items[len(subs.Items)-1].Name])] = strings.Replace(wantLines[len(wantLines)-len(lines[subs.Items[len(subs.Items)-1].Name])], "└── ", "├── ", 1)
		wantLines = append(wantLines, "└── AccessRequest scidata-center/rainfall-study  Active: use in scidata-center, expires 2026-11-26T12:00:00Z. Granted: read-only access to scidata-water/rainfall is in force")
		want := strings.Join(append(wantLines, ""), "\n")
		if out != want {
			t.Errorf("trace:\n%s\nwant:\n%s", out, want)
		}
		js, _, err := c.run(t, "trace", "catalogentry/rainfall", "-n", "scidata-water", "-o", "json")
		must(t, err)
		var n plugin.Node
		must(t, json.Unmarshal([]byte(js), &n))
		if len(n.Children) != 4 || len(n.Children[0].Children) != 2 || n.Children[0].Children[1].Kind != "Receipt" || n.Children[3].Kind != "AccessRequest" {
			t.Errorf("trace -o json: %s", js)
		}
		if _, _, err := c.run(t, "trace", "no-such-entry"); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("trace of a missing entry: %v", err)
		}
	})

	// An auditor bound to the shipped scidata-platform-auditor role reads
	// the city; what the role does not open (the Center's Jobs, the key
	// set's ConfigMap) is said, not failed on.
	t.Run("as an auditor", func(t *testing.T) {
		roles, err := testenv.ReadObjects(filepath.Join(testenv.RepoRoot(), "config", "rbac", "platform_roles.yaml"))
		must(t, err)
		for _, r := range roles {
			if r.GetName() == "scidata-platform-auditor" {
				must(t, env.Client.Create(context.Background(), r))
			}
		}
		must(t, env.Bind(context.Background(), "auditor", "scidata-platform-auditor", "auditor@audit-office", ""))
		out, _, err := c.run(t, "status", "--as", "auditor@audit-office")
		if err != nil || !strings.Contains(out, "PLATFORMS (2)") {
			t.Errorf("status as an auditor: %v\n%s", err, out)
		}
		out, _, err = c.run(t, "trace", "rainfall", "--as", "auditor@audit-office")
		if err != nil || !strings.Contains(out, "Job scidata-center/"+c.jobName+"  Unreadable: you may not read Jobs in scidata-center") || !strings.Contains(out, "Receipt "+c.keyID) {
			t.Errorf("trace as an auditor: %v\n%s", err, out)
		}
		out, _, err = c.run(t, "receipt", "verify", c.receivedName, "--fingerprint", c.keyID, "--as", "auditor@audit-office")
		if err == nil || !strings.Contains(out, "or give --keyset, from the Center's portal") {
			t.Errorf("verify as an auditor without --keyset: %v\n%s", err, out)
		}
		// The key set as the Center's portal publishes it.
		var cm corev1.ConfigMap
		must(t, env.Client.Get(context.Background(), client.ObjectKey{Namespace: platform.CenterNamespace, Name: platform.ReceiptKeysConfigMap}, &cm))
		keys := filepath.Join(t.TempDir(), "receipt-keys.json")
		must(t, os.WriteFile(keys, []byte(cm.Data[receipt.KeySetField]), 0o600))
		out, _, err = c.run(t, "receipt", "verify", c.receivedName, "--fingerprint", c.keyID, "--keyset", keys, "--as", "auditor@audit-office")
		if err != nil || !strings.Contains(out, "verified: signed by key "+c.keyID) {
			t.Errorf("verify as an auditor with the portal's key set: %v\n%s", err, out)
		}
	})

	t.Run("receipt verify", func(t *testing.T) {
		dir := t.TempDir()
		good, bad := filepath.Join(dir, "manifest.json"), filepath.Join(dir, "tampered.json")
		must(t, os.WriteFile(good, c.manifest, 0o600))
		must(t, os.WriteFile(bad, bytes.Replace(c.manifest, []byte("12"), []byte("13"), 1), 0o600))
		otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
		var other receipt.KeySet
		other.Append(otherPub, t0)
		otherJSON, _ := json.Marshal(other)
		otherSet := filepath.Join(dir, "other-keys.json")
		must(t, os.WriteFile(otherSet, otherJSON, 0o600))
		out, _, err := c.run(t, "receipt", "verify", c.receivedName, "--fingerprint", c.keyID, "--manifest", good)
		must(t, err)
		for _, want := range []string{"receipt of scidata-water/" + c.receivedName + " verified: signed by key " + c.keyID,
			"1 objects, 12 bytes at water/rainfall/v1/", "manifest " + receipt.Digest(c.manifest) + " matches"} {
			if !strings.Contains(out, want) {
				t.Errorf("verify does not say %q:\n%s", want, out)
			}
		}
		js, _, err := c.run(t, "receipt", "verify", c.receivedName, "--fingerprint", c.keyID, "-o", "json")
		must(t, err)
		var v plugin.Verification
		must(t, json.Unmarshal([]byte(js), &v))
		if !v.Verified || v.ManifestChecked || v.Payload == nil || v.Payload.Submission.Name != c.receivedName {
			t.Errorf("verify -o json: %s", js)
		}
		// A genuine receipt copied into another Submission's status.
		var received, copied scidatav1.Submission
		must(t, env.Client.Get(context.Background(), client.ObjectKey{Namespace: "scidata-water", Name: c.receivedName}, &received))
		must(t, env.Client.Get(context.Background(), client.ObjectKey{Namespace: "scidata-water", Name: submission.Name("rainfall", "v2")}, &copied))
		copied.Status.Receipt = received.Status.Receipt.DeepCopy()
		copied.Status.Transfer = received.Status.Transfer.DeepCopy()
		must(t, env.Client.Status().Update(context.Background(), &copied))
		for _, tc := range []struct {
			name string
			args []string
			says string
		}{
			{"a genuine receipt copied from another Submission", []string{copied.Name, "--fingerprint", c.keyID}, "the receipt is genuine but about submission scidata-water/" + c.receivedName},
			{"a tampered manifest", []string{c.receivedName, "--fingerprint", c.keyID, "--manifest", bad}, "manifest"},
			{"a fingerprint not pinned in the key set", []string{c.receivedName, "--fingerprint", strings.Repeat("0", 64)}, "not in the key set"},
			{"a Submission without a receipt", []string{submission.Name("rainfall", "v3"), "--fingerprint", c.keyID}, "no receipt yet"},
			{"a key set from elsewhere that lacks the key", []string{c.receivedName, "--fingerprint", c.keyID, "--keyset", otherSet}, "not in the key set"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, _, err := c.run(t, append([]string{"receipt", "verify"}, tc.args...)...)
				if err == nil || !strings.Contains(out, "NOT verified") || !strings.Contains(out, tc.says) {
					t.Errorf("err %v, output %q; want refused saying %q", err, out, tc.says)
				}
			})
		}
	})

	t.Run("project", func(t *testing.T) {
		out, _, err := c.run(t, "project", projectID, "--fingerprint", c.keyID)
		must(t, err)
		for _, want := range []string{
			"PROJECT " + projectID + " (scidata-center/" + submission.ProjectName(projectID) + ")",
			"READY True Received: every entry is received; statement 1 is signed",
			"RECEIVED 1 of 1; ready for acceptance: true",
			"  scidata-water/rainfall (department water, version v1): Received",
			"  latest: statement 1 issued 2026-11-25T12:00:00Z by key " + c.keyID + ", verified; names the receipts the entries have now",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("project does not say %q:\n%s", want, out)
			}
		}
		js, _, err := c.run(t, "project", projectID, "--fingerprint", c.keyID, "-o", "json")
		must(t, err)
		var rec plugin.ProjectRecord
		must(t, json.Unmarshal([]byte(js), &rec))
		if rec.ProjectID != projectID || rec.Latest == nil || !rec.Latest.Verified || !rec.Latest.Current || len(rec.Entries) != 1 {
			t.Errorf("project -o json: %s", js)
		}
		// Without a fingerprint the statement is shown, never called verified.
		out, _, err = c.run(t, "project", projectID)
		must(t, err)
		if !strings.Contains(out, "NOT verified: give --fingerprint") {
			t.Errorf("project without --fingerprint:\n%s", out)
		}
		for _, tc := range []struct {
			name string
			args []string
			says string
		}{
			{"a fingerprint not in the key set", []string{projectID, "--fingerprint", strings.Repeat("0", 64)}, "not in the key set"},
			{"a project nobody funded", []string{"BZ-NONE", "--fingerprint", c.keyID}, "no Project records this project id"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, _, err := c.run(t, append([]string{"project"}, tc.args...)...)
				if err == nil || !strings.Contains(out+err.Error(), tc.says) {
					t.Errorf("err %v, output %q; want refused saying %q", err, out, tc.says)
				}
			})
		}
	})

	t.Run("report", func(t *testing.T) {
		for _, format := range []string{"yaml", "json"} {
			file := filepath.Join(t.TempDir(), "report.zip")
			out, errOut, err := c.run(t, "report", "-f", file, "-o", format)
			must(t, err)
			if !strings.Contains(out, "wrote "+file) || !strings.Contains(out, "Secrets redacted") {
				t.Errorf("report says %q", out)
			}
			// envtest has no kubelet: the manager's pod never ran, its log
			// is empty, and the report says so rather than failing.
			if !strings.Contains(errOut, "logs of scidata-system/scidata-operator-manager-0 container manager are empty: the pod has not run on a node") {
				t.Errorf("report does not say the logs are missing: %q", errOut)
			}
			files := readZip(t, file)
			for _, want := range []string{
				"scidata/dataplatform." + format, "scidata/catalogentry." + format, "scidata/submissionpolicy." + format, "scidata/submission." + format, "scidata/project." + format,
				"namespaces/scidata-water/event." + format, "namespaces/scidata-center/job." + format, "namespaces/scidata-center/pod." + format,
				"namespaces/scidata-water/secrets-redacted." + format, "namespaces/scidata-system/pod." + format, "cluster/dataplatform-events." + format,
				"logs/scidata-operator-manager-0/manager.log", "summary.json",
			} {
				if _, ok := files[want]; !ok {
					t.Errorf("the bundle lacks %s: %v", want, keys(files))
				}
			}
			for name, b := range files {
				if bytes.Contains(b, []byte(c.secretValue)) {
					t.Errorf("%s holds a Secret's value", name)
				}
			}
			if s := string(files["namespaces/scidata-water/secrets-redacted."+format]); !strings.Contains(s, platform.RootCredentialsName) || !strings.Contains(s, "secretAccessKey") {
				t.Errorf("the redacted Secrets do not name the Secret and its keys:\n%s", s)
			}
			if s := string(files["namespaces/scidata-water/event."+format]); !strings.Contains(s, "effective sharing is now Open") {
				t.Errorf("the events are not in the bundle:\n%s", s)
			}
			var sum plugin.ReportSummary
			must(t, json.Unmarshal(files["summary.json"], &sum))
			if len(sum.Problems) != 1 || strings.Join(sum.Namespaces, ",") != "scidata-center,scidata-system,scidata-water" {
				t.Errorf("summary %+v", sum)
			}
		}
	})

	// Last, as it adds to the city: a platform cleared for Secret holding
	// one Secret entry whose secrecy period ended unreviewed. evaluate
	// counts it (the public portal never does), as an auditor may read it.
	t.Run("evaluate", func(t *testing.T) {
		ctx := context.Background()
		must(t, env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "scidata-survey"}}))
		must(t, env.Client.Create(ctx, &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "survey"}, Spec: scidatav1.DataPlatformSpec{
			Role: scidatav1.RoleDepartment, Department: scidatav1.Department{Code: "survey", Name: "Survey"}, Owners: scidatav1.Owners{Groups: []string{"survey-admins"}},
			Storage: scidatav1.Storage{Size: resource.MustParse("1Gi")}, MaxClassification: scidatav1.ClassificationSecret}}))
		ended := metav1.NewTime(t0.Add(-time.Hour))
		must(t, env.Client.Create(ctx, &scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-survey", Name: "control-points"}, Spec: scidatav1.CatalogEntrySpec{
			Title: "Control points", Description: "Geodetic control points", Subject: "Geodesy", DataTypes: []scidatav1.DataType{scidatav1.DataTypeTable},
			ResponsibleDepartment: scidatav1.Department{Code: "survey", Name: "Survey"}, ProvidingDepartment: scidatav1.Provider{Name: "Survey"},
			Data: scidatav1.DataLocation{Prefix: "points/", ContentVersion: "v1"}, Sharing: scidatav1.Sharing{Mode: scidatav1.SharingClosed},
			Classification: &scidatav1.Classification{Level: scidatav1.ClassificationSecret, SecrecyPeriodEnd: &ended},
			AccessMethod:   scidatav1.AccessMethod{Type: scidatav1.AccessOffline}}}))

		out, _, err := c.run(t, "evaluate", "--as", "auditor@audit-office")
		must(t, err)
		spaces := regexp.MustCompile(` +`)
		out = spaces.ReplaceAllString(out, " ")
		for _, want := range []string{
			"access reviews counted in working days of UTC, Monday to Friday",
			"DEPARTMENTS (3)",
			// The Secret entry: on a cleared platform, its review overdue,
			// no exception; never submitted (classified: a duty).
			"survey    1 entries", "  security      66   onClearedPlatform 1/1  secrecyReviewOnTime 0/1  noPolicyException 1/1",
			"  submission    0    received 0/1",
			// The Center's platform holds no entry: only its retention counts.
			"st-info   0 entries", "  collection    n/a",
			// The rainfall: received, completeness not yet scored, no
			// identifier, no licence, no citation.
			"water     1 entries", "  collection    50   dataReceived 1/1  completeness 0/100",
			"  preservation  50   retained 1/1  identified 0/1", "  submission    n/a", "  ip            0    licenceDeclared 0/1  citationGiven 0/1",
			"PLATFORMS (3)",
		} {
			if want = spaces.ReplaceAllString(want, " "); !strings.Contains(out, want) {
				t.Errorf("evaluate does not say %q:\n%s", want, out)
			}
		}
		js, _, err := c.run(t, "evaluate", "--department", "survey", "-o", "json")
		must(t, err)
		var ev plugin.Evaluation
		must(t, json.Unmarshal([]byte(js), &ev))
		if len(ev.Departments) != 1 || ev.Departments[0].Name != "survey" || len(ev.Platforms) != 1 || ev.Platforms[0].Name != "survey" ||
			len(ev.Departments[0].Figures) != 6 || ev.Departments[0].Figures[4].Area != "security" || *ev.Departments[0].Figures[4].Score != 66 {
			t.Errorf("evaluate --department survey -o json: %s", js)
		}
		ys, _, err := c.run(t, "evaluate", "--department", "survey", "-o", "yaml")
		must(t, err)
		var fromYAML plugin.Evaluation
		must(t, yaml.Unmarshal([]byte(ys), &fromYAML))
		ev.At, fromYAML.At = time.Time{}, time.Time{} // two runs, two instants
		if a, b := toJSON(t, ev), toJSON(t, fromYAML); a != b {
			t.Errorf("-o yaml and -o json disagree:\n%s\n%s", a, b)
		}
	})
}

func readZip(t *testing.T, path string) map[string][]byte {
	t.Helper()
	r, err := zip.OpenReader(path)
	must(t, err)
	defer func() { _ = r.Close() }()
	out := map[string][]byte{}
	for _, f := range r.File {
		rc, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		must(t, err)
		_ = rc.Close()
		out[f.Name] = b
	}
	return out
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return string(b)
}

// The krew manifest template names the plugin scidata and, on every
// platform, a binary that IsPlugin recognises.
func TestKrewManifestNamesThePluginBinary(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "hack", "krew", "scidata.yaml"))
	must(t, err)
	// What krew-release-bot fills in, filled in as it would.
	filled := regexp.MustCompile(`\{\{addURIAndSha "([^"]+)" \.TagName \}\}`).ReplaceAllString(string(b), "uri: $1\n    sha256: \""+strings.Repeat("0", 64)+"\"")
	filled = strings.ReplaceAll(filled, "{{ .TagName }}", "v0.1.0")
	var m struct {
		APIVersion string `json:"apiVersion"`
		Kind       string
		Metadata   struct{ Name string }
		Spec       struct {
			Version, Homepage, ShortDescription, Description string
			Platforms                                        []struct {
				Selector         map[string]map[string]string
				URI, Sha256, Bin string
			}
		}
	}
	must(t, yaml.UnmarshalStrict([]byte(filled), &m))
	if m.Kind != "Plugin" || m.Metadata.Name != "scidata" || m.Spec.Version != "v0.1.0" || len(m.Spec.Platforms) < 3 {
		t.Fatalf("manifest %+v", m)
	}
	for _, p := range m.Spec.Platforms {
		if !IsPlugin(p.Bin) || !strings.Contains(p.URI, "/v0.1.0/kubectl-scidata_") {
			t.Errorf("platform %+v: bin is not the plugin, or the archive is not the release's", p)
		}
	}
}
