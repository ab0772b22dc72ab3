package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/portal"
	"github.com/scidata-io/scidata-operator/internal/scheme"
)

const benchEntries = 10000

// benchCity creates benchEntries entries across ten department namespaces
// in the envtest apiserver: a mix of Open, Conditional, embargoed, Closed
// and classified entries, about three in four of them listed.
func benchCity(b *testing.B) {
	ctx := context.Background()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 16 {
		wg.Go(func() {
			for i := range jobs {
				if err := env.Client.Create(ctx, benchEntry(i)); err != nil && !apierrors.IsAlreadyExists(err) {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		})
	}
	for d := range 10 {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("scidata-bench-%d", d)}}
		if err := env.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			b.Fatal(err)
		}
	}
	for i := range benchEntries {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
}

func benchEntry(i int) *scidatav1.CatalogEntry {
	ns := fmt.Sprintf("scidata-bench-%d", i%10)
	e := base(ns, fmt.Sprintf("dataset-%05d", i), fmt.Sprintf("Dataset %d of station observations", i))
	e.Spec.ResponsibleDepartment = scidatav1.Department{Code: fmt.Sprintf("bench-%d", i%10), Name: fmt.Sprintf("Bureau %d", i%10)}
	e.Spec.Subject = []string{"Hydrology", "Meteorology", "Geology", "Ecology"}[i%4]
	e.Spec.Keywords = []string{"rainfall", fmt.Sprintf("k%d", i%97)}
	switch i % 8 {
	case 1, 2:
		e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: "Research use"}
	case 3:
		e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(embargoUntil), Reason: scidatav1.EmbargoPaper}
	case 4:
		e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
	case 5:
		e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
		e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationSecret, SecrecyPeriodEnd: secrecyEnd()}
	}
	return e
}

// BenchmarkPortal10000Entries serves a city of 10,000 entries from the
// informer cache and reports the p50 and p99 latency of a search and of the
// DCAT-AP export, and the heap the cache and portal hold.
//
//	KUBEBUILDER_ASSETS=$(hack/build-k8s.sh --print-dir) go test ./internal/portal -run '^$' -bench Portal10000 -benchtime 50x
func BenchmarkPortal10000Entries(b *testing.B) {
	b.Run("snapshot-per-request", func(b *testing.B) { benchPortal(b, false) })
	b.Run("snapshot-reused", func(b *testing.B) { benchPortal(b, true) })
}

func benchPortal(b *testing.B, reuse bool) {
	benchCity(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heapBefore := heap()
	c, err := portal.NewCache(env.Config, scheme.New(), "", true)
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	c.WaitForCacheSync(ctx)
	src := &portal.Source{Reader: c, Platforms: true}
	if reuse {
		if err := src.Watch(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	s := &portal.Server{Source: src, Clock: clocktesting.NewFakeClock(t0),
		BaseURL: "https://catalog.example.org", Title: "Bench", Description: "Bench", Publisher: "Bench"}
	h, err := s.Handler()
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	waitFor(b, srv)
	heapAfter := heap()
	routes := map[string]string{
		"search":      "/api/v1/entries?q=rainfall+k42&department=bench-2&pageSize=20",
		"search-html": "/?q=station&subject=Hydrology",
		"dcat":        "/catalog.jsonld",
	}
	lat := map[string][]time.Duration{}
	b.ResetTimer()
	for b.Loop() {
		for name, path := range routes {
			start := time.Now()
			fetch(b, srv, path)
			lat[name] = append(lat[name], time.Since(start))
		}
	}
	b.StopTimer()
	// After the loop: ResetTimer discards metrics reported before it.
	b.ReportMetric(float64(heapAfter-heapBefore)/(1<<20), "MiB-heap-cache+portal")
	for _, name := range []string{"search", "search-html", "dcat"} {
		d := lat[name]
		slices.Sort(d)
		p50, p99 := d[len(d)/2], d[min(len(d)-1, len(d)*99/100)]
		b.ReportMetric(float64(p50.Microseconds())/1000, name+"-p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, name+"-p99-ms")
	}
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// waitFor polls, bounded, until the cache holds every entry.
func waitFor(b *testing.B, srv *httptest.Server) {
	deadline := time.Now().Add(2 * time.Minute)
	for countAll(b, srv) < benchEntries {
		if time.Now().After(deadline) {
			b.Fatal("the cache never held every entry")
		}
		<-time.After(200 * time.Millisecond)
	}
}

func countAll(b *testing.B, srv *httptest.Server) int {
	var sc struct {
		Departments []portal.Scorecard `json:"departments"`
	}
	if err := json.Unmarshal(fetch(b, srv, "/api/v1/scorecard"), &sc); err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, d := range sc.Departments {
		n += d.Entries
	}
	return n
}

func fetch(b *testing.B, srv *httptest.Server, path string) []byte {
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return body
}
