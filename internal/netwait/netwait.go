package netwait

import (
	"context"
	"fmt"
	"net"
	"time"
)

// Reachable dials addr (host:port) until a connection is accepted, ctx ends
// or timeout passes, and returns the last error then.
func Reachable(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	wait := 100 * time.Millisecond
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		conn, err := d.DialContext(attempt, "tcp", addr)
		cancelAttempt()
		if err == nil {
			_ = conn.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not reachable within %s: %w", addr, timeout, err)
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Second)
	}
}
