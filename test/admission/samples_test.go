package admission

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// readSamples decodes every object of every YAML file in config/samples.
func readSamples(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(), "config", "samples")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var objs []*unstructured.Unstructured
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		objs2, err := testenv.ReadObjects(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range objs2 {
			u.SetAnnotations(map[string]string{"sample-file": filepath.Base(f)})
			objs = append(objs, u)
		}
	}
	return objs
}

// The sample city must be accepted as it is: it is what `make demo` applies
// and what a bureau copies from.
func TestEverySampleIsAccepted(t *testing.T) {
	ctx := context.Background()
	objs := readSamples(t)
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.GetKind()]++
	}
	for _, k := range []string{"DataPlatform", "CatalogEntry", "SubmissionPolicy"} {
		if kinds[k] == 0 {
			t.Errorf("config/samples has no %s", k)
		}
	}
	setup(t)
	// The platforms' namespaces, labelled by the operator as the
	// DataPlatform controller labels them, so that the admission policies
	// judge each sample entry against its platform.
	for _, o := range objs {
		if o.GetKind() != "DataPlatform" {
			continue
		}
		var dp scidatav1.DataPlatform
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &dp); err != nil {
			t.Fatal(err)
		}
		role, max := scidatav1.RoleLabelDepartment, dp.Spec.MaxClassification
		if dp.Spec.Role == scidatav1.RoleCenter {
			role = scidatav1.RoleLabelCenter
		}
		if max == "" {
			max = scidatav1.ClassificationInternal
		}
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: scidatav1.NamespacePrefix + dp.Name, Labels: map[string]string{
			scidatav1.LabelPlatform: dp.Name, scidatav1.LabelDepartment: dp.Spec.Department.Code, scidatav1.LabelRole: role,
			scidatav1.LabelMaxClassification: string(max)}}}
		if err := as(t, manager).Create(ctx, n); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	for _, o := range objs {
		name := o.GetAnnotations()["sample-file"] + ": " + o.GetKind() + " " + strings.TrimPrefix(o.GetNamespace()+"/"+o.GetName(), "/")
		t.Run(name, func(t *testing.T) {
			if err := env.Client.Create(ctx, o); err != nil {
				t.Fatalf("refused: %v", err)
			}
			t.Cleanup(func() { _ = env.Client.Delete(ctx, o) })
		})
	}
}
