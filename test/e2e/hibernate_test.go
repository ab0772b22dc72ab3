package e2e

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// hibernateAndResume hibernates the department that holds the uploaded data
// (its access grant was revoked in the step before, so nothing holds it
// awake): its store's and portal's pods go, it reads Ready False Hibernated
// with the Hibernated condition True, its claim stays Bound. Resumed, it is
// Ready because its pods run and answer again, and every uploaded object
// reads back with the SHA-256 of the bytes uploaded.
func hibernateAndResume(t *testing.T, k kube) {
	start := time.Now()
	workloads := fmt.Sprintf("%s in (%s,%s)", scidatav1.LabelComponent, platform.ComponentObjectStore, platform.ComponentPortal)
	k.run("patch", "dataplatform", dept, "--type=merge", "-p", `{"spec":{"hibernation":"Hibernated"}}`)
	var dp *scidatav1.DataPlatform
	eventually(t, 2*time.Minute, dept+" is Hibernated", func() (bool, string) {
		dp = getPlatform(t, k, dept)
		c := meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionReady)
		return dp.Status.ObservedGeneration == dp.Generation && c != nil && c.Status == metav1.ConditionFalse && c.Reason == scidatav1.ReasonHibernated,
			fmt.Sprintf("%+v", dp.Status.Conditions)
	})
	asleep := time.Since(start)
	saneConditions(t, dp)
	if !meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionHibernated) {
		t.Errorf("Hibernated: %+v", meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionHibernated))
	}
	for _, typ := range []string{scidatav1.ConditionReconciling, scidatav1.ConditionStalled} {
		if c := meta.FindStatusCondition(dp.Status.Conditions, typ); c != nil {
			t.Errorf("a hibernated platform has %s %+v", typ, c)
		}
	}
	// The status says so because the pods are gone: check it as a person would.
	var pods corev1.PodList
	k.get(&pods, "pods", "-n", deptNS, "-l", workloads)
	for _, p := range pods.Items {
		t.Errorf("pod %s is left while %s reads Hibernated (phase %s)", p.Name, dept, p.Status.Phase)
	}
	var pvc corev1.PersistentVolumeClaim
	k.get(&pvc, "pvc", "-n", deptNS, storeClaim)
	if pvc.Status.Phase != corev1.ClaimBound {
		t.Errorf("claim %s is %s while hibernated; want Bound", storeClaim, pvc.Status.Phase)
	}
	if col := k.run("get", "dataplatform", dept, "-o", "custom-columns=H:.status.conditions[?(@.type==\"Hibernated\")].status", "--no-headers"); strings.TrimSpace(col) != "True" {
		t.Errorf("kubectl get shows Hibernated %q", col)
	}

	resumed := time.Now()
	k.run("patch", "dataplatform", dept, "--type=merge", "-p", `{"spec":{"hibernation":"Running"}}`)
	eventually(t, 3*time.Minute, dept+" is Ready again", func() (bool, string) {
		dp = getPlatform(t, k, dept)
		return dp.Status.ObservedGeneration == dp.Generation && meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionReady) &&
			meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionHibernated) == nil, fmt.Sprintf("%+v", dp.Status.Conditions)
	})
	awake := time.Since(resumed)
	saneConditions(t, dp)

	var sec corev1.Secret
	k.get(&sec, "secret", "-n", deptNS, platform.UploadCredentialsName)
	cl, bucket := storeClient(t, k, deptNS, string(sec.Data[platform.AccessKeyField]), string(sec.Data[platform.SecretKeyField]))
	for name, data := range sampleData {
		b, err := getObject(cl, bucket, entryPrefix+name)
		if err != nil {
			t.Errorf("%s%s after resuming: %v", entryPrefix, name, err)
			continue
		}
		if sha256.Sum256(b) != sha256.Sum256([]byte(data)) {
			t.Errorf("%s%s after resuming: %d bytes that are not the %d uploaded", entryPrefix, name, len(b), len(data))
		}
	}
	t.Logf("hibernated (no store or portal pod left) in %.1fs, Ready again in %.1fs; %d objects read back with their SHA-256; %.1fs in all",
		asleep.Seconds(), awake.Seconds(), len(sampleData), time.Since(start).Seconds())
}
