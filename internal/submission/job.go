package submission

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/store"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// Annotations on a sync Job naming its Submission (owner references cannot
// cross namespaces, and a Submission's name may exceed a label's 63
// characters); LabelSubmissionHash selects the Job by label.
const (
	AnnotationSubmissionNamespace = "scidata.io/submission-namespace"
	AnnotationSubmissionName      = "scidata.io/submission-name"
	LabelSubmissionHash           = "scidata.io/submission"
	syncContainer                 = "sync"
	caMount                       = "/etc/scidata/ca"
	sourceKeys                    = "/etc/scidata/source"
	destKeys                      = "/etc/scidata/dest"
)

// SubmissionHash identifies a Submission in labels: the first 16 hex of the
// SHA-256 of namespace/name.
func SubmissionHash(namespace, name string) string {
	sum := sha256.Sum256([]byte(namespace + "/" + name))
	return hex.EncodeToString(sum[:])[:16]
}

// JobName is the deterministic name of a Submission's sync Job in the
// Center's namespace: the same Submission always gets the same Job, so a
// crash between creating it and recording it can never start two.
func JobName(s *scidatav1.Submission) string {
	dept := s.Spec.Department
	if len(dept) > 20 {
		dept = dept[:20]
	}
	return fmt.Sprintf("sync-%s-%s", dept, SubmissionHash(s.Namespace, s.Name))
}

// FinalExitCodes are the worker's exit codes that no retry can change; the
// Job's podFailurePolicy fails the Job at once on them.
var FinalExitCodes = []int32{
	syncer.ExitUsage, syncer.ExitAccessDenied, syncer.ExitBucketMissing, syncer.ExitSourceChanged,
	syncer.ExitVersionConflict, syncer.ExitClassificationRefused, syncer.ExitNothingToSubmit,
	syncer.ExitDestinationCorrupt, syncer.ExitSourceInvalid, syncer.ExitUntrusted, syncer.ExitStoreFull,
}

// JobInput is what a sync Job is built from.
type JobInput struct {
	Submission *scidatav1.Submission
	Center     *scidatav1.DataPlatform
	// Source is the department's store and Dest the Center's, as
	// internal/store describes them (Managed or External alike).
	Source, Dest store.Store
	Image        string
	PullPolicy   corev1.PullPolicy
	BackoffLimit int32
}

// SyncJob is the Job that copies one Submission's data from its
// department's store into the Center's, in the Center's namespace. Its
// pods carry the sync component label, which is what the department
// stores' NetworkPolicies admit.
func SyncJob(in JobInput) *batchv1.Job {
	s := in.Submission
	labels := platform.Labels(in.Center, platform.ComponentSync)
	labels[LabelSubmissionHash] = SubmissionHash(s.Namespace, s.Name)
	labels[scidatav1.LabelDepartment] = s.Spec.Department
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:        JobName(s),
			Namespace:   platform.Namespace(in.Center),
			Labels:      labels,
			Annotations: map[string]string{AnnotationSubmissionNamespace: s.Namespace, AnnotationSubmissionName: s.Name},
		},
		Spec: batchv1.JobSpec{
			BackoffLimit:            ptr.To(in.BackoffLimit),
			TTLSecondsAfterFinished: ptr.To[int32](7 * 24 * 3600),
			PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
				{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
					ContainerName: ptr.To(syncContainer), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: FinalExitCodes}},
				{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
					{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}},
			}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       syncPod(in),
			},
		},
	}
}

func syncPod(in JobInput) corev1.PodSpec {
	s := in.Submission
	class := string(s.Spec.Classification)
	src, dst := in.Source.CenterSource(), in.Dest.CenterDest()
	args := append([]string{"sync"}, in.Source.WorkerArgs("source")...)
	args = append(args, "--source-prefix", s.Spec.SourcePrefix,
		"--source-access-key-file", sourceKeys+"/"+platform.AccessKeyField, "--source-secret-key-file", sourceKeys+"/"+platform.SecretKeyField)
	args = append(args, in.Dest.WorkerArgs("dest")...)
	args = append(args,
		"--dest-access-key-file", destKeys+"/"+platform.AccessKeyField, "--dest-secret-key-file", destKeys+"/"+platform.SecretKeyField,
		"--department", s.Spec.Department, "--entry", s.Spec.Entry.Name, "--content-version", s.Spec.ContentVersion,
		"--classification", class, "--center-max-classification", string(platform.MaxClassification(in.Center)),
	)
	secretVol := func(name, secret string) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: secret, DefaultMode: ptr.To[int32](0o440)}}}
	}
	mounts := []corev1.VolumeMount{
		{Name: "source", MountPath: sourceKeys, ReadOnly: true},
		{Name: "dest", MountPath: destKeys, ReadOnly: true},
	}
	// The department's copy of its read-only account carries its store's
	// CA bundle; the Center's own store's is the ConfigMap of its namespace.
	volumes := []corev1.Volume{secretVol("source", src.Secret), secretVol("dest", dst.Secret)}
	if in.Source.HasCA() {
		args = append(args, "--source-ca-file", sourceKeys+"/"+store.CAField)
	}
	if in.Dest.HasCA() {
		args = append(args, "--dest-ca-file", caMount+"/"+store.CAField)
		mounts = append([]corev1.VolumeMount{{Name: "ca", MountPath: caMount, ReadOnly: true}}, mounts...)
		volumes = append([]corev1.Volume{{Name: "ca", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: dst.CAConfigMap}}}}}, volumes...)
	}
	return platform.WorkerPod{Container: syncContainer, Image: in.Image, PullPolicy: in.PullPolicy, Args: args,
		Resources: platform.TransferResources(), Mounts: mounts, Volumes: volumes}.Spec()
}
