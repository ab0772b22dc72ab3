package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ConditionBackupHealthy is True when the platform's latest scheduled
// backup completed and its copy was verified against its manifest, False
// when a backup failed, was missed or may not go to its target. Absent
// when the platform has no spec.backup.
const ConditionBackupHealthy = "BackupHealthy"

// AnnotationBackupRequested on a DataPlatform asks for a backup now,
// besides the schedule's: each new value (a time, a ticket number) is one
// backup, and status.backup.lastRequest records the value served.
const AnnotationBackupRequested = "scidata.io/backup-requested"

// PlatformBackup declares where and when a platform's store is backed up.
type PlatformBackup struct {
	// target is the S3 bucket the backups go into: a store the city runs,
	// apart from the platform's own.
	// +required
	Target BackupTarget `json:"target,omitzero"`

	// schedule is a cron expression in UTC (five fields, or @hourly,
	// @daily, @weekly, @monthly): each firing is one backup.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	Schedule string `json:"schedule,omitempty"`

	// keep is how many verified backups are kept in the target; older
	// ones are removed from the target (never anything of the platform's
	// own store). Defaults to 7.
	// +optional
	// +kubebuilder:default=7
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Keep *int32 `json:"keep,omitempty"`

	// drillSchedule is a cron expression in UTC (as schedule) for restore
	// drills: at each firing the newest verified backup is restored into a
	// scratch namespace with a temporary store, every byte is checked
	// against its manifest, and the scratch namespace is removed. Unset:
	// drills run only when asked for (scidata.io/restore-drill-requested).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	DrillSchedule *string `json:"drillSchedule,omitempty"`
}

// AnnotationRestoreDrillRequested on a DataPlatform asks for a restore
// drill now: each new value is one drill, and status.backup.lastDrillRequest
// records the value served.
const AnnotationRestoreDrillRequested = "scidata.io/restore-drill-requested"

// RestoreDrill is one restore drill: a backup restored from the target into
// a temporary store in a scratch namespace, every object read back and
// checked against the backup's manifest.
type RestoreDrill struct {
	// id names the drill: the UTC time of its firing or request, as a
	// backup's id is written.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	ID string `json:"id,omitempty"`

	// backupID is the backup restored.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	BackupID string `json:"backupID,omitempty"`

	// state is Running, Verified (every object restored and matched its
	// manifest), Corrupt (the backup or the restored copy did not match) or
	// Failed (the drill could not run to the end).
	// +required
	State BackupState `json:"state,omitempty"`

	// namespace is the scratch namespace the drill ran in; it is removed
	// when the drill ends.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace *string `json:"namespace,omitempty"`

	// startedAt is when the drill's Job was created.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`

	// completedAt is when it finished.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`

	// objects is the number of objects restored and matched.
	// +optional
	Objects *int64 `json:"objects,omitempty"`

	// bytes is their total size.
	// +optional
	Bytes *int64 `json:"bytes,omitempty"`

	// message says what did not match, or why the drill failed.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message *string `json:"message,omitempty"`
}

// BackupTarget is an S3 bucket a platform's backups are written to. Every
// Secret it names is in the operator's namespace, as for an External store;
// the backup Jobs get a copy in the platform's namespace.
// +kubebuilder:validation:XValidation:rule="!has(self.credentialsSecret.namespace) && !has(self.caSecret.namespace)",message="backup.target: the Secrets a target names are in the operator's namespace, where only the operator reads them; remove credentialsSecret.namespace and caSecret.namespace"
type BackupTarget struct {
	// endpoint is the target store's HTTPS URL.
	// +required
	// +kubebuilder:validation:MinLength=9
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() == 'https'",message="backup.target.endpoint must be an https:// URL: backups move only over TLS"
	Endpoint string `json:"endpoint,omitempty"`

	// bucket the backups go into, each under <platform>/<backup id>/.
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`
	Bucket string `json:"bucket,omitempty"`

	// region the target signs requests for. Defaults to us-east-1.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9-]*$`
	Region *string `json:"region,omitempty"`

	// addressingStyle is Path (the default) or VirtualHosted.
	// +optional
	// +kubebuilder:default=Path
	AddressingStyle *AddressingStyle `json:"addressingStyle,omitempty"`

	// credentialsSecret holds the account that lists, reads, writes and
	// deletes under the platform's prefix in the bucket.
	// +required
	CredentialsSecret SecretKeyReference `json:"credentialsSecret,omitzero"`

	// caSecret holds the CA bundle (ca.crt) the target's certificate is
	// verified against.
	// +required
	CASecret SecretKeyReference `json:"caSecret,omitzero"`

	// network is where the target answers: the backup Jobs may reach it
	// there and nowhere else outside the platform.
	// +required
	Network *ExternalStoreNetwork `json:"network,omitempty"`

	// clearance is the highest classification the target is cleared to
	// hold. A platform whose maxClassification is above it is refused:
	// classified data never leaves for a target cleared lower.
	// +required
	Clearance ClassificationLevel `json:"clearance,omitempty"`
}

// BackupState is where one backup is.
// +kubebuilder:validation:Enum=Running;Verified;Failed;Corrupt
type BackupState string

const (
	// BackupRunning: the backup Job has not finished.
	BackupRunning BackupState = "Running"
	// BackupVerified: every object was copied and its SHA-256 verified in
	// the target, and the operator read the manifest back.
	BackupVerified BackupState = "Verified"
	// BackupFailed: the Job failed, or its manifest could not be read back.
	BackupFailed BackupState = "Failed"
	// BackupCorrupt: a later verification read the backup back and found
	// an object missing or not matching its manifest.
	BackupCorrupt BackupState = "Corrupt"
)

// BackupStatus is what the operator recorded of a platform's backups.
type BackupStatus struct {
	// lastSuccessful is when the newest verified backup completed.
	// +optional
	LastSuccessful *metav1.Time `json:"lastSuccessful,omitempty"`

	// lastScheduled is the latest firing of the schedule the operator
	// started a backup for.
	// +optional
	LastScheduled *metav1.Time `json:"lastScheduled,omitempty"`

	// lastRequest is the value of the scidata.io/backup-requested
	// annotation last served with a backup.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	LastRequest *string `json:"lastRequest,omitempty"`

	// lastVerification is the latest check of the newest verified backup
	// in the target: every run reads it back and hashes every object
	// against its manifest before the new backup is made.
	// +optional
	LastVerification *BackupVerification `json:"lastVerification,omitempty"`

	// lastRestoreDrill is the latest restore drill.
	// +optional
	LastRestoreDrill *RestoreDrill `json:"lastRestoreDrill,omitempty"`

	// lastSuccessfulRestoreDrill is when the latest drill that restored
	// every object and matched them all completed.
	// +optional
	LastSuccessfulRestoreDrill *metav1.Time `json:"lastSuccessfulRestoreDrill,omitempty"`

	// lastDrillScheduled is the latest firing of drillSchedule acted on.
	// +optional
	LastDrillScheduled *metav1.Time `json:"lastDrillScheduled,omitempty"`

	// lastDrillRequest is the value of the
	// scidata.io/restore-drill-requested annotation last served.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	LastDrillRequest *string `json:"lastDrillRequest,omitempty"`

	// backups are the recent backups, newest first: the verified ones the
	// target keeps and the latest failed or running ones.
	// +optional
	// +listType=map
	// +listMapKey=id
	// +kubebuilder:validation:MaxItems=110
	Backups []BackupRecord `json:"backups,omitempty"`
}

// BackupRecord is one backup.
type BackupRecord struct {
	// id names the backup: the UTC time of its firing (or request), as
	// 20060102t150405z.
	// It is the second segment of its prefix in the target.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	ID string `json:"id,omitempty"`

	// state is Running, Verified, Failed or Corrupt.
	// +required
	State BackupState `json:"state,omitempty"`

	// startedAt is when the operator created the backup's Job.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`

	// completedAt is when the Job finished.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`

	// location is <bucket>/<platform>/<id>/ in the target.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	Location *string `json:"location,omitempty"`

	// manifestDigest is sha256:<hex> of the manifest's bytes, as the
	// operator read them back from the target.
	// +optional
	// +kubebuilder:validation:MaxLength=71
	ManifestDigest *string `json:"manifestDigest,omitempty"`

	// objects is the number of objects the manifest lists.
	// +optional
	Objects *int64 `json:"objects,omitempty"`

	// bytes is their total size.
	// +optional
	Bytes *int64 `json:"bytes,omitempty"`

	// message says why a backup failed.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message *string `json:"message,omitempty"`
}

// BackupVerification is one check of a backup in its target against its
// manifest.
type BackupVerification struct {
	// backupID is the backup checked.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	BackupID string `json:"backupID,omitempty"`

	// runID is the backup run that checked it (the id of the backup made
	// in the same run); its Job is verify-<runID>.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	RunID string `json:"runID,omitempty"`

	// state is Running, Verified (every object matched) or Corrupt.
	// Failed means the check itself could not run to the end.
	// +required
	State BackupState `json:"state,omitempty"`

	// startedAt is when the check's Job was created.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`

	// completedAt is when it finished.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`

	// objects is the number of objects read back and matched.
	// +optional
	Objects *int64 `json:"objects,omitempty"`

	// bytes is their total size.
	// +optional
	Bytes *int64 `json:"bytes,omitempty"`

	// message says what did not match, or why the check failed.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message *string `json:"message,omitempty"`
}
