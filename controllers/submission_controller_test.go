package controllers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/storetest"
	"github.com/scidata-io/scidata-operator/internal/submission"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// completeJob reports the Job done, as the Job controller and the kubelet
// would on a real node.
func completeJob(t *testing.T, job *batchv1.Job, exit int32, message string) {
	t.Helper()
	storetest.CompleteJob(t, env.Client, job, exit, message)
}

// managedStore serves dp's Managed store on a local versitygw, as its pod
// would (internal/storetest).
func managedStore(t *testing.T, dp *scidatav1.DataPlatform) *s3test.Server {
	t.Helper()
	return storetest.ManagedStore(t, env.Client, dp, operatorNamespace)
}

func ensureCenter(t *testing.T) *scidatav1.DataPlatform {
	t.Helper()
	clusterFixture(t)
	ensureAPIServerEndpoints(t)
	c := newPlatform(scidatav1.CenterName, scidatav1.RoleCenter, "st-info-institute")
	c.Spec.MaxClassification = scidatav1.ClassificationConfidential
	if err := env.Client.Create(context.Background(), c); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return getPlatform(t, scidatav1.CenterName)
}

func waitJob(t *testing.T, s *scidatav1.Submission) *batchv1.Job {
	t.Helper()
	var job batchv1.Job
	eventually(t, "sync job", func() error {
		return env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.CenterNamespace, Name: submission.JobName(s)}, &job)
	})
	return &job
}

func getSubmission(t *testing.T, s *scidatav1.Submission) *scidatav1.Submission {
	t.Helper()
	var live scidatav1.Submission
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: s.Namespace, Name: s.Name}, &live); err != nil {
		t.Fatal(err)
	}
	return &live
}

// An approved Submission becomes a sync Job in the Center's namespace; when
// the worker has really copied the data into a real S3 server, the manager
// reads the manifest back, signs the receipt, records it and stores it;
// the receipt verifies against the published key set and the manifest.
func TestSubmissionIsReceiptedAfterAVerifiedTransfer(t *testing.T) {
	ctx := context.Background()
	ensureCenter(t)
	dept := readyDepartment(t, "hydro-works", nil)
	_, center := centerStore(t)
	departmentData(t, dept, map[string]string{"flows/2024/a.csv": "station,flow\n1,2.5\n", "flows/2024/b.csv": "station,flow\n2,3.5\n"})

	sub := &scidatav1.Submission{
		ObjectMeta: metav1.ObjectMeta{Namespace: platform.Namespace(dept), Name: submission.Name("flows", "v1")},
		Spec: scidatav1.SubmissionSpec{Entry: scidatav1.LocalObjectReference{Name: "flows"}, EntryUID: entryUID(t, dept, "flows"), Department: dept.Spec.Department.Code,
			ContentVersion: "v1", SourcePrefix: "flows/2024/", Policy: "x/y", ReviewRequired: true, Classification: scidatav1.ClassificationPublic},
	}
	create(t, sub)
	eventually(t, "held for review", func() error {
		if c := meta.FindStatusCondition(getSubmission(t, sub).Status.Conditions, scidatav1.ConditionReady); c == nil || c.Reason != scidatav1.ReasonAwaitingReview {
			return fmt.Errorf("Ready %+v", c)
		}
		return nil
	})
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: submission.JobName(sub)}, &batchv1.Job{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a sync job exists before the review: %v", err)
	}
	before := scrape(t)
	got, res := approveAndTransfer(t, sub)
	if got.Status.Transfer.ManifestDigest != res.ManifestDigest || got.Status.Transfer.Objects != 2 {
		t.Errorf("transfer %+v, worker %+v", got.Status.Transfer, res)
	}
	assertReceiptMetrics(t, before, dept.Name, res.Bytes)

	// An auditor verifies it with nothing but the published key set, a
	// pinned fingerprint and the manifest from the store.
	if payload := storetest.AssertReceipted(t, env.Client, got, center, ReceiptName); payload.Bytes != res.Bytes {
		t.Errorf("payload %+v, worker %+v", payload, res)
	}
}

// assertReceiptMetrics checks that one receipt for platform p moved the
// counters (receipt, objects, bytes, approval-to-receipt) and the gauges
// (receipts, none unverifiable), and that a damaged key set makes every
// receipt unverifiable until it is mended.
func assertReceiptMetrics(t *testing.T, before scraped, p string, bytes int64) {
	t.Helper()
	ctx := context.Background()
	was := func(name string) float64 { v, _ := before.value(name, "platform", p); return v }
	eventually(t, "the receipt's metrics", func() error {
		m := scrape(t)
		return firstError(
			m.is("scidata_receipts_signed_total", was("scidata_receipts_signed_total")+1, "platform", p),
			m.is("scidata_sync_objects_total", was("scidata_sync_objects_total")+2, "platform", p),
			m.is("scidata_sync_bytes_total", was("scidata_sync_bytes_total")+float64(bytes), "platform", p),
			m.is("scidata_submission_approval_to_receipt_seconds", was("scidata_submission_approval_to_receipt_seconds")+1, "platform", p),
			m.is("scidata_receipts", was("scidata_receipts")+1, "platform", p),
			m.is("scidata_submissions", 1, "platform", p, "state", "Received"),
			m.atLeast("scidata_receipt_keyset_keys", 1),
			m.is("scidata_receipts_unverifiable", 0),
		)
	})
	var keys corev1.ConfigMap
	key := types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.ReceiptKeysConfigMap}
	if err := env.Client.Get(ctx, key, &keys); err != nil {
		t.Fatal(err)
	}
	good := keys.Data[receipt.KeySetField]
	setKeySet := func(v string) {
		if err := env.Client.Get(ctx, key, &keys); err != nil {
			t.Fatal(err)
		}
		keys.Data[receipt.KeySetField] = v
		if err := env.Client.Update(ctx, &keys); err != nil {
			t.Fatal(err)
		}
	}
	setKeySet(`{"keys": [`)
	defer setKeySet(good)
	eventually(t, "a damaged key set leaves every receipt unverifiable", func() error {
		m := scrape(t)
		receipts, _ := m.value("scidata_receipts")
		return firstError(m.is("scidata_receipt_keyset_keys", 0), m.atLeast("scidata_receipts_unverifiable", 1), m.is("scidata_receipts_unverifiable", receipts))
	})
}

// entryUID creates a CatalogEntry named entry at version v1 in dept's
// namespace, covered by no policy, and returns its UID: a Submission
// records the entry it submits, and is withdrawn when it is gone.
func entryUID(t *testing.T, dept *scidatav1.DataPlatform, entry string) string {
	t.Helper()
	e := &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: platform.Namespace(dept), Name: entry},
		Spec: scidatav1.CatalogEntrySpec{
			Title: entry, Description: entry + " measurements", Subject: "Hydrology", DataTypes: []scidatav1.DataType{scidatav1.DataTypeTable},
			ResponsibleDepartment: scidatav1.Department{Code: dept.Spec.Department.Code, Name: dept.Spec.Department.Code},
			ProvidingDepartment:   scidatav1.Provider{Name: "Survey"},
			Data:                  scidatav1.DataLocation{Prefix: entry + "/", ContentVersion: "v1"},
			Sharing:               scidatav1.Sharing{Mode: scidatav1.SharingOpen},
			Classification:        &scidatav1.Classification{Level: scidatav1.ClassificationPublic},
			AccessMethod:          scidatav1.AccessMethod{Type: scidatav1.AccessOffline},
		},
	}
	create(t, e)
	return string(e.UID)
}

// createSubmission creates the Submission of entry at version v1 in dept's
// namespace, as a policy would, for an entry made for it.
func createSubmission(t *testing.T, dept *scidatav1.DataPlatform, entry, _, prefix string, review bool) *scidatav1.Submission {
	t.Helper()
	uid := entryUID(t, dept, entry)
	s := &scidatav1.Submission{
		ObjectMeta: metav1.ObjectMeta{Namespace: platform.Namespace(dept), Name: submission.Name(entry, "v1")},
		Spec: scidatav1.SubmissionSpec{Entry: scidatav1.LocalObjectReference{Name: entry}, EntryUID: uid, Department: dept.Spec.Department.Code,
			ContentVersion: "v1", SourcePrefix: prefix, Policy: "x/y", ReviewRequired: review, Classification: scidatav1.ClassificationPublic},
	}
	create(t, s)
	return s
}

// publishedKeySet reads the Center's receipt key set as auditors get it.
func publishedKeySet(t *testing.T) receipt.KeySet {
	t.Helper()
	var keys corev1.ConfigMap
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.ReceiptKeysConfigMap}, &keys); err != nil {
		t.Fatal(err)
	}
	set, err := receipt.ParseKeySet([]byte(keys.Data[receipt.KeySetField]))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// centerStore serves the Center's Managed store on a local versitygw with
// the Center's own accounts (managedStore), and opens it as the manager
// does: with the sync writer, verified against the operator's CA.
func centerStore(t *testing.T) (*s3test.Server, centerstore.Store) {
	t.Helper()
	srv := managedStore(t, getPlatform(t, scidatav1.CenterName))
	cs, err := centerstore.Open(context.Background(), env.Client, getPlatform(t, scidatav1.CenterName), operatorNamespace, storetest.Dial)
	if err != nil {
		t.Fatal(err)
	}
	return srv, cs
}

// departmentData serves dept's Managed store on a local versitygw and puts
// files into its bucket, as the owners upload them.
func departmentData(t *testing.T, dept *scidatav1.DataPlatform, files map[string]string) *s3test.Server {
	t.Helper()
	srv := managedStore(t, dept)
	for k, v := range files {
		srv.Put(t, store.For(dept, operatorNamespace).Bucket, k, []byte(v))
	}
	return srv
}

// approveAndTransfer approves sub as a reviewer would, runs the real worker
// with its Job's own arguments against the stores' servers, completes the
// Job as the kubelet would report it, and waits for the receipt.
func approveAndTransfer(t *testing.T, sub *scidatav1.Submission) (*scidatav1.Submission, syncer.Result) {
	t.Helper()
	live := getSubmission(t, sub)
	setStatus(t, live, func() {
		live.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewApproved, By: "alice@hydro", At: metav1.Now()}
	})
	job := waitJob(t, sub)
	if job.Spec.Template.Labels[scidatav1.LabelComponent] != platform.ComponentSync || *job.Spec.BackoffLimit != 3 {
		t.Errorf("job labels %v, backoff %d", job.Spec.Template.Labels, *job.Spec.BackoffLimit)
	}
	res, err := storetest.RunSyncJob(t, env.Client, job)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := json.Marshal(res.Summary())
	completeJob(t, job, 0, string(msg))
	var got *scidatav1.Submission
	eventually(t, "receipt", func() error {
		got = getSubmission(t, sub)
		if got.Status.Receipt == nil || !meta.IsStatusConditionTrue(got.Status.Conditions, scidatav1.ConditionReceived) || !meta.IsStatusConditionTrue(got.Status.Conditions, scidatav1.ConditionReady) {
			return fmt.Errorf("conditions %v", got.Status.Conditions)
		}
		return nil
	})
	return got, res
}

// Rotating the receipt key (deleting its Secret, as docs/operations.md
// says) makes the next receipt signed with a new key, appends the new key
// to the published set, and leaves every earlier receipt verifiable with
// that set.
func TestKeyRotationKeepsOldReceiptsVerifiable(t *testing.T) {
	ctx := context.Background()
	ensureCenter(t)
	dept := readyDepartment(t, "rota-works", nil)
	centerStore(t)
	departmentData(t, dept, map[string]string{"gauges/a.csv": "gauge,level\n1,2.5\n"})
	newSub := func(entry string) *scidatav1.Submission {
		return createSubmission(t, dept, entry, "uid-"+entry, "gauges/", true)
	}
	first, _ := approveAndTransfer(t, newSub("gauges-before"))

	var key corev1.Secret
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.SigningKeySecretName}, &key); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, &key); err != nil {
		t.Fatal(err)
	}
	second, _ := approveAndTransfer(t, newSub("gauges-after"))
	if second.Status.Receipt.KeyID == first.Status.Receipt.KeyID {
		t.Fatalf("after rotation the receipt is still signed with key %s", first.Status.Receipt.KeyID)
	}

	set := publishedKeySet(t)
	for _, s := range []*scidatav1.Submission{first, second} {
		rc := receipt.Receipt{Payload: s.Status.Receipt.Payload, Signature: s.Status.Receipt.Signature, KeyID: s.Status.Receipt.KeyID}
		pub, err := set.Lookup(rc.KeyID)
		if err != nil {
			t.Fatalf("the key set lacks key %s of %s: %v", rc.KeyID, s.Name, err)
		}
		if _, err := receipt.Verify(rc, receipt.KeyID(pub), pub); err != nil {
			t.Errorf("receipt of %s no longer verifies: %v", s.Name, err)
		}
	}
	// The first receipt is untouched by the rotation.
	if again := getSubmission(t, first); *again.Status.Receipt != *first.Status.Receipt {
		t.Error("the first receipt changed after the rotation")
	}
}

// A worker's claim that does not match what the Center's store holds gets
// no receipt; a transfer the worker refused ends Stalled with its reason.
func TestNoReceiptWithoutProof(t *testing.T) {
	ctx := context.Background()
	ensureCenter(t)
	dept := readyDepartment(t, "proof-works", nil)
	_, cs := centerStore(t)
	newSub := func(entry string) *scidatav1.Submission {
		return createSubmission(t, dept, entry, "uid", entry+"/", false)
	}

	t.Run("a claimed digest the store does not hold", func(t *testing.T) {
		s := newSub("claimed")
		manifest := []byte(`{"version":"scidata.io/manifest/v1","department":"proof-works","entry":"claimed","contentVersion":"v1","objects":[]}` + "\n")
		if err := cs.Put(ctx, "proof-works/claimed/v1/"+syncer.ManifestName, manifest); err != nil {
			t.Fatal(err)
		}
		msg, _ := json.Marshal(syncer.Summary{ManifestDigest: receipt.Digest([]byte("something else")), Objects: 1})
		completeJob(t, waitJob(t, s), 0, string(msg))
		eventually(t, "stalled", func() error {
			got := getSubmission(t, s)
			c := meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionStalled)
			if got.Status.Receipt != nil || c == nil || c.Reason != "ManifestMismatch" {
				return fmt.Errorf("receipt %v, Stalled %+v", got.Status.Receipt, c)
			}
			return nil
		})
	})
	// Each failure a person acts on differently has its own reason, and the
	// message carries the worker's own words.
	for _, tc := range []struct {
		entry  string
		code   int
		says   string
		reason string
	}{
		{"refused", syncer.ExitNothingToSubmit, "nothing under refused/ in bucket dept", "NothingToSubmit"},
		{"full", syncer.ExitStoreFull, "the Center's store is full: grow the Center's spec.storage.size", "CenterStoreFull"},
		{"corrupt", syncer.ExitDestinationCorrupt, "read back as 3 bytes with SHA-256 ab", "ChecksumMismatch"},
		{"denied", syncer.ExitAccessDenied, "list source: Access Denied", "CredentialsRejected"},
		{"gone", syncer.ExitUnreachable, "the store is not reachable (deleted, stopped", "StoreUnreachable"},
		{"flaky", syncer.ExitTransient, "connection reset by peer", "TransferFailed"},
	} {
		t.Run("a worker's final failure names its reason: "+tc.reason, func(t *testing.T) {
			s := newSub(tc.entry)
			msg, _ := json.Marshal(syncer.Summary{ExitCode: tc.code, Error: tc.says})
			completeJob(t, waitJob(t, s), int32(tc.code), string(msg))
			eventually(t, "failed", func() error {
				c := meta.FindStatusCondition(getSubmission(t, s).Status.Conditions, scidatav1.ConditionStalled)
				if c == nil || c.Reason != tc.reason || !bytes.Contains([]byte(c.Message), []byte(tc.says)) {
					return fmt.Errorf("Stalled %+v, want reason %s saying %q", c, tc.reason, tc.says)
				}
				return nil
			})
		})
	}
	t.Run("data above the Center's clearance gets no job", func(t *testing.T) {
		s := &scidatav1.Submission{
			ObjectMeta: metav1.ObjectMeta{Namespace: platform.Namespace(dept), Name: submission.Name("secret", "v1")},
			Spec: scidatav1.SubmissionSpec{Entry: scidatav1.LocalObjectReference{Name: "secret"}, EntryUID: entryUID(t, dept, "secret"), Department: dept.Spec.Department.Code,
				ContentVersion: "v1", SourcePrefix: "secret/", Policy: "x/y", Classification: scidatav1.ClassificationTopSecret},
		}
		create(t, s)
		eventually(t, "referred to the secrecy channel", func() error {
			got := getSubmission(t, s)
			c := meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionStalled)
			if c == nil || c.Reason != scidatav1.ReasonSecrecyChannel || !meta.IsStatusConditionTrue(got.Status.Conditions, scidatav1.ConditionReferred) ||
				!strings.Contains(c.Message, "confidential courier") || submission.State(got) != scidatav1.SubmissionReferred {
				return fmt.Errorf("Stalled %+v, state %s", c, submission.State(got))
			}
			return nil
		})
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: submission.JobName(s)}, &batchv1.Job{}); !apierrors.IsNotFound(err) {
			t.Fatalf("a job exists for data the Center may not hold: %v", err)
		}
	})
	// Each failure is counted by its reason, at zero for the reasons no
	// Submission has.
	eventually(t, "failed Submissions by reason", func() error {
		m := scrape(t)
		return firstError(
			m.is("scidata_submissions_failed", 1, "platform", dept.Name, "reason", "ManifestMismatch"),
			m.is("scidata_submissions_failed", 1, "platform", dept.Name, "reason", "CenterStoreFull"),
			m.is("scidata_submissions_failed", 1, "platform", dept.Name, "reason", "TransferFailed"),
			m.is("scidata_submissions_failed", 0, "platform", dept.Name, "reason", "CenterNotCleared"),
			m.is("scidata_submissions_failed", 0, "platform", dept.Name, "reason", "VersionConflict"),
			m.is("scidata_submissions", 7, "platform", dept.Name, "state", "Failed"),
			// Data above the Center's clearance is referred, not failed.
			m.is("scidata_submissions", 1, "platform", dept.Name, "state", "Referred"),
		)
	})
}
