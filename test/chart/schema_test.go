package chart

import (
	"strings"
	"testing"
)

// values.schema.json (and the chart's own checks, for rules a schema
// cannot state) refuse wrong values before anything is installed, with a
// message that names the key and the rule.
func TestWrongValuesAreRefusedWithAClearMessage(t *testing.T) {
	for _, c := range []struct {
		name string
		set  []string
		want []string
	}{
		{"no replicas", []string{"replicas=0"}, []string{"/replicas", "minimum: got 0, want 1"}},
		{"replicas not a number", []string{"replicas=two"}, []string{"/replicas", "got string, want integer"}},
		{"a misspelt key", []string{"replica=2"}, []string{"additional properties 'replica' not allowed"}},
		{"an unknown image key", []string{"image.registry=registry.example.org"}, []string{"/image", "additional properties 'registry' not allowed"}},
		{"a digest that is not sha256", []string{"image.digest=abc"}, []string{"/image/digest", "'abc' does not match pattern"}},
		{"an empty image repository", []string{"image.repository="}, []string{"/image/repository", "minLength: got 0, want 1"}},
		{"an upper-case repository", []string{"operands.objectStoreImage.repository=Registry/Store"}, []string{"/operands/objectStoreImage/repository", "does not match pattern"}},
		{"a pull policy in the wrong case", []string{"operands.imagePullPolicy=always"}, []string{"/operands/imagePullPolicy", "value must be one of 'Always', 'IfNotPresent', 'Never'"}},
		{"a port out of range", []string{"metrics.port=70000"}, []string{"/metrics/port", "maximum: got 70,000, want 65,535"}},
		{"the probes' port for metrics", []string{"metrics.port=8081"}, []string{"metrics.port: 8081 is the port of the manager's health probes"}},
		{"a PrometheusRule switch that is not a boolean", []string{"metrics.prometheusRule.enabled=on"}, []string{"/metrics/prometheusRule/enabled", "got string, want boolean"}},
		{"a dashboard namespace that is not a DNS label", []string{"metrics.grafanaDashboard.namespace=Monitoring"}, []string{"/metrics/grafanaDashboard/namespace", "does not match pattern"}},
		{"a ServiceMonitor switch that is not a boolean", []string{"metrics.serviceMonitor.enabled=yes"}, []string{"/metrics/serviceMonitor/enabled", "got string, want boolean"}},
		{"a scrape interval without unit", []string{"metrics.serviceMonitor.interval=half-minute"}, []string{"/metrics/serviceMonitor/interval", "does not match pattern"}},
		{"a DNS Service without namespace", []string{"dnsService=kube-dns"}, []string{"/dnsService", "'kube-dns' does not match pattern"}},
		{"an extra argument that is not a flag", []string{"extraArgs[0]=leader-elect"}, []string{"/extraArgs/0", "does not match pattern"}},
		{"an extra argument the chart sets", []string{"extraArgs[0]=--leader-elect=false"}, []string{"extraArgs: --leader-elect is set by the chart"}},
		{"an extra argument moving the operator's namespace", []string{"extraArgs[0]=--operator-namespace=elsewhere"}, []string{"extraArgs: --operator-namespace must stay the release namespace"}},
		{"an invalid priority class", []string{"priorityClassName=Critical_Class"}, []string{"/priorityClassName", "does not match pattern"}},
		{"a node selector value that is not a string", []string{"nodeSelector.disk=1"}, []string{"/nodeSelector/disk", "got number, want string"}},
		{"a pull secret without name", []string{"imagePullSecrets[0].secret=x"}, []string{"/imagePullSecrets/0", "missing property 'name'"}},
		{"a resource quantity that is not one", []string{"resources.limits.memory=lots"}, []string{"/resources/limits/memory", "does not match pattern"}},
		{"a ServiceAccount name that is not a DNS label", []string{"serviceAccount.name=Manager"}, []string{"/serviceAccount/name", "does not match pattern"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"template"}, defaultInstall.args()...)
			for _, s := range c.set {
				args = append(args, "--set", s)
			}
			out, err := helm(t, args...)
			if err == nil {
				t.Fatalf("helm template --set %v renders instead of refusing:\n%.400s", c.set, out)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the refusal of %v does not say %q:\n%v", c.set, w, err)
				}
			}
		})
	}
}
