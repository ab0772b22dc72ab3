package backup

import (
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// Names and labels of what a backup is made of, in the platform's namespace.
const (
	// TargetSecretName is the copy of the target's account, with the
	// target's CA bundle under store.CAField, that the backup Jobs mount.
	TargetSecretName = "backup-target"
	// LabelBackupID names the backup a Job and its pods make.
	LabelBackupID = "scidata.io/backup"
	container     = "backup"
	sourceMount   = "/etc/scidata/source"
	caMount       = "/etc/scidata/ca"
	targetMount   = "/etc/scidata/target"
)

// idLayout is a backup's id: the UTC second of its firing or request.
// Ids sort as their times do.
const idLayout = "20060102t150405z"

// ID is the id of the backup of the firing at t.
func ID(t time.Time) string { return strings.ToLower(t.UTC().Format(idLayout)) }

// JobName is the deterministic name of the backup Job of id: the same
// firing always gets the same Job, so a manager that restarts between
// creating it and recording it never starts two.
func JobName(id string) string { return "backup-" + id }

// VerifyJobName is the deterministic name of the Job of run id that reads
// the newest earlier backup back and checks it against its manifest.
func VerifyJobName(id string) string { return "verify-" + id }

// JobInput is what a backup Job is built from.
type JobInput struct {
	Platform *scidatav1.DataPlatform
	ID       string
	// Source is the platform's own store and Target its backup target,
	// as internal/store describes them.
	Source, Target store.Store
	Image          string
	PullPolicy     corev1.PullPolicy
	BackoffLimit   int32
	// Request is the scidata.io/backup-requested value the run serves
	// ("" for a scheduled one), kept on its Jobs so that a repeated pass
	// finds the run.
	Request string
}

// Job is the Job that backs the platform's store up as backup in.ID, in
// the platform's namespace. Its pods carry the backup component label,
// which is what the platform's backup egress policy selects; they reach
// the platform's own store as every pod of the platform does.
func Job(in JobInput) *batchv1.Job {
	return job(in, platform.Namespace(in.Platform), JobName(in.ID), in.ID, pod(in))
}

// VerifyJob is the Job of run in.ID that reads backup (an earlier one)
// back from the target and checks every object against its manifest. It
// mounts the target's account only: it reads nothing of the platform's.
func VerifyJob(in JobInput, backup string) *batchv1.Job {
	args := append([]string{"sync"}, in.Target.WorkerArgs("dest")...)
	args = append(args,
		"--dest-access-key-file", targetMount+"/"+platform.AccessKeyField, "--dest-secret-key-file", targetMount+"/"+platform.SecretKeyField,
		"--dest-ca-file", targetMount+"/"+store.CAField,
		"--platform", in.Platform.Name, "--backup-id", backup, "--verify-backup")
	spec := podSpec(in, args, []corev1.VolumeMount{{Name: "target", MountPath: targetMount, ReadOnly: true}},
		[]corev1.Volume{secretVolume("target", TargetSecretName)})
	return job(in, platform.Namespace(in.Platform), VerifyJobName(in.ID), backup, spec)
}

func job(in JobInput, namespace, name, backupID string, spec corev1.PodSpec) *batchv1.Job {
	p := in.Platform
	labels := platform.Labels(p, platform.ComponentBackup)
	labels[LabelBackupID] = backupID
	var annotations map[string]string
	if in.Request != "" {
		annotations = map[string]string{scidatav1.AnnotationBackupRequested: in.Request}
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   namespace,
			Labels:      labels,
			Annotations: annotations,
			// The Job holds no data: it goes with its platform.
			OwnerReferences: []metav1.OwnerReference{{APIVersion: scidatav1.GroupVersion.String(), Kind: "DataPlatform",
				Name: p.Name, UID: p.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
		},
		Spec: batchv1.JobSpec{
			BackoffLimit:            ptr.To(in.BackoffLimit),
			TTLSecondsAfterFinished: ptr.To[int32](7 * 24 * 3600),
			PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
				{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
					ContainerName: ptr.To(spec.Containers[0].Name), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: submission.FinalExitCodes}},
				{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
					{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}},
			}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       spec,
			},
		},
	}
}

func pod(in JobInput) corev1.PodSpec {
	p := in.Platform
	src := in.Source.BackupSource()
	args := append([]string{"sync"}, in.Source.WorkerArgs("source")...)
	args = append(args, "--source-access-key-file", sourceMount+"/"+platform.AccessKeyField, "--source-secret-key-file", sourceMount+"/"+platform.SecretKeyField)
	args = append(args, in.Target.WorkerArgs("dest")...)
	args = append(args,
		"--dest-access-key-file", targetMount+"/"+platform.AccessKeyField, "--dest-secret-key-file", targetMount+"/"+platform.SecretKeyField,
		"--dest-ca-file", targetMount+"/"+store.CAField,
		"--platform", p.Name, "--backup-id", in.ID,
		"--classification", string(platform.MaxClassification(p)), "--center-max-classification", string(p.Spec.Backup.Target.Clearance),
	)
	mounts := []corev1.VolumeMount{
		{Name: "source", MountPath: sourceMount, ReadOnly: true},
		{Name: "target", MountPath: targetMount, ReadOnly: true},
	}
	volumes := []corev1.Volume{secretVolume("source", src.Secret), secretVolume("target", TargetSecretName)}
	if in.Source.HasCA() {
		args = append(args, "--source-ca-file", caMount+"/"+store.CAField)
		mounts = append([]corev1.VolumeMount{{Name: "ca", MountPath: caMount, ReadOnly: true}}, mounts...)
		volumes = append([]corev1.Volume{{Name: "ca", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: src.CAConfigMap}}}}}, volumes...)
	}
	return podSpec(in, args, mounts, volumes)
}

func secretVolume(name, secret string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: secret, DefaultMode: ptr.To[int32](0o440)}}}
}

// podSpec is a restricted pod running the worker with args.
func podSpec(in JobInput, args []string, mounts []corev1.VolumeMount, volumes []corev1.Volume) corev1.PodSpec {
	return platform.WorkerPod{Container: container, Image: in.Image, PullPolicy: in.PullPolicy, Args: args,
		Resources: platform.TransferResources(), Mounts: mounts, Volumes: volumes}.Spec()
}

// TargetSecret is the copy, in the platform's namespace, of the target's
// account (source, in the operator's namespace) with the target's CA
// bundle, for the backup Jobs to mount. Immutable like every copy of an
// account: a rotated account replaces it.
func TargetSecret(p *scidatav1.DataPlatform, source *corev1.Secret, caPEM []byte) *corev1.Secret {
	s := platform.CopiedCredentialsSecret(p, platform.Namespace(p), TargetSecretName, platform.ComponentBackup, source)
	s.Data[store.CAField] = caPEM
	return s
}
