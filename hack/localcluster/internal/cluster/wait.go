package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// exited is a permanent error, with the end of its log, when a component
// is no longer running.
func (cl *Cluster) exited(name string) error {
	if p := cl.process(name); p != nil && p.alive() {
		return nil
	}
	log, _ := os.ReadFile(cl.LogFile(name))
	return permanent(fmt.Errorf("%s exited; the end of %s:\n%s", name, cl.LogFile(name), tail(log)))
}

// permanentErr stops a poll early.
type permanentErr struct{ error }

func permanent(err error) error { return permanentErr{err} }

// poll retries f until it succeeds, the timeout passes or f fails
// permanently; the last error says what was still missing.
func poll(ctx context.Context, timeout time.Duration, what string, f func() error) error {
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = f(); err == nil {
			return nil
		}
		var pe permanentErr
		if errors.As(err, &pe) {
			return pe.error
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w", what, timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitHTTP waits for a 200 from a local health endpoint. The components'
// self-signed serving certificates are not verified: the address is
// loopback and the question is only "is it up".
func (cl *Cluster) waitHTTP(ctx context.Context, name, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback health check
	}}
	return poll(ctx, timeout, url, func() error {
		if err := cl.exited(name); err != nil {
			return err
		}
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			return fmt.Errorf("%s: %s", resp.Status, b)
		}
		return nil
	})
}
