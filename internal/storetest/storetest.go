package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/spf13/pflag"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// local maps a Managed store's in-cluster host:port to its local server's.
var local gosync.Map

// Dial is a store.Dialer that reaches a Managed store ManagedStore serves
// at its in-cluster name, and every other address as it is.
func Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if to, ok := local.Load(addr); ok {
		addr = to.(string)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// poll waits, up to 30 seconds, for check to return nil.
func poll(t testing.TB, what string, check func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: %v", what, last)
	}
}

// ManagedStore serves dp's Managed store on a local versitygw for the
// test's duration (see the package's doc). c reads the platform's Secrets
// and the operator's CA in operatorNamespace.
func ManagedStore(t testing.TB, c client.Reader, dp *scidatav1.DataPlatform, operatorNamespace string) *s3test.Server {
	t.Helper()
	ctx := context.Background()
	st := store.For(dp, operatorNamespace)
	levels := map[string]storeboot.Access{"read": storeboot.Read, "write": storeboot.Write, "manage": storeboot.Manage}
	var accounts []storeboot.Account
	var grants []storeboot.Grant
	for _, g := range platform.StoreGrants(dp) {
		var sec corev1.Secret
		poll(t, "the "+g.Name+" account of "+dp.Name, func() error {
			return c.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: g.Secret}, &sec)
		})
		a := storeboot.Account{Name: g.Name, Access: string(sec.Data[platform.AccessKeyField]), Secret: string(sec.Data[platform.SecretKeyField])}
		accounts = append(accounts, a)
		grants = append(grants, storeboot.Grant{Account: a, Access: levels[g.Access]})
	}
	var ca corev1.Secret
	poll(t, "the operator's CA", func() error {
		return c.Get(ctx, types.NamespacedName{Namespace: operatorNamespace, Name: platform.CASecretName}, &ca)
	})
	srv := s3test.StartWith(t, s3test.Options{
		CA:       &s3test.CA{CertPEM: ca.Data[corev1.TLSCertKey], KeyPEM: ca.Data[corev1.TLSPrivateKeyKey]},
		DNSNames: platform.ObjectStoreDNSNames(dp),
		Prepare: func(iam string) error {
			_, err := storeboot.WriteIAM(iam, accounts, s3test.RootAccess)
			return err
		},
	})
	policy, err := storeboot.Policy(st.Bucket, grants)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storeboot.Ensure(ctx, srv.Root(), st.Bucket, policy); err != nil {
		t.Fatal(err)
	}
	hp, err := st.HostPort()
	if err != nil {
		t.Fatal(err)
	}
	local.Store(hp, srv.Endpoint)
	t.Cleanup(func() { local.Delete(hp) })
	return srv
}

// RunSyncJob runs the real sync worker in-process with the Job's own
// arguments, as its pod would (see the package's doc).
func RunSyncJob(t testing.TB, c client.Reader, job *batchv1.Job) (syncer.Result, error) {
	t.Helper()
	ctx := context.Background()
	pod := job.Spec.Template.Spec
	ctr := pod.Containers[0]
	mounts := mountVolumes(t, c, job.Namespace, pod.Volumes, ctr.VolumeMounts)
	args := append([]string(nil), ctr.Args[1:]...)
	for i, a := range args {
		for path, at := range mounts {
			if strings.HasPrefix(a, path+"/") {
				args[i] = at + strings.TrimPrefix(a, path)
			}
		}
		if i > 0 && (args[i-1] == "--source-endpoint" || args[i-1] == "--dest-endpoint") {
			if to, ok := local.Load(strings.TrimPrefix(a, "https://")); ok {
				args[i] = "https://" + to.(string)
			}
		}
	}
	fs := pflag.NewFlagSet("sync", pflag.ContinueOnError)
	var f syncer.Flags
	f.Bind(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("the Job's arguments %q: %v", ctr.Args, err)
	}
	cfg, err := f.Config()
	if err != nil {
		return syncer.Result{}, fmt.Errorf("the Job's arguments: %w", err)
	}
	return syncer.Run(ctx, cfg, slog.New(slog.DiscardHandler))
}

// mountVolumes writes what each of a container's mounts shows (a Secret's
// or ConfigMap's keys as files, an empty directory) into a directory of
// the test, and returns each mount path's directory.
func mountVolumes(t testing.TB, c client.Reader, namespace string, podVolumes []corev1.Volume, ctrMounts []corev1.VolumeMount) map[string]string {
	t.Helper()
	ctx := context.Background()
	volumes := map[string]corev1.Volume{}
	for _, v := range podVolumes {
		volumes[v.Name] = v
	}
	dir := t.TempDir()
	mounts := map[string]string{}
	for _, m := range ctrMounts {
		at := filepath.Join(dir, m.Name)
		if err := os.MkdirAll(at, 0o700); err != nil {
			t.Fatal(err)
		}
		data := map[string][]byte{}
		switch v := volumes[m.Name]; {
		case v.Secret != nil:
			var sec corev1.Secret
			if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: v.Secret.SecretName}, &sec); err != nil {
				t.Fatalf("volume %s: %v", m.Name, err)
			}
			data = sec.Data
		case v.ConfigMap != nil:
			var cm corev1.ConfigMap
			if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: v.ConfigMap.Name}, &cm); err != nil {
				t.Fatalf("volume %s: %v", m.Name, err)
			}
			for k, s := range cm.Data {
				data[k] = []byte(s)
			}
		case v.EmptyDir != nil:
		default:
			t.Fatalf("volume %s is neither a Secret, a ConfigMap nor an emptyDir", m.Name)
		}
		for k, b := range data {
			if err := os.WriteFile(filepath.Join(at, k), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		mounts[m.MountPath] = at
	}
	return mounts
}

// CompleteJob does what the Job controller and the kubelet do on a real
// node when the sync pod exits: a finished pod with the worker's
// termination message, and the Job's success (or failure) conditions.
func CompleteJob(t testing.TB, c client.Client, job *batchv1.Job, exit int32, message string) {
	t.Helper()
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: job.Name + "-0", Namespace: job.Namespace, Labels: map[string]string{
			batchv1.JobNameLabel: job.Name, scidatav1.LabelComponent: platform.ComponentSync}},
		Spec: job.Spec.Template.Spec,
	}
	if err := c.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	pod.Status = corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{{Name: "sync",
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exit, Message: message, FinishedAt: now, StartedAt: now}}}}}
	if exit != 0 {
		pod.Status.Phase = corev1.PodFailed
	}
	if err := c.Status().Update(ctx, pod); err != nil {
		t.Fatal(err)
	}
	job.Status.StartTime = &now
	if exit == 0 {
		job.Status.Succeeded = 1
		job.Status.CompletionTime = &now
		job.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}
	} else {
		job.Status.Failed = 1
		job.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, LastTransitionTime: now, Reason: batchv1.JobReasonPodFailurePolicy},
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, LastTransitionTime: now, Reason: batchv1.JobReasonPodFailurePolicy},
		}
	}
	if err := c.Status().Update(ctx, job); err != nil {
		t.Fatal(err)
	}
}

// ExternalSecrets are the names of the Secrets ExternalSecrets makes.
type ExternalSecrets struct{ Writer, Reader, CA string }

// CreateExternalSecrets makes, in namespace, what a city's storage team
// makes for a platform on srv: prefix-writer and prefix-reader holding the
// accounts' keys, and prefix-ca holding srv's CA bundle, none with the
// operator's label. A Secret that exists is replaced.
func CreateExternalSecrets(t testing.TB, c client.Client, namespace, prefix string, srv *s3test.Server, writer, reader s3test.Account) ExternalSecrets {
	t.Helper()
	ca, err := os.ReadFile(srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	names := ExternalSecrets{Writer: prefix + "-writer", Reader: prefix + "-reader", CA: prefix + "-ca"}
	PutSecret(t, c, namespace, names.Writer, AccountData(writer))
	PutSecret(t, c, namespace, names.Reader, AccountData(reader))
	PutSecret(t, c, namespace, names.CA, map[string][]byte{store.CAField: ca})
	return names
}

// AccountData is a credentials Secret's data for a.
func AccountData(a s3test.Account) map[string][]byte {
	return map[string][]byte{platform.AccessKeyField: []byte(a.Access), platform.SecretKeyField: []byte(a.Secret)}
}

// PutSecret creates namespace/name with data, or replaces its data.
func PutSecret(t testing.TB, c client.Client, namespace, name string, data map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}, Data: data}
	err := c.Create(ctx, sec)
	if apierrors.IsAlreadyExists(err) {
		var live corev1.Secret
		if err = c.Get(ctx, client.ObjectKeyFromObject(sec), &live); err == nil {
			live.Data = data
			err = c.Update(ctx, &live)
		}
	}
	if err != nil {
		t.Fatalf("secret %s/%s: %v", namespace, name, err)
	}
}

// VersityBucket makes bucket on srv (versitygw, playing a city's store) as
// its storage team would for a platform: writer lists, reads, writes and
// deletes there, reader lists and reads, by a bucket policy (storeboot's,
// as a Managed store's); each account is made on the server first.
func VersityBucket(t testing.TB, srv *s3test.Server, bucket string, writer, reader s3test.Account) {
	t.Helper()
	srv.MakeBucket(t, bucket)
	srv.CreateUser(t, writer)
	srv.CreateUser(t, reader)
	policy, err := storeboot.Policy(bucket, []storeboot.Grant{
		{Account: storeboot.Account{Name: "writer", Access: writer.Access, Secret: writer.Secret}, Access: storeboot.Manage},
		{Account: storeboot.Account{Name: "reader", Access: reader.Access, Secret: reader.Secret}, Access: storeboot.Read},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Root().SetBucketPolicy(context.Background(), bucket, string(policy)); err != nil {
		t.Fatalf("policy of %s: %v", bucket, err)
	}
}

// AssertReceipted checks sub's receipt as an auditor does, with nothing but
// the Center's published key set and the manifest from the Center's store
// (cs): the signature verifies against the key its ID names, the manifest
// matches the receipt's digest and one changed byte does not, and the
// stored copy (receiptKey, beside the manifest) is the record's. It
// returns the receipt's payload.
func AssertReceipted(t testing.TB, c client.Reader, sub *scidatav1.Submission, cs centerstore.Store, receiptKey string) receipt.Payload {
	t.Helper()
	ctx := context.Background()
	if sub.Status.Receipt == nil || sub.Status.Transfer == nil {
		t.Fatalf("%s/%s has no receipt", sub.Namespace, sub.Name)
	}
	var keys corev1.ConfigMap
	if err := c.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.ReceiptKeysConfigMap}, &keys); err != nil {
		t.Fatal(err)
	}
	set, err := receipt.ParseKeySet([]byte(keys.Data[receipt.KeySetField]))
	if err != nil {
		t.Fatal(err)
	}
	rc := receipt.Receipt{Payload: sub.Status.Receipt.Payload, Signature: sub.Status.Receipt.Signature, KeyID: sub.Status.Receipt.KeyID}
	pub, err := set.Lookup(rc.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := receipt.Verify(rc, receipt.KeyID(pub), pub)
	if err != nil {
		t.Fatalf("the receipt does not verify: %v", err)
	}
	// The Center's store holds the key set too, so that a copy of its
	// bucket (a backup, a restore) verifies its receipts by itself.
	storedKeys, err := cs.Get(ctx, centerstore.KeySetKey)
	if err != nil {
		t.Fatalf("the Center's store holds no copy of the key set: %v", err)
	}
	storedSet, err := receipt.ParseKeySet(storedKeys)
	if err != nil {
		t.Fatalf("the Center's store's copy of the key set: %v", err)
	}
	if storedPub, err := storedSet.Lookup(rc.KeyID); err != nil {
		t.Fatalf("the Center's store's copy of the key set lacks the receipt's key: %v", err)
	} else if _, err := receipt.Verify(rc, receipt.KeyID(storedPub), storedPub); err != nil {
		t.Fatalf("the receipt does not verify against the store's copy of the key set: %v", err)
	}
	dest := sub.Status.Transfer.Destination
	manifest, err := cs.Get(ctx, dest+syncer.ManifestName)
	if err != nil {
		t.Fatal(err)
	}
	if err := receipt.VerifyManifest(payload, manifest); err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), manifest...)
	tampered[len(tampered)/2] ^= 1
	if err := receipt.VerifyManifest(payload, tampered); err == nil {
		t.Fatal("a manifest with a changed byte verified")
	}
	stored, err := cs.Get(ctx, dest+receiptKey)
	if err != nil {
		t.Fatalf("receipt not stored beside the manifest: %v", err)
	}
	var storedRc scidatav1.Receipt
	if err := json.Unmarshal(stored, &storedRc); err != nil || storedRc != *sub.Status.Receipt {
		t.Fatalf("the stored receipt is not the record's: %v", err)
	}
	if payload.Submission.UID != string(sub.UID) || payload.Department != sub.Spec.Department || payload.Destination != dest {
		t.Errorf("payload %+v does not name %s/%s", payload, sub.Namespace, sub.Name)
	}
	return payload
}
