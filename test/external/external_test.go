package external

import (
	"context"
	"encoding/json"
	"fmt"
	"k8s.io/utils/ptr"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/pki"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/storetest"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

func eventually(t *testing.T, check func() error) {
	t.Helper()
	testenv.Eventually(t, 30*time.Second, check)
}

func get(t *testing.T, name string) *scidatav1.DataPlatform {
	t.Helper()
	var dp scidatav1.DataPlatform
	if err := env.Client.Get(context.Background(), types.NamespacedName{Name: name}, &dp); err != nil {
		t.Fatal(err)
	}
	return &dp
}

// cityStore is a store of the city's and what its storage team made on it
// for one platform: a bucket, the account that writes there and the one
// that only reads.
type cityStore struct {
	srv            *s3test.Server
	bucket         string
	writer, reader s3test.Account
}

// versityCity is versitygw playing the city's store, with accounts of the
// platform's own on its bucket by a bucket policy.
func versityCity(t *testing.T, name string) cityStore {
	t.Helper()
	c := cityStore{srv: s3test.Start(t), bucket: name + "-data",
		writer: s3test.Account{Access: name + "-writer", Secret: name + "-writer-secret-0123456789"},
		reader: s3test.Account{Access: name + "-reader", Secret: name + "-reader-secret-0123456789"}}
	storetest.VersityBucket(t, c.srv, c.bucket, c.writer, c.reader)
	return c
}

// seaweedCity is a bucket of its own on the city's shared SeaweedFS, whose
// Upload and ReadOnly accounts are granted every city-* bucket.
func seaweedCity(t *testing.T, name string) cityStore {
	t.Helper()
	c := cityStore{srv: s3test.Shared(t, "city", cityOptions), bucket: "city-" + name, writer: s3test.Upload, reader: s3test.ReadOnly}
	c.srv.MakeBucket(t, c.bucket)
	return c
}

// externalPlatform is a platform on c, naming the Secrets of names: for a
// department the writer is the owners' upload account and the reader the
// Center's read-only one; for the Center the writer is its sync writer and
// the reader its owners' account.
func externalPlatform(name string, role scidatav1.PlatformRole, c cityStore, names storetest.ExternalSecrets) *scidatav1.DataPlatform {
	code := name
	if role == scidatav1.RoleCenter {
		code = "st-info-institute"
	}
	_, port, _ := strings.Cut(c.srv.Endpoint, ":")
	p, err := strconv.ParseInt(port, 10, 32)
	if err != nil {
		panic(fmt.Sprintf("the store's endpoint %q has no port: %v", c.srv.Endpoint, err))
	}
	ext := &scidatav1.ExternalObjectStore{Endpoint: "https://" + c.srv.Endpoint, Bucket: c.bucket,
		CASecret: &scidatav1.SecretKeyReference{Name: names.CA},
		Network:  &scidatav1.ExternalStoreNetwork{CIDRs: []string{"127.0.0.1/32"}, Ports: []int32{int32(p)}}}
	if role == scidatav1.RoleCenter {
		ext.CredentialsSecret = scidatav1.SecretKeyReference{Name: names.Reader}
		ext.SyncWriterCredentialsSecret = &scidatav1.SecretKeyReference{Name: names.Writer}
	} else {
		ext.CredentialsSecret = scidatav1.SecretKeyReference{Name: names.Writer}
		ext.CenterReadCredentialsSecret = &scidatav1.SecretKeyReference{Name: names.Reader}
	}
	return &scidatav1.DataPlatform{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: scidatav1.DataPlatformSpec{
			Role:        role,
			Department:  scidatav1.Department{Code: code, Name: "Department " + code},
			Owners:      scidatav1.Owners{Groups: []string{code + "-admins"}},
			Storage:     scidatav1.Storage{Size: resource.MustParse("1Gi")},
			ObjectStore: scidatav1.ObjectStore{Mode: scidatav1.ObjectStoreExternal, External: ext},
		},
	}
}

// createPlatform creates dp, reports its portal available (an External
// platform has no store pod; envtest runs no Deployment controller), and
// deletes it when the test ends, waiting until it is gone so that its
// probes do not run into the next test.
func createPlatform(t *testing.T, dp *scidatav1.DataPlatform) {
	t.Helper()
	ctx := context.Background()
	if err := env.Client.Create(ctx, dp); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = env.Client.Delete(ctx, dp)
		eventually(t, func() error {
			if err := env.Client.Get(ctx, types.NamespacedName{Name: dp.Name}, &scidatav1.DataPlatform{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("%s not deleted yet: %w", dp.Name, err)
			}
			return nil
		})
	})
	var d appsv1.Deployment
	eventually(t, func() error {
		return env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.PortalName}, &d)
	})
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(&d), &d); err != nil {
			return err
		}
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"}}}
		return env.Client.Status().Update(ctx, &d)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitStorage waits until name's StorageReady, at its current generation,
// has reason and says each of says; the platform is Stalled with that
// reason when stalls, and not Stalled otherwise.
func waitStorage(t *testing.T, name, reason string, stalls bool, says ...string) *scidatav1.DataPlatform {
	t.Helper()
	var dp *scidatav1.DataPlatform
	eventually(t, func() error {
		dp = get(t, name)
		c := meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionStorageReady)
		if c == nil || c.Reason != reason || c.ObservedGeneration != dp.Generation || dp.Status.ObservedGeneration != dp.Generation {
			return fmt.Errorf("StorageReady %+v at generation %d, want %s", c, dp.Generation, reason)
		}
		for _, s := range says {
			if !strings.Contains(c.Message, s) {
				return fmt.Errorf("StorageReady says %q; want it to say %q", c.Message, s)
			}
		}
		if st := meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionStalled); (st != nil) != stalls || (stalls && st.Reason != reason) {
			return fmt.Errorf("Stalled %+v, want stalled %v with %s", st, stalls, reason)
		}
		return nil
	})
	return dp
}

// waitReady waits until name is Ready because its store was proved.
func waitReady(t *testing.T, name string) *scidatav1.DataPlatform {
	t.Helper()
	waitStorage(t, name, scidatav1.ReasonExternalStoreVerified, false)
	var dp *scidatav1.DataPlatform
	eventually(t, func() error {
		dp = get(t, name)
		if !meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionReady) {
			return fmt.Errorf("Ready %+v", meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionReady))
		}
		return nil
	})
	return dp
}

func setSpec(t *testing.T, name string, mutate func(*scidatav1.DataPlatform)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		dp := get(t, name)
		mutate(dp)
		return env.Client.Update(context.Background(), dp)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// probeObjects lists what is under the probe's prefix in bucket, as root.
func probeObjects(t *testing.T, srv *s3test.Server, bucket string) []string {
	t.Helper()
	var keys []string
	for o := range srv.Root().ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: store.ProbePrefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// fault is something a person does to an External store, the reason the
// platform reports it with, and how it is mended.
type fault struct {
	name   string
	reason string
	stalls bool
	says   string
	make   func(t *testing.T)
	mend   func(t *testing.T)
	// then, if set, checks more once the fault is reported.
	then func(t *testing.T)
}

// An External platform is Ready only once a real S3 server (each engine)
// proved, with the accounts and the CA its spec names, that TLS verifies,
// the bucket is there, the writer writes, lists and removes, and the
// read-only account reads and cannot write. Every fault a person can make
// is reported with its own reason, naming what to mend, and clears when
// mended; a Stalled platform recovers as soon as its Secret is made.
func TestAnExternalStoreIsReadyOnlyWhenARealServerProvesItsAccounts(t *testing.T) {
	for _, engine := range s3test.Engines {
		t.Run(string(engine), func(t *testing.T) {
			name := "fault-" + string(engine)[:4]
			c := seaweedCity(t, name)
			if engine == s3test.Versity {
				c = versityCity(t, name)
			}
			ctx := context.Background()
			names := storetest.ExternalSecrets{Writer: name + "-writer", Reader: name + "-reader", CA: name + "-ca"}
			createPlatform(t, externalPlatform(name, scidatav1.RoleDepartment, c, names))

			// Nothing is there yet: Stalled, naming the first Secret; no
			// timer brings it back, only the Secret's creation.
			waitStorage(t, name, scidatav1.ReasonSecretMissing, true, operatorNamespace+"/"+names.Writer, "spec.objectStore.external.credentialsSecret")
			made := time.Now()
			storetest.CreateExternalSecrets(t, env.Client, operatorNamespace, name, c.srv, c.writer, c.reader)
			dp := waitReady(t, name)
			t.Logf("%s: Ready %s after the storage team's Secrets were created", engine, time.Since(made).Round(time.Millisecond))
			if dp.Status.ExternalStore == nil || ptr.Deref(dp.Status.ExternalStore.AccountsVerified, "") == "" {
				t.Errorf("status.externalStore %+v records no accounts proved", dp.Status.ExternalStore)
			}
			if keys := probeObjects(t, c.srv, c.bucket); len(keys) != 0 {
				t.Errorf("the probe left %v in the bucket", keys)
			}
			for _, want := range []types.NamespacedName{{Namespace: platform.Namespace(dp), Name: platform.UploadCredentialsName}} {
				var s corev1.Secret
				if err := env.Client.Get(ctx, want, &s); err != nil || string(s.Data[platform.AccessKeyField]) != c.writer.Access {
					t.Errorf("the owners' copy %s: %v", want, err)
				}
			}
			ca, err := os.ReadFile(c.srv.CAFile)
			if err != nil {
				t.Fatal(err)
			}
			other, err := pki.NewCA("another CA", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			put := func(secret string, data map[string][]byte) func(*testing.T) {
				return func(t *testing.T) { storetest.PutSecret(t, env.Client, operatorNamespace, secret, data) }
			}
			bucket := func(b string) func(*testing.T) {
				return func(t *testing.T) {
					setSpec(t, name, func(p *scidatav1.DataPlatform) { p.Spec.ObjectStore.External.Bucket = b })
				}
			}
			faults := []fault{
				{name: "a wrong secret key", reason: scidatav1.ReasonCredentialsRejected, stalls: true, says: operatorNamespace + "/" + names.Writer,
					make: put(names.Writer, storetest.AccountData(s3test.Account{Access: c.writer.Access, Secret: "not-the-secret-0123456789"})),
					mend: put(names.Writer, storetest.AccountData(c.writer))},
				{name: "a read-only account that can write", reason: scidatav1.ReasonReadAccountCanWrite, stalls: true, says: operatorNamespace + "/" + names.Reader,
					make: put(names.Reader, storetest.AccountData(c.writer)),
					mend: put(names.Reader, storetest.AccountData(c.reader)),
					// Between two probes (each writes and removes its object)
					// nothing of the probe stays in the bucket.
					then: func(t *testing.T) {
						eventually(t, func() error {
							if keys := probeObjects(t, c.srv, c.bucket); len(keys) != 0 {
								return fmt.Errorf("the bucket still holds %v", keys)
							}
							return nil
						})
					}},
				{name: "a missing bucket", reason: scidatav1.ReasonBucketMissing, stalls: true, says: c.bucket + "-gone does not exist",
					make: bucket(c.bucket + "-gone"), mend: bucket(c.bucket)},
				{name: "an untrusted CA", reason: scidatav1.ReasonTLSUntrusted, stalls: true, says: operatorNamespace + "/" + names.CA,
					make: put(names.CA, map[string][]byte{store.CAField: other.CertPEM}),
					mend: put(names.CA, map[string][]byte{store.CAField: ca})},
				{name: "a deleted Secret", reason: scidatav1.ReasonSecretMissing, stalls: true, says: operatorNamespace + "/" + names.CA,
					make: func(t *testing.T) {
						if err := env.Client.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: names.CA}}); err != nil {
							t.Fatal(err)
						}
					},
					mend: put(names.CA, map[string][]byte{store.CAField: ca})},
			}
			if engine == s3test.SeaweedFS {
				// SeaweedFS answers AccessDenied for a bucket outside an
				// account's grant, whether it exists or not.
				c.srv.MakeBucket(t, "other-"+name)
				faults = append(faults, fault{name: "a bucket outside the account's grant", reason: scidatav1.ReasonCredentialsRejected, stalls: true, says: "whether it exists or not",
					make: bucket("other-" + name), mend: bucket(c.bucket)})
			} else {
				// Restarting takes SeaweedFS seconds; versitygw starts in
				// a moment, and what the probe meets is TCP's, not the
				// engine's.
				faults = append(faults, fault{name: "a stopped server", reason: scidatav1.ReasonEndpointUnreachable, stalls: false, says: "does not answer",
					make: func(*testing.T) { c.srv.Stop() }, mend: func(t *testing.T) { c.srv.Restart(t) }})
			}
			for _, f := range faults {
				t.Run(f.name, func(t *testing.T) {
					f.make(t)
					waitStorage(t, name, f.reason, f.stalls, f.says)
					if f.then != nil {
						f.then(t)
					}
					mended := time.Now()
					f.mend(t)
					waitReady(t, name)
					t.Logf("Ready %s after %s was mended", time.Since(mended).Round(time.Millisecond), f.name)
				})
			}
		})
	}
}

// A Ready External store is probed again every interval, with the bucket
// only, and no probe writes to the apiserver: nothing it proves is new.
func TestAReadyExternalStoreIsProbedWithoutWritingToTheAPIServer(t *testing.T) {
	c := versityCity(t, "steady")
	names := storetest.CreateExternalSecrets(t, env.Client, operatorNamespace, "steady", c.srv, c.writer, c.reader)
	createPlatform(t, externalPlatform("steady", scidatav1.RoleDepartment, c, names))
	waitReady(t, "steady")
	// Let the pass after Ready (the first bucket-only probe) settle.
	lists := func() int64 { return probes.Requests(c.srv.Endpoint, "GET") }
	before := lists()
	eventually(t, func() error {
		if lists() < before+1 {
			return fmt.Errorf("no probe yet")
		}
		return nil
	})
	w0, p0 := writes.Load(), lists()
	eventually(t, func() error {
		if n := lists() - p0; n < 3 {
			return fmt.Errorf("%d probes since the count began, want 3", n)
		}
		return nil
	})
	if got := writes.Load() - w0; got != 0 {
		t.Fatalf("%d probes of a ready store made %d apiserver writes; want 0", lists()-p0, got)
	}
	if puts := probes.Requests(c.srv.Endpoint, "PUT"); puts != 2 {
		t.Errorf("the probe wrote %d times; want 2 (the writer's object and the read-only account's refused try), once per version of the Secrets", puts)
	}
}

// submit makes a Submission of entry at version v1 in dept's namespace (no
// review), runs its sync Job's worker for real, completes the Job and
// waits for the receipt.
func submit(t *testing.T, dept *scidatav1.DataPlatform, entry, prefix string) *scidatav1.Submission {
	t.Helper()
	ctx := context.Background()
	// The entry it submits exists: a Submission whose entry is gone is
	// withdrawn before its transfer.
	e := &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: platform.Namespace(dept), Name: entry},
		Spec: scidatav1.CatalogEntrySpec{
			Title: entry, Description: entry, Subject: "Hydrology", DataTypes: []scidatav1.DataType{scidatav1.DataTypeTable},
			ResponsibleDepartment: dept.Spec.Department, ProvidingDepartment: scidatav1.Provider{Name: "Survey"},
			Data:           scidatav1.DataLocation{Prefix: prefix, ContentVersion: "v1"},
			Sharing:        scidatav1.Sharing{Mode: scidatav1.SharingOpen},
			Classification: &scidatav1.Classification{Level: scidatav1.ClassificationPublic},
			AccessMethod:   scidatav1.AccessMethod{Type: scidatav1.AccessOffline},
		},
	}
	if err := env.Client.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	s := &scidatav1.Submission{
		ObjectMeta: metav1.ObjectMeta{Namespace: platform.Namespace(dept), Name: entry + "-v1"},
		Spec: scidatav1.SubmissionSpec{Entry: scidatav1.LocalObjectReference{Name: entry}, EntryUID: string(e.UID), Department: dept.Spec.Department.Code,
			ContentVersion: "v1", SourcePrefix: prefix, Policy: "x/y", Classification: scidatav1.ClassificationPublic},
	}
	if err := env.Client.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	eventually(t, func() error {
		live := getSubmission(t, s)
		if live.Status.Transfer == nil || live.Status.Transfer.JobName == "" {
			return fmt.Errorf("no transfer yet: %+v", live.Status.Conditions)
		}
		return env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: live.Status.Transfer.JobName}, &job)
	})
	res, err := storetest.RunSyncJob(t, env.Client, &job)
	if err != nil {
		t.Fatalf("the worker, with %s's Job's arguments: %v", entry, err)
	}
	msg, _ := json.Marshal(res.Summary())
	storetest.CompleteJob(t, env.Client, &job, 0, string(msg))
	var got *scidatav1.Submission
	eventually(t, func() error {
		got = getSubmission(t, s)
		if got.Status.Receipt == nil || !meta.IsStatusConditionTrue(got.Status.Conditions, scidatav1.ConditionReceived) {
			return fmt.Errorf("conditions %+v", got.Status.Conditions)
		}
		return nil
	})
	return got
}

func getSubmission(t *testing.T, s *scidatav1.Submission) *scidatav1.Submission {
	t.Helper()
	var live scidatav1.Submission
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(s), &live); err != nil {
		t.Fatal(err)
	}
	return &live
}
