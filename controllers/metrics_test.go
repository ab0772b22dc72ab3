package controllers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// scraped is one scrape of the manager's /metrics, by family name.
type scraped map[string]*dto.MetricFamily

// scrape reads the manager's /metrics over HTTP, as Prometheus does.
func scrape(t *testing.T) scraped {
	t.Helper()
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatalf("scrape %s: %v", metricsURL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %s", metricsURL, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", metricsURL, err)
	}
	return fams
}

// value sums the series of family name whose labels include every
// name=value pair of labels (a gauge's or counter's value, a histogram's
// count), and reports whether any series matched.
func (s scraped) value(name string, labels ...string) (float64, bool) {
	f, ok := s[name]
	if !ok {
		return 0, false
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	sum, found := 0.0, false
series:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue series
			}
		}
		found = true
		switch {
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum, found
}

// is says whether the series of name with labels sum to want.
func (s scraped) is(name string, want float64, labels ...string) error {
	got, ok := s.value(name, labels...)
	if !ok {
		return fmt.Errorf("%s{%s}: no series", name, strings.Join(labels, ","))
	}
	if got != want {
		return fmt.Errorf("%s{%s} = %v; want %v", name, strings.Join(labels, ","), got, want)
	}
	return nil
}

// atLeast says whether the series of name with labels sum to at least want.
func (s scraped) atLeast(name string, want float64, labels ...string) error {
	got, ok := s.value(name, labels...)
	if !ok || got < want {
		return fmt.Errorf("%s{%s} = %v (found %v); want at least %v", name, strings.Join(labels, ","), got, ok, want)
	}
	return nil
}

// readyDepartments counts the Department platforms the apiserver holds
// with Ready True.
func readyDepartments(t *testing.T) float64 {
	t.Helper()
	var list scidatav1.DataPlatformList
	if err := env.Client.List(context.Background(), &list); err != nil {
		t.Fatal(err)
	}
	n := 0.0
	for _, dp := range list.Items {
		if dp.Spec.Role == scidatav1.RoleDepartment && meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionReady) {
			n++
		}
	}
	return n
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// The city's metrics, scraped from the manager's /metrics, move with real
// reconciles: a platform's conditions and the counts by role and condition,
// its storage asked for and bound, its counters from zero; an entry's
// effective sharing; a Submission's state and its deadline passing. Every
// known label value is there at zero before anything is in that state.
func TestCityMetricsMoveWithReconciles(t *testing.T) {
	dp := readyDepartment(t, "metered", nil)
	ns := platform.Namespace(dp)
	const p = "metered"
	tenGi := float64(10 << 30)
	eventually(t, "the platform's metrics", func() error {
		m := scrape(t)
		return firstError(
			m.is("scidata_platform_condition", 1, "platform", p, "role", "Department", "department", p, "type", "Ready"),
			m.is("scidata_platform_condition", 0, "platform", p, "type", "Stalled"),
			m.is("scidata_platform_condition", 0, "platform", p, "type", "ReconciliationPaused"),
			m.is("scidata_platforms", readyDepartments(t), "role", "Department", "type", "Ready", "status", "True"),
			m.is("scidata_platforms", 0, "role", "Center", "type", "ReconciliationPaused", "status", "True"),
			m.atLeast("scidata_platform_reconcile_total", 1, "platform", p, "outcome", "success"),
			m.atLeast("scidata_platform_reconcile_total", 0, "platform", p, "outcome", "error"),
			m.is("scidata_receipts_signed_total", 0, "platform", p),
			m.is("scidata_sync_bytes_total", 0, "platform", p),
			m.is("scidata_submission_approval_to_receipt_seconds", 0, "platform", p),
			m.is("scidata_platform_storage_requested_bytes", tenGi, "platform", p),
			m.is("scidata_platform_volume_capacity_bytes", tenGi, "platform", p, "namespace", ns, "persistentvolumeclaim", "data-objectstore-0"),
			m.is("scidata_catalog_entries", 0, "platform", p, "sharing", "Open"),
			m.is("scidata_catalog_entries_by_duty", 0, "platform", p, "duty", "None"),
			m.is("scidata_submissions", 0, "platform", p, "state", "AwaitingReview"),
			m.is("scidata_submissions_overdue", 0, "platform", p),
			m.is("scidata_submissions_failed", 0, "platform", p, "reason", "CenterStoreFull"),
			m.is("scidata_receipts", 0, "platform", p),
		)
	})

	e := fundedEntry(ns, "rain", "v1", "BZ-METER")
	e.Spec.Funding = nil // no duty: the city-wide policy of a later test must not cover it
	policy := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "quick"},
		Spec: scidatav1.SubmissionPolicySpec{ReviewRequired: ptr.To(true), Deadline: &metav1.Duration{Duration: 2 * time.Second}}}
	create(t, e, policy)
	eventually(t, "the entry and its Submission counted, then overdue", func() error {
		m := scrape(t)
		return firstError(
			m.is("scidata_catalog_entries", 1, "platform", p, "sharing", "Open"),
			m.is("scidata_catalog_entries", 0, "platform", p, "sharing", "Closed"),
			m.is("scidata_catalog_entries_by_duty", 1, "platform", p, "duty", "None"),
			m.is("scidata_catalog_entries_by_duty", 0, "platform", p, "duty", "Mandatory"),
			m.is("scidata_submissions", 1, "platform", p, "state", "AwaitingReview"),
			m.is("scidata_submissions", 0, "platform", p, "state", "Received"),
			m.is("scidata_submissions_overdue", 1, "platform", p),
		)
	})
}
