// Package metrics defines the operator's own Prometheus metrics, registered
// with controller-runtime's registry and served on the manager's /metrics
// beside controller-runtime's. An auditor's dashboard reads platform
// readiness here without asking anyone.
package metrics
