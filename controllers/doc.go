// Package controllers holds one reconciler per kind of the scidata.io API,
// registered by SetupAll (setup.go).
//
// Every reconciler has one shape: fetch → (deletion and finalizer, in a
// write of their own) → an ordered list of steps → the conditions, set
// from what the steps observed → one status write, skipped when nothing
// changed. Owned objects are built by pure functions in internal/ and
// applied with server-side apply (internal/apply).
//
// # Where each controller lives
//
// DataPlatform, the model the others follow:
//   - dataplatform_controller.go: control flow, watches; the steps run in
//     order: namespace, quota, access, credentials, TLS, object store,
//     portal, network.
//   - dataplatform_scope.go: what one pass carries from step to step.
//   - steps: dataplatform_phases.go (namespace, quota, owners' access),
//     dataplatform_credentials.go (store accounts, the Center's read-only
//     copy, the CA and serving certificates), dataplatform_workloads.go
//     (object store, volume growth and retention, portal),
//     dataplatform_network.go (NetworkPolicies from the cluster's DNS and
//     apiserver endpoints, and External stores' networks),
//     dataplatform_external.go (an External store's Secrets, their copies,
//     and StorageReady from the probe); dataplatform_delete.go is the
//     deletion path.
//   - status rules: dataplatform_status.go.
//   - builders: internal/platform (one file per kind of child, golden
//     files under internal/platform/testdata; credentials.go for every
//     generated Secret).
//
// CatalogEntry (owns nothing):
//   - catalogentry_controller.go: fetch, the submission state, one status
//     write, events, requeue at the next time-based change.
//   - status rules: catalogentry_status.go, pure; the rules themselves are
//     internal/sharing and internal/completeness.
//
// SubmissionPolicy:
//   - submissionpolicy_controller.go: the schedule and calendar parsed,
//     the covered entries, one Submission per entry version (or per
//     submission window), a requeue at the next window or deadline.
//   - status rules: submissionpolicy_status.go; the counts are
//     internal/submission/status.go.
//   - builder: internal/submission/builder.go (ForEntry, golden file under
//     internal/submission/testdata).
//
// Submission (the procedure of docs/submission.md):
//   - submission_controller.go: fetch, the coverage and terms in force (a
//     scope), one deferred status write, an Event per change of state, a
//     requeue at the next deadline.
//   - steps: submission_procedure.go (withdrawal, working-day deadlines,
//     metadata gates), submission_transfer.go (referral, sync Job, the
//     manifest read back, receipt), submission_acceptance.go (referral to
//     the secrecy channel, data gates, the receipt's payload).
//   - status rules: submission_status.go.
//   - builders: internal/submission/job.go (the sync Job, golden file),
//     internal/platform/credentials.go (receipt signing key and key set);
//     receipts are signed by internal/receipt.
//
// Project (one per funded project id, in the Center's namespace):
//   - project_controller.go: the entries by a field index, the Project
//     made when missing, signed statements appended; project_status.go.
//   - rules: internal/submission/project.go.
//
// This is the one reconciler that speaks HTTP: it reads each manifest back
// from the Center's object store and stores the receipt beside it, over
// S3 (HTTPS, verified against the operator's CA) through
// internal/centerstore, because a receipt must rest on what the store
// holds, not on what the sync pod claims. The others talk only to the
// apiserver.
//
// # What they share
//
//   - internal/reconcilekit: the status write (skip unchanged, optimistic
//     lock), the one condition setter and the kstatus trio, the typed
//     errors Stalled and Waiting with their requeue, the requeue-at rule,
//     and when observedGeneration is recorded. It is a package, not a file
//     here, as Flux (fluxcd/pkg/runtime, internal/error) and Cluster API
//     (util/patch, util/conditions) keep theirs: it is tested on its own,
//     without an apiserver, and holds nothing of any one kind.
//   - internal/apply: server-side apply of owned objects (Ensure) and the
//     create-once of generated Secrets (CreateOnce).
//   - internal/submission/coverage.go: the one read of an entry, its
//     namespace's labels and the policies that cover it.
//   - the condition types and reasons: api/v1alpha1 (*_types.go,
//     reasons.go); the order of classification levels:
//     api/v1alpha1/classification.go.
//
// # Adding a controller
//
// A new kind (AccessRequest, next) takes the DataPlatform's shape:
// <kind>_controller.go with the fetch, reconcilekit.NewStatusPatch, a
// deferred set<Kind>Status and reconcilekit.Finish, and the ordered steps;
// one file per step's concern; <kind>_status.go of set… functions over
// reconcilekit.Conditions, each table-tested in <kind>_status_test.go;
// steps return reconcilekit.Stalled for what a person must mend and
// reconcilekit.Waiting for what an event will bring; reasons go in
// api/v1alpha1/reasons.go; builders in internal/ with golden files.
package controllers
