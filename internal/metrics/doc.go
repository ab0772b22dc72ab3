// Package metrics defines the operator's own Prometheus metrics, served on
// the manager's /metrics beside controller-runtime's (whose
// controller_runtime_reconcile_errors_total the alerts read too). Every
// name starts with scidata_, every label takes a bounded set of values
// (platform and department names, roles, states, reasons; never an entry's
// or a Submission's name), and docs/operations.md lists them with the
// alerts and the dashboard built on them.
//
// Two kinds, chosen by what they count:
//
//   - City, a prometheus.Collector: how many objects are in which state
//     (platforms by condition, entries by sharing and by duty, Submissions by state,
//     overdue and failed by reason, receipts, the key set, bound storage,
//     paused objects). It lists the manager's informer cache at each
//     scrape, so the figures are right from the first scrape after a
//     restart, and a deleted object leaves no stale series. Every known
//     label value is exported, at zero when nothing is in that state. It
//     reports only on the elected leader.
//   - counters and a histogram, counted where the event happens (a
//     reconcile's outcome, a receipt signed, the bytes and objects of a
//     verified transfer, the time from approval to receipt). They start at
//     zero for every platform the manager knows (KnowPlatform).
package metrics
