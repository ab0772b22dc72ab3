package controllers

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"

	"github.com/spf13/pflag"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// Managed stores in envtest. envtest runs no pod, so a Managed store's
// in-cluster name (objectstore.scidata-<platform>.svc:9000) answers
// nowhere. managedStore runs the store as its pod would, as a local
// versitygw: the accounts of the platform's own Secrets written into its
// IAM file by storeboot (store-init), its bucket and least-privilege policy
// made by storeboot (store-bootstrap), a serving certificate from the
// operator's CA for the store's names; and points the store's name at it
// for the manager (Options.StoreDialer) and for the worker (runSyncJob).
// TLS still checks the store's name against the operator's CA.

// localStores maps a Managed store's host:port to the local server's.
var localStores gosync.Map

// storeDialer is the manager's Options.StoreDialer in this suite.
func storeDialer(ctx context.Context, network, addr string) (net.Conn, error) {
	if local, ok := localStores.Load(addr); ok {
		addr = local.(string)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// managedStore serves dp's Managed store on a local versitygw for the
// test's duration.
func managedStore(t *testing.T, dp *scidatav1.DataPlatform) *s3test.Server {
	t.Helper()
	ctx := context.Background()
	st := store.For(dp, operatorNamespace)
	levels := map[string]storeboot.Access{"read": storeboot.Read, "write": storeboot.Write, "manage": storeboot.Manage}
	var accounts []storeboot.Account
	var grants []storeboot.Grant
	for _, g := range platform.StoreGrants(dp) {
		var sec corev1.Secret
		eventually(t, "the "+g.Name+" account of "+dp.Name, func() error {
			return env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: g.Secret}, &sec)
		})
		a := storeboot.Account{Name: g.Name, Access: string(sec.Data[platform.AccessKeyField]), Secret: string(sec.Data[platform.SecretKeyField])}
		accounts = append(accounts, a)
		grants = append(grants, storeboot.Grant{Account: a, Access: levels[g.Access]})
	}
	var ca corev1.Secret
	eventually(t, "the operator's CA", func() error {
		return env.Client.Get(ctx, types.NamespacedName{Namespace: operatorNamespace, Name: platform.CASecretName}, &ca)
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
	localStores.Store(hp, srv.Endpoint)
	t.Cleanup(func() { localStores.Delete(hp) })
	return srv
}

// runSyncJob runs the real sync worker in-process with the Job's own
// arguments, as its pod would: each Secret and ConfigMap volume written to
// files where the container mounts them (as the kubelet does), and a
// Managed store's in-cluster endpoint pointed at its local server.
func runSyncJob(t *testing.T, job *batchv1.Job) (syncer.Result, error) {
	t.Helper()
	ctx := context.Background()
	pod := job.Spec.Template.Spec
	c := pod.Containers[0]
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	dir := t.TempDir()
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		local := filepath.Join(dir, m.Name)
		if err := os.MkdirAll(local, 0o700); err != nil {
			t.Fatal(err)
		}
		data := map[string][]byte{}
		switch v := volumes[m.Name]; {
		case v.Secret != nil:
			var sec corev1.Secret
			if err := env.Client.Get(ctx, types.NamespacedName{Namespace: job.Namespace, Name: v.Secret.SecretName}, &sec); err != nil {
				t.Fatalf("volume %s: %v", m.Name, err)
			}
			data = sec.Data
		case v.ConfigMap != nil:
			var cm corev1.ConfigMap
			if err := env.Client.Get(ctx, types.NamespacedName{Namespace: job.Namespace, Name: v.ConfigMap.Name}, &cm); err != nil {
				t.Fatalf("volume %s: %v", m.Name, err)
			}
			for k, s := range cm.Data {
				data[k] = []byte(s)
			}
		default:
			t.Fatalf("volume %s is neither a Secret nor a ConfigMap", m.Name)
		}
		for k, b := range data {
			if err := os.WriteFile(filepath.Join(local, k), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		mounts[m.MountPath] = local
	}
	args := append([]string(nil), c.Args[1:]...)
	for i, a := range args {
		for path, local := range mounts {
			if strings.HasPrefix(a, path+"/") {
				args[i] = local + strings.TrimPrefix(a, path)
			}
		}
		if i > 0 && (args[i-1] == "--source-endpoint" || args[i-1] == "--dest-endpoint") {
			host := strings.TrimPrefix(a, "https://")
			if local, ok := localStores.Load(host); ok {
				args[i] = "https://" + local.(string)
			}
		}
	}
	fs := pflag.NewFlagSet("sync", pflag.ContinueOnError)
	var f syncer.Flags
	f.Bind(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("the Job's arguments %q: %v", c.Args, err)
	}
	cfg, err := f.Config()
	if err != nil {
		return syncer.Result{}, fmt.Errorf("the Job's arguments: %w", err)
	}
	return syncer.Run(ctx, cfg, slog.New(slog.DiscardHandler))
}
