package chart

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The one object kustomize installs and the chart does not: the operator's
// namespace. Helm keeps its release records in the release namespace, so it
// must exist before `helm install` (docs/install.md creates it with its Pod
// Security labels), and `helm uninstall` must not delete it: it holds the
// operator's CA.
const kustomizeOnly = "Namespace " + "scidata-system"

// normalized drops what the two installs may legitimately differ in: the
// chart's extra labels (checked apart: a superset), and the selectors that
// carry the release's instance label (checked apart: they select the pods).
func normalized(u *unstructured.Unstructured) map[string]any {
	c := u.DeepCopy()
	unstructured.RemoveNestedField(c.Object, "metadata", "labels")
	unstructured.RemoveNestedField(c.Object, "metadata", "annotations")
	switch c.GetKind() {
	case "Deployment":
		unstructured.RemoveNestedField(c.Object, "spec", "selector")
		unstructured.RemoveNestedField(c.Object, "spec", "template", "metadata")
	case "Service":
		unstructured.RemoveNestedField(c.Object, "spec", "selector")
	}
	return c.Object
}

// compareInstalls fails with every difference between the kustomize
// install and the chart's render, object by object and field by field.
func compareInstalls(t *testing.T, kust, chart []*unstructured.Unstructured, skip func(*unstructured.Unstructured) bool) {
	t.Helper()
	k, c := byID(kust), byID(chart)
	if _, ok := k[kustomizeOnly]; !ok {
		t.Errorf("kustomize no longer installs %s: update this test and docs/install.md", kustomizeOnly)
	}
	delete(k, kustomizeOnly)
	for _, n := range ids(k) {
		if _, ok := c[n]; !ok {
			t.Errorf("%s is installed by kustomize (config/default) but not by the chart", n)
		}
	}
	for _, n := range ids(c) {
		if _, ok := k[n]; !ok {
			t.Errorf("%s is installed by the chart but not by kustomize (config/default)", n)
		}
	}
	for _, n := range ids(k) {
		ko, co := k[n], c[n]
		if co == nil || skip(ko) {
			continue
		}
		for _, d := range diff(n, normalized(ko), normalized(co)) {
			t.Errorf("%s", d)
		}
		// The chart's labels add Helm's to kustomize's, never change them.
		for key, want := range ko.GetLabels() {
			if got, ok := co.GetLabels()[key]; !ok || got != want {
				t.Errorf("%s: label %s is %q in kustomize, %q in the chart", n, key, want, got)
			}
		}
	}
}

// With default values, the chart installs every object kustomize installs
// but the namespace, under the same names, with the same CRDs, the same
// rules in every role and binding, the same admission policies and the
// same metrics Service. The manager's Deployment differs only in its
// images' pull policy (the kustomize install runs images built here,
// never pulled), which the next test fixes to compare it too.
func TestTheChartInstallsWhatKustomizeInstalls(t *testing.T) {
	compareInstalls(t, kustomize(t), render(t, defaultInstall), func(u *unstructured.Unstructured) bool {
		return u.GetKind() == "Deployment"
	})
}

// With the pull policy of the kustomize install, the chart's manager is
// config/manager/manager.yaml's: same flags, probes, security context,
// resources, environment; its selector and the metrics Service's select
// its pods, and those carry the label the Center's NetworkPolicy admits
// the manager by.
func TestTheChartRunsTheManagerKustomizeRuns(t *testing.T) {
	kust := kustomize(t)
	chart := render(t, defaultInstall, "--set", "image.pullPolicy=Never", "--set", "operands.imagePullPolicy=Never")
	compareInstalls(t, kust, chart, func(*unstructured.Unstructured) bool { return false })

	deploy := ofKind(chart, "Deployment")
	if len(deploy) != 1 {
		t.Fatalf("the chart renders %d Deployments, want 1", len(deploy))
	}
	podLabels, _, _ := unstructured.NestedStringMap(deploy[0].Object, "spec", "template", "metadata", "labels")
	if podLabels["app.kubernetes.io/component"] != "manager" {
		t.Errorf("the manager's pods lack app.kubernetes.io/component=manager, by which the Center's object store admits them: %v", podLabels)
	}
	kdeploy := ofKind(kust, "Deployment")[0]
	kPodLabels, _, _ := unstructured.NestedStringMap(kdeploy.Object, "spec", "template", "metadata", "labels")
	for k, v := range kPodLabels {
		if podLabels[k] != v {
			t.Errorf("pod label %s is %q in kustomize, %q in the chart", k, v, podLabels[k])
		}
	}
	selector, _, _ := unstructured.NestedStringMap(deploy[0].Object, "spec", "selector", "matchLabels")
	assertSelects(t, "the Deployment's selector", selector, podLabels)
	for _, svc := range ofKind(chart, "Service") {
		sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
		assertSelects(t, id(svc)+"'s selector", sel, podLabels)
	}
}

func assertSelects(t *testing.T, what string, selector, labels map[string]string) {
	t.Helper()
	if len(selector) == 0 {
		t.Errorf("%s is empty", what)
	}
	for k, v := range selector {
		if labels[k] != v {
			t.Errorf("%s %s=%s does not select the manager's pods (labels %v)", what, k, v, labels)
		}
	}
}

// The chart's admission policies are kustomize's with the manager's
// identity of the release and the values it sets: another namespace and
// release name change every occurrence, nothing still names scidata-system,
// and the upstream bound follows admission.upstreamCIDR.
func TestTheAdmissionPoliciesFollowTheReleaseIdentity(t *testing.T) {
	kust := ofKind(kustomize(t), "ValidatingAdmissionPolicy")
	chart := byID(ofKind(render(t, nonDefault), "ValidatingAdmissionPolicy"))
	const kustomizeUser = "system:serviceaccount:scidata-system:scidata-operator-manager"
	const releaseUser = "system:serviceaccount:city-ops:sdo-scidata-operator-manager"
	named := 0
	for _, k := range kust {
		c := chart[id(k)]
		if c == nil {
			t.Errorf("%s is missing from the chart", id(k))
			continue
		}
		want := strings.ReplaceAll(toJSON(t, k.Object["spec"]), kustomizeUser, releaseUser)
		// nonDefault sets the upstream bound the chart templates.
		want = strings.ReplaceAll(want, `{"expression":"24","name":"minIPv4PrefixLength"}`, `{"expression":"16","name":"minIPv4PrefixLength"}`)
		got := toJSON(t, c.Object["spec"])
		if got != want {
			for _, d := range diff(id(k)+".spec", fromJSON(t, want), c.Object["spec"]) {
				t.Errorf("%s", d)
			}
		}
		if strings.Contains(got, "scidata-system") {
			t.Errorf("%s still names scidata-system with the release in city-ops: %s", id(c), got)
		}
		named += strings.Count(got, releaseUser)
	}
	if named == 0 {
		t.Errorf("no policy names the release's manager %s; the operator-only rules would refuse it", releaseUser)
	}
}
