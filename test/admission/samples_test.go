package admission

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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
	for _, o := range objs {
		name := o.GetAnnotations()["sample-file"] + ": " + o.GetKind() + " " + strings.TrimPrefix(o.GetNamespace()+"/"+o.GetName(), "/")
		t.Run(name, func(t *testing.T) {
			if o.GetNamespace() != "" {
				ensureNamespace(t, o.GetNamespace())
			}
			if err := env.Client.Create(ctx, o); err != nil {
				t.Fatalf("refused: %v", err)
			}
			t.Cleanup(func() { _ = env.Client.Delete(ctx, o) })
		})
	}
}
