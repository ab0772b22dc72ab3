// Package reconcilekit is what every reconciler of the operator shares, so
// that each concern is written once:
//
//   - StatusPatch: the one status write of a pass, through the status
//     subresource, skipped when the status is what was read, with an
//     optimistic lock so a pass computed from a stale object is retried
//     instead of overwriting a newer status (CloudNativePG's
//     pkg/resources/status, Flux's serial patcher, Cluster API's patch
//     helper).
//   - Conditions: the one condition setter, and the kstatus trio (Ready,
//     Reconciling, Stalled) set together by MarkReady, MarkReconciling,
//     MarkStalled and MarkFailed, so no kind can leave them contradicting
//     each other.
//   - Stalled and Waiting: typed errors that carry a reason, a message and
//     (Waiting) a requeue, as Flux's internal/error does. A step returns
//     them; Finish turns them into the reconcile's result; Completed says
//     whether the pass may record observedGeneration.
//   - RequeueAt: come back exactly when a time-based rule changes, with one
//     minimum (MinRequeue) for a moment already passed.
//
// The rules, for every kind:
//
//   - A pass that ends without an error, waiting on something it observed,
//     or Stalled on something a person must mend has reached a verdict on
//     this generation and records observedGeneration (Flux does the same
//     for a stalled object, so kstatus reads it as Failed rather than
//     InProgress). A pass that ends in an error that is retried does not.
//   - A Stalled error is not retried with backoff: retrying changes
//     nothing. The watches bring the object back when its cause is mended.
//   - A status write that fails is retried (status writes wake nothing, so
//     dropping one would lose it); a RequeueAfter beside an error would be
//     ignored, so it is dropped.
//
// The kit is small on purpose and hand-written: fluxcd/pkg/runtime and
// Cluster API's util/patch do the same with their own condition types and
// a dependency on their release train of controller-runtime; what the
// operator needs fits in these few functions over apimachinery's
// meta.SetStatusCondition.
package reconcilekit
