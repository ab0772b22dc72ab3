package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scidata-io/scidata-operator/internal/platform"
)

// pool runs write requests with a fixed number of workers: the harness's
// apply of the city and the floor use the same pool, with the manager's
// worker count.
type pool struct {
	work     chan func(context.Context) error
	wg       sync.WaitGroup
	mu       sync.Mutex
	err      error
	retries  atomic.Int64
	retryFor time.Duration
}

func newPool(ctx context.Context, workers int) *pool {
	p := &pool{work: make(chan func(context.Context) error, 4*workers), retryFor: time.Minute}
	for i := 0; i < workers; i++ {
		go func() {
			for f := range p.work {
				if err := f(ctx); err != nil {
					p.mu.Lock()
					if p.err == nil {
						p.err = err
					}
					p.mu.Unlock()
				}
				p.wg.Done()
			}
		}()
	}
	return p
}

func (p *pool) submit(f func(context.Context) error) {
	p.wg.Add(1)
	p.work <- f
}

// wait waits for what was submitted so far and returns the first error.
func (p *pool) wait() error {
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *pool) close() { close(p.work) }

// retrying runs a write until it succeeds, retrying what a GitOps tool
// would retry (the namespace's labels not yet seen by admission, a
// throttle, a timeout) for up to a minute. An object that already exists
// counts as written.
func (p *pool) retrying(ctx context.Context, what string, f func(context.Context) error) error {
	deadline := time.Now().Add(p.retryFor)
	for {
		err := f(ctx)
		if err == nil || apierrors.IsAlreadyExists(err) {
			return nil
		}
		retry := apierrors.IsForbidden(err) || apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) ||
			apierrors.IsTimeout(err) || apierrors.IsNotFound(err) || apierrors.IsInternalError(err) || errors.Is(err, context.DeadlineExceeded)
		if !retry || time.Now().After(deadline) {
			return fmt.Errorf("%s: %w", what, err)
		}
		p.retries.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// applyCity creates the city as its bureau and departments would through
// GitOps, as fast as workers allow: every platform at once, then each
// platform's entries as soon as the operator has made its namespace, and
// the city's policy once the Center's namespace is there. It returns when
// everything is created.
func applyCity(ctx context.Context, c client.Client, workers int, t *tracker, ct *city) (retries int64, err error) {
	p := newPool(ctx, workers)
	defer p.close()
	for _, dp := range ct.Platforms {
		p.submit(func(ctx context.Context) error {
			return p.retrying(ctx, "create DataPlatform "+dp.Name, func(ctx context.Context) error { return c.Create(ctx, dp.DeepCopy()) })
		})
	}
	var wg sync.WaitGroup
	for _, dp := range ct.Platforms {
		ns := platform.Namespace(dp)
		entries := ct.Entries[dp.Name]
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-t.namespaceReady(ns):
			case <-ctx.Done():
				return
			}
			if ns == ct.Policy.Namespace {
				p.submit(func(ctx context.Context) error {
					return p.retrying(ctx, "create SubmissionPolicy", func(ctx context.Context) error { return c.Create(ctx, ct.Policy.DeepCopy()) })
				})
			}
			for _, e := range entries {
				p.submit(func(ctx context.Context) error {
					return p.retrying(ctx, "create CatalogEntry "+e.Namespace+"/"+e.Name, func(ctx context.Context) error { return c.Create(ctx, e.DeepCopy()) })
				})
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return p.retries.Load(), ctx.Err()
	}
	err = p.wait()
	return p.retries.Load(), err
}
