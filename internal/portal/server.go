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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
	// Index is the catalog the views read; its clock is the portal's.
	Index *Index
	Scope Scope
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
		mux.Handle(pattern, s.instrument(pattern, h))
	}
	mux.Handle(receiptKeysPattern, s.instrument(receiptKeysPattern, http.HandlerFunc(s.receiptKeys)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	return mux, nil
}

// routes are the catalog's views.
func (s *Server) routes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /{$}":                               s.index,
		"GET /entries/{namespace}/{name}":        s.entryPage,
		datasetPattern:                           s.datasetDoc,
		"GET /scorecard":                         s.scorecardPage,
		"GET /scorecard/platforms":               s.platformScorecardPage,
		"GET /scorecard.csv":                     s.scorecardCSV,
		"GET /api/v1/entries":                    s.apiEntries,
		"GET /api/v1/entries/{namespace}/{name}": s.apiEntry,
		"GET /api/v1/scorecard":                  s.apiScorecard,
		"GET /api/v1/scorecard/platforms":        s.apiPlatformScorecard,
		"GET /projects":                          s.projectsPage,
		"GET /api/v1/projects":                   s.apiProjects,
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
	if s.Index == nil {
		s.Index = NewIndex(nil, "")
	}
	s.BaseURL = strings.TrimSuffix(s.BaseURL, "/")
	for _, f := range []*string{&s.Title, &s.LocalTitle, &s.Description, &s.Publisher, &s.LocalPublisher} {
		*f = neutral(*f)
	}
	s.registry = prometheus.NewRegistry()
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scidata_portal_requests_total", Help: "HTTP requests served by the catalog portal, by route and status code.",
	}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "scidata_portal_request_duration_seconds", Help: "Time to serve a catalog portal request, by route.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"route"})
	s.registry.MustRegister(s.requests, s.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Last: the datasets are encoded with the settings above.
	s.Index.encodeWith(func(e *Entry) { _, _ = s.datasetJSON(e) })
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

// now is the portal's clock, the index's.
func (s *Server) now() time.Time { return s.Index.clock.Now() }

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}

// query is the request's query with every value neutralised: a page echoes
// its query back (the search box, the links to the next page), and a link
// someone sends must not make it show what no entry may.
func query(r *http.Request) url.Values {
	q := r.URL.Query()
	for _, vs := range q {
		for i, v := range vs {
			vs[i] = neutral(v)
		}
	}
	return q
}

// filterFrom reads the views' filters.
func filterFrom(q url.Values) Filter {
	return Filter{Query: q.Get("q"), Department: q.Get("department"), Subject: q.Get("subject"), DataType: q.Get("dataType"), Sharing: q.Get("sharing")}
}

// page reads a page number (from 1) and size (at most maxSize) from q.
func page(q url.Values, defaultSize, maxSize int) (n, size int) {
	n, _ = strconv.Atoi(q.Get("page"))
	size, _ = strconv.Atoi(q.Get("pageSize"))
	if n < 1 {
		n = 1
	}
	if size < 1 {
		size = defaultSize
	}
	size = min(size, maxSize)
	// Far beyond any catalog: the offset cannot overflow.
	n = min(n, 1<<20)
	return n, size
}

// offset is where page n of the given size starts.
func offset(n, size int) int { return (n - 1) * size }

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
