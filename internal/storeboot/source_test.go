package storeboot_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// TestTheSidecarFollowsTheGrantsSecretThroughTheAPI runs the sidecar as the
// store's pod does: it watches the grants Secret on a real apiserver with
// the store's ServiceAccount, bound by the platform's own Role. The sidecar
// reads only once a minute here, so a grant put into the Secret that
// becomes an account within the test's 15-second bound proves the watch
// carried it; the ServiceAccount reads that one Secret and no other.
func TestTheSidecarFollowsTheGrantsSecretThroughTheAPI(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx := context.Background()
	p := &scidatav1.DataPlatform{
		ObjectMeta: metav1.ObjectMeta{Name: "water", UID: types.UID("uid-water")},
		Spec: scidatav1.DataPlatformSpec{Role: scidatav1.RoleDepartment, Department: scidatav1.Department{Code: "water", Name: "Water"},
			Storage: scidatav1.Storage{Size: resource.MustParse("1Gi")}},
	}
	ns := platform.Namespace(p)
	admin := kubernetes.NewForConfigOrDie(env.Config)
	if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	apply := metav1.ApplyOptions{FieldManager: "test", Force: true}
	if _, err := admin.CoreV1().ServiceAccounts(ns).Apply(ctx, platform.StoreServiceAccount(p), apply); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RbacV1().Roles(ns).Apply(ctx, platform.StoreGrantsRole(p), apply); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RbacV1().RoleBindings(ns).Apply(ctx, platform.StoreGrantsRoleBinding(p), apply); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: platform.RootCredentialsName},
		StringData: map[string]string{"secretAccessKey": "root"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	store := kubernetes.NewForConfigOrDie(env.Impersonating("system:serviceaccount:" + ns + ":" + platform.GrantsReaderName))

	// Least privilege: no other Secret, and no list without the name.
	if _, err := store.CoreV1().Secrets(ns).Get(ctx, platform.RootCredentialsName, metav1.GetOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the store's ServiceAccount reading the root credentials: %v, want Forbidden", err)
	}
	if _, err := store.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the store's ServiceAccount listing every Secret: %v, want Forbidden", err)
	}

	put := func(t *testing.T, grants ...storeboot.FileGrant) {
		t.Helper()
		data, err := storeboot.EncodeGrants(grants)
		if err != nil {
			t.Fatal(err)
		}
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: platform.GrantsSecretName}, Data: map[string][]byte{storeboot.GrantsFile: data}}
		_, err = admin.CoreV1().Secrets(ns).Update(ctx, sec, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) {
			_, err = admin.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	put(t)
	watchCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	source := storeboot.WatchSecret(watchCtx, store, ns, platform.GrantsSecretName, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	sidecarFollowsGrants(t, source, time.Minute, put)
}

// Until the API answers, the mounted copy is the truth: a store that starts
// while the apiserver is away keeps the grants it had.
func TestTheGrantsSecretFallsBackToTheMountedCopyUntilTheAPIAnswers(t *testing.T) {
	file := filepath.Join(t.TempDir(), storeboot.GrantsFile)
	want := []byte(`{"grants":[]}`)
	if err := os.WriteFile(file, want, 0o600); err != nil {
		t.Fatal(err)
	}
	// Nothing listens on port 1 of the loopback address.
	away := kubernetes.NewForConfigOrDie(&rest.Config{Host: "https://127.0.0.1:1", Timeout: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	source := storeboot.WatchSecret(ctx, away, "scidata-water", platform.GrantsSecretName, storeboot.FileSource(file), slog.New(slog.NewTextHandler(io.Discard, nil)))
	got, err := source.Read()
	if err != nil || string(got) != string(want) {
		t.Fatalf("read with the API away: %q, %v; want the mounted copy %q", got, err, want)
	}
	none := storeboot.WatchSecret(ctx, away, "scidata-water", platform.GrantsSecretName, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := none.Read(); err == nil {
		t.Fatal("with the API away and no mounted copy, Read returned no error: the sidecar would drop every grant for not knowing")
	}
}
