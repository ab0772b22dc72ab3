// Package policy proves the ValidatingAdmissionPolicies shipped under
// config/admission against a real kube-apiserver: they are installed as
// kustomize lists them, on labelled namespaces like those the DataPlatform
// controller makes, and met by the users they tell apart (impersonated):
// the operator, reviewers, editors, administrators.
package policy

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

// installAdmission creates every object of every file config/admission's
// kustomization lists.
func installAdmission(t *testing.T) {
	t.Helper()
	objs, err := testenv.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "admission"))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range objs {
		if err := env.Client.Create(context.Background(), u); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("install %s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}
}

func platformNamespace(t *testing.T, platform, department string, max scidatav1.ClassificationLevel) string {
	t.Helper()
	name := scidatav1.NamespacePrefix + platform
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		scidatav1.LabelPlatform: platform, scidatav1.LabelDepartment: department,
		scidatav1.LabelRole: scidatav1.RoleLabelDepartment, scidatav1.LabelMaxClassification: string(max),
	}}}
	// Platform namespaces are the operator's to make and label.
	if err := asManager(t).Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return name
}

func entry(ns, name, department string, level scidatav1.ClassificationLevel) *scidatav1.CatalogEntry {
	e := &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.CatalogEntrySpec{
			Title: "Survey results", Description: "Survey control points.", Subject: "Surveying",
			DataTypes:             []scidatav1.DataType{scidatav1.DataTypeTable},
			ResponsibleDepartment: scidatav1.Department{Code: department, Name: "Bureau " + department},
			ProvidingDepartment:   scidatav1.Provider{Name: "Survey Institute"},
			Data:                  scidatav1.DataLocation{Prefix: "survey/", ContentVersion: "v1"},
			Sharing:               scidatav1.Sharing{Mode: scidatav1.SharingClosed},
			AccessMethod:          scidatav1.AccessMethod{Type: scidatav1.AccessOnSite},
		},
	}
	// Every entry states its level (the CRD requires it); "" writes Public.
	if level == "" {
		level = scidatav1.ClassificationPublic
	}
	e.Spec.Classification = &scidatav1.Classification{Level: level}
	if level == scidatav1.ClassificationConfidential || level == scidatav1.ClassificationSecret || level == scidatav1.ClassificationTopSecret {
		e.Spec.Classification.SecrecyPeriodEnd = &metav1.Time{Time: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	return e
}

// activePolicy installs the policy and the namespaces, and waits until
// the policy is in force.
func activePolicy(t *testing.T) (water, survey string) {
	t.Helper()
	ctx := context.Background()
	installAdmission(t)
	water = platformNamespace(t, "water-resources", "water-resources", scidatav1.ClassificationInternal)
	survey = platformNamespace(t, "natural-resources", "natural-resources", scidatav1.ClassificationSecret)
	plain := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "not-a-platform"}}
	if err := env.Client.Create(ctx, plain); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}

	// A policy takes a moment to become active after it is created: wait,
	// bounded, until a known-bad object is refused.
	testenv.Eventually(t, 30*time.Second, func() error {
		err := env.Client.Create(ctx, entry(water, "probe", "natural-resources", ""), client.DryRunAll)
		if err == nil {
			return fmt.Errorf("the policy is not active yet: a wrong department was accepted")
		}
		if !strings.Contains(err.Error(), "spec.responsibleDepartment.code") {
			return fmt.Errorf("refused for another reason: %w", err)
		}
		return nil
	})
	return water, survey
}

func TestCatalogEntriesMustMatchTheirPlatformNamespace(t *testing.T) {
	ctx := context.Background()
	water, survey := activePolicy(t)
	for _, tc := range []struct {
		name    string
		entry   *scidatav1.CatalogEntry
		refused string // empty: accepted
	}{
		{"an entry of the namespace's own department is accepted", entry(water, "own", "water-resources", ""), ""},
		{"an entry naming another department is refused", entry(water, "other-dept", "natural-resources", ""),
			"spec.responsibleDepartment.code: natural-resources differs from the department of the platform of namespace scidata-water-resources (scidata.io/department=water-resources)"},
		{"an Internal entry on an Internal platform is accepted", entry(water, "internal", "water-resources", scidatav1.ClassificationInternal), ""},
		{"a Confidential entry on an Internal platform is refused", entry(water, "too-secret", "water-resources", scidatav1.ClassificationConfidential),
			"spec.classification.level: Confidential is above the highest classification the platform of namespace scidata-water-resources may hold (scidata.io/max-classification=Internal)"},
		{"a Secret entry on a Secret platform is accepted", entry(survey, "secret", "natural-resources", scidatav1.ClassificationSecret), ""},
		{"a TopSecret entry on a Secret platform is refused", entry(survey, "top-secret", "natural-resources", scidatav1.ClassificationTopSecret),
			"spec.classification.level: TopSecret is above"},
		{"an entry outside a platform namespace is refused", entry("not-a-platform", "stray", "water-resources", ""),
			"metadata.namespace: not-a-platform is not a data platform namespace (it has no scidata.io/platform label)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := env.Client.Create(ctx, tc.entry)
			if err == nil {
				t.Cleanup(func() { _ = env.Client.Delete(ctx, tc.entry) })
			}
			checkRefusal(t, err, tc.refused)
		})
	}

}

func TestUpdatesAreCheckedButStatusWritesAreNot(t *testing.T) {
	ctx := context.Background()
	water, _ := activePolicy(t)
	t.Run("raising the classification above the platform's maximum on update is refused", func(t *testing.T) {
		e := entry(water, "raised", "water-resources", scidatav1.ClassificationInternal)
		if err := env.Client.Create(ctx, e); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(ctx, e) })
		e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationSecret, SecrecyPeriodEnd: &metav1.Time{Time: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)}}
		checkRefusal(t, env.Client.Update(ctx, e), "spec.classification.level: Secret is above")
	})

	t.Run("the operator's status writes are not subject to the policy", func(t *testing.T) {
		e := entry(water, "status-only", "water-resources", "")
		if err := env.Client.Create(ctx, e); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(ctx, e) })
		// The namespace changes department afterwards; status writes still pass.
		relabel(t, water, "someone-else")
		t.Cleanup(func() { relabel(t, water, "water-resources") })
		e.Status.EffectiveSharing = scidatav1.SharingClosed
		if err := env.Client.Status().Update(ctx, e); err != nil {
			t.Fatalf("status update refused: %v", err)
		}
	})
}

// relabel changes a platform namespace's department as the operator does
// (only it may: scidata-platform-namespace-labels).
func relabel(t *testing.T, ns, department string) {
	t.Helper()
	mgr := asManager(t)
	var n corev1.Namespace
	if err := mgr.Get(context.Background(), client.ObjectKey{Name: ns}, &n); err != nil {
		t.Fatal(err)
	}
	n.Labels[scidatav1.LabelDepartment] = department
	if err := mgr.Update(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
}

func checkRefusal(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("refused: %v", err)
	case want != "" && err == nil:
		t.Fatalf("accepted; want refused with %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("refused with\n  %v\nwant the message to contain\n  %s", err, want)
	case want != "":
		if !apierrors.IsForbidden(err) && !apierrors.IsInvalid(err) {
			t.Errorf("refused with status %v; want Forbidden or Invalid", apierrors.ReasonForError(err))
		}
		t.Logf("refused as expected: %v", err)
	}
}
