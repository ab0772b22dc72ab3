package storeboot

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
)

// Sidecar is the second step: it keeps a store's bucket, its policy and its
// access grants' accounts right, with the root account, and says on /readyz
// whether they are.
type Sidecar struct {
	// Client speaks to the store with the root account.
	Client *minio.Client
	// Bucket is the bucket to make; Grants the store's own accounts and
	// their access (Policy).
	Bucket string
	Grants []Grant
	// Source is where the access grants of this store come from (nil for
	// none): read when it signals a change and every PollInterval.
	Source GrantSource
	// Admin makes and deletes the grants' accounts while the server runs
	// (nil: the source must hold no grant).
	Admin *Admin
	// HealthAddr is where /readyz and /healthz answer.
	HealthAddr string
	// Interval is how often everything is checked again once right, and
	// PollInterval how often the grants are read (default a second).
	Interval, PollInterval time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	Log *slog.Logger
}

// Backoff bounds of the checks while the store is not right.
const (
	minRetry = time.Second
	maxRetry = 30 * time.Second
)

// Run serves the health endpoints and keeps the store right until ctx
// ends: at once when the grants change or a grant expires, every
// Interval otherwise, and sooner (backing off from a second to half a
// minute) while it is not right, when /readyz answers 503 with the reason.
// A grant is dropped at its expiry instant even if the source still holds it:
// its account is deleted and its statements leave the bucket policy. It
// returns nil when ctx ends, an error only if it cannot listen.
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
	poll := s.PollInterval
	if poll <= 0 {
		poll = time.Second
	}

	var (
		file    []byte      // the grants document as last read
		grants  []FileGrant // its grants, as last parsed right
		applied string      // what the last successful pass applied
		failed  bool        // the last pass failed: wait for due
		due     time.Time   // when to check again regardless
		backoff = minRetry
	)
	for {
		now := s.now()
		if data, changed := s.readGrants(file); changed {
			file = data
			if g, err := ParseGrants(data); err != nil {
				// Keep the grants last read right; a bad document is a bug to see.
				s.Log.Error("the grants document is not valid; the grants last read stay", "error", err.Error())
			} else {
				grants = g
			}
		}
		live := Live(grants, now)
		key := grantsKey(live)
		if (!failed && key != applied) || !now.Before(due) {
			if err := s.check(ctx, live); err != nil {
				state.set(false, err.Error())
				failed = true
				s.Log.Warn("the store is not ready", "error", err.Error(), "retryIn", backoff.String())
				due, backoff = now.Add(backoff), min(backoff*2, maxRetry)
			} else {
				state.set(true, "")
				failed, applied, due, backoff = false, key, now.Add(s.Interval), minRetry
			}
		}
		wait := min(poll, due.Sub(now))
		if next := NextExpiry(live); !next.IsZero() && next.Sub(now) < wait {
			wait = next.Sub(now)
		}
		var changed <-chan struct{}
		if s.Source != nil {
			changed = s.Source.Changed()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-time.After(max(wait, 0)):
		}
	}
}

func (s *Sidecar) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// readGrants reads the grants, reporting whether they differ from last.
func (s *Sidecar) readGrants(last []byte) ([]byte, bool) {
	if s.Source == nil {
		return nil, false
	}
	data, err := s.Source.Read()
	if err != nil {
		s.Log.Error("cannot read the access grants; the grants last read stay", "error", err.Error())
		return last, false
	}
	return data, !bytes.Equal(data, last) || (last == nil && data != nil)
}

// grantsKey identifies a set of live grants, to tell when it changed.
func grantsKey(live []FileGrant) string {
	b, _ := EncodeGrants(live)
	return string(b)
}

// check is one bounded pass: the grants' accounts, then the bucket and its
// policy, logged when it changed something.
func (s *Sidecar) check(ctx context.Context, live []FileGrant) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	created, deleted, err := s.syncAccounts(ctx, live)
	if err != nil {
		return err
	}
	policy, err := PolicyWithAccess(s.Bucket, s.Grants, live)
	if err != nil {
		return err
	}
	out, err := Ensure(ctx, s.Client, s.Bucket, policy)
	if err == nil && (out.BucketCreated || out.PolicySet || created+deleted > 0) {
		s.Log.Info("the store is ready", "bucketCreated", out.BucketCreated, "policySet", out.PolicySet,
			"grants", len(live), "grantAccountsCreated", created, "grantAccountsDeleted", deleted)
	}
	return err
}

// syncAccounts makes the account of every live grant and deletes every
// account that is neither the store's own nor a live grant's: an expired or
// withdrawn grant's account is refused from the next request on.
func (s *Sidecar) syncAccounts(ctx context.Context, live []FileGrant) (created, deleted int, err error) {
	if s.Admin == nil {
		if len(live) > 0 {
			return 0, 0, fmt.Errorf("%d access grants, but no admin API to make their accounts with", len(live))
		}
		return 0, 0, nil
	}
	have, err := s.Admin.ListUsers(ctx)
	if err != nil {
		return 0, 0, err
	}
	want := map[string]bool{}
	for _, g := range s.Grants {
		want[g.Account.Access] = true
	}
	for _, g := range live {
		want[g.Access] = true
	}
	present := map[string]bool{}
	for _, k := range have {
		present[k] = true
		if !want[k] {
			if err := s.Admin.DeleteUser(ctx, k); err != nil {
				return created, deleted, fmt.Errorf("delete account: %w", err)
			}
			deleted++
		}
	}
	for _, g := range live {
		if !present[g.Access] {
			if err := s.Admin.CreateUser(ctx, g.Access, g.Secret); err != nil {
				return created, deleted, fmt.Errorf("create the account of grant %s: %w", g.ID, err)
			}
			created++
		}
	}
	return created, deleted, nil
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
