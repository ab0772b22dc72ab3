package chart

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/scidata-io/scidata-operator/internal/chartgen"
)

// The alerts and the dashboard, off by default (TestNonDefaultValuesReachTheManager),
// render with their values on as the PrometheusRule and the sidecar's
// ConfigMap, carrying exactly the rules and the dashboard of
// config/monitoring (whose expressions controllers/monitoring_test.go
// parses), with the labels and the namespace the values give; the
// sidecar's default label can be replaced.
func TestAlertsAndDashboardRenderFromTheirSources(t *testing.T) {
	objs := byID(render(t, nonDefault))
	rule := objs["PrometheusRule city-ops/sdo-scidata-operator-manager"]
	if rule == nil {
		t.Fatalf("metrics.prometheusRule.enabled but no PrometheusRule: %v", ids(objs))
	}
	if rule.GetLabels()["release"] != "city-prometheus" {
		t.Errorf("PrometheusRule labels %v lack release=city-prometheus", rule.GetLabels())
	}
	var src map[string]any
	b, err := os.ReadFile(filepath.Join(root, chartgen.AlertsSource))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &src); err != nil {
		t.Fatal(err)
	}
	groups, _, _ := unstructured.NestedSlice(rule.Object, "spec", "groups")
	if d := diff("groups", src["groups"], groups); len(d) > 0 || len(groups) == 0 {
		t.Errorf("the PrometheusRule's groups are not %s's:\n%v", chartgen.AlertsSource, d)
	}

	cm := objs["ConfigMap "+dashboardNamespace+"/sdo-scidata-operator-dashboard"]
	if cm == nil {
		t.Fatalf("metrics.grafanaDashboard.enabled but no dashboard ConfigMap in %s: %v", dashboardNamespace, ids(objs))
	}
	if cm.GetLabels()["grafana_dashboard"] != "1" || cm.GetAnnotations()["grafana_folder"] != "Scidata" {
		t.Errorf("dashboard ConfigMap labels %v, annotations %v; want grafana_dashboard=1 and grafana_folder=Scidata", cm.GetLabels(), cm.GetAnnotations())
	}
	data, _, _ := unstructured.NestedString(cm.Object, "data", "scidata-city.json")
	want, err := os.ReadFile(filepath.Join(root, chartgen.DashboardSource))
	if err != nil {
		t.Fatal(err)
	}
	var got, wantJSON any
	if err := json.Unmarshal([]byte(data), &got); err != nil {
		t.Fatalf("the dashboard in the ConfigMap is not JSON: %v", err)
	}
	if err := json.Unmarshal(want, &wantJSON); err != nil {
		t.Fatal(err)
	}
	if d := diff("dashboard", wantJSON, got); len(d) > 0 {
		t.Errorf("the ConfigMap's dashboard is not %s:\n%v", chartgen.DashboardSource, d)
	}

	other := nonDefault
	other.set = append(append([]string{}, nonDefault.set...), "metrics.grafanaDashboard.labels.grafana_dashboard=null", "metrics.grafanaDashboard.labels.city-dashboards=yes")
	cm = byID(render(t, other))["ConfigMap "+dashboardNamespace+"/sdo-scidata-operator-dashboard"]
	if cm == nil {
		t.Fatal("no dashboard ConfigMap with another sidecar label")
	}
	if l := cm.GetLabels(); l["city-dashboards"] != "yes" || l["grafana_dashboard"] != "" {
		t.Errorf("labels %v; want city-dashboards=yes and no grafana_dashboard", l)
	}
}
