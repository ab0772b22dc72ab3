package cmd

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"

	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// The concurrency flags become the manager's defaults for every
// controller, per kind where given, and a misspelt kind or a count below
// one is refused with the flag's name rather than ignored.
func TestConcurrencyFlagsConfigureEveryController(t *testing.T) {
	cfg, err := controllerConfig(managerOptions{concurrency: 4, concurrencyPerKind: map[string]int{"CatalogEntry": 16, "Submission": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxConcurrentReconciles != 4 || cfg.GroupKindConcurrency["CatalogEntry.scidata.io"] != 16 || cfg.GroupKindConcurrency["Submission.scidata.io"] != 2 || len(cfg.GroupKindConcurrency) != 2 {
		t.Errorf("controller config %+v; want 4 workers each, 16 for CatalogEntry.scidata.io and 2 for Submission.scidata.io", cfg)
	}
	for _, tc := range []struct {
		o    managerOptions
		says string
	}{
		{managerOptions{concurrency: 0}, "--max-concurrent-reconciles=0"},
		{managerOptions{concurrency: 1, concurrencyPerKind: map[string]int{"Catalogentry": 4}}, `"Catalogentry" is not a kind the manager reconciles`},
		{managerOptions{concurrency: 1, concurrencyPerKind: map[string]int{"DataPlatform": 0}}, "DataPlatform=0: want at least 1"},
	} {
		if _, err := controllerConfig(tc.o); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("controllerConfig(%+v) = %v; want an error saying %q", tc.o, err, tc.says)
		}
	}
}

// Without a flag the manager runs with no client-side rate limit (the
// apiserver's priority and fairness governs), four workers per
// controller, controller-runtime's sync period and a small requeue
// jitter.
func TestManagerDefaultsForScale(t *testing.T) {
	f := newManagerCommand().Flags()
	for flag, want := range map[string]string{
		"kube-api-qps": "-1", "kube-api-burst": "0", "max-concurrent-reconciles": "4",
		"sync-period": "10h0m0s", "requeue-jitter": "5s", "pprof-bind-address": "0",
	} {
		if got := f.Lookup(flag); got == nil || got.DefValue != want {
			t.Errorf("--%s defaults to %v; want %s", flag, got, want)
		}
	}
}

// A city-wide policy's pass creates its Submissions with the
// SubmissionPolicy controller's worker count: its per-kind count where
// given, else the common one. Project, reconciled since the submission
// procedure, takes a count of its own.
func TestPolicyWorkersFollowTheSubmissionPolicyController(t *testing.T) {
	for _, tc := range []struct {
		o    managerOptions
		want int
	}{
		{managerOptions{concurrency: 4}, 4},
		{managerOptions{concurrency: 4, concurrencyPerKind: map[string]int{"CatalogEntry": 16}}, 4},
		{managerOptions{concurrency: 4, concurrencyPerKind: map[string]int{"SubmissionPolicy": 12}}, 12},
	} {
		if got := policyWorkers(tc.o); got != tc.want {
			t.Errorf("policyWorkers(%+v) = %d; want %d", tc.o, got, tc.want)
		}
	}
	cfg, err := controllerConfig(managerOptions{concurrency: 2, concurrencyPerKind: map[string]int{"Project": 3}})
	if err != nil || cfg.GroupKindConcurrency["Project.scidata.io"] != 3 {
		t.Errorf("--max-concurrent-reconciles-per-kind=Project=3: %+v, %v; want 3 workers for Project.scidata.io", cfg, err)
	}
}

// A manager started while the apiserver is away waits for it instead of
// exiting into the kubelet's crash-loop backoff: the real apiserver is
// reached through a port that refuses connections until a proxy opens it.
func TestTheManagerWaitsForAnApiserverThatIsAway(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	upstream, err := url.Parse(env.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	// A free port, closed again: connections to it are refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	cfg := rest.CopyConfig(env.Config)
	cfg.Host = "https://" + addr

	done := make(chan error, 1)
	go func() { done <- waitForAPIServer(context.Background(), cfg, logr.Discard()) }()
	select {
	case err := <-done:
		t.Fatalf("waitForAPIServer returned while nothing answered: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	// The apiserver comes back: a TCP proxy on that port to the real one.
	proxy, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	go func() {
		for {
			c, err := proxy.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("tcp", upstream.Host)
				if err != nil {
					return
				}
				defer u.Close()
				go func() { _, _ = io.Copy(u, c) }()
				_, _ = io.Copy(c, u)
			}()
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("waitForAPIServer: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("waitForAPIServer did not return within 30 s of the apiserver answering")
	}

	// Stopped while waiting, it says why.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := waitForAPIServer(ctx, &rest.Config{Host: "https://127.0.0.1:1"}, logr.Discard()); err == nil {
		t.Fatal("waitForAPIServer with nothing answering and the context done returned no error")
	}
}
