package chart

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	psapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scidata-io/scidata-operator/internal/scheme"
)

// warnings collects the apiserver's warnings (Pod Security, deprecated
// APIs, duplicate or unknown fields) on the requests of one client.
type warnings struct {
	mu   sync.Mutex
	seen []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.seen
	w.seen = nil
	return s
}

// restrictedNamespace creates the release namespace as docs/install.md
// does: enforcing the restricted Pod Security Standard.
func restrictedNamespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted",
		"pod-security.kubernetes.io/warn":    "restricted",
	}}}
	if err := k8s.Create(ctx(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// Every object the chart renders, with default and with non-default
// values, is accepted by a real kube-apiserver: a server-side apply in
// dry-run with strict field validation (unknown or duplicate fields fail),
// with no warning (Pod Security warns on a Deployment whose pods its
// namespace would refuse), into a namespace that enforces `restricted`.
// The manager's pod is also judged by the Pod Security library itself.
func TestTheAPIServerAcceptsEveryRenderedObject(t *testing.T) {
	for _, i := range []install{defaultInstall, nonDefault} {
		t.Run(i.name, func(t *testing.T) {
			restrictedNamespace(t, i.namespace)
			w := &warnings{}
			cfg := rest.CopyConfig(restConfig)
			cfg.WarningHandler = w
			c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
			if err != nil {
				t.Fatal(err)
			}
			objs := render(t, i)
			kinds := map[string]int{}
			for _, u := range objs {
				kinds[u.GetKind()]++
				err := c.Apply(ctx(), client.ApplyConfigurationFromUnstructured(u),
					client.FieldOwner("chart-test"), client.ForceOwnership, client.DryRunAll)
				if err != nil {
					t.Errorf("the apiserver refuses %s: %v", id(u), err)
				}
				for _, warn := range w.take() {
					t.Errorf("the apiserver warns on %s: %s", id(u), warn)
				}
			}
			for _, want := range []string{"CustomResourceDefinition", "Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"} {
				if kinds[want] == 0 {
					t.Errorf("the render has no %s: %v", want, kinds)
				}
			}
			if i.release == nonDefault.release {
				for _, want := range []string{"ServiceMonitor", "PodDisruptionBudget", "PrometheusRule", "ConfigMap"} {
					if kinds[want] != 1 {
						t.Errorf("with %v the render has %d %s, want 1", i.set, kinds[want], want)
					}
				}
			}
			for _, d := range ofKind(objs, "Deployment") {
				assertRestricted(t, d)
			}
		})
	}
}

func assertRestricted(t *testing.T, d *unstructured.Unstructured) {
	t.Helper()
	podSpec, _, _ := unstructured.NestedMap(d.Object, "spec", "template", "spec")
	var spec corev1.PodSpec
	if err := runtimeConvert(podSpec, &spec); err != nil {
		t.Fatal(err)
	}
	evaluator, err := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range evaluator.EvaluatePod(psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}, &metav1.ObjectMeta{}, &spec) {
		if !r.Allowed {
			t.Errorf("%s: the manager's pod is not restricted: %s: %s", id(d), r.ForbiddenReason, r.ForbiddenDetail)
		}
	}
}

// The values the non-default install sets reach the objects they are for.
func TestNonDefaultValuesReachTheManager(t *testing.T) {
	objs := byID(render(t, nonDefault))
	d := objs["Deployment city-ops/sdo-scidata-operator-manager"]
	if d == nil {
		t.Fatalf("no Deployment city-ops/sdo-scidata-operator-manager in %v", ids(objs))
	}
	var deploy appsv1.Deployment
	if err := runtimeConvert(d.Object, &deploy); err != nil {
		t.Fatal(err)
	}
	pod := deploy.Spec.Template.Spec
	if r := deploy.Spec.Replicas; r == nil || *r != 2 {
		t.Errorf("replicas %v, want 2", r)
	}
	m := pod.Containers[0]
	want := "registry.example.org/city/scidata-operator@sha256:" + strings.Repeat("ab", 32)
	if m.Image != want {
		t.Errorf("manager image %s, want %s (by digest)", m.Image, want)
	}
	args := strings.Join(m.Args, " ")
	for _, a := range []string{
		"--leader-elect",
		"--object-store-image=registry.example.org/city/scidata-objectstore:1.2.3",
		"--operator-image=registry.example.org/mirror/scidata-operator@sha256:" + strings.Repeat("cd", 32),
		"--dns-service=kube-system/coredns",
		"--zap-log-level=debug",
	} {
		if !strings.Contains(args, a) {
			t.Errorf("manager args lack %s: %s", a, args)
		}
	}
	if pod.ServiceAccountName != "sdo-scidata-operator-manager" || pod.PriorityClassName != "system-cluster-critical" ||
		len(pod.ImagePullSecrets) != 1 || pod.ImagePullSecrets[0].Name != "city-registry" ||
		pod.NodeSelector["node-role.example.org/pool"] != "operators" || len(pod.Tolerations) != 1 {
		t.Errorf("pod spec does not carry the values: sa %q, priority %q, pull secrets %v, node selector %v, tolerations %v",
			pod.ServiceAccountName, pod.PriorityClassName, pod.ImagePullSecrets, pod.NodeSelector, pod.Tolerations)
	}
	if objs["PodDisruptionBudget city-ops/sdo-scidata-operator-manager"] == nil {
		t.Errorf("replicas 2 but no PodDisruptionBudget: %v", ids(objs))
	}
	sm := objs["ServiceMonitor city-ops/sdo-scidata-operator-manager"]
	if sm == nil {
		t.Fatalf("ServiceMonitor enabled but not rendered: %v", ids(objs))
	}
	if sm.GetLabels()["release"] != "city-prometheus" {
		t.Errorf("ServiceMonitor labels %v lack release=city-prometheus", sm.GetLabels())
	}
	// With one replica there is nothing to budget; monitoring is off by
	// default.
	for n := range byID(render(t, defaultInstall)) {
		for _, off := range []string{"PodDisruptionBudget", "ServiceMonitor", "PrometheusRule", "ConfigMap"} {
			if strings.HasPrefix(n, off) {
				t.Errorf("default values render %s", n)
			}
		}
	}
}

func exists(o client.Object) error {
	err := k8s.Get(ctx(), client.ObjectKeyFromObject(o), o)
	if err != nil {
		return fmt.Errorf("%T %s: %w", o, client.ObjectKeyFromObject(o), err)
	}
	return nil
}

func runtimeConvert(m map[string]any, out any) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(m, out)
}
