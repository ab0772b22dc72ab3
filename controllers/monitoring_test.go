package controllers

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"

	"github.com/scidata-io/scidata-operator/internal/chartgen"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// exempt are metrics the alerts and the dashboard read from elsewhere: the
// kubelets' volume statistics (which the manager does not scrape).
var exempt = []string{"kubelet_volume_stats_"}

// expression is one PromQL expression and where it comes from.
type expression struct{ where, expr string }

// alertExpressions are the expressions of config/monitoring/alerts.yaml.
func alertExpressions(t *testing.T) []expression {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), chartgen.AlertsSource))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Name  string
			Rules []struct {
				Alert, Record, Expr string
			}
		}
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		t.Fatalf("%s: %v", chartgen.AlertsSource, err)
	}
	var out []expression
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			out = append(out, expression{chartgen.AlertsSource + " " + g.Name + "/" + r.Alert + r.Record, r.Expr})
		}
	}
	return out
}

// labelValues is the one Grafana query of the dashboard that is not
// PromQL: label_values(<selector>, <label>).
var labelValues = regexp.MustCompile(`^label_values\((.+),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$`)

// dashboardExpressions are the dashboard's panel expressions (every
// "expr"), and its variables' selectors.
func dashboardExpressions(t *testing.T) []expression {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), chartgen.DashboardSource))
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", chartgen.DashboardSource, err)
	}
	var out []expression
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if s, ok := c.(string); ok && k == "expr" {
					out = append(out, expression{chartgen.DashboardSource + " " + path, s})
				}
				if s, ok := c.(string); ok && (k == "query" || k == "definition") && strings.HasPrefix(s, "label_values(") {
					m := labelValues.FindStringSubmatch(s)
					if m == nil {
						t.Errorf("%s: %s %q is not label_values(<selector>, <label>)", chartgen.DashboardSource, path, s)
						continue
					}
					out = append(out, expression{chartgen.DashboardSource + " " + path + "." + k, m[1]})
				}
				walk(path+"."+k, c)
			}
		case []any:
			for i, c := range v {
				title := ""
				if m, ok := c.(map[string]any); ok {
					title, _ = m["title"].(string)
				}
				walk(fmt.Sprintf("%s[%d %s]", path, i, title), c)
			}
		}
	}
	walk("", dash)
	return out
}

// metricsNamed parses expr with Prometheus' own parser and returns the
// metric names its selectors name.
func metricsNamed(expr string) ([]string, error) {
	ast, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	var names []string
	parser.Inspect(ast, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == "__name__" {
				name = m.Value
			}
		}
		names = append(names, name)
		return nil
	})
	if len(names) == 0 {
		return nil, fmt.Errorf("names no metric")
	}
	return names, nil
}

// problems lists the expressions that do not parse or name a metric the
// manager does not export (exported: the families of a scrape).
func problems(exprs []expression, exported scraped) []string {
	var out []string
	for _, e := range exprs {
		names, err := metricsNamed(e.expr)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %q: %v", e.where, e.expr, err))
			continue
		}
	names:
		for _, n := range names {
			for _, p := range exempt {
				if strings.HasPrefix(n, p) {
					continue names
				}
			}
			if _, ok := exported[n]; ok {
				continue
			}
			// A histogram's series are its family's name and a suffix.
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")
			if f, ok := exported[base]; ok && base != n && f.GetType().String() == "HISTOGRAM" {
				continue
			}
			out = append(out, fmt.Sprintf("%s: %q names %s, which the manager does not export", e.where, e.expr, n))
		}
	}
	sort.Strings(out)
	return out
}

// Every PromQL expression of the alerts and the dashboard the chart ships
// parses with Prometheus' own parser, and every metric it names is one the
// manager's /metrics serves (after a platform's reconcile, which makes the
// per-platform series exist), but the kubelet's volume statistics.
func TestAlertsAndDashboardNameOnlyExportedMetrics(t *testing.T) {
	readyDepartment(t, "monitored", nil)
	alerts, dashboard := alertExpressions(t), dashboardExpressions(t)
	if len(alerts) < 7 || len(dashboard) < 20 {
		t.Fatalf("read %d alert and %d dashboard expressions; want the 7 alerts and every panel", len(alerts), len(dashboard))
	}
	var last []string
	eventually(t, "every expression names an exported metric", func() error {
		last = problems(append(alerts, dashboard...), scrape(t))
		if len(last) > 0 {
			return fmt.Errorf("%d problems:\n%s", len(last), strings.Join(last, "\n"))
		}
		return nil
	})

	// The check itself refuses what it must.
	exported := scrape(t)
	for _, tc := range []struct{ expr, says string }{
		{`sum(rate(scidata_no_such_thing_total[5m]))`, "names scidata_no_such_thing_total"},
		{`scidata_receipts{platform=~"$platform"} >`, "unexpected end of input"},
		{`scidata_receipts[$__rate_interval]`, "parse error"},
		{`scidata_receipts_bucket`, "names scidata_receipts_bucket"},
	} {
		got := problems([]expression{{"probe", tc.expr}}, exported)
		if len(got) != 1 || !strings.Contains(got[0], tc.says) {
			t.Errorf("problems(%q) = %v; want one saying %q", tc.expr, got, tc.says)
		}
	}
}
