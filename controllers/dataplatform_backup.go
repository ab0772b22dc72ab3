package controllers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/minio/minio-go/v7"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/backup"
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/store"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// backupBackoffLimit is how often a backup Job retries a transient failure.
const backupBackoffLimit = 3

// manifestRetry is when a pass looks again after the target did not give a
// completed backup's manifest back.
const manifestRetry = time.Minute

// backupScope is what the backup step of one pass saw.
type backupScope struct {
	// health is BackupHealthy as observed ("" status: not observed, the
	// condition keeps what it had).
	status  metav1.ConditionStatus
	reason  string
	message string
}

func (b *backupScope) set(status metav1.ConditionStatus, reason, message string) {
	b.status, b.reason, b.message = status, reason, message
}

// reconcileBackup runs the platform's scheduled backups (spec.backup):
// it checks the target's clearance again, copies the target's account
// into the namespace for the Jobs, follows the Jobs it started (reading
// each manifest back from the target before a backup is Verified),
// starts the Job of a firing within its grace or reports one missed, and
// removes from the target the backups beyond the retention count. A
// problem of the backup is BackupHealthy False with an event, never a
// failure of the platform's pass.
func (r *DataPlatformReconciler) reconcileBackup(ctx context.Context, s *platformScope) error {
	dp := s.dp
	if dp.Spec.Backup == nil {
		s.conditions().Remove(scidatav1.ConditionBackupHealthy)
		if err := r.removeDrillNamespace(ctx, dp, "spec.backup was removed"); err != nil {
			return err
		}
		return r.removeTargetCopy(ctx, dp)
	}
	b := &s.backup
	if err := backup.Cleared(dp); err != nil {
		b.set(metav1.ConditionFalse, scidatav1.ReasonBackupTargetUncleared, err.Error())
		if err := r.removeDrillNamespace(ctx, dp, "the backup target is not cleared for the platform's level"); err != nil {
			return err
		}
		return r.removeTargetCopy(ctx, dp)
	}
	target, _ := store.Target(dp, r.Config.OperatorNamespace)
	cr, err := store.Resolve(ctx, r.Client, target, store.Upload)
	var missing *store.MissingError
	if errors.As(err, &missing) {
		b.set(metav1.ConditionFalse, scidatav1.ReasonBackupTargetSecretMissing, "no backup can run: "+missing.Error()+"; create it in the operator's namespace, as spec.backup.target names it")
		return nil
	}
	if err != nil {
		return err
	}
	if err := r.ensureCopy(ctx, backup.TargetSecret(dp, keysSecret(cr.Keys[store.Upload]), cr.CAPEM)); err != nil {
		return err
	}
	if dp.Status.Backup == nil {
		dp.Status.Backup = &scidatav1.BackupStatus{}
	}
	cl, err := target.Client(store.Upload, cr, store.ClientOptions{Dial: r.StoreDialer})
	if err != nil {
		return err
	}
	tgt := targetBucket{client: cl, bucket: target.Bucket}
	if err := r.followBackups(ctx, s, tgt); err != nil {
		return err
	}
	if err := r.followVerification(ctx, s); err != nil {
		return err
	}
	if err := r.reconcileDrill(ctx, s, target, cr); err != nil {
		return err
	}
	if err := r.scheduleBackup(ctx, s, target); err != nil {
		return err
	}
	if err := r.retainBackups(ctx, s, tgt); err != nil {
		return err
	}
	if b.status == "" {
		setBackupHealth(b, dp.Status.Backup)
	}
	return nil
}

// removeTargetCopy deletes the copy of the target's account once no
// backup may run (the copy opens the target, not the platform's data).
func (r *DataPlatformReconciler) removeTargetCopy(ctx context.Context, dp *scidatav1.DataPlatform) error {
	var sec corev1.Secret
	err := r.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: backup.TargetSecretName}, &sec)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", backup.TargetSecretName, err)
	}
	return client.IgnoreNotFound(r.Delete(ctx, &sec))
}

// scheduleBackup starts the Job of a firing within its grace, or records
// a missed one, and asks to come back at the next firing.
func (r *DataPlatformReconciler) scheduleBackup(ctx context.Context, s *platformScope, target store.Store) error {
	dp, st := s.dp, s.dp.Status.Backup
	var last *time.Time
	if st.LastScheduled != nil {
		last = &st.LastScheduled.Time
	}
	f, err := backup.Due(dp.Spec.Backup.Schedule, last, s.now)
	if err != nil {
		s.backup.set(metav1.ConditionFalse, scidatav1.ReasonInvalidSchedule, fmt.Sprintf("spec.backup.schedule: %v: write five cron fields (minute hour day-of-month month day-of-week, in UTC) or @hourly, @daily, @weekly, @monthly", err))
		return nil
	}
	if !f.Next.IsZero() && (s.requeueAt.IsZero() || f.Next.Before(s.requeueAt)) {
		s.requeueAt = f.Next
	}
	if s.hibernation.requested {
		// A hibernating platform's store runs no pod: a firing is missed,
		// saying why, and a request waits for the platform to resume.
		if at := firstNonZero(f.Start, f.Missed); !at.IsZero() {
			st.LastScheduled = &metav1.Time{Time: at}
			r.Recorder.Eventf(dp, nil, corev1.EventTypeWarning, scidatav1.ReasonBackupMissed, "Backup",
				"the backup due at %s did not run: the platform is hibernated (spec.hibernation); backups run again once it resumes; the next is due at %s",
				at.Format(time.RFC3339), f.Next.Format(time.RFC3339))
		}
		return nil
	}
	switch {
	case !f.Missed.IsZero():
		st.LastScheduled = &metav1.Time{Time: f.Missed}
		r.Recorder.Eventf(dp, nil, corev1.EventTypeWarning, scidatav1.ReasonBackupMissed, "Backup",
			"the backup due at %s was not started within %s of it (the manager was down or the platform suspended); the next is due at %s",
			f.Missed.Format(time.RFC3339), backup.Grace, f.Next.Format(time.RFC3339))
	case !f.Start.IsZero():
		if err := r.startRun(ctx, s, target, backup.ID(f.Start), ""); err != nil {
			return err
		}
		st.LastScheduled = &metav1.Time{Time: f.Start}
	}
	if req := dp.Annotations[scidatav1.AnnotationBackupRequested]; req != "" && truncate(req, 253) != ptr.Deref(st.LastRequest, "") {
		req = truncate(req, 253)
		id, err := r.requestedRun(ctx, dp, req)
		if err != nil {
			return err
		}
		if id == "" {
			id = backup.ID(s.now)
		}
		if err := r.startRun(ctx, s, target, id, req); err != nil {
			return err
		}
		st.LastRequest = &req
	}
	return nil
}

// requestedRun is the id of the run a Job already serves req with ("" when
// none): a pass whose status write was lost finds the run it started.
func (r *DataPlatformReconciler) requestedRun(ctx context.Context, dp *scidatav1.DataPlatform, req string) (string, error) {
	var jobs batchv1.JobList
	if err := r.List(ctx, &jobs, client.InNamespace(platform.Namespace(dp)), client.MatchingLabels{scidatav1.LabelComponent: platform.ComponentBackup}); err != nil {
		return "", fmt.Errorf("list backup jobs: %w", err)
	}
	for _, j := range jobs.Items {
		if j.Annotations[scidatav1.AnnotationBackupRequested] == req && j.Name == backup.JobName(j.Labels[backup.LabelBackupID]) {
			return j.Labels[backup.LabelBackupID], nil
		}
	}
	return "", nil
}

// startRun starts the run id: the Job that checks the newest verified
// backup against its manifest in the target, and the Job that makes the
// new backup. Both names are fixed by id, so a pass repeated after a
// restart creates neither twice.
func (r *DataPlatformReconciler) startRun(ctx context.Context, s *platformScope, target store.Store, id, request string) error {
	dp, st := s.dp, s.dp.Status.Backup
	if findBackup(st, id) != nil {
		return nil
	}
	in := backup.JobInput{Platform: dp, ID: id, Source: store.For(dp, r.Config.OperatorNamespace), Target: target,
		Image: r.Config.OperatorImage, PullPolicy: r.Config.ImagePullPolicy, BackoffLimit: backupBackoffLimit, Request: request}
	now := metav1.NewTime(s.now.UTC().Truncate(time.Second))
	if prev := newestVerified(st); prev != nil {
		if err := r.Create(ctx, backup.VerifyJob(in, prev.ID)); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create verify job: %w", err)
		}
		st.LastVerification = &scidatav1.BackupVerification{BackupID: prev.ID, RunID: id, State: scidatav1.BackupRunning, StartedAt: &now}
	}
	if err := r.Create(ctx, backup.Job(in)); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create backup job: %w", err)
	}
	st.Backups = append([]scidatav1.BackupRecord{{ID: id, State: scidatav1.BackupRunning, StartedAt: &now,
		Location: ptr.To(target.Bucket + "/" + syncer.BackupPrefix(dp.Name, id))}}, st.Backups...)
	return nil
}

func newestVerified(st *scidatav1.BackupStatus) *scidatav1.BackupRecord {
	var out *scidatav1.BackupRecord
	for i := range st.Backups {
		if r := &st.Backups[i]; r.State == scidatav1.BackupVerified && (out == nil || r.ID > out.ID) {
			out = r
		}
	}
	return out
}

// followVerification reads the running check's Job: every object matched
// (the worker's claim, whose manifest digest must be the one recorded
// when the backup was made), or the backup is Corrupt, with an event.
func (r *DataPlatformReconciler) followVerification(ctx context.Context, s *platformScope) error {
	v := s.dp.Status.Backup.LastVerification
	if v == nil || v.State != scidatav1.BackupRunning {
		return nil
	}
	job, err := r.namedJob(ctx, s.dp, backup.VerifyJobName(v.RunID))
	if err != nil {
		return err
	}
	now := metav1.NewTime(s.now.UTC().Truncate(time.Second))
	rec := findBackup(s.dp.Status.Backup, v.BackupID)
	finish := func(state scidatav1.BackupState, msg string) {
		v.State, v.CompletedAt, v.Message = state, &now, ptr.To(truncate(msg, 1024))
	}
	switch {
	case job == nil:
		finish(scidatav1.BackupFailed, "its Job "+backup.VerifyJobName(v.RunID)+" is gone before it finished")
	case jobCondition(job, batchv1.JobComplete), jobCondition(job, batchv1.JobFailed):
		sum, err := jobSummary(ctx, r.Client, job)
		if err != nil {
			return err
		}
		switch {
		case jobCondition(job, batchv1.JobComplete) && (rec == nil || sum.ManifestDigest == ptr.Deref(rec.ManifestDigest, "")):
			// (No record: retention removed the backup since; every object
			// matched the manifest the worker read.)
			finish(scidatav1.BackupVerified, "")
			v.Objects, v.Bytes = ptrInt64(sum.Objects), ptrInt64(sum.Bytes)
		case jobCondition(job, batchv1.JobComplete):
			finish(scidatav1.BackupCorrupt, fmt.Sprintf("the manifest read back has digest %s, not the %s recorded when the backup was made", sum.ManifestDigest, recordedDigest(rec)))
		case sum.ExitCode == syncer.ExitDestinationCorrupt:
			finish(scidatav1.BackupCorrupt, describeFailure(sum))
		default:
			finish(scidatav1.BackupFailed, "the check could not run to the end: "+describeFailure(sum))
		}
	default:
		return nil
	}
	switch v.State {
	case scidatav1.BackupCorrupt:
		if rec != nil {
			rec.State, rec.Message = scidatav1.BackupCorrupt, v.Message
		}
		r.Recorder.Eventf(s.dp, nil, corev1.EventTypeWarning, scidatav1.ReasonBackupCorrupt, "VerifyBackup", "backup %s no longer matches its manifest in the target: %s", v.BackupID, ptr.Deref(v.Message, ""))
	case scidatav1.BackupFailed:
		r.Recorder.Eventf(s.dp, nil, corev1.EventTypeWarning, scidatav1.ReasonBackupFailed, "VerifyBackup", "the check of backup %s: %s", v.BackupID, ptr.Deref(v.Message, ""))
	}
	return nil
}

func recordedDigest(rec *scidatav1.BackupRecord) string {
	if rec == nil {
		return "(the backup's record is gone)"
	}
	return ptr.Deref(rec.ManifestDigest, "")
}

func findBackup(st *scidatav1.BackupStatus, id string) *scidatav1.BackupRecord {
	for i := range st.Backups {
		if st.Backups[i].ID == id {
			return &st.Backups[i]
		}
	}
	return nil
}

// followBackups reads the Job of every running backup: a completed one is
// Verified once its manifest, read back from the target, is the
// platform's, names the backup and matches the worker's claim; a failed
// one is Failed with the worker's reason.
func (r *DataPlatformReconciler) followBackups(ctx context.Context, s *platformScope, tgt targetBucket) error {
	dp, st := s.dp, s.dp.Status.Backup
	for i := range st.Backups {
		rec := &st.Backups[i]
		if rec.State != scidatav1.BackupRunning {
			continue
		}
		job, err := r.namedJob(ctx, dp, backup.JobName(rec.ID))
		if err != nil {
			return err
		}
		switch {
		case job == nil:
			r.failBackup(s, rec, "its Job "+backup.JobName(rec.ID)+" is gone before it finished")
		case jobCondition(job, batchv1.JobFailed):
			sum, err := jobSummary(ctx, r.Client, job)
			if err != nil {
				return err
			}
			r.failBackup(s, rec, fmt.Sprintf("the backup job failed after %d attempts: %s", job.Status.Failed, describeFailure(sum)))
		case jobCondition(job, batchv1.JobComplete):
			sum, err := jobSummary(ctx, r.Client, job)
			if err != nil {
				return err
			}
			if err := r.verifyBackup(ctx, s, rec, job, tgt, sum); err != nil {
				return err
			}
		}
	}
	return nil
}

// namedJob is a Job of the platform's namespace, nil when it is gone. A
// Job the cache does not hold yet (just created) is looked up on the
// apiserver.
func (r *DataPlatformReconciler) namedJob(ctx context.Context, dp *scidatav1.DataPlatform, name string) (*batchv1.Job, error) {
	key := types.NamespacedName{Namespace: platform.Namespace(dp), Name: name}
	var job batchv1.Job
	err := r.Get(ctx, key, &job)
	if apierrors.IsNotFound(err) && r.APIReader != nil {
		err = r.APIReader.Get(ctx, key, &job)
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get backup job: %w", err)
	}
	return &job, nil
}

func (r *DataPlatformReconciler) failBackup(s *platformScope, rec *scidatav1.BackupRecord, msg string) {
	now := metav1.NewTime(s.now.UTC().Truncate(time.Second))
	rec.State, rec.CompletedAt, rec.Message = scidatav1.BackupFailed, &now, ptr.To(truncate(msg, 1024))
	r.Recorder.Eventf(s.dp, nil, corev1.EventTypeWarning, scidatav1.ReasonBackupFailed, "Backup", "backup %s: %s", rec.ID, ptr.Deref(rec.Message, ""))
}

// verifyBackup reads the completed backup's manifest back from the target
// and hashes it itself: the worker's termination message is a claim.
func (r *DataPlatformReconciler) verifyBackup(ctx context.Context, s *platformScope, rec *scidatav1.BackupRecord, job *batchv1.Job, tgt targetBucket, claim syncer.Summary) error {
	key := syncer.BackupPrefix(s.dp.Name, rec.ID) + syncer.ManifestName
	b, err := tgt.get(ctx, key)
	if err != nil {
		s.backup.set(metav1.ConditionFalse, scidatav1.ReasonBackupFailed, fmt.Sprintf("backup %s completed but its manifest could not be read back from the target (%v); retrying", rec.ID, err))
		at := s.now.Add(manifestRetry)
		if s.requeueAt.IsZero() || at.Before(s.requeueAt) {
			s.requeueAt = at
		}
		return nil
	}
	digest := receipt.Digest(b)
	var m syncer.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		r.failBackup(s, rec, fmt.Sprintf("%s in the target is not a manifest: %v", key, err))
		return nil
	}
	switch {
	case m.Platform != s.dp.Name || m.Backup != rec.ID:
		r.failBackup(s, rec, fmt.Sprintf("the manifest at %s describes backup %s of %q, not this one", key, m.Backup, m.Platform))
		return nil
	case claim.ManifestDigest != "" && claim.ManifestDigest != digest:
		r.failBackup(s, rec, fmt.Sprintf("the backup worker reported manifest %s but the target holds %s", claim.ManifestDigest, digest))
		return nil
	}
	var size int64
	for _, o := range m.Objects {
		size += o.Size
	}
	done := metav1.NewTime(s.now.UTC().Truncate(time.Second))
	if t := jobCompletion(job); t != nil {
		done = metav1.NewTime(t.UTC())
	}
	rec.State, rec.CompletedAt, rec.ManifestDigest, rec.Message = scidatav1.BackupVerified, &done, &digest, nil
	rec.Objects, rec.Bytes = ptrInt64(int64(len(m.Objects))), ptrInt64(size)
	st := s.dp.Status.Backup
	if st.LastSuccessful == nil || done.After(st.LastSuccessful.Time) {
		st.LastSuccessful = &done
	}
	r.Recorder.Eventf(s.dp, nil, corev1.EventTypeNormal, scidatav1.ReasonBackupVerified, "Backup",
		"backup %s verified: %d objects, %d bytes at %s (manifest %s)", rec.ID, len(m.Objects), size, ptr.Deref(rec.Location, ""), digest)
	return nil
}

func jobCompletion(j *batchv1.Job) *time.Time {
	if j.Status.CompletionTime == nil {
		return nil
	}
	return &j.Status.CompletionTime.Time
}

func ptrInt64(v int64) *int64 { return &v }

// retainBackups keeps the spec's keep newest verified backups and removes
// every other one's prefix from the target, then its record. Only
// <platform>/<id>/ prefixes in the target are ever removed.
func (r *DataPlatformReconciler) retainBackups(ctx context.Context, s *platformScope, tgt targetBucket) error {
	st := s.dp.Status.Backup
	kept, remove := backup.Retain(st.Backups, backup.Keep(s.dp))
	for _, id := range remove {
		if err := tgt.removePrefix(ctx, syncer.BackupPrefix(s.dp.Name, id)); err != nil {
			return fmt.Errorf("remove backup %s from the target: %w", id, err)
		}
	}
	if len(remove) > 0 {
		st.Backups = kept
	}
	return nil
}

// setBackupHealth sets BackupHealthy from the records: a firing acted on
// with no backup is missed; else a backup the latest check found changed
// is corrupt; otherwise the newest finished backup says. (Each problem
// also had its event when it was seen.)
func setBackupHealth(b *backupScope, st *scidatav1.BackupStatus) {
	var newest, finished *scidatav1.BackupRecord
	for i := range st.Backups {
		rec := &st.Backups[i]
		if newest == nil || rec.ID > newest.ID {
			newest = rec
		}
		if rec.State != scidatav1.BackupRunning && (finished == nil || rec.ID > finished.ID) {
			finished = rec
		}
	}
	v, d := st.LastVerification, st.LastRestoreDrill
	switch {
	case st.LastScheduled != nil && (newest == nil || backup.ID(st.LastScheduled.Time) > newest.ID):
		b.set(metav1.ConditionFalse, scidatav1.ReasonBackupMissed, fmt.Sprintf("the backup due at %s was not started within %s of it (the manager was down, or the platform suspended or hibernated)",
			st.LastScheduled.UTC().Format(time.RFC3339), backup.Grace))
	case v != nil && v.State == scidatav1.BackupCorrupt:
		b.set(metav1.ConditionFalse, scidatav1.ReasonBackupCorrupt, fmt.Sprintf("backup %s no longer matches its manifest in the target (checked in run %s): %s", v.BackupID, v.RunID, ptr.Deref(v.Message, "")))
	case d != nil && (d.State == scidatav1.BackupCorrupt || d.State == scidatav1.BackupFailed):
		b.set(metav1.ConditionFalse, scidatav1.ReasonRestoreDrillFailed, fmt.Sprintf("restore drill %s of backup %s: %s; a new drill (scidata.io/restore-drill-requested, or spec.backup.drillSchedule) that passes mends this", d.ID, d.BackupID, ptr.Deref(d.Message, "")))
	case finished == nil && newest == nil:
		b.set(metav1.ConditionUnknown, scidatav1.ReasonBackupScheduled, "no backup has run yet: the first runs at the schedule's next firing")
	case finished == nil:
		b.set(metav1.ConditionUnknown, scidatav1.ReasonBackupRunning, "the first backup, "+newest.ID+", is running")
	case finished.State == scidatav1.BackupVerified:
		b.set(metav1.ConditionTrue, scidatav1.ReasonBackupVerified, fmt.Sprintf("backup %s verified: %d objects, %d bytes at %s",
			finished.ID, derefInt64(finished.Objects), derefInt64(finished.Bytes), ptr.Deref(finished.Location, "")))
	default:
		b.set(metav1.ConditionFalse, scidatav1.ReasonBackupFailed, "backup "+finished.ID+" failed: "+ptr.Deref(finished.Message, ""))
	}
}

// firstNonZero is a if it is set, else b.
func firstNonZero(a, b time.Time) time.Time {
	if !a.IsZero() {
		return a
	}
	return b
}

func derefInt64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// setBackupCondition writes BackupHealthy as the pass observed it, and
// announces a change to a reason that no step announced when it saw it
// (the failed, missed and corrupt backups have their events already).
func (r *DataPlatformReconciler) setBackupCondition(s *platformScope) {
	b := s.backup
	if b.status == "" {
		return
	}
	prev := meta.FindStatusCondition(s.dp.Status.Conditions, scidatav1.ConditionBackupHealthy)
	changed := prev == nil || prev.Reason != b.reason || prev.Status != b.status
	s.conditions().Set(scidatav1.ConditionBackupHealthy, b.status, b.reason, b.message)
	switch b.reason {
	case scidatav1.ReasonBackupTargetUncleared, scidatav1.ReasonBackupTargetSecretMissing, scidatav1.ReasonInvalidSchedule:
		if changed {
			r.Recorder.Eventf(s.dp, nil, corev1.EventTypeWarning, b.reason, "Backup", "%s", b.message)
		}
	}
}

// targetBucket is the bucket of a backup target, as the manager reaches it.
type targetBucket struct {
	client *minio.Client
	bucket string
}

func (t targetBucket) get(ctx context.Context, key string) ([]byte, error) {
	obj, err := t.client.GetObject(ctx, t.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer func() { _ = obj.Close() }()
	b, err := io.ReadAll(io.LimitReader(obj, centerstore.MaxManifest+1))
	if err != nil {
		return nil, err
	}
	if len(b) > centerstore.MaxManifest {
		return nil, fmt.Errorf("%s is larger than %d bytes", key, centerstore.MaxManifest)
	}
	return b, nil
}

// removePrefix removes every object under prefix (one backup's).
func (t targetBucket) removePrefix(ctx context.Context, prefix string) error {
	var keys []minio.ObjectInfo
	for o := range t.client.ListObjects(ctx, t.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return o.Err
		}
		keys = append(keys, o)
	}
	objs := make(chan minio.ObjectInfo, len(keys))
	for _, o := range keys {
		objs <- o
	}
	close(objs)
	for res := range t.client.RemoveObjects(ctx, t.bucket, objs, minio.RemoveObjectsOptions{}) {
		if res.Err != nil {
			return res.Err
		}
	}
	return nil
}
