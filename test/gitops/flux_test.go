package gitops

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/scidata-io/scidata-operator/internal/testenv"
)

func fluxExamples(t *testing.T) map[string][]*unstructured.Unstructured {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "gitops", "flux", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Flux examples in config/gitops/flux: %v", err)
	}
	out := map[string][]*unstructured.Unstructured{}
	for _, f := range files {
		objs, err := testenv.ReadObjects(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = objs
	}
	return out
}

// crdScopes maps each scidata.io kind to its scope, from the CRDs.
func crdScopes(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	scopes := map[string]string{}
	for _, f := range files {
		objs, err := testenv.ReadObjects(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, crd := range objs {
			kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
			if kind == "Project" {
				continue // made by the operator, never applied through GitOps
			}
			scope, _, _ := unstructured.NestedString(crd.Object, "spec", "scope")
			scopes[kind] = scope
		}
	}
	if len(scopes) != len(kinds) {
		t.Fatalf("the CRDs define %v, want the kinds %v", scopes, kinds)
	}
	return scopes
}

// The Flux examples check the health of objects the sample city has: each
// health check names a scidata.io kind, without a namespace when the kind
// is cluster-scoped (DataPlatform) and with the platform's namespace
// (scidata-<platform>) when it is namespaced, and an object of that kind,
// name and namespace exists in config/samples. Their dependsOn names an
// example Kustomization, and a targetNamespace is the namespace of its
// health checks.
func TestTheFluxExamplesCheckTheSampleCitysObjects(t *testing.T) {
	scopes := crdScopes(t)
	samples, err := testenv.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	inSamples := map[string]bool{}
	platformNS := map[string]bool{}
	for _, s := range samples {
		inSamples[s.GetKind()+"/"+s.GetNamespace()+"/"+s.GetName()] = true
		if s.GetKind() == "DataPlatform" {
			platformNS["scidata-"+s.GetName()] = true
		}
	}
	examples := fluxExamples(t)
	names := map[string]bool{}
	for _, objs := range examples {
		for _, k := range objs {
			names[k.GetName()] = true
		}
	}
	checked := map[string]int{}
	for file, objs := range examples {
		for _, k := range objs {
			if k.GetAPIVersion() != "kustomize.toolkit.fluxcd.io/v1" || k.GetKind() != "Kustomization" {
				t.Errorf("%s: %s %s is not a Flux Kustomization (kustomize.toolkit.fluxcd.io/v1)", file, k.GetAPIVersion(), k.GetKind())
				continue
			}
			checks, _, _ := unstructured.NestedSlice(k.Object, "spec", "healthChecks")
			if len(checks) == 0 {
				t.Errorf("%s: %s has no healthChecks", file, k.GetName())
			}
			target, _, _ := unstructured.NestedString(k.Object, "spec", "targetNamespace")
			for _, c := range checks {
				hc := c.(map[string]any)
				kind, _ := hc["kind"].(string)
				name, _ := hc["name"].(string)
				ns, _ := hc["namespace"].(string)
				if hc["apiVersion"] != "scidata.io/v1alpha1" {
					t.Errorf("%s: health check of %s %s has apiVersion %v, want scidata.io/v1alpha1", file, kind, name, hc["apiVersion"])
				}
				scope, ok := scopes[kind]
				switch {
				case !ok:
					t.Errorf("%s: health check of %s, which is not a scidata.io kind", file, kind)
				case scope == "Cluster" && ns != "":
					t.Errorf("%s: %s %s is cluster-scoped, but the health check names namespace %s", file, kind, name, ns)
				case scope == "Namespaced" && !platformNS[ns]:
					t.Errorf("%s: %s %s is namespaced and lives in a platform namespace (scidata-<platform> of a sample DataPlatform), not %q", file, kind, name, ns)
				case target != "" && ns != target:
					t.Errorf("%s: %s %s is checked in %s, but the Kustomization applies into %s", file, kind, name, ns, target)
				case !inSamples[kind+"/"+ns+"/"+name]:
					t.Errorf("%s: no %s %s in namespace %q in config/samples", file, kind, name, ns)
				}
				checked[kind]++
			}
			deps, _, _ := unstructured.NestedSlice(k.Object, "spec", "dependsOn")
			for _, d := range deps {
				if n, _ := d.(map[string]any)["name"].(string); !names[n] {
					t.Errorf("%s: %s depends on %s, which no example defines", file, k.GetName(), n)
				}
			}
		}
	}
	for _, kind := range []string{"DataPlatform", "CatalogEntry", "SubmissionPolicy"} {
		if checked[kind] == 0 {
			t.Errorf("no Flux example checks a %s", kind)
		}
	}
}

// Flux's own Kustomization CRD (test/gitops/testdata) accepts the examples:
// server-side apply in dry-run with strict field validation, against a real
// kube-apiserver.
func TestFluxAcceptsTheExamples(t *testing.T) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run the tests with `make test-envtest`, which builds etcd and kube-apiserver and sets it")
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(testenv.RepoRoot(), "test", "gitops", "testdata")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "flux-system"}}); err != nil {
		t.Fatal(err)
	}
	for file, objs := range fluxExamples(t) {
		for _, k := range objs {
			err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(k), client.FieldOwner("gitops-test"), client.DryRunAll)
			if err != nil {
				t.Errorf("%s: Flux's CRD refuses %s: %v", file, k.GetName(), strings.TrimSpace(err.Error()))
			}
		}
	}
}
