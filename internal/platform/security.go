package platform

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/utils/ptr"
)

// nonRootID is the user and group every container runs as.
const nonRootID = 65532

// restrictedPod is the pod-level security context of the restricted Pod
// Security Standard.
func restrictedPod() *corev1ac.PodSecurityContextApplyConfiguration {
	return corev1ac.PodSecurityContext().
		WithRunAsNonRoot(true).
		WithRunAsUser(nonRootID).
		WithRunAsGroup(nonRootID).
		WithFSGroup(nonRootID).
		WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault))
}

// restrictedContainer is the container-level security context of the
// restricted Pod Security Standard, with a read-only root filesystem.
func restrictedContainer() *corev1ac.SecurityContextApplyConfiguration {
	return corev1ac.SecurityContext().
		WithAllowPrivilegeEscalation(false).
		WithReadOnlyRootFilesystem(true).
		WithRunAsNonRoot(true).
		WithCapabilities(corev1ac.Capabilities().WithDrop("ALL"))
}

// RestrictedPodSecurityContext is restrictedPod as a typed object, for the
// Jobs the operator creates (sync Jobs, grant checks) rather than applies.
func RestrictedPodSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To[int64](nonRootID), RunAsGroup: ptr.To[int64](nonRootID), FSGroup: ptr.To[int64](nonRootID),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// RestrictedSecurityContext is restrictedContainer as a typed object.
func RestrictedSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true), RunAsNonRoot: ptr.To(true),
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

// WorkerPod is the pod of a Job the operator creates to run one of its own
// commands (a sync, a backup and its check, a grant check): restricted, no
// ServiceAccount token, no service links, never restarted in place, and
// its termination message is the command's result.
type WorkerPod struct {
	Container, Image string
	PullPolicy       corev1.PullPolicy
	Args             []string
	Resources        corev1.ResourceRequirements
	Mounts           []corev1.VolumeMount
	Volumes          []corev1.Volume
	// Sidecars run beside the command (init containers that keep running,
	// stopped once it has ended), such as a restore drill's temporary store.
	Sidecars []corev1.Container
}

// TransferResources are what a worker that moves and hashes objects asks
// for (the sync and backup Jobs).
func TransferResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
	}
}

// Spec is the pod's spec.
func (w WorkerPod) Spec() corev1.PodSpec {
	return corev1.PodSpec{
		RestartPolicy:                corev1.RestartPolicyNever,
		AutomountServiceAccountToken: ptr.To(false),
		EnableServiceLinks:           ptr.To(false),
		SecurityContext:              RestrictedPodSecurityContext(),
		Containers: []corev1.Container{{
			Name:                     w.Container,
			Image:                    w.Image,
			ImagePullPolicy:          w.PullPolicy,
			Args:                     w.Args,
			Resources:                w.Resources,
			SecurityContext:          RestrictedSecurityContext(),
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
			VolumeMounts:             w.Mounts,
		}},
		InitContainers: w.Sidecars,
		Volumes:        w.Volumes,
	}
}

// resources returns the spec's requirements, or the defaults.
func resources(spec *corev1.ResourceRequirements, def corev1.ResourceRequirements) *corev1ac.ResourceRequirementsApplyConfiguration {
	r := def
	if spec != nil {
		r = *spec
	}
	ac := corev1ac.ResourceRequirements()
	if len(r.Requests) > 0 {
		ac.WithRequests(r.Requests)
	}
	if len(r.Limits) > 0 {
		ac.WithLimits(r.Limits)
	}
	return ac
}
