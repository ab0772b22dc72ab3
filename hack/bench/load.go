package main

import (
	"context"
	"os"
	"strings"
	"sync"
	"time"
)

// loadSampler records /proc/loadavg while a run goes: the machine is
// shared, and what else ran says how far the figures are from an idle
// machine's.
type loadSampler struct {
	mu      sync.Mutex
	samples []string
	cancel  context.CancelFunc
	done    chan struct{}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func startLoadSampler(ctx context.Context, every time.Duration) *loadSampler {
	ctx, cancel := context.WithCancel(ctx)
	l := &loadSampler{cancel: cancel, done: make(chan struct{})}
	start := time.Now()
	go func() {
		defer close(l.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			l.mu.Lock()
			l.samples = append(l.samples, time.Since(start).Round(time.Second).String()+" "+loadavg())
			l.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return l
}

func (l *loadSampler) stop() []string {
	l.cancel()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.samples...)
}
