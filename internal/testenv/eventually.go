package testenv

import (
	"testing"
	"time"
)

// Eventually calls check every interval until it returns nil, and fails the
// test with check's last error once timeout has passed. It is the bounded
// polling the tests use instead of fixed sleeps.
func Eventually(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	const interval = 100 * time.Millisecond
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-deadline.C:
			t.Fatalf("still failing after %s: %v", timeout, err)
		case <-tick.C:
		}
	}
}
