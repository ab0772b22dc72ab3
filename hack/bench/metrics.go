package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape is one read of the manager's /metrics (controller-runtime's and
// the Go runtime's metrics).
type scrape map[string]*dto.MetricFamily

// readMetrics scrapes url, trying three times: a manager that has just
// started relisting ten thousand objects on two busy cores can take longer
// than one scrape's timeout to answer.
func readMetrics(ctx context.Context, url string) (scrape, error) {
	var err error
	for range 3 {
		var s scrape
		if s, err = readMetricsOnce(ctx, url); err == nil || ctx.Err() != nil {
			return s, err
		}
	}
	return nil, err
}

func readMetricsOnce(ctx context.Context, url string) (scrape, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%s: %s %s", url, resp.Status, b)
	}
	return parseMetrics(resp.Body)
}

func parseMetrics(r io.Reader) (scrape, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	return scrape(fams), err
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// value is the sum of a counter or gauge over the series whose labels
// match want (name=value pairs).
func (s scrape) value(name string, want ...string) float64 {
	f := s[name]
	if f == nil {
		return 0
	}
	total := 0.0
	for _, m := range f.GetMetric() {
		if !matches(m, want) {
			continue
		}
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Untyped != nil:
			total += m.GetUntyped().GetValue()
		}
	}
	return total
}

func matches(m *dto.Metric, want []string) bool {
	for i := 0; i+1 < len(want); i += 2 {
		if label(m, want[i]) != want[i+1] {
			return false
		}
	}
	return true
}

// histogram is cumulative bucket counts by upper bound, and the total.
type histogram struct {
	bounds []float64
	counts []float64 // cumulative, one per bound
	count  float64
	sum    float64
}

// histogram reads the series of a histogram whose labels match want.
func (s scrape) histogram(name string, want ...string) histogram {
	var h histogram
	f := s[name]
	if f == nil {
		return h
	}
	for _, m := range f.GetMetric() {
		if !matches(m, want) || m.Histogram == nil {
			continue
		}
		hm := m.GetHistogram()
		if h.bounds == nil {
			for _, b := range hm.GetBucket() {
				h.bounds = append(h.bounds, b.GetUpperBound())
				h.counts = append(h.counts, 0)
			}
		}
		for i, b := range hm.GetBucket() {
			if i < len(h.counts) {
				h.counts[i] += float64(b.GetCumulativeCount())
			}
		}
		h.count += float64(hm.GetSampleCount())
		h.sum += hm.GetSampleSum()
	}
	return h
}

// quantile estimates the q-quantile as Prometheus' histogram_quantile
// does: linear within the bucket that holds it. Observations above the
// last bound are reported as that bound (a lower limit); NaN when empty.
func (h histogram) quantile(q float64) float64 {
	if h.count == 0 {
		return math.NaN()
	}
	rank := q * h.count
	lower, below := 0.0, 0.0
	for i, b := range h.bounds {
		if h.counts[i] >= rank {
			in := h.counts[i] - below
			if in <= 0 {
				return b
			}
			return lower + (b-lower)*(rank-below)/in
		}
		lower, below = b, h.counts[i]
	}
	if len(h.bounds) == 0 {
		return math.NaN()
	}
	return h.bounds[len(h.bounds)-1]
}

// processMemory is a process's resident set and its peak, from /proc.
func processMemory(pid int) (rss, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak, nil
}

// controllers lists the controller label values a scrape has, sorted.
func (s scrape) controllers() []string {
	seen := map[string]bool{}
	if f := s["controller_runtime_reconcile_total"]; f != nil {
		for _, m := range f.GetMetric() {
			seen[label(m, "controller")] = true
		}
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func ms(seconds float64) string {
	if math.IsNaN(seconds) {
		return "-"
	}
	switch {
	case seconds < 0.01:
		return fmt.Sprintf("%.1f ms", seconds*1000)
	default:
		return fmt.Sprintf("%.0f ms", seconds*1000)
	}
}
