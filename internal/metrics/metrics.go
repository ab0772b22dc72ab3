package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	// PlatformCondition is 1 when a platform's condition is True, per
	// platform, role, department and condition type.
	PlatformCondition = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scidata_platform_condition",
		Help: "1 when the DataPlatform's condition of this type is True, else 0.",
	}, []string{"platform", "role", "department", "type"})

	// PlatformReconciles counts reconciles per platform and outcome
	// (success, stalled, error).
	PlatformReconciles = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scidata_platform_reconcile_total",
		Help: "Reconciles of a DataPlatform, by outcome: success, stalled or error.",
	}, []string{"platform", "outcome"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(PlatformCondition, PlatformReconciles)
}

// ForgetPlatform drops a deleted platform's series.
func ForgetPlatform(name string) {
	PlatformCondition.DeletePartialMatch(prometheus.Labels{"platform": name})
	PlatformReconciles.DeletePartialMatch(prometheus.Labels{"platform": name})
}
