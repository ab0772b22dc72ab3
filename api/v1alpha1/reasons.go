package v1alpha1

// Condition reasons, CamelCase, one constant per reason the operator
// writes. Flux, Argo CD, `kubectl wait` scripts and auditors match on
// them, so they are part of the API like the condition types they go with.
// The reason of a failed sync Job is named by the sync worker's exit code
// (syncer.Reason: CredentialsRejected, CenterStoreFull, ...).

// Reasons of every kind's Ready, Reconciling and Stalled.
const (
	// ReasonReady: Ready is True, everything the object asks for is in place.
	ReasonReady = "Ready"
	// ReasonProgressing: Reconciling is True while workloads roll out.
	ReasonProgressing = "Progressing"
	// ReasonReconcileError: the pass failed and is retried with backoff;
	// the message carries the error.
	ReasonReconcileError = "ReconcileError"
	// ReasonSuspended: ReconciliationPaused is True because spec.suspend is
	// true.
	ReasonSuspended = "Suspended"
)

// DataPlatform reasons.
const (
	// Stalled: a person must act.
	ReasonNamespaceConflict        = "NamespaceConflict"
	ReasonNamespaceTerminating     = "NamespaceTerminating"
	ReasonStorageResizeUnsupported = "StorageResizeUnsupported"

	// StorageReady of an External store, from the operator's probe; all
	// but EndpointUnreachable also make the platform Stalled.
	ReasonExternalStoreVerified = "ExternalStoreVerified"
	ReasonSecretMissing         = "SecretMissing"
	ReasonEndpointUnreachable   = "EndpointUnreachable"
	ReasonTLSUntrusted          = "TLSUntrusted"
	ReasonCredentialsRejected   = "CredentialsRejected"
	ReasonBucketMissing         = "BucketMissing"
	ReasonReadAccountCanWrite   = "ReadAccountCanWrite"

	// StorageReady of a Managed store.
	ReasonVolumePending       = "VolumePending"
	ReasonObjectStoreUpdating = "ObjectStoreUpdating"
	ReasonObjectStoreStarting = "ObjectStoreStarting"
	ReasonObjectStoreReady    = "ObjectStoreReady"

	// PortalReady.
	ReasonPortalDisabled    = "PortalDisabled"
	ReasonPortalRollingOut  = "PortalRollingOut"
	ReasonPortalAvailable   = "PortalAvailable"
	ReasonPortalUnavailable = "PortalUnavailable"

	// NetworkIsolated.
	ReasonClusterDNSUnknown = "ClusterDNSUnknown"
	ReasonAPIServerUnknown  = "APIServerUnknown"
	ReasonIsolatedUncleared = "IsolatedUncleared"
	ReasonPoliciesApplied   = "PoliciesApplied"

	// BackupHealthy (spec.backup). Every False reason comes with a
	// Warning event of the same reason.
	// ReasonBackupVerified: the latest backup completed and was verified.
	ReasonBackupVerified = "BackupVerified"
	// ReasonBackupScheduled: no backup has run yet; the first runs at the
	// schedule's next firing.
	ReasonBackupScheduled = "BackupScheduled"
	// ReasonBackupRunning: the first backup has not finished yet.
	ReasonBackupRunning = "BackupRunning"
	// ReasonBackupFailed: the latest backup's Job failed or its manifest
	// could not be read back from the target.
	ReasonBackupFailed = "BackupFailed"
	// ReasonBackupCorrupt: the newest verification found a backup in the
	// target that no longer matches its manifest.
	ReasonBackupCorrupt = "BackupCorrupt"
	// ReasonBackupMissed: a firing passed its grace with no backup made
	// (the operator was down, or the platform was suspended).
	ReasonBackupMissed = "BackupMissed"
	// ReasonBackupTargetUncleared: the target's clearance is below the
	// platform's maxClassification, so no backup is made.
	ReasonBackupTargetUncleared = "BackupTargetUncleared"
	// ReasonBackupTargetSecretMissing: a Secret the target names is missing.
	ReasonBackupTargetSecretMissing = "BackupTargetSecretMissing"
	// ReasonRestoreDrillFailed: the latest restore drill did not restore
	// and match every object of its backup (the backup is then Corrupt
	// when the bytes differed).
	ReasonRestoreDrillFailed = "RestoreDrillFailed"
	// ReasonRestoreDrillVerified and ReasonRestoreDrillStarted are the
	// events of a drill that passed and of one started.
	ReasonRestoreDrillVerified = "RestoreDrillVerified"
	ReasonRestoreDrillStarted  = "RestoreDrillStarted"
)

// CatalogEntry reasons.
const (
	// Ready.
	ReasonReconciled = "Reconciled"
	// Stalled and Ready: the entry is outside a platform namespace.
	ReasonNotInPlatformNamespace = "NotInPlatformNamespace"

	// Published.
	ReasonListed             = "Listed"
	ReasonListedUnderEmbargo = "ListedUnderEmbargo"
	ReasonSharingClosed      = "SharingClosed"
	ReasonClassified         = "Classified"

	// SecrecyReviewDue.
	ReasonSecrecyPeriodEnded  = "SecrecyPeriodEnded"
	ReasonWithinSecrecyPeriod = "WithinSecrecyPeriod"

	// EmbargoPassed.
	ReasonEmbargoDatePassed = "EmbargoDatePassed"
	ReasonEmbargoInForce    = "EmbargoInForce"

	// DataBeforePaper.
	ReasonDataFirst       = "DataFirst"
	ReasonPaperBeforeData = "PaperBeforeData"
)

// SubmissionPolicy reasons (Overdue; Stalled).
const (
	ReasonDeadlinePassed = "DeadlinePassed"
	ReasonOnTime         = "OnTime"
	// Stalled: spec.schedule does not parse, or never fires.
	ReasonInvalidSchedule = "InvalidSchedule"
	// Stalled: spec.timeZone is not a time zone the binary knows.
	ReasonInvalidTimeZone = "InvalidTimeZone"
	// Stalled (every kind): the apiserver refused the status the pass
	// computed; the status shows the last one it accepted.
	ReasonStatusRefused = "StatusRefused"
	// Ready False while a namespace's platform labels are not yet seen.
	ReasonNamespaceNotSeen = "NamespaceNotSeen"
)

// Submission reasons.
const (
	// Approved and Denied, mirroring status.review; Denied is also the
	// reason of Stalled and Ready after a denial.
	ReasonApproved = "Approved"
	ReasonDenied   = "Denied"
	// Transferred.
	ReasonVerified = "Verified"
	// Received.
	ReasonReceiptStored = "ReceiptStored"
	// Ready.
	ReasonReceived = "Received"

	// Ready False and Reconciling True while the Submission waits.
	ReasonAwaitingReview = "AwaitingReview"
	ReasonCenterMissing  = "CenterMissing"
	ReasonTransferring   = "Transferring"

	// ReviewOverdue and AcceptanceOverdue.
	ReasonWithinDeadline = "WithinDeadline"
	ReasonPastDeadline   = "PastDeadline"
	// Returned: a metadata gate failed.
	ReasonGateFailed = "GateFailed"
	// Accepted: a curator accepted.
	ReasonCuratorAccepted = "CuratorAccepted"
	// Ready False and Reconciling True while the curator has not accepted.
	ReasonAwaitingAcceptance = "AwaitingAcceptance"
	// Withdrawn.
	ReasonEntryDeleted  = "EntryDeleted"
	ReasonEntryReplaced = "EntryReplaced"
	// Referred (and Stalled): above the Center's clearance.
	ReasonSecrecyChannel = "SecrecyChannel"
	// Ready False: a data gate failed.
	ReasonDataGateFailed = "DataGateFailed"

	// Stalled: a person must act.
	ReasonCenterNotCleared = "CenterNotCleared"
	ReasonPlatformMissing  = "PlatformMissing"
	ReasonManifestMismatch = "ManifestMismatch"
)

// Event reasons, for what happened rather than what holds. Ready changes of
// a DataPlatform are announced with the reason of its Ready condition.
const (
	EventAdopted           = "Adopted"
	EventDeleted           = "Deleted"
	EventStorageGrowing    = "StorageGrowing"
	EventSharingChanged    = "SharingChanged"
	EventSubmissionCreated = "SubmissionCreated"
	// EventStatementSigned: a project's signed statement was appended.
	EventStatementSigned = "StatementSigned"
	// EventReconciliationPaused and EventReconciliationResumed announce
	// spec.suspend being set and cleared.
	EventReconciliationPaused  = "ReconciliationPaused"
	EventReconciliationResumed = "ReconciliationResumed"
)

// Project reasons.
const (
	// Ready True: every entry of the project has a receipt and the statement is signed.
	ReasonReadyForAcceptance = "ReadyForAcceptance"
	// Ready False: some entries have no receipt for their current version.
	ReasonEntriesMissing = "EntriesMissing"
	// Stalled: more entries than a Project lists, or statements full.
	ReasonTooManyEntries = "TooManyEntries"
	ReasonStatementsFull = "StatementsFull"
	// AcceptanceDateMissed.
	ReasonAcceptanceDatePassed = "AcceptanceDatePassed"
	ReasonBeforeAcceptanceDate = "BeforeAcceptanceDate"
)

// AccessRequest reasons.
const (
	// Ready False and Reconciling True while the request waits.
	ReasonAwaitingSecurityReview = "AwaitingSecurityReview"
	ReasonProvisioning           = "Provisioning"
	ReasonAwaitingStoreAccount   = "AwaitingStoreAccount"
	ReasonCheckingGrant          = "CheckingGrant"
	// Ready True, Provisioned True.
	ReasonGranted = "Granted"

	// Stalled: a person must act.
	ReasonReturned              = "Returned"
	ReasonRejected              = "Rejected"
	ReasonEntryMissing          = "EntryMissing"
	ReasonEntryNotConditional   = "EntryNotConditional"
	ReasonClearanceInsufficient = "ClearanceInsufficient"
	ReasonFeesNotAccepted       = "FeesNotAccepted"
	ReasonPrefixOverlapsEntry   = "PrefixOverlapsEntry"
	ReasonNamespaceNotAllowed   = "NamespaceNotAllowed"
	ReasonRequestInForce        = "AnotherRequestInForce"
	ReasonGrantCheckFailed      = "GrantCheckFailed"

	// The end of a grant (state Expired, Revoked or Withdrawn), in
	// Ready's reason and the history.
	ReasonExpired                = "Expired"
	ReasonRevokedByReviewer      = "RevokedByReviewer"
	ReasonWithdrawn              = "Withdrawn"
	ReasonEntryClosed            = "EntryClosed"
	ReasonSecurityReviewRequired = "SecurityReviewRequired"

	// History of the states that lead on.
	ReasonRequested = "Requested"
	ReasonReopened  = "Reopened"
)

// Hibernation reasons (spec.hibernation, docs/operations.md).
const (
	// ReasonHibernated: Ready False, StorageReady and PortalReady False,
	// and the Hibernated condition True, once the store's and portal's
	// pods are observed gone; also a Submission's Ready while it waits for
	// a hibernated platform (its source or the Center) to resume.
	ReasonHibernated = "Hibernated"
	// ReasonHibernating: Ready False and Reconciling True while the store's
	// and portal's pods stop.
	ReasonHibernating = "Hibernating"
	// ReasonHibernationBlocked: the Hibernated condition is False because
	// an access grant to the platform's data is Active or a sync Job reads
	// or writes its store; the platform keeps serving and hibernates by
	// itself once they end.
	ReasonHibernationBlocked = "HibernationBlocked"
)
