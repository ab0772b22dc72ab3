// Package plugin is what the kubectl plugin `kubectl scidata` does: the
// operator's own binary run under the name kubectl-scidata (cmd/plugin.go
// binds the flags and calls in here). Every command reads the cluster
// through the caller's kubeconfig and identity, never writes to it, and
// prints text for a person or, with -o json|yaml, the same data for a
// program:
//
//   - Status: the city at a glance: every platform and why it is or is
//     not Ready, entries by effective sharing, Submissions by state, what
//     is overdue, what is Stalled and why, what is paused.
//   - Trace: one entry, its Submissions, their sync Jobs and pods, and
//     their receipts, as a tree (Crossplane's `trace`).
//   - VerifyReceipt: a Submission's receipt checked against the Center's
//     published key set read from the cluster, with a fingerprint the
//     auditor pinned (internal/receipt does the cryptography).
//   - Report: a support bundle (zip) of the kinds, their events, the
//     workloads of the platform namespaces, the manager's logs, and the
//     Secrets redacted: names, types and key sizes, never their data
//     (CloudNativePG's `report`).
package plugin
