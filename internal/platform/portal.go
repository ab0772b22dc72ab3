package platform

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// PortalURL is the in-cluster URL of a platform's portal.
func PortalURL(p *scidatav1.DataPlatform) string {
	return fmt.Sprintf("http://%s.%s.svc:%d", PortalName, Namespace(p), PortalPort)
}

// PortalReplicas is spec.portal.replicas with its default.
func PortalReplicas(p *scidatav1.DataPlatform) int32 {
	if p.Spec.Portal.Replicas == nil {
		return 1
	}
	return *p.Spec.Portal.Replicas
}

// PortalScope is "city" for the Center (the consolidated catalog) and
// "department" for a department (its own entries).
func PortalScope(p *scidatav1.DataPlatform) string {
	if p.Spec.Role == scidatav1.RoleCenter {
		return "city"
	}
	return "department"
}

// PortalDeployment runs the operator's image with the portal subcommand.
func PortalDeployment(p *scidatav1.DataPlatform, cfg Config) *appsv1ac.DeploymentApplyConfiguration {
	labels := Labels(p, ComponentPortal)
	probe := func(path string) *corev1ac.ProbeApplyConfiguration {
		return corev1ac.Probe().WithHTTPGet(corev1ac.HTTPGetAction().WithPath(path).WithPort(intstr.FromString("http")))
	}
	container := corev1ac.Container().
		WithName("portal").
		WithImage(cfg.OperatorImage).
		WithImagePullPolicy(cfg.ImagePullPolicy).
		WithArgs(portalArgs(p)...).
		WithPorts(corev1ac.ContainerPort().WithName("http").WithContainerPort(PortalPort).WithProtocol(corev1.ProtocolTCP)).
		WithReadinessProbe(probe("/readyz").WithPeriodSeconds(5)).
		WithLivenessProbe(probe("/healthz").WithPeriodSeconds(20)).
		WithResources(resources(p.Spec.Portal.Resources, corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
		})).
		WithSecurityContext(restrictedContainer())
	return appsv1ac.Deployment(PortalName, Namespace(p)).
		WithLabels(labels).
		WithOwnerReferences(ownerRef(p)).
		WithSpec(appsv1ac.DeploymentSpec().
			WithReplicas(PortalReplicas(p)).
			WithSelector(metaSelector(Selector(p, ComponentPortal))).
			WithTemplate(corev1ac.PodTemplateSpec().
				WithLabels(labels).
				WithSpec(corev1ac.PodSpec().
					WithServiceAccountName(PortalName).
					WithEnableServiceLinks(false).
					WithSecurityContext(restrictedPod()).
					WithContainers(container))))
}

// PortalService is the portal's Service.
func PortalService(p *scidatav1.DataPlatform) *corev1ac.ServiceApplyConfiguration {
	return service(p, PortalName, ComponentPortal, PortalPort, "http", false)
}

// portalArgs runs the portal for the Center's consolidated catalog (scope
// city) or a department's own (scope department, its namespace only). A
// department's portal reads through a RoleBinding in its namespace, so it
// cannot list the cluster-scoped DataPlatforms; the Center's reads the city.
func portalArgs(p *scidatav1.DataPlatform) []string {
	args := []string{"portal", "--scope", PortalScope(p), "--listen", fmt.Sprintf(":%d", PortalPort), "--base-url", PortalURL(p)}
	if p.Spec.Role == scidatav1.RoleCenter {
		return append(args, "--department-names-from-platforms=true", "--receipt-keys", CenterNamespace+"/"+ReceiptKeysConfigMap)
	}
	return append(args, "--namespace", Namespace(p), "--department-names-from-platforms=false")
}
