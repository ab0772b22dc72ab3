package controllers

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/apply"
	"github.com/scidata-io/scidata-operator/internal/backup"
	"github.com/scidata-io/scidata-operator/internal/pki"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/store"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// drillRetry is when a pass looks again at a scratch namespace still being
// removed, before a new drill may start in it.
const drillRetry = 5 * time.Second

// reconcileDrill runs the platform's restore drills: it follows the
// running drill's Job (recording Verified, Corrupt or Failed, with an
// event), removes the scratch namespace of a drill that ended, and starts
// a drill at a firing of spec.backup.drillSchedule or a new value of
// scidata.io/restore-drill-requested, restoring the newest verified backup.
func (r *DataPlatformReconciler) reconcileDrill(ctx context.Context, s *platformScope, target store.Store, cr store.Credentials) error {
	ns, err := r.drillNamespace(ctx, s.dp)
	if err != nil {
		return err
	}
	ours := ns != nil && platform.IsDrillNamespaceOf(ns, s.dp)
	if ours {
		// What runs is read from the Job, not from the status alone: a
		// status read from the cache just after a drill started, or a pass
		// whose status write was lost, must neither remove the namespace
		// of a drill that runs nor forget it.
		job, err := r.drillJob(ctx, s.dp)
		if err != nil {
			return err
		}
		d := s.dp.Status.Backup.LastRestoreDrill
		if job != nil && (d == nil || d.ID != job.Labels[backup.LabelDrillID] || (d.State != scidatav1.BackupRunning && !jobFinished(job))) {
			started := job.CreationTimestamp
			s.dp.Status.Backup.LastRestoreDrill = &scidatav1.RestoreDrill{ID: job.Labels[backup.LabelDrillID], BackupID: job.Labels[backup.LabelBackupID],
				State: scidatav1.BackupRunning, Namespace: ptr.To(ns.Name), StartedAt: &started}
		}
	}
	if err := r.followDrill(ctx, s); err != nil {
		return err
	}
	if d := s.dp.Status.Backup.LastRestoreDrill; d != nil && d.State == scidatav1.BackupRunning {
		return nil
	}
	if ours && ns.DeletionTimestamp == nil {
		// The drill ended and is recorded: the scratch namespace goes,
		// with everything in it.
		if err := r.Delete(ctx, ns, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("remove scratch namespace %s: %w", ns.Name, err)
		}
	}
	return r.scheduleDrill(ctx, s, target, cr, ns)
}

// drillNamespace is the platform's scratch namespace, nil when there is none.
func (r *DataPlatformReconciler) drillNamespace(ctx context.Context, dp *scidatav1.DataPlatform) (*corev1.Namespace, error) {
	var ns corev1.Namespace
	err := r.Get(ctx, types.NamespacedName{Name: platform.DrillNamespace(dp)}, &ns)
	if apierrors.IsNotFound(err) && r.APIReader != nil {
		err = r.APIReader.Get(ctx, types.NamespacedName{Name: platform.DrillNamespace(dp)}, &ns)
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get scratch namespace: %w", err)
	}
	return &ns, nil
}

// scheduleDrill starts the drill a firing or a request asks for, once the
// previous drill's scratch namespace is gone.
func (r *DataPlatformReconciler) scheduleDrill(ctx context.Context, s *platformScope, target store.Store, cr store.Credentials, ns *corev1.Namespace) error {
	dp, st := s.dp, s.dp.Status.Backup
	fire, ok := drillFiring(s)
	if !ok {
		return nil
	}
	req := truncate(dp.Annotations[scidatav1.AnnotationRestoreDrillRequested], 253)
	requested := req != "" && req != ptr.Deref(st.LastDrillRequest, "")
	if fire.IsZero() && !requested {
		return nil
	}
	serve := func() {
		if !fire.IsZero() {
			st.LastDrillScheduled = &metav1.Time{Time: fire}
		}
		if requested {
			st.LastDrillRequest = &req
		}
	}
	if ns != nil && !platform.IsDrillNamespaceOf(ns, dp) {
		serve()
		r.Recorder.Eventf(dp, nil, corev1.EventTypeWarning, scidatav1.ReasonRestoreDrillFailed, "RestoreDrill",
			"no restore drill can run: the namespace %s exists and is not this platform's scratch namespace; the operator never writes into it (remove it, or find who made it)", ns.Name)
		return nil
	}
	if ns != nil {
		// The previous drill's namespace is still being removed.
		if at := s.now.Add(drillRetry); s.requeueAt.IsZero() || at.Before(s.requeueAt) {
			s.requeueAt = at
		}
		return nil
	}
	prev := newestVerified(st)
	if prev == nil {
		serve()
		r.Recorder.Eventf(dp, nil, corev1.EventTypeWarning, scidatav1.ReasonRestoreDrillFailed, "RestoreDrill",
			"no restore drill can run: the platform has no verified backup yet; one runs at spec.backup.schedule's next firing, or now with the %s annotation", scidatav1.AnnotationBackupRequested)
		return nil
	}
	// A drill's id is when it starts (a firing's drill may start late,
	// after its namespace was removed).
	id := backup.ID(s.now)
	if d := st.LastRestoreDrill; d != nil && id <= d.ID {
		// Ids are seconds: a second drill within the second of the last
		// waits for the next, so that no two drills share an id.
		if next := s.now.Truncate(time.Second).Add(time.Second); s.requeueAt.IsZero() || next.Before(s.requeueAt) {
			s.requeueAt = next
		}
		return nil
	}
	if err := r.startDrill(ctx, s, target, cr, id, prev); err != nil {
		return err
	}
	serve()
	return nil
}

// drillFiring is the firing of spec.backup.drillSchedule to drill for now
// (zero when none), asking to come back at the next one; false when the
// schedule does not parse, which BackupHealthy then says.
func drillFiring(s *platformScope) (time.Time, bool) {
	st := s.dp.Status.Backup
	sched := ptr.Deref(s.dp.Spec.Backup.DrillSchedule, "")
	if sched == "" {
		return time.Time{}, true
	}
	var last *time.Time
	if st.LastDrillScheduled != nil {
		last = &st.LastDrillScheduled.Time
	}
	f, err := backup.Due(sched, last, s.now)
	if err != nil {
		s.backup.set(metav1.ConditionFalse, scidatav1.ReasonInvalidSchedule, fmt.Sprintf("spec.backup.drillSchedule: %v: write five cron fields (minute hour day-of-month month day-of-week, in UTC) or @hourly, @daily, @weekly, @monthly", err))
		return time.Time{}, false
	}
	if !f.Next.IsZero() && (s.requeueAt.IsZero() || f.Next.Before(s.requeueAt)) {
		s.requeueAt = f.Next
	}
	// A drill is not bound to its minute as a backup is: a late one still
	// proves the same thing.
	return firstNonZero(f.Start, f.Missed), true
}

// startDrill makes the scratch namespace and, in it, the rules, the two
// Secrets and the Job of drill id restoring backup prev. Every piece is
// created only when missing, so a pass that fails halfway is finished by
// the next.
func (r *DataPlatformReconciler) startDrill(ctx context.Context, s *platformScope, target store.Store, cr store.Credentials, id string, prev *scidatav1.BackupRecord) error {
	dp := s.dp
	if err := r.Create(ctx, platform.DrillNamespaceObject(dp)); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create scratch namespace: %w", err)
	}
	for _, np := range platform.DrillNetworkPolicies(dp, s.network.DNS, store.TargetPeers(dp, r.Config.OperatorNamespace)) {
		if _, err := apply.Ensure(ctx, r.Client, np, &networkingv1.NetworkPolicy{}, networkingv1ac.ExtractNetworkPolicy); err != nil {
			return err
		}
	}
	if err := r.ensureCopy(ctx, backup.DrillTargetSecret(dp, keysSecret(cr.Keys[store.Upload]), cr.CAPEM)); err != nil {
		return err
	}
	if err := r.ensureDrillStoreSecret(ctx, s); err != nil {
		return err
	}
	in := backup.DrillInput{
		JobInput: backup.JobInput{Platform: dp, ID: id, Source: store.For(dp, r.Config.OperatorNamespace), Target: target,
			Image: r.Config.OperatorImage, PullPolicy: r.Config.ImagePullPolicy, BackoffLimit: backupBackoffLimit},
		BackupID: prev.ID, StoreImage: r.Config.ObjectStoreImage, Bytes: ptr.Deref(prev.Bytes, 0),
	}
	if err := r.Create(ctx, backup.DrillJob(in)); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create restore drill job: %w", err)
	}
	now := metav1.NewTime(s.now.UTC().Truncate(time.Second))
	dp.Status.Backup.LastRestoreDrill = &scidatav1.RestoreDrill{ID: id, BackupID: prev.ID, State: scidatav1.BackupRunning,
		Namespace: ptr.To(platform.DrillNamespace(dp)), StartedAt: &now}
	r.Recorder.Eventf(dp, nil, corev1.EventTypeNormal, scidatav1.ReasonRestoreDrillStarted, "RestoreDrill",
		"restore drill %s: restoring backup %s (%d objects) into a temporary store in namespace %s", id, prev.ID, ptr.Deref(prev.Objects, 0), platform.DrillNamespace(dp))
	return nil
}

// ensureDrillStoreSecret makes the temporary store's account and TLS
// material once per scratch namespace: a CA made for the drill signs the
// store's certificate for localhost, and its key is never kept.
func (r *DataPlatformReconciler) ensureDrillStoreSecret(ctx context.Context, s *platformScope) error {
	dp := s.dp
	key := types.NamespacedName{Namespace: platform.DrillNamespace(dp), Name: backup.DrillStoreSecretName}
	if err := r.Get(ctx, key, &corev1.Secret{}); err == nil {
		return nil
	} else if !apierrors.IsNotFound(err) {
		return fmt.Errorf("get %s: %w", key, err)
	}
	access, secret, err := platform.NewCredentials(r.Rand)
	if err != nil {
		return err
	}
	ca, err := pki.NewCA("scidata restore drill "+dp.Name, s.now)
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := ca.Issue([]string{"localhost"}, s.now)
	if err != nil {
		return err
	}
	if err := r.Create(ctx, backup.DrillStoreSecret(dp, access, secret, certPEM, keyPEM, ca.CertPEM)); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create %s: %w", key, err)
	}
	return nil
}

// followDrill reads the running drill's Job: every object restored and
// matched, with the manifest recorded when the backup was made, is
// Verified; a mismatch is Corrupt, and the backup with it; anything else
// that ended the Job is Failed. Each ending has its event.
func (r *DataPlatformReconciler) followDrill(ctx context.Context, s *platformScope) error {
	dp := s.dp
	d := dp.Status.Backup.LastRestoreDrill
	if d == nil || d.State != scidatav1.BackupRunning {
		return nil
	}
	job, err := r.drillJob(ctx, dp)
	if err != nil {
		return err
	}
	if job != nil && job.Labels[backup.LabelDrillID] != d.ID {
		job = nil
	}
	now := metav1.NewTime(s.now.UTC().Truncate(time.Second))
	finish := func(state scidatav1.BackupState, msg string) {
		d.State, d.CompletedAt = state, &now
		d.Message = nil
		if msg != "" {
			d.Message = ptr.To(truncate(msg, 1024))
		}
	}
	rec := findBackup(dp.Status.Backup, d.BackupID)
	switch {
	case job == nil:
		finish(scidatav1.BackupFailed, "its Job "+backup.DrillJobName+" in "+ptr.Deref(d.Namespace, "")+" is gone before it finished")
	case jobCondition(job, batchv1.JobComplete), jobCondition(job, batchv1.JobFailed):
		sum, err := jobSummary(ctx, r.Client, job)
		if err != nil {
			return err
		}
		if t := jobCompletion(job); t != nil {
			now = metav1.NewTime(t.UTC())
		}
		complete := jobCondition(job, batchv1.JobComplete)
		switch {
		case complete && (rec == nil || sum.ManifestDigest == ptr.Deref(rec.ManifestDigest, "")):
			finish(scidatav1.BackupVerified, "")
			d.Objects, d.Bytes = ptrInt64(sum.Objects), ptrInt64(sum.Bytes)
			dp.Status.Backup.LastSuccessfulRestoreDrill = &now
		case complete:
			finish(scidatav1.BackupCorrupt, fmt.Sprintf("the manifest restored has digest %s, not the %s recorded when the backup was made", sum.ManifestDigest, recordedDigest(rec)))
		case sum.ExitCode == syncer.ExitDestinationCorrupt:
			finish(scidatav1.BackupCorrupt, describeFailure(sum))
		default:
			finish(scidatav1.BackupFailed, "the drill could not run to the end: "+jobFailure(job, sum))
		}
	default:
		return nil
	}
	switch d.State {
	case scidatav1.BackupVerified:
		r.Recorder.Eventf(dp, nil, corev1.EventTypeNormal, scidatav1.ReasonRestoreDrillVerified, "RestoreDrill",
			"restore drill %s: backup %s restored into a temporary store and every object matched its manifest: %d objects, %d bytes", d.ID, d.BackupID, derefInt64(d.Objects), derefInt64(d.Bytes))
	case scidatav1.BackupCorrupt:
		if rec != nil {
			rec.State, rec.Message = scidatav1.BackupCorrupt, d.Message
		}
		r.Recorder.Eventf(dp, nil, corev1.EventTypeWarning, scidatav1.ReasonRestoreDrillFailed, "RestoreDrill",
			"restore drill %s: backup %s does not restore as its manifest says: %s", d.ID, d.BackupID, ptr.Deref(d.Message, ""))
	default:
		r.Recorder.Eventf(dp, nil, corev1.EventTypeWarning, scidatav1.ReasonRestoreDrillFailed, "RestoreDrill",
			"restore drill %s of backup %s: %s", d.ID, d.BackupID, ptr.Deref(d.Message, ""))
	}
	return nil
}

// jobFailure is the worker's reason, or the Job's own when its pod never
// got to say (a deadline passed, an image could not be pulled).
func jobFinished(job *batchv1.Job) bool {
	return jobCondition(job, batchv1.JobComplete) || jobCondition(job, batchv1.JobFailed)
}

func jobFailure(job *batchv1.Job, sum syncer.Summary) string {
	if sum.ExitCode == 0 && sum.Error == "" {
		for _, c := range job.Status.Conditions {
			if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
				return c.Reason + ": " + c.Message
			}
		}
	}
	return describeFailure(sum)
}

// drillJob is the Job of the platform's scratch namespace, nil when it is
// gone. It is read from the apiserver, not the cache: whether the scratch
// namespace is removed is decided on it, and a cache that still holds the
// previous drill's Job, or not yet the new one, would remove a running
// drill's namespace. (Only while a scratch namespace exists: one read per
// pass during a drill.)
func (r *DataPlatformReconciler) drillJob(ctx context.Context, dp *scidatav1.DataPlatform) (*batchv1.Job, error) {
	key := types.NamespacedName{Namespace: platform.DrillNamespace(dp), Name: backup.DrillJobName}
	var job batchv1.Job
	var reader client.Reader = r.Client
	if r.APIReader != nil {
		reader = r.APIReader
	}
	err := reader.Get(ctx, key, &job)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get restore drill job: %w", err)
	}
	return &job, nil
}

// removeDrillNamespace removes the platform's scratch namespace once no
// drill may run (spec.backup was removed, or its target is not cleared),
// and ends a drill that was running.
func (r *DataPlatformReconciler) removeDrillNamespace(ctx context.Context, dp *scidatav1.DataPlatform, why string) error {
	if st := dp.Status.Backup; st != nil && st.LastRestoreDrill != nil && st.LastRestoreDrill.State == scidatav1.BackupRunning {
		st.LastRestoreDrill.State, st.LastRestoreDrill.Message = scidatav1.BackupFailed, ptr.To("stopped: "+why)
	}
	ns, err := r.drillNamespace(ctx, dp)
	if err != nil || ns == nil || !platform.IsDrillNamespaceOf(ns, dp) || ns.DeletionTimestamp != nil {
		return err
	}
	return client.IgnoreNotFound(r.Delete(ctx, ns, client.PropagationPolicy(metav1.DeletePropagationBackground)))
}
