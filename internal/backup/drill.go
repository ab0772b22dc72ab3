package backup

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/store"
)

// What a restore drill is made of, in the platform's scratch namespace
// (platform.DrillNamespace).
const (
	// DrillJobName is the drill's Job: one drill at a time per platform.
	DrillJobName = "restore-drill"
	// DrillStoreSecretName holds the temporary store's root account, its
	// serving certificate and key, and the CA that signed it (made for the
	// drill alone; its key is not kept).
	DrillStoreSecretName = "drill-store"
	// LabelDrillID names the drill a Job and its pods run.
	LabelDrillID = "scidata.io/restore-drill"
	// DrillBucket is the temporary store's bucket the backup is restored
	// into.
	DrillBucket = "restored"
	// DrillStorePort is where the temporary store listens, on the pod's
	// loopback only as far as anything else can tell: no Service, and the
	// namespace's policies admit nothing.
	DrillStorePort = 9000
	// DrillDeadline bounds a drill: a Job still running then is failed.
	DrillDeadline = 2 * 3600

	drillContainer = "restore"
	storeContainer = "store"
	drillTLSMount  = "/etc/scidata/drill-store"
	drillDataPath  = "/var/lib/drill"
)

// DrillInput is what a drill's Job is built from.
type DrillInput struct {
	JobInput
	// BackupID is the backup restored.
	BackupID string
	// StoreImage runs the temporary store (the Managed store's engine).
	StoreImage string
	// Bytes is the backup's size: the temporary store's volume is bounded
	// a little above it.
	Bytes int64
}

// DrillJob is the Job of drill in.ID: its pod runs a temporary S3 server
// (a sidecar on an emptyDir) and the worker's --restore-backup, which
// copies backup in.BackupID from the target into the temporary store and
// reads every object back against the backup's manifest. It mounts the
// target's account (the copy in the scratch namespace) and the temporary
// store's; nothing of the platform's own store.
func DrillJob(in DrillInput) *batchv1.Job {
	p := in.Platform
	args := append([]string{"sync"}, in.Target.WorkerArgs("source")...)
	args = append(args,
		"--source-access-key-file", targetMount+"/"+platform.AccessKeyField, "--source-secret-key-file", targetMount+"/"+platform.SecretKeyField,
		"--source-ca-file", targetMount+"/"+store.CAField,
		"--dest-endpoint", fmt.Sprintf("https://localhost:%d", DrillStorePort), "--dest-bucket", DrillBucket,
		"--dest-access-key-file", drillTLSMount+"/"+platform.AccessKeyField, "--dest-secret-key-file", drillTLSMount+"/"+platform.SecretKeyField,
		"--dest-ca-file", drillTLSMount+"/"+store.CAField,
		"--platform", p.Name, "--backup-id", in.BackupID, "--restore-backup")
	rootEnv := func(name, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: DrillStoreSecretName}, Key: key}}}
	}
	// The volume holds the restored copy: a tenth above the backup's
	// size, so that a backup larger than what it says is stopped by the
	// kubelet rather than filling the node.
	size := resource.NewQuantity(in.Bytes+in.Bytes/10+64<<20, resource.BinarySI)
	tcp := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(DrillStorePort)}},
		PeriodSeconds: 1, FailureThreshold: 60}
	sidecar := corev1.Container{
		Name:            storeContainer,
		Image:           in.StoreImage,
		ImagePullPolicy: in.PullPolicy,
		RestartPolicy:   ptr.To(corev1.ContainerRestartPolicyAlways),
		Args: []string{"--port", fmt.Sprintf(":%d", DrillStorePort), "--cert", drillTLSMount + "/tls.crt", "--key", drillTLSMount + "/tls.key",
			"--keep-alive", "--quiet", "posix", drillDataPath},
		Env:          []corev1.EnvVar{rootEnv("ROOT_ACCESS_KEY", platform.AccessKeyField), rootEnv("ROOT_SECRET_KEY", platform.SecretKeyField)},
		Ports:        []corev1.ContainerPort{{Name: "s3", ContainerPort: DrillStorePort, Protocol: corev1.ProtocolTCP}},
		StartupProbe: tcp,
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
		},
		SecurityContext: platform.RestrictedSecurityContext(),
		VolumeMounts: []corev1.VolumeMount{
			{Name: "data", MountPath: drillDataPath},
			{Name: "drill-store", MountPath: drillTLSMount, ReadOnly: true},
		},
	}
	spec := platform.WorkerPod{Container: drillContainer, Image: in.Image, PullPolicy: in.PullPolicy, Args: args,
		Resources: platform.TransferResources(),
		Mounts: []corev1.VolumeMount{
			{Name: "target", MountPath: targetMount, ReadOnly: true},
			{Name: "drill-store", MountPath: drillTLSMount, ReadOnly: true},
		},
		Volumes: []corev1.Volume{
			secretVolume("target", TargetSecretName),
			secretVolume("drill-store", DrillStoreSecretName),
			{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: size}}},
		},
		Sidecars: []corev1.Container{sidecar},
	}.Spec()
	labels := platform.Labels(p, platform.ComponentRestoreDrill)
	labels[LabelDrillID] = in.ID
	labels[LabelBackupID] = in.BackupID
	j := job(in.JobInput, platform.DrillNamespace(p), DrillJobName, in.BackupID, spec)
	j.Labels, j.Spec.Template.Labels = labels, labels
	j.Spec.ActiveDeadlineSeconds = ptr.To[int64](DrillDeadline)
	return j
}

// DrillStoreSecret holds the temporary store's root account and its TLS
// material, in the scratch namespace.
func DrillStoreSecret(p *scidatav1.DataPlatform, access, secret string, certPEM, keyPEM, caPEM []byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: DrillStoreSecretName, Namespace: platform.DrillNamespace(p),
			Labels: platform.Labels(p, platform.ComponentRestoreDrill)},
		Type:      corev1.SecretTypeOpaque,
		Immutable: ptr.To(true),
		Data: map[string][]byte{platform.AccessKeyField: []byte(access), platform.SecretKeyField: []byte(secret),
			"tls.crt": certPEM, "tls.key": keyPEM, store.CAField: caPEM},
	}
}

// DrillTargetSecret is the copy of the target's account, with its CA
// bundle, in the scratch namespace.
func DrillTargetSecret(p *scidatav1.DataPlatform, source *corev1.Secret, caPEM []byte) *corev1.Secret {
	s := platform.CopiedCredentialsSecret(p, platform.DrillNamespace(p), TargetSecretName, platform.ComponentRestoreDrill, source)
	s.Data[store.CAField] = caPEM
	return s
}
