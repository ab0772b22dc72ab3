package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// The Center on the city's store (SeaweedFS on the node's address, as in
// external_test.go), which the Helm e2e installs: the operator e2e's Center
// is Managed, and a store's mode is immutable.
const (
	centerBucket       = "e2e-center"         // the store grants its accounts e2e-*
	centerOwnersSecret = "center-owners-read" // the Center's owners: list and read what was received
	centerWriterSecret = "center-sync-writer" // the sync Jobs write, the manager reads manifests back and writes receipts
)

// externalCenterYAML is config/samples/00-center.yaml (the Center and the
// city-wide SubmissionPolicy) with the Center's objectStore External on
// srv: its own bucket, the storage team's Secrets, and the node's address
// and the store's port as its network.
func externalCenterYAML(t *testing.T, k kube, srv *s3test.Server) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(k.n.root, "config", "samples", "00-center.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.SplitN(string(b), "\n---\n", 2)
	var dp scidatav1.DataPlatform
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &dp); err != nil || dp.Spec.Role != scidatav1.RoleCenter {
		t.Fatalf("config/samples/00-center.yaml does not begin with the Center (%v): %.500s", err, docs[0])
	}
	host, port, _ := net.SplitHostPort(srv.Endpoint)
	p, err := strconv.ParseInt(port, 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	objectStore := scidatav1.ObjectStore{Mode: scidatav1.ObjectStoreExternal, External: &scidatav1.ExternalObjectStore{
		Endpoint:                    "https://" + srv.Endpoint,
		Bucket:                      centerBucket,
		CredentialsSecret:           scidatav1.SecretKeyReference{Name: centerOwnersSecret},
		SyncWriterCredentialsSecret: &scidatav1.SecretKeyReference{Name: centerWriterSecret},
		CASecret:                    &scidatav1.SecretKeyReference{Name: extCASecret},
		Network:                     &scidatav1.ExternalStoreNetwork{CIDRs: []string{host + "/32"}, Ports: []int32{int32(p)}},
	}}
	// The sample as written, with only spec.objectStore set (a typed
	// round trip would add empty status and metadata fields).
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(docs[0]), &doc); err != nil {
		t.Fatal(err)
	}
	b, err = yaml.Marshal(objectStore)
	if err != nil {
		t.Fatal(err)
	}
	var store map[string]any
	if err := yaml.Unmarshal(b, &store); err != nil {
		t.Fatal(err)
	}
	doc["spec"].(map[string]any)["objectStore"] = store
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(out) + "---\n" + docs[1]
}

// applyExternalCenter creates the Center's bucket on the city's SeaweedFS
// and the storage team's Secrets in the operator's namespace (the owners'
// account reads, the sync writer writes), then applies the Center on that
// store. It returns the store and when the Center was applied.
func applyExternalCenter(t *testing.T, k kube) (*s3test.Server, time.Time) {
	t.Helper()
	srv := cityStore(t)
	t.Logf("the city's store: SeaweedFS on %s (answering and taking writes %.1fs after it started)", srv.Endpoint, srv.Started.Seconds())
	srv.MakeBucket(t, centerBucket)
	secrets := storeSecrets(t, srv, map[string]s3test.Account{centerOwnersSecret: s3test.ReadOnly, centerWriterSecret: s3test.Upload})
	if out, err := k.try(secrets, "apply", "-f", "-"); err != nil {
		t.Fatalf("the storage team's Secrets: %v\n%s", err, out)
	}
	applyDoc(t, k, "the Center on the city's store", externalCenterYAML(t, k, srv))
	return srv, time.Now()
}

// externalCenterReady: the Center on the city's SeaweedFS becomes Ready
// because the operator's probe proved its store; it has no store of its
// own, the probe left nothing in its bucket, and its pods get the copies
// of the owners' account and the sync writer.
func externalCenterReady(t *testing.T, k kube, srv *s3test.Server, start time.Time) {
	t.Helper()
	var dp *scidatav1.DataPlatform
	eventually(t, 3*time.Minute, "the Center is Ready because the probe proved its store", func() (bool, string) {
		dp = getPlatform(t, k, center)
		c := meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionStorageReady)
		return dp.Status.ObservedGeneration == dp.Generation && meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionReady) &&
			c != nil && c.Reason == scidatav1.ReasonExternalStoreVerified, fmt.Sprintf("%+v", dp.Status.Conditions)
	})
	t.Logf("the External Center Ready %.1fs after it was applied: %s", time.Since(start).Seconds(),
		meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionStorageReady).Message)
	saneConditions(t, dp)
	if dp.Status.ExternalStore == nil || dp.Status.ExternalStore.AccountsVerified == nil {
		t.Errorf("the Center: status.externalStore does not record the accounts the probe proved: %+v", dp.Status.ExternalStore)
	}
	if dp.Status.Endpoints.ObjectStore != "https://"+srv.Endpoint || dp.Status.Endpoints.Bucket == nil || *dp.Status.Endpoints.Bucket != centerBucket {
		t.Errorf("the Center: endpoints %+v", dp.Status.Endpoints)
	}
	if keys := bucketKeys(t, srv, centerBucket); len(keys) != 0 {
		t.Errorf("the probe left %v in %s", keys, centerBucket)
	}
	for _, o := range [][]string{{"statefulset", "-n", centerNS, platform.ObjectStoreName}, {"pvc", "-n", centerNS, storeClaim}} {
		if k.exists(o...) {
			t.Errorf("an External Center has a %s", strings.Join(o, " "))
		}
	}
	for _, o := range [][]string{{"secret", "-n", centerNS, platform.UploadCredentialsName}, {"secret", "-n", centerNS, platform.SyncCredentialsName}, {"configmap", "-n", centerNS, platform.CABundleName}} {
		if !k.exists(o...) {
			t.Errorf("no %s: the Center's pods get copies of its store's accounts and CA", strings.Join(o, " "))
		}
	}
}

// receiveIntoExternalCenter follows the sample department's entry (its
// data uploaded) into the External Center: reviewed, copied by a real
// sync pod into the Center's bucket on SeaweedFS, accepted by the Center's
// curator. Read back with the Center's owners' account as a person would,
// the bucket holds exactly the uploaded objects (each with the SHA-256 of
// the bytes uploaded), the manifest and the receipt the manager wrote;
// that receipt and the Submission's verify offline and refuse a changed
// byte, and the owners cannot overwrite what was received. It returns the
// bucket's keys.
func receiveIntoExternalCenter(t *testing.T, k kube, srv *s3test.Server) []string {
	t.Helper()
	f := flow{dept: dept, ns: deptNS, entry: entryName, version: entryVersion, reviewer: reviewer, data: sampleData, first: true}
	awaitReview(t, k, f)
	start := time.Now()
	approve(t, k, f)
	sub := awaitTransferred(t, k, f, 4*time.Minute)
	t.Logf("approved → transferred into SeaweedFS in %.1fs; gates %v", time.Since(start).Seconds(), submission.Passed(sub.Status.Gates))
	sub = accept(t, k, f)
	t.Logf("approved → receipt in %.1fs; transfer %+v", time.Since(start).Seconds(), *sub.Status.Transfer)
	checkSyncPod(t, k, sub, f)

	dest := sub.Status.Transfer.Destination
	owners := srv.As(s3test.ReadOnly)
	// The receipts' key set lies beside them, as the ConfigMap holds it.
	want := []string{dest + "manifest.json", dest + "receipt.json", centerstore.KeySetKey}
	for name := range f.data {
		want = append(want, dest+name)
	}
	slices.Sort(want)
	keys := bucketKeys(t, srv, centerBucket)
	if !slices.Equal(keys, want) {
		t.Errorf("the Center's bucket holds %v, want %v", keys, want)
	}
	for name, data := range f.data {
		got, err := getObject(owners, centerBucket, dest+name)
		if err != nil || sha256.Sum256(got) != sha256.Sum256([]byte(data)) {
			t.Errorf("SeaweedFS holds %s%s with SHA-256 %x (%v), the department uploaded %x", dest, name, sha256.Sum256(got), err, sha256.Sum256([]byte(data)))
		}
	}
	manifest, err := getObject(owners, centerBucket, dest+"manifest.json")
	if err != nil {
		t.Fatalf("the manifest in SeaweedFS: %v", err)
	}
	stored, err := getObject(owners, centerBucket, dest+"receipt.json")
	if err != nil {
		t.Fatalf("the receipt in SeaweedFS: %v", err)
	}
	checkManifest(t, string(manifest), f.data)
	var keySet corev1.ConfigMap
	k.get(&keySet, "configmap", "-n", centerNS, "receipt-keys")
	if got, err := getObject(owners, centerBucket, centerstore.KeySetKey); err != nil || string(got) != keySet.Data["keys.json"] {
		t.Errorf("the Center's bucket's %s (%v) is not the key set of ConfigMap receipt-keys:\n%s\n%s", centerstore.KeySetKey, err, got, keySet.Data["keys.json"])
	}
	// The owners' account only reads: no person alters what was received.
	forged := []byte("forged\n")
	if _, err := owners.PutObject(context.Background(), centerBucket, dest+"plots.csv", strings.NewReader(string(forged)), int64(len(forged)), minio.PutObjectOptions{}); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Errorf("the Center's owners overwrote %splots.csv on SeaweedFS: %v", dest, err)
	}
	verifyReceipts(t, k, sub, string(manifest), []string{`"by": "` + f.reviewer + `"`, `"by": "` + curator + `"`, `"SubjectCode"`, `"ObjectsPresent"`},
		map[string]string{
			"submission.yaml": k.run("get", "submission", "-n", sub.Namespace, sub.Name, "-o", "yaml"),
			"receipt.json":    string(stored), // as the manager wrote it into SeaweedFS
		})
	storedReceiptTampered(t, k, sub, stored)
	t.Logf("%s/%s: the receipt in SeaweedFS and the Submission's (key %s) verified; a one-byte change of the manifest or of the stored receipt's payload is refused", f.ns, sub.Name, sub.Status.Receipt.KeyID)
	return keys
}

// storedReceiptTampered: the receipt as the manager wrote it into the
// store, one byte of its signed payload changed, is refused by receipt
// verify for its signature.
func storedReceiptTampered(t *testing.T, k kube, sub *scidatav1.Submission, stored []byte) {
	t.Helper()
	var r struct {
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(stored, &r); err != nil || len(r.Payload) < 2 {
		t.Fatalf("receipt.json in the store is not a receipt (%v): %.500s", err, stored)
	}
	at := bytes.Index(stored, []byte(r.Payload)) + len(r.Payload)/2
	tampered := slices.Clone(stored)
	tampered[at] = map[bool]byte{true: 'B', false: 'A'}[tampered[at] == 'A']
	var keys corev1.ConfigMap
	k.get(&keys, "configmap", "-n", centerNS, "receipt-keys")
	work := t.TempDir()
	keySet, receiptFile := filepath.Join(work, "keys.json"), filepath.Join(work, "receipt.json")
	if err := os.WriteFile(keySet, []byte(keys.Data["keys.json"]), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(receiptFile, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(operatorBinary(t, k), "receipt", "verify", "--receipt", receiptFile, "--keyset", keySet,
		"--fingerprint", sub.Status.Receipt.KeyID).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "signature does not match") {
		t.Errorf("receipt verify of the stored receipt with one byte of its payload changed: %v\n%.2000s", err, out)
	}
}

// bucketKeys lists bucket on srv as its root, sorted.
func bucketKeys(t *testing.T, srv *s3test.Server, bucket string) []string {
	t.Helper()
	var keys []string
	for o := range srv.Root().ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list %s: %v", bucket, o.Err)
		}
		keys = append(keys, o.Key)
	}
	slices.Sort(keys)
	return keys
}
