package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/backup"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/storetest"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// backupTarget is a second S3 server playing the city's backup store, with
// a bucket "backups" its writer manages, and the Secrets its storage team
// makes for it in the operator's namespace.
func backupTarget(t *testing.T) (*s3test.Server, scidatav1.BackupTarget) {
	t.Helper()
	clusterFixture(t)
	srv := s3test.Start(t)
	writer := s3test.Account{Access: "backup-writer", Secret: "backup-writer-secret-0123456789"}
	reader := s3test.Account{Access: "backup-reader", Secret: "backup-reader-secret-0123456789"}
	storetest.VersityBucket(t, srv, "backups", writer, reader)
	names := storetest.CreateExternalSecrets(t, env.Client, operatorNamespace, "backups", srv, writer, reader)
	return srv, scidatav1.BackupTarget{Endpoint: "https://" + srv.Endpoint, Bucket: "backups",
		CredentialsSecret: scidatav1.SecretKeyReference{Name: names.Writer},
		CASecret:          scidatav1.SecretKeyReference{Name: names.CA},
		Network:           &scidatav1.ExternalStoreNetwork{CIDRs: []string{"127.0.0.1/32"}},
		Clearance:         scidatav1.ClassificationInternal}
}

// pokePlatform wakes the controller for a platform, as any change would
// (an annotation changes nothing it decides on).
func pokePlatform(t *testing.T, name string) {
	t.Helper()
	dp := getPlatform(t, name)
	patch := client.MergeFrom(dp.DeepCopy())
	if dp.Annotations == nil {
		dp.Annotations = map[string]string{}
	}
	dp.Annotations["test.scidata.io/poke"] = managerClock.Now().Format(time.RFC3339Nano)
	if err := env.Client.Patch(context.Background(), dp, patch); err != nil {
		t.Fatal(err)
	}
}

func waitBackupJob(t *testing.T, dp *scidatav1.DataPlatform, id string) *batchv1.Job {
	t.Helper()
	return waitNamedJob(t, dp, backup.JobName(id))
}

func waitNamedJob(t *testing.T, dp *scidatav1.DataPlatform, name string) *batchv1.Job {
	t.Helper()
	var job batchv1.Job
	eventually(t, "job "+name, func() error {
		return env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.Namespace(dp), Name: name}, &job)
	})
	return &job
}

func waitBackupHealth(t *testing.T, name string, status, reason string) *scidatav1.DataPlatform {
	t.Helper()
	var dp *scidatav1.DataPlatform
	eventually(t, "BackupHealthy "+reason, func() error {
		dp = getPlatform(t, name)
		c := meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionBackupHealthy)
		if c == nil || string(c.Status) != status || c.Reason != reason {
			return fmt.Errorf("BackupHealthy %+v", c)
		}
		return nil
	})
	return dp
}

// runBackup runs the real worker with the backup Job's own arguments
// against the platform's store and the target, and reports the Job done
// as the kubelet would.
func runBackup(t *testing.T, job *batchv1.Job) syncer.Result {
	t.Helper()
	res, err := storetest.RunSyncJob(t, env.Client, job)
	if err != nil {
		t.Fatalf("backup worker: %v", err)
	}
	msg, _ := json.Marshal(res.Summary())
	completeJob(t, job, 0, string(msg))
	return res
}

func targetKeys(t *testing.T, srv *s3test.Server, prefix string) []string {
	t.Helper()
	return bucketKeys(t, srv, "backups", prefix)
}

func bucketKeys(t *testing.T, srv *s3test.Server, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	for o := range srv.Root().ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// A scheduled backup: the firing within its grace becomes a Job of a name
// fixed by the firing, in the platform's namespace, reading with the
// store's read-only account and writing with a copy of the target's
// account; once the real worker has copied the bucket into a second real
// S3 server, the manager reads the manifest back and records the backup
// Verified with its digest, objects and bytes. The next firing first
// checks the first backup against its manifest (lastVerification), then
// makes a second; with keep 1 the first one's prefix is removed from the
// target (and nothing of the platform's store). One changed byte in the
// kept backup is found by the check of a run asked for by annotation:
// BackupCorrupt, naming the object. A firing passed beyond its grace is
// BackupMissed; a failed Job is BackupFailed; each with an event.
func TestScheduledBackupsAreVerifiedRetainedAndTheirFailuresReported(t *testing.T) {
	ctx := context.Background()
	// The schedule fires daily at the minute the test starts, on the real
	// clock (the stores' certificates are issued on it); later days are
	// reached by moving the manager's clock.
	fired := time.Now().UTC().Truncate(time.Minute)
	schedule := fmt.Sprintf("%d %d * * *", fired.Minute(), fired.Hour())
	srv, target := backupTarget(t)
	dp := readyDepartment(t, "tide-works", func(p *scidatav1.DataPlatform) {
		p.Spec.Backup = &scidatav1.PlatformBackup{Schedule: schedule, Keep: ptr.To[int32](1), Target: target}
	})
	deleteAtEnd(t, dp)
	own := departmentData(t, dp, map[string]string{"tides/2030/a.csv": "gauge,level\n1,2.5\n", "tides/2030/b.csv": "gauge,level\n2,3.5\n"})

	first := backup.ID(fired)
	job := waitBackupJob(t, dp, first)
	if job.Spec.Template.Labels[scidatav1.LabelComponent] != platform.ComponentBackup || !metaOwnedBy(job, dp) {
		t.Errorf("backup job labels %v, owners %v", job.Spec.Template.Labels, job.OwnerReferences)
	}
	var copy corev1.Secret
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: backup.TargetSecretName}, &copy); err != nil {
		t.Fatalf("the target account's copy: %v", err)
	}
	ca, _ := os.ReadFile(srv.CAFile)
	if string(copy.Data[platform.AccessKeyField]) != "backup-writer" || string(copy.Data["ca.crt"]) != string(ca) {
		t.Errorf("the copy holds %q and a CA of %d bytes", copy.Data[platform.AccessKeyField], len(copy.Data["ca.crt"]))
	}
	res := runBackup(t, job)
	live := waitBackupHealth(t, dp.Name, "True", scidatav1.ReasonBackupVerified)
	st := live.Status.Backup
	if len(st.Backups) != 1 || ptr.Deref(st.Backups[0].ManifestDigest, "") != res.ManifestDigest || ptr.Deref(st.Backups[0].Objects, 0) != 2 ||
		ptr.Deref(st.Backups[0].Bytes, 0) != res.Bytes || st.Backups[0].State != scidatav1.BackupVerified || st.LastSuccessful == nil {
		t.Fatalf("status.backup %+v, worker %+v", st, res)
	}
	if got := targetKeys(t, srv, "tide-works/"+first+"/"); len(got) != 3 {
		t.Errorf("the target holds %v under the first backup, want two objects and the manifest", got)
	}

	// The next day's firing: a check that reads the first backup back
	// against its manifest, and a second backup; keep 1 removes the first.
	second := backup.ID(fired.AddDate(0, 0, 1))
	jumpTo(t, fired.AddDate(0, 0, 1).Add(5*time.Second))
	pokePlatform(t, dp.Name)
	check := waitNamedJob(t, dp, backup.VerifyJobName(second))
	if check.Labels[backup.LabelBackupID] != first {
		t.Errorf("the run's check reads backup %s, want the newest verified, %s", check.Labels[backup.LabelBackupID], first)
	}
	runBackup(t, check)
	runBackup(t, waitBackupJob(t, dp, second))
	eventually(t, "the first backup checked, then removed", func() error {
		st := getPlatform(t, dp.Name).Status.Backup
		if v := st.LastVerification; v == nil || v.BackupID != first || v.State != scidatav1.BackupVerified || ptr.Deref(v.Objects, 0) != 2 {
			return fmt.Errorf("lastVerification %+v", v)
		}
		if len(st.Backups) != 1 || st.Backups[0].ID != second || st.Backups[0].State != scidatav1.BackupVerified {
			return fmt.Errorf("backups %+v", st.Backups)
		}
		if got := targetKeys(t, srv, "tide-works/"+first+"/"); len(got) != 0 {
			return fmt.Errorf("the target still holds %v", got)
		}
		return nil
	})
	if got := targetKeys(t, srv, "tide-works/"+second+"/"); len(got) != 3 {
		t.Errorf("the kept backup holds %v", got)
	}
	if keys := bucketKeys(t, own, store.For(dp, operatorNamespace).Bucket, ""); len(keys) != 2 {
		t.Errorf("the platform's own store holds %v after retention, want its two objects", keys)
	}

	// One byte of the kept backup changes in the target; a backup asked
	// for by annotation runs its check first, which reads every byte back:
	// BackupCorrupt, naming the object, with an event.
	key := "tide-works/" + second + "/tides/2030/a.csv"
	srv.Put(t, "backups", key, []byte("gauge,level\n1,2.6\n"))
	live = getPlatform(t, dp.Name)
	patch := client.MergeFrom(live.DeepCopy())
	live.Annotations = map[string]string{scidatav1.AnnotationBackupRequested: "ticket-1"}
	if err := env.Client.Patch(ctx, live, patch); err != nil {
		t.Fatal(err)
	}
	var run string
	eventually(t, "the requested run", func() error {
		st := getPlatform(t, dp.Name).Status.Backup
		if ptr.Deref(st.LastRequest, "") != "ticket-1" || st.LastVerification == nil || st.LastVerification.RunID == second {
			return fmt.Errorf("lastRequest %q, lastVerification %+v", ptr.Deref(st.LastRequest, ""), st.LastVerification)
		}
		run = st.LastVerification.RunID
		return nil
	})
	check = waitNamedJob(t, dp, backup.VerifyJobName(run))
	_, err := storetest.RunSyncJob(t, env.Client, check)
	if syncer.ExitCode(err) != syncer.ExitDestinationCorrupt {
		t.Fatalf("the check of a changed backup: %v", err)
	}
	msg, _ := json.Marshal(syncer.Summary{ExitCode: syncer.ExitCode(err), Error: err.Error()})
	completeJob(t, check, int32(syncer.ExitCode(err)), string(msg))
	live = waitBackupHealth(t, dp.Name, "False", scidatav1.ReasonBackupCorrupt)
	if c := meta.FindStatusCondition(live.Status.Conditions, scidatav1.ConditionBackupHealthy); !strings.Contains(c.Message, key) {
		t.Errorf("BackupHealthy does not name the changed object: %s", c.Message)
	}
	assertEvent(t, dp.Name, scidatav1.ReasonBackupCorrupt)
	runBackup(t, waitBackupJob(t, dp, run))
	eventually(t, "the requested backup verified", func() error {
		if r := findBackup(getPlatform(t, dp.Name).Status.Backup, run); r == nil || r.State != scidatav1.BackupVerified {
			return fmt.Errorf("backup %s: %+v", run, r)
		}
		return nil
	})

	// The third day's firing passes while no pass runs: missed.
	jumpTo(t, fired.AddDate(0, 0, 2).Add(time.Hour))
	pokePlatform(t, dp.Name)
	waitBackupHealth(t, dp.Name, "False", scidatav1.ReasonBackupMissed)
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: backup.JobName(backup.ID(fired.AddDate(0, 0, 2)))}, &batchv1.Job{}); err == nil {
		t.Error("a Job was started for a firing beyond its grace")
	}
	assertEvent(t, dp.Name, scidatav1.ReasonBackupMissed)

	// The fourth day's backup fails: BackupFailed, with the worker's reason.
	jumpTo(t, fired.AddDate(0, 0, 3).Add(5*time.Second))
	pokePlatform(t, dp.Name)
	failed := waitBackupJob(t, dp, backup.ID(fired.AddDate(0, 0, 3)))
	msg, _ = json.Marshal(syncer.Summary{ExitCode: syncer.ExitAccessDenied, Error: "Access Denied"})
	completeJob(t, failed, syncer.ExitAccessDenied, string(msg))
	live = waitBackupHealth(t, dp.Name, "False", scidatav1.ReasonBackupFailed)
	if c := meta.FindStatusCondition(live.Status.Conditions, scidatav1.ConditionReady); c == nil || c.Status != "True" {
		t.Errorf("a failed backup made the platform not Ready: %+v", c)
	}
	assertEvent(t, dp.Name, scidatav1.ReasonBackupFailed)
	if live.Status.Backup.LastSuccessful == nil || newestVerified(live.Status.Backup) == nil {
		t.Errorf("status.backup %+v: the verified backup stays with the failed one", live.Status.Backup)
	}
}

func metaOwnedBy(o client.Object, dp *scidatav1.DataPlatform) bool {
	for _, r := range o.GetOwnerReferences() {
		if r.UID == dp.UID && ptr.Deref(r.Controller, false) {
			return true
		}
	}
	return false
}

// A Secret the target names that is missing makes BackupHealthy False
// with BackupTargetSecretMissing and starts no Job; creating it mends it.
func TestABackupTargetWithoutItsSecretStartsNoJob(t *testing.T) {
	fired := time.Now().UTC().Truncate(time.Minute)
	_, target := backupTarget(t)
	target.CredentialsSecret.Name = "no-such-secret"
	dp := readyDepartment(t, "reef-works", func(p *scidatav1.DataPlatform) {
		p.Spec.Backup = &scidatav1.PlatformBackup{Schedule: fmt.Sprintf("%d %d * * *", fired.Minute(), fired.Hour()), Target: target}
	})
	deleteAtEnd(t, dp)
	waitBackupHealth(t, dp.Name, "False", scidatav1.ReasonBackupTargetSecretMissing)
	assertEvent(t, dp.Name, scidatav1.ReasonBackupTargetSecretMissing)
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.Namespace(dp), Name: backup.JobName(backup.ID(fired))}, &batchv1.Job{}); err == nil {
		t.Error("a backup Job started without the target's account")
	}
	storetest.PutSecret(t, env.Client, operatorNamespace, "no-such-secret", storetest.AccountData(s3test.Account{Access: "backup-writer", Secret: "backup-writer-secret-0123456789"}))
	waitBackupJob(t, dp, backup.ID(fired))
}

// assertEvent waits for an event of reason about the platform.
func assertEvent(t *testing.T, name, reason string) {
	t.Helper()
	eventually(t, reason+" event", func() error {
		var evs eventsv1.EventList
		if err := env.Client.List(context.Background(), &evs); err != nil {
			return err
		}
		for _, ev := range evs.Items {
			if ev.Regarding.Kind == "DataPlatform" && ev.Regarding.Name == name && ev.Reason == reason {
				return nil
			}
		}
		return fmt.Errorf("no %s event about %s", reason, name)
	})
}

// Backups and hibernation: a backup Job that has not finished holds the
// platform awake (it reads the store); once hibernation is requested no
// backup starts, and a firing is missed, its event saying the platform is
// hibernated.
func TestBackupsAndHibernationWaitForEachOther(t *testing.T) {
	fired := time.Now().UTC().Truncate(time.Minute)
	_, target := backupTarget(t)
	dp := readyDepartment(t, "reef-sleeps", func(p *scidatav1.DataPlatform) {
		p.Spec.Backup = &scidatav1.PlatformBackup{Schedule: fmt.Sprintf("%d %d * * *", fired.Minute(), fired.Hour()), Target: target}
	})
	deleteAtEnd(t, dp)
	job := waitBackupJob(t, dp, backup.ID(fired)) // envtest runs no Job: it stays unfinished

	setHibernation(t, dp, scidatav1.HibernationHibernated)
	got := waitCondition(t, dp.Name, scidatav1.ConditionHibernated, metav1.ConditionFalse, scidatav1.ReasonHibernationBlocked)
	if c := meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionHibernated); !strings.Contains(c.Message, "backup Job "+job.Namespace+"/"+job.Name+" is running") {
		t.Errorf("Hibernated does not name the running backup Job: %q", c.Message)
	}
	if s, p := workloadReplicas(t, dp); s != 1 || p != 1 {
		t.Errorf("held awake by a backup, the store has %d and the portal %d replicas", s, p)
	}

	// The next day's firing comes while hibernation is requested: no Job,
	// a missed backup that says why.
	jumpTo(t, fired.AddDate(0, 0, 1).Add(5*time.Second))
	pokePlatform(t, dp.Name)
	eventually(t, "a backup missed while hibernation is requested", func() error {
		var evs eventsv1.EventList
		if err := env.Client.List(context.Background(), &evs); err != nil {
			return err
		}
		for _, ev := range evs.Items {
			if ev.Regarding.Kind == "DataPlatform" && ev.Regarding.Name == dp.Name && ev.Reason == scidatav1.ReasonBackupMissed && strings.Contains(ev.Note, "hibernated") {
				return nil
			}
		}
		return fmt.Errorf("no %s event naming hibernation about %s", scidatav1.ReasonBackupMissed, dp.Name)
	})
	var jobs batchv1.JobList
	if err := env.Client.List(context.Background(), &jobs, client.InNamespace(platform.Namespace(dp)), client.MatchingLabels{scidatav1.LabelComponent: platform.ComponentBackup}); err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs.Items {
		if j.Name != job.Name {
			t.Errorf("backup Job %s started while hibernation was requested", j.Name)
		}
	}
}

// Deleting a platform with retention Retain keeps its namespace and data,
// but not the copy of the backup target's account: that credential opens
// the city's backup bucket, not the platform's data.
func TestARetainedNamespaceKeepsNoCopyOfTheBackupTargetsAccount(t *testing.T) {
	ctx := context.Background()
	_, target := backupTarget(t)
	dp := readyDepartment(t, "reef-leaves", func(p *scidatav1.DataPlatform) {
		p.Spec.Backup = &scidatav1.PlatformBackup{Schedule: "@yearly", Target: target}
	})
	key := types.NamespacedName{Namespace: platform.Namespace(dp), Name: backup.TargetSecretName}
	eventually(t, "the target account's copy", func() error { return env.Client.Get(ctx, key, &corev1.Secret{}) })
	if err := env.Client.Delete(ctx, dp); err != nil {
		t.Fatal(err)
	}
	eventually(t, dp.Name+" deleted", func() error {
		if err := env.Client.Get(ctx, types.NamespacedName{Name: dp.Name}, &scidatav1.DataPlatform{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there: %w", err)
		}
		return nil
	})
	var ns corev1.Namespace
	if err := env.Client.Get(ctx, types.NamespacedName{Name: key.Namespace}, &ns); err != nil || ns.Labels[scidatav1.LabelRetained] != "true" {
		t.Fatalf("namespace %s after the deletion: %v, labels %v; want it retained", key.Namespace, err, ns.Labels)
	}
	if err := env.Client.Get(ctx, key, &corev1.Secret{}); !apierrors.IsNotFound(err) {
		t.Errorf("the retained namespace still holds %s: %v", backup.TargetSecretName, err)
	}
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: platform.RootCredentialsName}, &corev1.Secret{}); err != nil {
		t.Errorf("the store's own root credentials were not kept: %v", err)
	}
}
