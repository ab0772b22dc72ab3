package portal

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/utils/clock"
)

//go:embed templates/*.html
var templateFS embed.FS

// Scope says whose catalog the portal serves.
type Scope string

// Scopes.
const (
	ScopeCity       Scope = "city"
	ScopeDepartment Scope = "department"
)

// Server serves the catalog. Set the fields, then call Handler.
type Server struct {
	Source *Source
	Clock  clock.PassiveClock
	Scope  Scope
	// BaseURL is the portal's public URL, the root of every URI it exports.
	BaseURL string
	// Title and the rest describe the catalog (DCAT-AP requires title,
	// description and one publisher).
	Title, LocalTitle, Description, Publisher, LocalPublisher string
	// Ready reports whether the cache has synced; nil means ready.
	Ready func() error
	// ReceiptKeys returns the Center's receipt key set (JSON) that
	// /receipt-keys.json publishes; nil on a portal that is not the
	// Center's.
	ReceiptKeys func(context.Context) ([]byte, error)

	tmpl     *template.Template
	encoded  *encodedCatalog
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// Handler returns the portal's routes.
func (s *Server) Handler() (http.Handler, error) {
	if err := s.init(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for pattern, h := range s.routes() {
		mux.Handle(pattern, s.instrument(pattern, s.withSnapshot(h)))
	}
	// The key set is not part of the catalog: no snapshot needed.
	mux.Handle(receiptKeysPattern, s.instrument(receiptKeysPattern, http.HandlerFunc(s.receiptKeys)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	return mux, nil
}

// routes are the catalog's views, each served from one snapshot.
func (s *Server) routes() map[string]func(http.ResponseWriter, *http.Request, *Snapshot) {
	return map[string]func(http.ResponseWriter, *http.Request, *Snapshot){
		"GET /{$}":                               s.index,
		"GET /entries/{namespace}/{name}":        s.entryPage,
		"GET /scorecard":                         s.scorecardPage,
		"GET /api/v1/entries":                    s.apiEntries,
		"GET /api/v1/entries/{namespace}/{name}": s.apiEntry,
		"GET /api/v1/scorecard":                  s.apiScorecard,
		"GET /catalog.jsonld":                    s.dcat,
		"GET /catalog.csv":                       s.csv,
	}
}

// Patterns lists every pattern the portal serves, so that tests can cover
// each route, including ones added later.
func Patterns() []string {
	out := []string{"GET /healthz", "GET /readyz", "GET /metrics", receiptKeysPattern}
	for p := range (&Server{}).routes() {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (s *Server) init() error {
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	s.tmpl = t
	s.encoded = &encodedCatalog{}
	if s.Clock == nil {
		s.Clock = clock.RealClock{}
	}
	s.BaseURL = strings.TrimSuffix(s.BaseURL, "/")
	s.registry = prometheus.NewRegistry()
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scidata_portal_requests_total", Help: "HTTP requests served by the catalog portal, by route and status code.",
	}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "scidata_portal_request_duration_seconds", Help: "Time to serve a catalog portal request, by route.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"route"})
	s.registry.MustRegister(s.requests, s.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return nil
}

func (s *Server) url(path string) string { return s.BaseURL + path }

// statusWriter remembers the status code for the metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }

func (s *Server) instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		s.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		s.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

func (s *Server) withSnapshot(h func(http.ResponseWriter, *http.Request, *Snapshot)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		snap, err := s.Source.Snapshot(ctx, s.Clock.Now())
		if err != nil {
			http.Error(w, "the catalog cannot be read right now; try again shortly", http.StatusServiceUnavailable)
			return
		}
		h(w, r, snap)
	})
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}

func filterFrom(q url.Values) Filter {
	return Filter{Query: q.Get("q"), Department: q.Get("department"), Subject: q.Get("subject"), DataType: q.Get("dataType"), Sharing: q.Get("sharing")}
}

// page cuts a page out of entries; page numbers start at 1.
func page(entries []*Entry, q url.Values, defaultSize, maxSize int) ([]*Entry, int, int) {
	n, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("pageSize"))
	if n < 1 {
		n = 1
	}
	if size < 1 {
		size = defaultSize
	}
	size = min(size, maxSize)
	from := min((n-1)*size, len(entries))
	return entries[from:min(from+size, len(entries))], n, size
}

// writeJSON writes v indented, for people reading the API.
func writeJSON(w http.ResponseWriter, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(buf.Bytes())
}

// dcat serves the DCAT-AP export, encoded once per snapshot: harvesters
// fetch the whole catalog, and between changes it is the same bytes.
func (s *Server) dcat(w http.ResponseWriter, _ *http.Request, snap *Snapshot) {
	body := s.encoded.get(snap)
	if body == nil {
		b, err := json.Marshal(s.Catalog(snap))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		body = append(b, '\n')
		s.encoded.put(snap, body)
	}
	w.Header().Set("Content-Type", "application/ld+json; charset=utf-8")
	_, _ = w.Write(body)
}

func (s *Server) csv(w http.ResponseWriter, r *http.Request, snap *Snapshot) {
	var buf bytes.Buffer
	if err := s.WriteCSV(&buf, snap.Select(filterFrom(r.URL.Query()))); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="catalog.csv"`)
	_, _ = w.Write(buf.Bytes())
}

// encodedCatalog keeps the DCAT export of the latest snapshot.
type encodedCatalog struct {
	mu   sync.Mutex
	snap *Snapshot
	body []byte
}

func (c *encodedCatalog) get(snap *Snapshot) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != snap {
		return nil
	}
	return c.body
}

func (c *encodedCatalog) put(snap *Snapshot, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap, c.body = snap, body
}
