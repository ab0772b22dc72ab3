// Package backup builds what a platform's backups are made of and decides
// when they run and which are kept, as pure functions of the DataPlatform
// and the clock: the backup Job (the sync worker with --backup-id, copying
// the platform's whole bucket under <platform>/<id>/ in the target with the
// same per-object SHA-256 verification and manifest as a submission), the
// copy of the target's account in the platform's namespace that the Job
// mounts, the firing a pass must act on (a new backup, or one missed beyond
// its grace), and the retention of the spec's keep newest verified
// backups. The DataPlatform controller (controllers/dataplatform_backup.go)
// creates and follows the Jobs and reads each manifest back from the
// target before it records a backup as verified.
package backup
