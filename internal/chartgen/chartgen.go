package chartgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Paths, relative to the repository's root.
const (
	ChartDir     = "charts/scidata-operator"
	CRDSourceDir = "config/crd/bases"
	CRDDir       = ChartDir + "/crds"
	GeneratedDir = ChartDir + "/templates/generated"
	ArgoCDSource = "config/gitops/argocd/health.lua"
	ArgoCDCopy   = ChartDir + "/files/argocd-health.lua"
	// The alerts and the dashboard (config/monitoring), which the chart's
	// PrometheusRule and dashboard ConfigMap carry verbatim.
	AlertsSource    = "config/monitoring/alerts.yaml"
	AlertsCopy      = ChartDir + "/files/alerts.yaml"
	DashboardSource = "config/monitoring/dashboard.json"
	DashboardCopy   = ChartDir + "/files/dashboard.json"
	InstallDoc      = "docs/install.md"
	SchemaFile      = ChartDir + "/values.schema.json"
	ValuesFile      = ChartDir + "/values.yaml"
	rbacDir         = "config/rbac"
	admissionDir    = "config/admission"
	networkPolicy   = "config/manager/network_policy.yaml"
	kustomization   = "kustomization.yaml"
)

// OperatorNamespace and OperatorUsername are what config/ hard-codes: the
// kustomize install's namespace and the manager's identity in it.
const (
	OperatorNamespace = "scidata-system"
	OperatorUsername  = "system:serviceaccount:" + OperatorNamespace + ":scidata-operator-manager"
)

// releaseNames maps the kustomize install's names of release-owned roles
// to the chart's. Every other role and policy keeps its name: the
// operator's code binds the platform roles by name, and the docs name the
// policies.
var releaseNames = map[string]string{
	"ClusterRole/scidata-operator-manager":  `{{ include "scidata-operator.managerName" . }}`,
	"Role/scidata-operator-leader-election": `{{ include "scidata-operator.fullname" . }}-leader-election`,
}

const usernameTemplate = `{{ include "scidata-operator.managerUsername" . }}`

// Generate returns every generated file, by path relative to root.
func Generate(root string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, step := range []func(string, map[string][]byte) error{crdFiles, rbacTemplates, admissionTemplates, networkPolicyTemplate, gitopsFiles, monitoringFiles} {
		if err := step(root, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// crdFiles copies config/crd/bases into crds/, byte for byte.
func crdFiles(root string, out map[string][]byte) error {
	crds, err := filepath.Glob(filepath.Join(root, CRDSourceDir, "*.yaml"))
	if err != nil {
		return err
	}
	if len(crds) == 0 {
		return fmt.Errorf("no CRDs in %s: run make manifests", CRDSourceDir)
	}
	for _, f := range crds {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(filepath.Join(CRDDir, filepath.Base(f)))] = b
	}
	return nil
}

// rbacTemplates makes templates of config/rbac's roles.
func rbacTemplates(root string, out map[string][]byte) error {
	rbac, err := kustomizationResources(root, rbacDir)
	if err != nil {
		return err
	}
	for _, f := range rbac {
		src := filepath.ToSlash(filepath.Join(rbacDir, f))
		b, err := os.ReadFile(filepath.Join(root, src))
		if err != nil {
			return err
		}
		kinds, err := documentKinds(b)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		// The chart writes the ServiceAccount and the bindings itself (they
		// name the release's subjects); the rules come from config.
		if !allRoles(kinds) {
			continue
		}
		t, err := Template(src, b)
		if err != nil {
			return err
		}
		out[GeneratedDir+"/rbac-"+strings.ReplaceAll(f, "_", "-")] = t
	}
	return nil
}

// admissionTemplates makes templates of config/admission's policies.
func admissionTemplates(root string, out map[string][]byte) error {
	admission, err := kustomizationResources(root, admissionDir)
	if err != nil {
		return err
	}
	defaults, err := valueDefaults(root)
	if err != nil {
		return err
	}
	for _, f := range admission {
		src := filepath.ToSlash(filepath.Join(admissionDir, f))
		b, err := os.ReadFile(filepath.Join(root, src))
		if err != nil {
			return err
		}
		if err := checkChartValues(src, b, defaults); err != nil {
			return err
		}
		t, err := Template(src, b)
		if err != nil {
			return err
		}
		out[GeneratedDir+"/admission-"+f] = t
	}
	return nil
}

// networkPolicyTemplate makes a template of the operator namespace's
// NetworkPolicies: ingress default-deny but for a metrics scraper that
// opts in.
func networkPolicyTemplate(root string, out map[string][]byte) error {
	np, err := os.ReadFile(filepath.Join(root, networkPolicy))
	if err != nil {
		return err
	}
	t, err := Template(networkPolicy, np)
	if err != nil {
		return err
	}
	out[GeneratedDir+"/network-policy.yaml"] = t
	return nil
}

// gitopsFiles copies the Argo CD health check and writes the install doc's
// values reference.
func gitopsFiles(root string, out map[string][]byte) error {
	lua, err := os.ReadFile(filepath.Join(root, ArgoCDSource))
	if err != nil {
		return err
	}
	out[ArgoCDCopy] = lua
	doc, err := InstallDocWithReference(root)
	if err != nil {
		return err
	}
	out[InstallDoc] = doc
	return nil
}

// monitoringFiles copies the alerts and the dashboard, byte for byte: they
// hold Prometheus' and Grafana's own {{ }} templates, which the chart
// includes with .Files.Get so Helm never reads them as its own.
func monitoringFiles(root string, out map[string][]byte) error {
	for src, dst := range map[string]string{AlertsSource: AlertsCopy, DashboardSource: DashboardCopy} {
		b, err := os.ReadFile(filepath.Join(root, src))
		if err != nil {
			return err
		}
		out[dst] = b
	}
	return nil
}

// Stale lists the files under the generated directories that Generate no
// longer writes (a CRD or a policy removed from config/).
func Stale(root string, files map[string][]byte) ([]string, error) {
	var stale []string
	for _, dir := range []string{CRDDir, GeneratedDir} {
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		for _, e := range entries {
			p := dir + "/" + e.Name()
			if _, ok := files[p]; !ok {
				stale = append(stale, p)
			}
		}
	}
	return stale, nil
}

// Write writes the generated files under root and removes stale ones.
func Write(root string, files map[string][]byte) error {
	stale, err := Stale(root, files)
	if err != nil {
		return err
	}
	for _, p := range stale {
		if err := os.Remove(filepath.Join(root, p)); err != nil {
			return err
		}
	}
	for p, b := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if old, err := os.ReadFile(full); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func kustomizationResources(root, dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(root, dir, kustomization))
	if err != nil {
		return nil, err
	}
	var k struct{ Resources []string }
	if err := yaml.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", dir, kustomization, err)
	}
	if len(k.Resources) == 0 {
		return nil, fmt.Errorf("%s/%s lists no resources", dir, kustomization)
	}
	return k.Resources, nil
}

func allRoles(kinds []string) bool {
	for _, k := range kinds {
		if k != "Role" && k != "ClusterRole" {
			return false
		}
	}
	return len(kinds) > 0
}

type meta struct {
	Kind     string
	Metadata struct {
		Name        string
		Namespace   string
		Labels      map[string]string
		Annotations map[string]string
	}
}

func documentKinds(b []byte) ([]string, error) {
	var kinds []string
	for _, d := range splitDocuments(b) {
		var m meta
		if err := yaml.Unmarshal([]byte(strings.Join(d, "\n")), &m); err != nil {
			return nil, err
		}
		if m.Kind != "" {
			kinds = append(kinds, m.Kind)
		}
	}
	return kinds, nil
}

// splitDocuments splits YAML text at its `---` lines, keeping every line
// (comments included) of each document.
func splitDocuments(b []byte) [][]string {
	var docs [][]string
	var cur []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if strings.TrimRight(l, " ") == "---" {
			docs = append(docs, cur)
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	return append(docs, cur)
}

// Template turns one file of config/ into a chart template: each
// document's metadata block is replaced by the chart's (its name, the
// release namespace, the chart's labels plus the source's other labels);
// everything else, comments included, is kept; the manager's identity
// becomes the release's.
func Template(src string, b []byte) ([]byte, error) {
	if bytes.Contains(b, []byte("{{")) {
		return nil, fmt.Errorf("%s contains {{, which Helm would read as a template", src)
	}
	var out strings.Builder
	fmt.Fprintf(&out, "{{- /* Generated by hack/chartgen from %s: do not edit, run make chart. */}}\n", src)
	for i, d := range splitDocuments(b) {
		if i > 0 {
			out.WriteString("---\n")
		}
		lines, err := templateDocument(src, d)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			out.WriteString(l)
			out.WriteString("\n")
		}
	}
	s := strings.ReplaceAll(out.String(), OperatorUsername, usernameTemplate)
	s = chartValue.ReplaceAllString(s, `$1{{ .Values.$3 | toString | quote }}`)
	if strings.Contains(s, OperatorNamespace) {
		return nil, fmt.Errorf("%s names %s outside the manager's identity (%s): the chart cannot follow the release namespace there", src, OperatorNamespace, OperatorUsername)
	}
	return []byte(s), nil
}

func templateDocument(src string, d []string) ([]string, error) {
	var m meta
	if err := yaml.Unmarshal([]byte(strings.Join(d, "\n")), &m); err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	if m.Kind == "" {
		return d, nil // comments only
	}
	start := slices.Index(d, "metadata:")
	if start < 0 {
		return nil, fmt.Errorf("%s: %s %s has no top-level metadata: line", src, m.Kind, m.Metadata.Name)
	}
	end := start + 1
	for end < len(d) && (d[end] == "" || strings.HasPrefix(d[end], " ")) {
		end++
	}
	name := m.Metadata.Name
	if n, ok := releaseNames[m.Kind+"/"+name]; ok {
		name = n
	}
	block := []string{"metadata:", "  name: " + name}
	switch m.Metadata.Namespace {
	case "":
	case OperatorNamespace:
		block = append(block, "  namespace: {{ .Release.Namespace }}")
	default:
		return nil, fmt.Errorf("%s: %s %s is in namespace %s; the chart installs into the release namespace only", src, m.Kind, m.Metadata.Name, m.Metadata.Namespace)
	}
	block = append(block, "  labels:", `    {{- include "scidata-operator.labels" . | nindent 4 }}`)
	for _, k := range sortedKeys(m.Metadata.Labels) {
		if k == "app.kubernetes.io/name" {
			continue // the chart's labels carry it
		}
		block = append(block, "    "+k+": "+strconv.Quote(m.Metadata.Labels[k]))
	}
	if len(m.Metadata.Annotations) > 0 {
		block = append(block, "  annotations:")
		for _, k := range sortedKeys(m.Metadata.Annotations) {
			block = append(block, "    "+k+": "+strconv.Quote(m.Metadata.Annotations[k]))
		}
	}
	out := append(append(append([]string{}, d[:start]...), block...), d[end:]...)
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// chartValue is a line whose quoted scalar is a chart value:
//
//	expression: "24" # chart: admission.upstreamCIDR.minIPv4PrefixLength
//
// The source keeps the default (what kustomize installs); the template
// reads the value.
var chartValue = regexp.MustCompile(`(?m)^(\s*(?:- )?[A-Za-z][A-Za-z0-9]*: )"([^"]*)" # chart: ([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)$`)

// checkChartValues fails when a marked value is not the default
// values.yaml gives its key, or when a "# chart:" marker is not on a line
// of the form chartValue reads.
func checkChartValues(src string, b []byte, defaults map[string]string) error {
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, "# chart:") {
			continue
		}
		m := chartValue.FindStringSubmatch(l)
		if m == nil {
			return fmt.Errorf("%s: %q: a chart value is written `key: \"value\" # chart: values.key`", src, strings.TrimSpace(l))
		}
		def, ok := defaults[m[3]]
		if !ok {
			return fmt.Errorf("%s: %s is not a key of %s", src, m[3], ValuesFile)
		}
		if def != m[2] {
			return fmt.Errorf("%s holds %q for %s, but %s's default is %s: keep them equal, so kustomize installs the chart's default", src, m[2], m[3], ValuesFile, def)
		}
	}
	return nil
}

// valueDefaults is every leaf of values.yaml by dotted key, as the chart's
// toString renders it.
func valueDefaults(root string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(root, ValuesFile))
	if err != nil {
		return nil, err
	}
	var values map[string]any
	if err := yaml.Unmarshal(b, &values); err != nil {
		return nil, fmt.Errorf("%s: %w", ValuesFile, err)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, c := range m {
				walk(join(prefix, k), c)
			}
			return
		}
		out[prefix] = fmt.Sprint(v)
	}
	walk("", values)
	return out, nil
}
