// Package chart proves the Helm chart charts/scidata-operator: Helm itself
// (bin/helm, built from hack/tools/helm) lints and renders it; a real
// kube-apiserver (envtest) accepts every rendered object with server-side
// dry-run and strict field validation, and runs helm install, upgrade and
// uninstall; the render equals the kustomize install of config/default
// (kinds, names, RBAC rules, admission policies, the manager's pod), so
// the two installs cannot drift; no role holds a wildcard; the values
// schema refuses wrong values with a message naming the key; and the
// chart's generated files are current.
//
// It needs the control plane of `make k8s-envtest` (KUBEBUILDER_ASSETS,
// whose kubectl renders the kustomization) and Helm ($HELM, else
// bin/helm): `make test-envtest` builds both and sets them.
package chart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/scidata-io/scidata-operator/internal/chartgen"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

var (
	root     = testenv.RepoRoot()
	chartDir = filepath.Join(root, chartgen.ChartDir)

	env        *envtest.Environment
	restConfig *rest.Config
	k8s        client.Client
	// kubeconfig is a file helm and kubectl reach the envtest apiserver with.
	kubeconfig string
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		return 0, errors.New("KUBEBUILDER_ASSETS is not set: run the tests with `make test-envtest`, which builds etcd, kube-apiserver and kubectl from pinned Go modules and sets it")
	}
	// The CRDs come from the chart's crds/ (what helm installs), and the
	// ServiceMonitor and PrometheusRule CRDs of prometheus-operator, so the
	// optional ServiceMonitor and PrometheusRule are checked against their
	// real schemas.
	env = &envtest.Environment{
		CRDDirectoryPaths: []string{
			filepath.Join(chartDir, "crds"),
			filepath.Join(root, "test", "chart", "testdata", "monitoring.coreos.com_servicemonitors.yaml"),
			filepath.Join(root, "test", "chart", "testdata", "monitoring.coreos.com_prometheusrules.yaml"),
		},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	cfg, err := env.Start()
	if err != nil {
		return 0, fmt.Errorf("start envtest: %w", err)
	}
	defer func() { _ = env.Stop() }()
	restConfig = cfg
	s := scheme.New()
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		return 0, err
	}
	if k8s, err = client.New(cfg, client.Options{Scheme: s}); err != nil {
		return 0, err
	}
	if err := k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: dashboardNamespace}}); err != nil {
		return 0, err
	}
	user, err := env.AddUser(envtest.User{Name: "chart-test-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return 0, err
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "chart-test-")
	if err != nil {
		return 0, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// helmBinary is $HELM (set by make), else bin/helm.
func helmBinary(t *testing.T) string {
	t.Helper()
	b := os.Getenv("HELM")
	if b == "" {
		b = filepath.Join(root, "bin", "helm")
	}
	if _, err := os.Stat(b); err != nil {
		t.Fatalf("Helm (%s) is missing: run `make helm` (make test-envtest builds it first) to build it from hack/tools/helm", b)
	}
	return b
}

func kubectlBinary(t *testing.T) string {
	t.Helper()
	b := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
	if _, err := os.Stat(b); err != nil {
		t.Fatalf("kubectl is missing from KUBEBUILDER_ASSETS: run `make k8s-envtest`")
	}
	return b
}

// helm runs Helm with an empty home (no repositories, no plugins) against
// the envtest apiserver, and returns its standard output, or its standard
// error as the error.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(helmBinary(t), args...)
	cmd.Env = append(os.Environ(),
		"KUBECONFIG="+kubeconfig,
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
	)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("helm %s: %w: %s", args[0], err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

// install is one way to install the chart: a release name, a namespace
// and values given as --set.
type install struct {
	name      string
	release   string
	namespace string
	set       []string
}

// dashboardNamespace is where the non-default install puts its Grafana
// dashboard (the sidecar's namespace); run creates it.
const dashboardNamespace = "city-monitoring"

// The installs the tests render. nonDefault changes every name the chart
// derives from the release, and turns on what is off by default.
var (
	defaultInstall = install{name: "default values", release: "scidata-operator", namespace: chartgen.OperatorNamespace}
	nonDefault     = install{name: "non-default values", release: "sdo", namespace: "city-ops", set: []string{
		"replicas=2",
		"image.repository=registry.example.org/city/scidata-operator",
		"image.digest=sha256:" + strings.Repeat("ab", 32),
		"operands.objectStoreImage.repository=registry.example.org/city/scidata-objectstore",
		"operands.objectStoreImage.tag=1.2.3",
		"operands.operatorImage.repository=registry.example.org/mirror/scidata-operator",
		"operands.operatorImage.digest=sha256:" + strings.Repeat("cd", 32),
		"metrics.serviceMonitor.enabled=true",
		"metrics.serviceMonitor.labels.release=city-prometheus",
		"metrics.prometheusRule.enabled=true",
		"metrics.prometheusRule.labels.release=city-prometheus",
		"metrics.grafanaDashboard.enabled=true",
		"metrics.grafanaDashboard.namespace=" + dashboardNamespace,
		"metrics.grafanaDashboard.annotations.grafana_folder=Scidata",
		"imagePullSecrets[0].name=city-registry",
		"priorityClassName=system-cluster-critical",
		"nodeSelector.node-role\\.example\\.org/pool=operators",
		"tolerations[0].key=dedicated",
		"tolerations[0].operator=Equal",
		"tolerations[0].value=operators",
		"tolerations[0].effect=NoSchedule",
		"dnsService=kube-system/coredns",
		"extraArgs[0]=--zap-log-level=debug",
		"admission.upstreamCIDR.minIPv4PrefixLength=16",
	}}
)

func (i install) args() []string {
	a := []string{i.release, chartDir, "--namespace", i.namespace}
	for _, s := range i.set {
		a = append(a, "--set", s)
	}
	return a
}

// render runs helm template with the CRDs, and decodes every object.
func render(t *testing.T, i install, extra ...string) []*unstructured.Unstructured {
	t.Helper()
	out, err := helm(t, append(append([]string{"template"}, i.args()...), append([]string{"--include-crds"}, extra...)...)...)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decode(out)
	if err != nil {
		t.Fatalf("helm template (%s) printed YAML that does not decode: %v", i.name, err)
	}
	return objs
}

// kustomize renders config/default as `kubectl apply -k` would.
func kustomize(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	cmd := exec.Command(kubectlBinary(t), "kustomize", filepath.Join(root, "config", "default"))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl kustomize config/default: %v: %s", err, errOut.String())
	}
	objs, err := decode(out.String())
	if err != nil {
		t.Fatalf("kubectl kustomize config/default: %v", err)
	}
	return objs
}

func decode(s string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(s), 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			return objs, nil
		} else if err != nil {
			return nil, err
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// id names an object as the failure messages show it.
func id(u *unstructured.Unstructured) string {
	if u.GetNamespace() != "" {
		return u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
	}
	return u.GetKind() + " " + u.GetName()
}

func byID(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := map[string]*unstructured.Unstructured{}
	for _, u := range objs {
		m[id(u)] = u
	}
	return m
}

func ids(m map[string]*unstructured.Unstructured) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func ofKind(objs []*unstructured.Unstructured, kinds ...string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, u := range objs {
		for _, k := range kinds {
			if u.GetKind() == k {
				out = append(out, u)
			}
		}
	}
	return out
}

func ctx() context.Context { return context.Background() }
