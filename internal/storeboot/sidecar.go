package storeboot

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
)

// Sidecar is the second step: it keeps a store's bucket and its policy
// right, with the root account, and says on /readyz whether they are.
type Sidecar struct {
	// Client speaks to the store with the root account.
	Client *minio.Client
	// Bucket is the bucket to make; Policy the bucket policy to keep (from
	// Policy).
	Bucket string
	Policy []byte
	// HealthAddr is where /readyz and /healthz answer.
	HealthAddr string
	// Interval is how often the bucket and its policy are checked once right.
	Interval time.Duration
	Log      *slog.Logger
}

// Backoff bounds of the checks while the store is not right.
const (
	minRetry = time.Second
	maxRetry = 30 * time.Second
)

// Run serves the health endpoints and runs Ensure until ctx ends: every
// Interval while the store is right, sooner (backing off from a second to
// half a minute) while it is not, when /readyz answers 503 with the reason.
// It returns nil when ctx ends, an error only if it cannot listen.
func (s *Sidecar) Run(ctx context.Context) error {
	state := &readiness{reason: "the bucket has not been checked yet"}
	mux := http.NewServeMux()
	mux.Handle("/readyz", state)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = fmt.Fprintln(w, "ok") })
	ln, err := net.Listen("tcp", s.HealthAddr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	backoff := minRetry
	for {
		next := s.Interval
		if err := s.check(ctx); err != nil {
			state.set(false, err.Error())
			s.Log.Warn("the store is not ready", "error", err.Error(), "retryIn", backoff.String())
			next, backoff = backoff, min(backoff*2, maxRetry)
		} else {
			state.set(true, "")
			backoff = minRetry
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(next):
		}
	}
}

// check is one bounded pass of Ensure, logged when it changed something.
func (s *Sidecar) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := Ensure(ctx, s.Client, s.Bucket, s.Policy)
	if err == nil && (out.BucketCreated || out.PolicySet) {
		s.Log.Info("the store is ready", "bucketCreated", out.BucketCreated, "policySet", out.PolicySet)
	}
	return err
}

// readiness is what /readyz reports.
type readiness struct {
	mu     sync.Mutex
	ready  bool
	reason string
}

func (r *readiness) set(ready bool, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ready, r.reason = ready, reason
}

func (r *readiness) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	ready, reason := r.ready, r.reason
	r.mu.Unlock()
	if !ready {
		http.Error(w, reason, http.StatusServiceUnavailable)
		return
	}
	_, _ = fmt.Fprintln(w, "ok")
}
