package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Outcomes of a DataPlatform reconcile (reconcilekit.Outcome).
var outcomes = []string{"success", "waiting", "stalled", "error"}

// The counters and the histogram: what happened, counted where it happens
// (in the reconciles), labelled by platform only. Every one is set to zero
// for every platform the manager knows (KnowPlatform), so a dashboard reads
// 0 rather than "no data" after a restart.
var (
	// PlatformReconciles counts DataPlatform reconciles by outcome.
	PlatformReconciles = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scidata_platform_reconcile_total",
		Help: "Reconciles of a DataPlatform, by outcome: success, waiting (on its workloads), stalled (a person must act) or error (retried).",
	}, []string{"platform", "outcome"})
	// ReceiptsSigned counts receipts this manager signed and recorded.
	ReceiptsSigned = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scidata_receipts_signed_total",
		Help: "Submission receipts (汇交凭证) signed by the Center's key and recorded in a Submission's status, by the department's platform.",
	}, []string{"platform"})
	// SyncBytes counts the bytes of verified transfers.
	SyncBytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scidata_sync_bytes_total",
		Help: "Bytes copied into the Center's store by sync Jobs and verified against the manifest read back from it, by the department's platform.",
	}, []string{"platform"})
	// SyncObjects counts the objects of verified transfers.
	SyncObjects = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scidata_sync_objects_total",
		Help: "Objects copied into the Center's store by sync Jobs and verified against the manifest read back from it, by the department's platform.",
	}, []string{"platform"})
	// ApprovalToReceipt is how long a Submission took from its approval
	// (or its creation, when no review was required) to its receipt.
	ApprovalToReceipt = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "scidata_submission_approval_to_receipt_seconds",
		Help: "Time from a Submission's approval (its creation when no review was required) to its signed receipt, by the department's platform.",
		Buckets: []float64{
			(1 * time.Minute).Seconds(), (5 * time.Minute).Seconds(), (15 * time.Minute).Seconds(),
			time.Hour.Seconds(), (6 * time.Hour).Seconds(), (24 * time.Hour).Seconds(),
			(3 * 24 * time.Hour).Seconds(), (7 * 24 * time.Hour).Seconds(), (30 * 24 * time.Hour).Seconds(),
		},
	}, []string{"platform"})
)

var register sync.Once

// Register registers the counters with controller-runtime's registry,
// which the manager serves on /metrics. It is idempotent.
func Register() {
	register.Do(func() {
		ctrlmetrics.Registry.MustRegister(PlatformReconciles, ReceiptsSigned, SyncBytes, SyncObjects, ApprovalToReceipt)
	})
}

// KnowPlatform sets every counter of a platform to zero if it has no value
// yet, so that its series exist from the moment the platform is known.
func KnowPlatform(name string) {
	for _, o := range outcomes {
		PlatformReconciles.WithLabelValues(name, o).Add(0)
	}
	ReceiptsSigned.WithLabelValues(name).Add(0)
	SyncBytes.WithLabelValues(name).Add(0)
	SyncObjects.WithLabelValues(name).Add(0)
	ApprovalToReceipt.WithLabelValues(name)
}

// ForgetPlatform drops a deleted platform's series.
func ForgetPlatform(name string) {
	l := prometheus.Labels{"platform": name}
	PlatformReconciles.DeletePartialMatch(l)
	ReceiptsSigned.DeletePartialMatch(l)
	SyncBytes.DeletePartialMatch(l)
	SyncObjects.DeletePartialMatch(l)
	ApprovalToReceipt.DeletePartialMatch(l)
}

// Received records one receipt signed for a platform's Submission: the
// transfer's objects and bytes, and the time since approval.
func Received(platform string, objects, bytes int64, sinceApproval time.Duration) {
	ReceiptsSigned.WithLabelValues(platform).Inc()
	SyncObjects.WithLabelValues(platform).Add(float64(objects))
	SyncBytes.WithLabelValues(platform).Add(float64(bytes))
	ApprovalToReceipt.WithLabelValues(platform).Observe(max(sinceApproval, 0).Seconds())
}
