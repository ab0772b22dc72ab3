package controllers

import (
	"context"
	"fmt"
	"k8s.io/utils/ptr"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/storetest"
)

// makePortalReady reports the portal's Deployment available, as
// kube-controller-manager would: an External platform has no store pod.
func makePortalReady(t *testing.T, dp *scidatav1.DataPlatform) {
	t.Helper()
	var d appsv1.Deployment
	eventually(t, "portal Deployment", func() error {
		return env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.PortalName}, &d)
	})
	setStatus(t, &d, func() {
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"}}}
	})
}

// deleteAtEnd deletes dp when the test ends and waits until it is gone,
// so that nothing of it (its probes) runs into the next test.
func deleteAtEnd(t *testing.T, dp *scidatav1.DataPlatform) {
	t.Cleanup(func() {
		ctx := context.Background()
		_ = env.Client.Delete(ctx, dp)
		eventually(t, dp.Name+" deleted", func() error {
			if err := env.Client.Get(ctx, types.NamespacedName{Name: dp.Name}, &scidatav1.DataPlatform{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("still there: %w", err)
			}
			return nil
		})
	})
}

// readyExternalDepartment is a Department platform named name on a real
// S3 server of its own (the city's store: its bucket <name>-data, a writer
// and the Center's reader), Ready because the probe proved that store; it
// is deleted when the test ends.
func readyExternalDepartment(t *testing.T, name string) (*scidatav1.DataPlatform, *s3test.Server) {
	t.Helper()
	city := s3test.Start(t)
	writer := s3test.Account{Access: name + "-writer", Secret: name + "-writer-secret-0123456789"}
	reader := s3test.Account{Access: name + "-center-read", Secret: name + "-center-read-secret-0123456789"}
	storetest.VersityBucket(t, city, name+"-data", writer, reader)
	names := storetest.CreateExternalSecrets(t, env.Client, operatorNamespace, name, city, writer, reader)
	dp := newPlatform(name, scidatav1.RoleDepartment, name)
	dp.Spec.ObjectStore = scidatav1.ObjectStore{Mode: scidatav1.ObjectStoreExternal, External: &scidatav1.ExternalObjectStore{
		Endpoint: "https://" + city.Endpoint, Bucket: name + "-data",
		CredentialsSecret:           scidatav1.SecretKeyReference{Name: names.Writer},
		CenterReadCredentialsSecret: &scidatav1.SecretKeyReference{Name: names.Reader},
		CASecret:                    &scidatav1.SecretKeyReference{Name: names.CA},
		Network:                     &scidatav1.ExternalStoreNetwork{CIDRs: []string{"127.0.0.1/32"}},
	}}
	create(t, dp)
	deleteAtEnd(t, dp)
	makePortalReady(t, getPlatform(t, dp.Name))
	return waitReady(t, dp.Name), city
}

// A department whose data lives on the city's own S3 (versitygw playing
// it, with the accounts its storage team made: a writer and a read-only
// account for the Center) is Ready only once the probe proved them; its
// data then reaches the Managed Center exactly as a Managed department's
// does: the sync Job reads it with the Center's read-only account and the
// store's own CA (both from the copy the operator keeps in the Center's
// namespace), the manager reads the manifest back and signs a receipt
// that verifies offline.
func TestAnExternalDepartmentSubmitsIntoTheManagedCenter(t *testing.T) {
	ensureCenter(t)
	_, center := centerStore(t)
	live, city := readyExternalDepartment(t, "marsh")
	dp := live
	if c := meta.FindStatusCondition(live.Status.Conditions, scidatav1.ConditionStorageReady); c.Reason != scidatav1.ReasonExternalStoreVerified {
		t.Fatalf("StorageReady %s", platformCondition(live, scidatav1.ConditionStorageReady))
	}
	if live.Status.Endpoints.ObjectStore != "https://"+city.Endpoint || ptr.Deref(live.Status.Endpoints.Bucket, "") != "marsh-data" {
		t.Errorf("endpoints %+v", live.Status.Endpoints)
	}
	city.Put(t, "marsh-data", "wetlands/2024/birds.csv", []byte("species,count\nheron,12\n"))
	sub := createSubmission(t, dp, "wetlands", "uid-wetlands", "wetlands/2024/", true)
	got, res := approveAndTransfer(t, sub)
	if res.Objects != 1 {
		t.Errorf("worker %+v", res)
	}
	storetest.AssertReceipted(t, env.Client, got, center, ReceiptName)
	var mirror corev1.Secret
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.MirroredReadSecretName(dp.Name)}, &mirror); err != nil {
		t.Fatal(err)
	}
	if string(mirror.Data[platform.AccessKeyField]) != "marsh-center-read" || len(mirror.Data[store.CAField]) == 0 {
		t.Errorf("the Center's copy of the read-only account holds %s and a CA of %d bytes", mirror.Data[platform.AccessKeyField], len(mirror.Data[store.CAField]))
	}
}
