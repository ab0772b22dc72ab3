package chart

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/scidata-io/scidata-operator/internal/chartgen"
)

// Helm's own linter passes the chart, strictly, with default and with
// non-default values.
func TestHelmLintPasses(t *testing.T) {
	for _, i := range []install{defaultInstall, nonDefault} {
		args := []string{"lint", "--strict", chartDir, "--namespace", i.namespace}
		for _, s := range i.set {
			args = append(args, "--set", s)
		}
		if out, err := helm(t, args...); err != nil {
			t.Errorf("helm lint (%s): %v\n%s", i.name, err, out)
		}
	}
}

// No Role or ClusterRole either install ships grants a wildcard: every
// API group, resource, verb and name is spelled out.
func TestNoRoleHoldsAWildcard(t *testing.T) {
	renders := map[string][]*unstructured.Unstructured{
		"chart, default values":     render(t, defaultInstall),
		"chart, non-default values": render(t, nonDefault),
		"kustomize config/default":  kustomize(t),
	}
	for name, objs := range renders {
		roles := ofKind(objs, "Role", "ClusterRole")
		if len(roles) < 4 {
			t.Errorf("%s: only %d roles rendered", name, len(roles))
		}
		for _, r := range roles {
			rules, _, _ := unstructured.NestedSlice(r.Object, "rules")
			if len(rules) == 0 {
				t.Errorf("%s: %s has no rules", name, id(r))
			}
			for n, rule := range rules {
				for _, field := range []string{"apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"} {
					vals, _, _ := unstructured.NestedStringSlice(rule.(map[string]any), field)
					for _, v := range vals {
						if strings.Contains(v, "*") {
							t.Errorf("%s: %s rule %d grants %s %q", name, id(r), n, field, v)
						}
					}
				}
			}
		}
	}
}

// The chart's generated files (CRDs, roles and admission policies from
// config/, the Argo CD health check, the values reference in
// docs/install.md) are what hack/chartgen makes of their sources now.
func TestTheGeneratedFilesAreCurrent(t *testing.T) {
	files, err := chartgen.Generate(root)
	if err != nil {
		t.Fatalf("hack/chartgen fails: %v", err)
	}
	for _, p := range []string{
		chartgen.CRDDir + "/scidata.io_dataplatforms.yaml",
		chartgen.GeneratedDir + "/rbac-role.yaml",
		chartgen.ArgoCDCopy,
		chartgen.InstallDoc,
	} {
		if _, ok := files[p]; !ok {
			t.Errorf("hack/chartgen no longer writes %s", p)
		}
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		got, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Errorf("%s: %v (run make chart)", p, err)
			continue
		}
		if !bytes.Equal(got, files[p]) {
			t.Errorf("%s is stale: its sources changed since it was generated (run make chart and commit)", p)
		}
	}
	stale, err := chartgen.Stale(root, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		t.Errorf("%s is no longer generated from config/ (run make chart to remove it)", p)
	}
	// The chart's copy of the Argo CD check is the one test/gitops runs.
	want, err := os.ReadFile(filepath.Join(root, chartgen.ArgoCDSource))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(root, chartgen.ArgoCDCopy)); !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s", chartgen.ArgoCDCopy, chartgen.ArgoCDSource)
	}
}
