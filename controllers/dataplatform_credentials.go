package controllers

import (
	"bytes"
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/apply"
	"github.com/scidata-io/scidata-operator/internal/pki"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// reconcileCredentials makes the store's accounts: the root account, the
// owners' upload account and, for a department, the Center's read-only
// account, mirrored into the Center's namespace for its sync jobs; for the
// Center, the sync account that alone writes into its store. Each
// Secret is generated once with crypto/rand and never rewritten.
func (r *DataPlatformReconciler) reconcileCredentials(ctx context.Context, s *platformScope) error {
	ns := platform.Namespace(s.dp)
	if !platform.Managed(s.dp) {
		return r.reconcileExternalCredentials(ctx, s)
	}
	accounts := []struct{ name, component string }{
		{platform.RootCredentialsName, platform.ComponentObjectStore},
		{platform.UploadCredentialsName, platform.ComponentObjectStore},
	}
	if s.dp.Spec.Role == scidatav1.RoleDepartment {
		accounts = append(accounts, struct{ name, component string }{platform.CenterReadCredentialsName, platform.ComponentSync})
	} else {
		accounts = append(accounts, struct{ name, component string }{platform.SyncCredentialsName, platform.ComponentSync})
	}
	var read *corev1.Secret
	access := map[string]string{}
	for _, a := range accounts {
		sec, err := r.ensureCredentials(ctx, s.dp, ns, a.name, a.component)
		if err != nil {
			return err
		}
		read = sec
		access[a.name] = string(sec.Data[platform.AccessKeyField])
	}
	s.store.Accounts = platform.AccountsID(access)
	// The store's access grants: made empty, written by the AccessRequest
	// controller, never rewritten here.
	if _, _, err := apply.CreateOnce(ctx, r.Client, types.NamespacedName{Namespace: ns, Name: platform.GrantsSecretName}, &corev1.Secret{},
		func() (*corev1.Secret, error) { return platform.GrantsSecret(s.dp), nil }); err != nil {
		return err
	}
	if s.dp.Spec.Role == scidatav1.RoleDepartment {
		ca, err := r.ensureCA(ctx)
		if err != nil {
			return err
		}
		return r.mirrorCenterRead(ctx, s.dp, read, ca.CertPEM)
	}
	return nil
}

// ensureCredentials creates a credentials Secret, with keys drawn from
// r.Rand, if it does not exist.
func (r *DataPlatformReconciler) ensureCredentials(ctx context.Context, dp *scidatav1.DataPlatform, ns, name, component string) (*corev1.Secret, error) {
	sec, _, err := apply.CreateOnce(ctx, r.Client, types.NamespacedName{Namespace: ns, Name: name}, &corev1.Secret{}, func() (*corev1.Secret, error) {
		access, secret, err := platform.NewCredentials(r.Rand)
		if err != nil {
			return nil, err
		}
		return platform.CredentialsSecret(dp, ns, name, component, access, secret), nil
	})
	return sec, err
}

// mirrorCenterRead copies a department's read-only account, with its
// store's CA bundle, into the Center's namespace, where the sync jobs mount
// it. It waits for the Center's namespace; a changed source (rotation, a
// new CA) replaces the copy.
func (r *DataPlatformReconciler) mirrorCenterRead(ctx context.Context, dp *scidatav1.DataPlatform, source *corev1.Secret, caPEM []byte) error {
	var center corev1.Namespace
	if err := r.Get(ctx, types.NamespacedName{Name: platform.CenterNamespace}, &center); err != nil {
		// No Center yet: its namespace's creation brings every platform back.
		return client.IgnoreNotFound(err)
	}
	return r.ensureCopy(ctx, platform.MirroredCredentialsSecret(dp, source, caPEM))
}

// ensureCopy makes the Secret want (a copy of keys another Secret holds)
// exist with exactly its data: a copy whose data differs is replaced
// (copies are immutable, like the accounts they copy).
func (r *DataPlatformReconciler) ensureCopy(ctx context.Context, want *corev1.Secret) error {
	name := client.ObjectKeyFromObject(want)
	var have corev1.Secret
	err := r.Get(ctx, name, &have)
	if err == nil && sameData(have.Data, want.Data) {
		return nil
	}
	if err == nil {
		if err := r.Delete(ctx, &have); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("replace %s: %w", name, err)
		}
	} else if !apierrors.IsNotFound(err) {
		return fmt.Errorf("get %s: %w", name, err)
	}
	if err := r.Create(ctx, want); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return nil
}

func sameData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if !bytes.Equal(a[k], v) {
			return false
		}
	}
	return true
}

func sameCredentials(a, b map[string][]byte) bool {
	return bytes.Equal(a[platform.AccessKeyField], b[platform.AccessKeyField]) &&
		bytes.Equal(a[platform.SecretKeyField], b[platform.SecretKeyField])
}

// reconcileTLS issues the store's serving certificate from the operator's
// CA, renews it when two thirds of its life are gone, and publishes the CA
// bundle in the namespace for the store's clients.
func (r *DataPlatformReconciler) reconcileTLS(ctx context.Context, s *platformScope) error {
	if !platform.Managed(s.dp) {
		return r.reconcileExternalCA(ctx, s)
	}
	ca, err := r.ensureCA(ctx)
	if err != nil {
		return err
	}
	ns := platform.Namespace(s.dp)
	if err := r.publishCABundle(ctx, s.dp, ca.CertPEM); err != nil {
		return err
	}
	names := platform.ObjectStoreDNSNames(s.dp)
	var sec corev1.Secret
	err = r.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.TLSSecretName}, &sec)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("get store certificate: %w", err)
	}
	exists := err == nil
	if exists && !ca.NeedsRenewal(sec.Data[corev1.TLSCertKey], names, s.now) {
		s.requeueAt = pki.RenewAt(sec.Data[corev1.TLSCertKey])
		s.store.Certificate = platform.CertificateID(sec.Data[corev1.TLSCertKey])
		return nil
	}
	certPEM, keyPEM, err := ca.Issue(names, s.now)
	if err != nil {
		return err
	}
	return r.writeServingCert(ctx, s, &sec, exists, certPEM, keyPEM)
}

// publishCABundle applies the ConfigMap scidata-ca of the platform's
// namespace: the CA bundle its store's clients there verify against.
func (r *DataPlatformReconciler) publishCABundle(ctx context.Context, dp *scidatav1.DataPlatform, caPEM []byte) error {
	bundle := corev1ac.ConfigMap(platform.CABundleName, platform.Namespace(dp)).
		WithLabels(platform.Labels(dp, "")).
		WithData(map[string]string{platform.CABundleKey: string(caPEM)})
	_, err := apply.Ensure(ctx, r.Client, bundle, &corev1.ConfigMap{}, corev1ac.ExtractConfigMap)
	return err
}

// writeServingCert stores a newly issued certificate: it replaces the data
// of the existing Secret (a renewal) or creates it.
func (r *DataPlatformReconciler) writeServingCert(ctx context.Context, s *platformScope, sec *corev1.Secret, exists bool, certPEM, keyPEM []byte) error {
	want := platform.ServingCertificateSecret(s.dp, certPEM, keyPEM)
	if exists {
		sec.Data = want.Data
		if err := r.Update(ctx, sec); err != nil {
			return fmt.Errorf("renew store certificate: %w", err)
		}
	} else if err := r.Create(ctx, want); err != nil {
		return fmt.Errorf("create store certificate: %w", err)
	}
	s.requeueAt = pki.RenewAt(certPEM)
	s.store.Certificate = platform.CertificateID(certPEM)
	return nil
}

// ensureCA loads the operator's CA, creating it on first use.
func (r *DataPlatformReconciler) ensureCA(ctx context.Context) (*pki.CA, error) {
	key := types.NamespacedName{Namespace: r.Config.OperatorNamespace, Name: platform.CASecretName}
	sec, _, err := apply.CreateOnce(ctx, r.Client, key, &corev1.Secret{}, func() (*corev1.Secret, error) {
		ca, err := pki.NewCA("scidata-operator CA", r.Clock.Now())
		if err != nil {
			return nil, err
		}
		return platform.CASecret(key.Namespace, ca.CertPEM, ca.KeyPEM), nil
	})
	if err != nil {
		return nil, fmt.Errorf("the operator's CA: %w", err)
	}
	return pki.LoadCA(sec.Data[corev1.TLSCertKey], sec.Data[corev1.TLSPrivateKeyKey])
}
