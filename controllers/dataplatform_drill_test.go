package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/backup"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/storetest"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

func annotatePlatform(t *testing.T, name, key, value string) {
	t.Helper()
	live := getPlatform(t, name)
	patch := client.MergeFrom(live.DeepCopy())
	if live.Annotations == nil {
		live.Annotations = map[string]string{}
	}
	live.Annotations[key] = value
	if err := env.Client.Patch(context.Background(), live, patch); err != nil {
		t.Fatal(err)
	}
}

// waitDrill waits for the platform's latest restore drill to be id (any
// id when "") in state.
func waitDrill(t *testing.T, name, id string, state scidatav1.BackupState) *scidatav1.RestoreDrill {
	t.Helper()
	var d *scidatav1.RestoreDrill
	eventually(t, "restore drill "+string(state), func() error {
		st := getPlatform(t, name).Status.Backup
		if st == nil || st.LastRestoreDrill == nil || st.LastRestoreDrill.State != state || (id != "" && st.LastRestoreDrill.ID != id) {
			return fmt.Errorf("lastRestoreDrill %+v", st)
		}
		d = st.LastRestoreDrill
		return nil
	})
	return d
}

// requestBackup asks for a backup of a platform that has none yet and
// returns its id, once the run is recorded.
func requestBackup(t *testing.T, dp *scidatav1.DataPlatform, value string) string {
	t.Helper()
	annotatePlatform(t, dp.Name, scidatav1.AnnotationBackupRequested, value)
	var id string
	eventually(t, "the requested backup", func() error {
		st := getPlatform(t, dp.Name).Status.Backup
		if st == nil || len(st.Backups) == 0 {
			return fmt.Errorf("status.backup %+v", st)
		}
		id = st.Backups[0].ID
		return nil
	})
	return id
}

func drillJobOf(t *testing.T, dp *scidatav1.DataPlatform) *batchv1.Job {
	t.Helper()
	var job batchv1.Job
	eventually(t, "the restore drill's job", func() error {
		return env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.DrillNamespace(dp), Name: backup.DrillJobName}, &job)
	})
	return &job
}

// finalizeNamespace does what the namespace controller does with a
// namespace being deleted (envtest runs none): it deletes what the drill
// put in it, empties its finalizers, and the apiserver removes it.
func finalizeNamespace(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	var ns corev1.Namespace
	eventually(t, "namespace "+name+" being deleted", func() error {
		if err := env.Client.Get(ctx, types.NamespacedName{Name: name}, &ns); err != nil {
			return err
		}
		if ns.DeletionTimestamp == nil {
			return fmt.Errorf("namespace %s is not being deleted", name)
		}
		return nil
	})
	for _, kind := range []client.Object{&batchv1.Job{}, &corev1.Pod{}, &corev1.Secret{}, &networkingv1.NetworkPolicy{}} {
		if err := env.Client.DeleteAllOf(ctx, kind, client.InNamespace(name), client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil {
			t.Fatal(err)
		}
	}
	ns.Spec.Finalizers = nil
	if err := env.Client.SubResource("finalize").Update(ctx, &ns); err != nil {
		t.Fatal(err)
	}
	eventually(t, "namespace "+name+" gone", func() error {
		if err := env.Client.Get(ctx, types.NamespacedName{Name: name}, &corev1.Namespace{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there: %w", err)
		}
		return nil
	})
}

// A restore drill, asked for by annotation: a scratch namespace of the
// operator's making (restricted, owned by the platform, default-deny with
// egress to the backup target only), a Job whose pod runs a temporary
// store beside the worker's --restore-backup, mounting the target's
// account and the temporary store's and nothing of the platform's own.
// With the real store and worker run as the pod would run them, the drill
// restores every object of the newest verified backup and matches it:
// Verified, with the date the scorecard counts, and the scratch namespace
// removed. One changed byte in the backup makes the next drill Corrupt
// (and the backup with it), BackupHealthy False with RestoreDrillFailed.
// A namespace of the scratch namespace's name made by someone else is
// never written into.
func TestARestoreDrillRestoresIntoAScratchNamespaceVerifiesAndRemovesIt(t *testing.T) {
	ctx := context.Background()
	srv, target := backupTarget(t)
	dp := readyDepartment(t, "quarry-works", func(p *scidatav1.DataPlatform) {
		p.Spec.Backup = &scidatav1.PlatformBackup{Schedule: "0 3 1 1 *", Keep: ptr.To[int32](3), Target: target}
	})
	deleteAtEnd(t, dp)
	departmentData(t, dp, map[string]string{"stone/2030/a.csv": "site,tonnes\n1,25\n", "stone/2030/b.csv": "site,tonnes\n2,35\n"})

	// No verified backup yet: a drill cannot run, and says so.
	annotatePlatform(t, dp.Name, scidatav1.AnnotationRestoreDrillRequested, "drill-0")
	assertEvent(t, dp.Name, scidatav1.ReasonRestoreDrillFailed)
	if err := env.Client.Get(ctx, types.NamespacedName{Name: platform.DrillNamespace(dp)}, &corev1.Namespace{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a scratch namespace was made with no backup to restore: %v", err)
	}

	id := requestBackup(t, dp, "backup-1")
	res := runBackup(t, waitBackupJob(t, dp, id))
	waitBackupHealth(t, dp.Name, "True", scidatav1.ReasonBackupVerified)

	annotatePlatform(t, dp.Name, scidatav1.AnnotationRestoreDrillRequested, "drill-1")
	d := waitDrill(t, dp.Name, "", scidatav1.BackupRunning)
	if d.BackupID != id || ptr.Deref(d.Namespace, "") != platform.DrillNamespace(dp) {
		t.Errorf("the drill %+v, want backup %s in %s", d, id, platform.DrillNamespace(dp))
	}
	var ns corev1.Namespace
	if err := env.Client.Get(ctx, types.NamespacedName{Name: platform.DrillNamespace(dp)}, &ns); err != nil {
		t.Fatal(err)
	}
	if !platform.IsDrillNamespaceOf(&ns, dp) || ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" || ns.Labels[scidatav1.LabelPlatform] != "" {
		t.Errorf("scratch namespace labels %v, owners %v", ns.Labels, ns.OwnerReferences)
	}
	var policies networkingv1.NetworkPolicyList
	if err := env.Client.List(ctx, &policies, client.InNamespace(ns.Name)); err != nil {
		t.Fatal(err)
	}
	names := map[string]networkingv1.NetworkPolicy{}
	for _, p := range policies.Items {
		names[p.Name] = p
	}
	if len(names) != 3 || names[platform.PolicyDefaultDeny].Name == "" || names[platform.PolicyDNS].Name == "" {
		t.Errorf("scratch namespace policies %v, want default-deny, allow-dns and %s", slices.Collect(maps.Keys(names)), platform.PolicyDrillEgress)
	}
	egress := names[platform.PolicyDrillEgress].Spec.Egress
	if len(egress) != 1 || len(egress[0].To) != 1 || egress[0].To[0].IPBlock == nil || egress[0].To[0].IPBlock.CIDR != "127.0.0.1/32" {
		t.Errorf("the drill's egress %+v, want the target's network alone", egress)
	}

	job := drillJobOf(t, dp)
	pod := job.Spec.Template.Spec
	if ptr.Deref(job.Spec.ActiveDeadlineSeconds, 0) != 2*3600 {
		t.Errorf("the drill's deadline is %v s, want 2 h", job.Spec.ActiveDeadlineSeconds)
	}
	for _, v := range pod.Volumes {
		if v.EmptyDir != nil && (v.EmptyDir.SizeLimit == nil || v.EmptyDir.SizeLimit.Value() != res.Bytes+res.Bytes/10+64<<20) {
			t.Errorf("the temporary store's volume is bounded at %v, want a tenth above the backup's %d bytes plus 64 MiB", v.EmptyDir.SizeLimit, res.Bytes)
		}
	}
	if len(pod.InitContainers) != 1 || pod.InitContainers[0].Image != "scidata-objectstore:test" ||
		ptr.Deref(pod.InitContainers[0].RestartPolicy, "") != corev1.ContainerRestartPolicyAlways {
		t.Errorf("the drill's temporary store: %+v", pod.InitContainers)
	}
	if !slices.Contains(pod.Containers[0].Args, "--restore-backup") || !slices.Contains(pod.Containers[0].Args, id) {
		t.Errorf("the drill's worker args %v", pod.Containers[0].Args)
	}
	for _, v := range pod.Volumes {
		if v.Secret != nil && v.Secret.SecretName != backup.TargetSecretName && v.Secret.SecretName != backup.DrillStoreSecretName {
			t.Errorf("the drill mounts Secret %s: it needs the target's account and its own store's only", v.Secret.SecretName)
		}
	}
	for _, c := range append(pod.InitContainers, pod.Containers...) {
		if sc := c.SecurityContext; sc == nil || !ptr.Deref(sc.ReadOnlyRootFilesystem, false) || ptr.Deref(sc.AllowPrivilegeEscalation, true) {
			t.Errorf("container %s is not restricted: %+v", c.Name, sc)
		}
	}

	// The temporary store and the worker, as the pod runs them.
	storetest.DrillStore(t, env.Client, job)
	restored, err := storetest.RunSyncJob(t, env.Client, job)
	if err != nil || restored.ManifestDigest != res.ManifestDigest || restored.Objects != 2 {
		t.Fatalf("the drill's worker: %+v, %v", restored, err)
	}
	msg, _ := json.Marshal(restored.Summary())
	completeJob(t, job, 0, string(msg))
	d = waitDrill(t, dp.Name, d.ID, scidatav1.BackupVerified)
	live := getPlatform(t, dp.Name)
	if ptr.Deref(d.Objects, 0) != 2 || live.Status.Backup.LastSuccessfulRestoreDrill == nil {
		t.Errorf("the verified drill %+v, lastSuccessfulRestoreDrill %v", d, live.Status.Backup.LastSuccessfulRestoreDrill)
	}
	assertEvent(t, dp.Name, scidatav1.ReasonRestoreDrillVerified)
	finalizeNamespace(t, platform.DrillNamespace(dp))

	// One byte of the backup changes in the target: the next drill's
	// restore does not match its manifest.
	key := "quarry-works/" + id + "/stone/2030/a.csv"
	srv.Put(t, "backups", key, []byte("site,tonnes\n1,26\n"))
	annotatePlatform(t, dp.Name, scidatav1.AnnotationRestoreDrillRequested, "drill-2")
	eventually(t, "the second drill", func() error {
		if d := getPlatform(t, dp.Name).Status.Backup.LastRestoreDrill; d.State != scidatav1.BackupRunning {
			return fmt.Errorf("lastRestoreDrill %+v", d)
		}
		return nil
	})
	job = drillJobOf(t, dp)
	storetest.DrillStore(t, env.Client, job)
	_, err = storetest.RunSyncJob(t, env.Client, job)
	if syncer.ExitCode(err) != syncer.ExitDestinationCorrupt || !strings.Contains(err.Error(), key) {
		t.Fatalf("the drill of a changed backup: %v", err)
	}
	msg, _ = json.Marshal(syncer.Summary{ExitCode: syncer.ExitCode(err), Error: err.Error()})
	completeJob(t, job, int32(syncer.ExitCode(err)), string(msg))
	waitDrill(t, dp.Name, "", scidatav1.BackupCorrupt)
	live = waitBackupHealth(t, dp.Name, "False", scidatav1.ReasonRestoreDrillFailed)
	if r := findBackup(live.Status.Backup, id); r == nil || r.State != scidatav1.BackupCorrupt {
		t.Errorf("the drilled backup after a corrupt drill: %+v", r)
	}
	if live.Status.Backup.LastSuccessfulRestoreDrill == nil {
		t.Error("the date of the drill that passed was lost")
	}
	finalizeNamespace(t, platform.DrillNamespace(dp))

	// Someone else's namespace of the scratch namespace's name.
	squat := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: platform.DrillNamespace(dp)}}
	if err := env.Client.Create(ctx, squat); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), squat) })
	annotatePlatform(t, dp.Name, scidatav1.AnnotationBackupRequested, "backup-2")
	var second string
	eventually(t, "a second backup", func() error {
		for _, r := range getPlatform(t, dp.Name).Status.Backup.Backups {
			if r.State == scidatav1.BackupRunning {
				second = r.ID
				return nil
			}
		}
		return fmt.Errorf("no second backup runs")
	})
	runBackup(t, waitBackupJob(t, dp, second))
	eventually(t, "the second backup verified", func() error {
		if v := newestVerified(getPlatform(t, dp.Name).Status.Backup); v == nil || v.ID != second {
			return fmt.Errorf("newest verified %+v", v)
		}
		return nil
	})
	annotatePlatform(t, dp.Name, scidatav1.AnnotationRestoreDrillRequested, "drill-3")
	eventually(t, "the drill request served", func() error {
		if got := ptr.Deref(getPlatform(t, dp.Name).Status.Backup.LastDrillRequest, ""); got != "drill-3" {
			return fmt.Errorf("lastDrillRequest %q", got)
		}
		return nil
	})
	var jobs batchv1.JobList
	if err := env.Client.List(ctx, &jobs, client.InNamespace(squat.Name)); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.List(ctx, &policies, client.InNamespace(squat.Name)); err != nil {
		t.Fatal(err)
	}
	if len(jobs.Items) != 0 || len(policies.Items) != 0 {
		t.Errorf("the operator wrote into a namespace it did not make: %d jobs, %d policies", len(jobs.Items), len(policies.Items))
	}
	if d := getPlatform(t, dp.Name).Status.Backup.LastRestoreDrill; d.State == scidatav1.BackupRunning {
		t.Errorf("a drill runs in someone else's namespace: %+v", d)
	}
}

// spec.backup.drillSchedule starts a drill at its firing (recorded in
// lastDrillScheduled); one that does not parse is BackupHealthy False with
// InvalidSchedule naming the field, and mended by a valid one.
func TestADrillScheduleStartsDrillsAndAnInvalidOneIsReported(t *testing.T) {
	_, target := backupTarget(t)
	dp := readyDepartment(t, "gravel-works", func(p *scidatav1.DataPlatform) {
		p.Spec.Backup = &scidatav1.PlatformBackup{Schedule: "0 3 1 1 *", DrillSchedule: ptr.To("not a schedule"), Target: target}
	})
	deleteAtEnd(t, dp)
	departmentData(t, dp, map[string]string{"gravel/a.csv": "pit,tonnes\n1,5\n"})
	live := waitBackupHealth(t, dp.Name, "False", scidatav1.ReasonInvalidSchedule)
	if c := meta.FindStatusCondition(live.Status.Conditions, scidatav1.ConditionBackupHealthy); !strings.Contains(c.Message, "spec.backup.drillSchedule") {
		t.Errorf("InvalidSchedule does not name the field: %s", c.Message)
	}

	id := requestBackup(t, dp, "backup-1")
	runBackup(t, waitBackupJob(t, dp, id))

	// The schedule fires daily at the minute it is set, on the real clock.
	fired := time.Now().UTC().Truncate(time.Minute)
	live = getPlatform(t, dp.Name)
	patch := client.MergeFrom(live.DeepCopy())
	live.Spec.Backup.DrillSchedule = ptr.To(fmt.Sprintf("%d %d * * *", fired.Minute(), fired.Hour()))
	if err := env.Client.Patch(context.Background(), live, patch); err != nil {
		t.Fatal(err)
	}
	d := waitDrill(t, dp.Name, "", scidatav1.BackupRunning)
	st := getPlatform(t, dp.Name).Status.Backup
	if d.BackupID != id || st.LastDrillScheduled == nil || !st.LastDrillScheduled.Time.Equal(fired) || st.LastDrillRequest != nil {
		t.Errorf("the scheduled drill %+v, lastDrillScheduled %v, lastDrillRequest %v", d, st.LastDrillScheduled, st.LastDrillRequest)
	}
	waitBackupHealth(t, dp.Name, "True", scidatav1.ReasonBackupVerified)

	// spec.backup removed while the drill runs: the drill is stopped and
	// its scratch namespace removed.
	live = getPlatform(t, dp.Name)
	patch = client.MergeFrom(live.DeepCopy())
	live.Spec.Backup = nil
	if err := env.Client.Patch(context.Background(), live, patch); err != nil {
		t.Fatal(err)
	}
	if got := waitDrill(t, dp.Name, d.ID, scidatav1.BackupFailed); !strings.Contains(ptr.Deref(got.Message, ""), "spec.backup was removed") {
		t.Errorf("the stopped drill says %q", ptr.Deref(got.Message, ""))
	}
	finalizeNamespace(t, platform.DrillNamespace(dp))
}
