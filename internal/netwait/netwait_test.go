package netwait

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestReachableWaitsForAListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens: connections are refused
	go func() {
		time.Sleep(300 * time.Millisecond)
		l2, err := net.Listen("tcp", addr)
		if err != nil {
			return
		}
		t.Cleanup(func() { _ = l2.Close() })
		for {
			c, err := l2.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	if err := Reachable(context.Background(), addr, 10*time.Second); err != nil {
		t.Fatalf("a listener that comes after 300ms: %v", err)
	}
}

func TestReachableGivesUpWithTheReason(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	err = Reachable(context.Background(), addr, 500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "not reachable within 500ms") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("got %v, want not reachable with the dial error", err)
	}
}
