package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
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

// BenchmarkPortal10000Entries serves a city of 10,000 entries (7,500 of
// them listed) from an index kept by the informer's events, set up as
// `scidata-operator portal` does, and reports, each in a sub-benchmark of
// its own so that one kind of request does not disturb another's figures:
// the p50 and p99 latency of a search (JSON API; web page), of one
// dataset's JSON-LD, of the whole DCAT-AP export, and of a harvest of the
// export page by page (100 datasets a page, the client parsing each page
// for its next link). Once: how long the index took to receive and
// prepare the cache's initial list, the first export, the export's size
// and the heap the cache and index hold.
//
//	KUBEBUILDER_ASSETS=$(hack/build-k8s.sh --print-dir) go test ./internal/portal -run '^$' -bench Portal10000 -benchtime 200x
func BenchmarkPortal10000Entries(b *testing.B) {
	benchCity(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heapBefore := heap()
	c, err := portal.NewCache(env.Config, scheme.New(), "", true)
	if err != nil {
		b.Fatal(err)
	}
	idx := portal.NewIndex(clocktesting.NewFakeClock(t0), "")
	if err := idx.Watch(ctx, c, true); err != nil {
		b.Fatal(err)
	}
	s := &portal.Server{Index: idx, BaseURL: "https://catalog.example.org", Title: "Bench", Description: "Bench", Publisher: "Bench"}
	h, err := s.Handler()
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	start := time.Now()
	go func() { _ = c.Start(ctx) }()
	c.WaitForCacheSync(ctx)
	deadline := time.Now().Add(2 * time.Minute)
	for idx.Synced() != nil || idx.Len() < benchEntries {
		if time.Now().After(deadline) {
			b.Fatalf("the index holds %d entries after 2 minutes; want %d", idx.Len(), benchEntries)
		}
		<-time.After(10 * time.Millisecond)
	}
	synced := time.Since(start)
	start = time.Now()
	whole := fetch(b, srv, "/catalog.jsonld")
	first := time.Since(start)
	heapAfter := heap()
	// Printed, not logged: a benchmark with sub-benchmarks shows no logs.
	fmt.Printf("portal at %d entries: index received and prepared the initial list in %s; first whole export %s, %.1f MiB; heap of cache and index %.1f MiB\n",
		benchEntries, synced.Round(time.Millisecond), first.Round(time.Millisecond), float64(len(whole))/(1<<20), float64(heapAfter-heapBefore)/(1<<20))

	measure := func(name string, perIteration int, request func(i int)) {
		b.Run(name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			cpu := cpuTime()
			for b.Loop() {
				for range perIteration {
					i++
					start := time.Now()
					request(i)
					lat = append(lat, time.Since(start))
				}
			}
			b.StopTimer()
			cpu = cpuTime() - cpu
			slices.Sort(lat)
			// The process's CPU time per request (server and client, both
			// in this process): about what a request takes on an idle
			// machine, when nothing else wants the cores.
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(lat)), "cpu-ms/req")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(len(lat)), "requests")
		})
	}
	measure("search", 10, func(i int) {
		fetch(b, srv, fmt.Sprintf("/api/v1/entries?q=rainfall+k%d&department=bench-%d&pageSize=20", i%97, i%10))
	})
	measure("search-html", 10, func(i int) {
		fetch(b, srv, fmt.Sprintf("/?q=station&subject=%s", []string{"Hydrology", "Meteorology", "Geology", "Ecology"}[i%4]))
	})
	measure("dataset-jsonld", 10, func(i int) {
		n := i * 8 % benchEntries // i%8 == 0: Open, listed
		fetch(b, srv, fmt.Sprintf("/entries/scidata-bench-%d/dataset-%05d/dataset.jsonld", n%10, n))
	})
	measure("scorecard", 1, func(int) { discard(b, srv, "/api/v1/scorecard") })
	measure("scorecard-html-platforms", 1, func(int) { discard(b, srv, "/scorecard/platforms") })
	measure("dcat-whole", 1, func(int) { discard(b, srv, "/catalog.jsonld") })
	measure("dcat-harvest", 1, func(int) {
		if pages := harvest(b, srv); pages != (benchEntries*6/8+99)/100 {
			b.Fatalf("the harvest took %d pages", pages)
		}
	})
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discard fetches path and drops the body as it arrives.
func discard(b *testing.B, srv *httptest.Server, path string) {
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
}

// harvest follows the DCAT export's hydra:next from the first page (100
// datasets each) to the last and returns how many pages it read.
func harvest(b *testing.B, srv *httptest.Server) int {
	next, pages := "/catalog.jsonld?page=1", 0
	for next != "" {
		var doc struct {
			View struct {
				Next struct {
					ID string `json:"@id"`
				} `json:"hydra:next"`
			} `json:"hydra:view"`
		}
		if err := json.Unmarshal(fetch(b, srv, next), &doc); err != nil {
			b.Fatal(err)
		}
		pages++
		next = strings.TrimPrefix(doc.View.Next.ID, "https://catalog.example.org")
	}
	return pages
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
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
