package controllers

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/scheme"
)

// The manager's cache holds the Secrets and ConfigMaps the operator makes,
// and nothing else outside the operator's own namespace: a department's own
// Secrets and ConfigMaps in its platform namespace, even labelled with its
// platform, the ConfigMap the cluster publishes in every namespace and
// another tool's release Secrets never enter it. A cluster's Secrets are
// its most sensitive objects and, at scale, its most numerous: a manager
// that cached them all would hold every credential of the cluster in
// memory. The one exception is the operator's namespace, whose Secrets are
// all cached (internal/scheme.CacheOptions): an External store's Secrets
// are made there by the city's storage team, without the operator's label.
func TestTheCacheHoldsOnlyTheSecretsAndConfigMapsTheOperatorMakes(t *testing.T) {
	ctx := context.Background()
	dp := readyDepartment(t, "cache-probe", nil)
	ns := platform.Namespace(dp)

	// What a department and the cluster's other tools put beside the
	// operator's objects, written by another field manager than the
	// operator's.
	others := rest.CopyConfig(env.Config)
	others.UserAgent = "department-gitops"
	dept, err := client.New(others, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	create := func(o client.Object) {
		t.Helper()
		if err := dept.Create(ctx, o); err != nil {
			t.Fatalf("create %s/%s: %v", o.GetNamespace(), o.GetName(), err)
		}
	}
	if err := dept.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other-tools"}}); err != nil {
		t.Fatal(err)
	}
	decoys := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "department-api-key", Labels: map[string]string{scidatav1.LabelPlatform: dp.Name}},
			StringData: map[string]string{"token": "the department's own"}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kube-root-ca.crt"}, Data: map[string]string{"ca.crt": "the cluster's"}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "department-settings", Labels: map[string]string{"app.kubernetes.io/part-of": "scidata"}}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "other-tools", Name: "sh.helm.release.v1.tools.v1", Labels: map[string]string{"owner": "helm", "app.kubernetes.io/managed-by": "Helm"}}},
	}
	for _, d := range decoys {
		create(d)
	}

	// The operator makes a Secret and a ConfigMap again after they are
	// deleted; once the cache shows the new ones, it has seen every event
	// before them, the decoys' creation included.
	renewed := map[string]types.UID{}
	for _, o := range []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: platform.UploadCredentialsName}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: platform.CABundleName}},
	} {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
			t.Fatal(err)
		}
		renewed[o.GetName()] = o.GetUID()
		if err := env.Client.Delete(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the operator makes its deleted Secret and ConfigMap again, and the cache shows them", func() error {
		for _, o := range []client.Object{
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: platform.UploadCredentialsName}},
			&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: platform.CABundleName}},
		} {
			if err := managerCache.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
				return err
			}
			if o.GetUID() == renewed[o.GetName()] {
				return fmt.Errorf("%s is not made again yet", o.GetName())
			}
		}
		return nil
	})

	var secrets corev1.SecretList
	var configMaps corev1.ConfigMapList
	for _, l := range []client.ObjectList{&secrets, &configMaps} {
		if err := managerCache.List(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	var cached []client.Object
	for i := range secrets.Items {
		cached = append(cached, &secrets.Items[i])
	}
	for i := range configMaps.Items {
		cached = append(cached, &configMaps.Items[i])
	}
	if len(cached) == 0 {
		t.Fatal("the cache holds no Secret or ConfigMap at all: the test proves nothing")
	}
	for _, o := range cached {
		key := fmt.Sprintf("%T %s/%s", o, o.GetNamespace(), o.GetName())
		if _, secret := o.(*corev1.Secret); secret && o.GetNamespace() == operatorNamespace {
			continue // every Secret of the operator's namespace, by design (the only one a spec may name)
		}
		if creator := createdBy(o); creator != operatorFieldManager {
			t.Errorf("the manager caches %s, which %q made, not the operator", key, creator)
		}
	}
	for _, d := range decoys {
		if err := managerCache.Get(ctx, client.ObjectKeyFromObject(d), d.DeepCopyObject().(client.Object)); err == nil {
			t.Errorf("the manager caches %s/%s, which the operator did not make", d.GetNamespace(), d.GetName())
		}
	}
}

// operatorFieldManager is the field manager the apiserver records for the
// manager's writes: its server-side applies (apply.FieldManager) and its
// creates (named from its user agent, as the real binary's is).
const operatorFieldManager = "scidata-operator"

// createdBy is the field manager of an object's creation: the first
// entry of its managedFields.
func createdBy(o client.Object) string {
	mf := o.GetManagedFields()
	if len(mf) == 0 {
		return ""
	}
	return mf[0].Manager
}

// The cache drops the managedFields of the kinds the operator never
// applies (entries and Submissions, the bulk of a city, and Pods): nothing
// reads them, and they are a large part of each object. It keeps them on
// the kinds it applies, where apply.Ensure compares the desired object
// with what its field manager applied last.
func TestTheCacheDropsManagedFieldsOnlyOfKindsTheOperatorNeverApplies(t *testing.T) {
	ctx := context.Background()
	dp := readyDepartment(t, "fields-probe", nil)
	ns := platform.Namespace(dp)
	// Not funded: no duty to submit, so no policy of the suite covers it
	// and no Project is made for it.
	e := fundedEntry(ns, "stripped-entry", "v1", "")
	e.Spec.Funding = nil
	sub := &scidatav1.Submission{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "stripped-entry-v1"},
		Spec: scidatav1.SubmissionSpec{Entry: scidatav1.LocalObjectReference{Name: e.Name}, Department: dp.Name, ContentVersion: "v1",
			SourcePrefix: "stripped-entry/", Classification: scidatav1.ClassificationPublic},
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "store-probe", Labels: map[string]string{scidatav1.LabelComponent: platform.ComponentObjectStore}},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{Name: "s3", Image: "scidata-objectstore:test", SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr.To(false), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}},
		},
	}
	for _, o := range []client.Object{e, sub, pod} {
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatalf("create %s: %v", o.GetName(), err)
		}
	}
	for _, o := range []client.Object{&scidatav1.CatalogEntry{}, &scidatav1.Submission{}, &corev1.Pod{}} {
		var key types.NamespacedName
		switch o.(type) {
		case *scidatav1.CatalogEntry:
			key = client.ObjectKeyFromObject(e)
		case *scidatav1.Submission:
			key = client.ObjectKeyFromObject(sub)
		default:
			key = client.ObjectKeyFromObject(pod)
		}
		eventually(t, fmt.Sprintf("%T in the cache", o), func() error { return managerCache.Get(ctx, key, o) })
		if mf := o.GetManagedFields(); len(mf) != 0 {
			t.Errorf("the cache keeps the managedFields of %T %s: %d entries", o, key, len(mf))
		}
		if err := env.Client.Get(ctx, key, o); err != nil || len(o.GetManagedFields()) == 0 {
			t.Errorf("the apiserver shows no managedFields for %T %s (%v): the test proves nothing", o, key, err)
		}
	}
	var bundle corev1.ConfigMap
	if err := managerCache.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.CABundleName}, &bundle); err != nil {
		t.Fatal(err)
	}
	if createdBy(&bundle) != operatorFieldManager {
		t.Errorf("the cached CA bundle, which the operator applies, lost its managedFields (%v): every pass would apply it again", bundle.ManagedFields)
	}
}
