package cmd

import (
	"strings"
	"testing"
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
