package platform

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// NamespaceObject is the platform's namespace. It carries no owner
// reference: deleting the namespace deletes every PVC in it, so only the
// platform's finalizer decides, by the retention policy.
func NamespaceObject(p *scidatav1.DataPlatform) *corev1ac.NamespaceApplyConfiguration {
	l := Labels(p, "")
	l[scidatav1.LabelDepartment] = p.Spec.Department.Code
	l[scidatav1.LabelRole] = RoleLabel(p)
	l[scidatav1.LabelMaxClassification] = string(MaxClassification(p))
	l["pod-security.kubernetes.io/enforce"] = "restricted"
	l["pod-security.kubernetes.io/enforce-version"] = "latest"
	l["pod-security.kubernetes.io/warn"] = "restricted"
	return corev1ac.Namespace(Namespace(p)).WithLabels(l)
}

// ResourceQuota turns spec.quota into hard limits, or nil when unset.
func ResourceQuota(p *scidatav1.DataPlatform) *corev1ac.ResourceQuotaApplyConfiguration {
	q := p.Spec.Quota
	if q == nil {
		return nil
	}
	hard := corev1.ResourceList{}
	if q.CPU != nil {
		hard[corev1.ResourceRequestsCPU] = *q.CPU
	}
	if q.Memory != nil {
		hard[corev1.ResourceRequestsMemory] = *q.Memory
		hard[corev1.ResourceLimitsMemory] = *q.Memory
	}
	if q.Storage != nil {
		hard[corev1.ResourceRequestsStorage] = *q.Storage
	}
	if q.Pods != nil {
		hard[corev1.ResourcePods] = *resource.NewQuantity(int64(*q.Pods), resource.DecimalSI)
	}
	if len(hard) == 0 {
		return nil
	}
	return corev1ac.ResourceQuota(QuotaName, Namespace(p)).
		WithLabels(Labels(p, "")).
		WithOwnerReferences(ownerRef(p)).
		WithSpec(corev1ac.ResourceQuotaSpec().WithHard(hard))
}

// LimitRange gives every container in the namespace default requests and
// limits, so pods that state none still fit a ResourceQuota.
func LimitRange(p *scidatav1.DataPlatform) *corev1ac.LimitRangeApplyConfiguration {
	return corev1ac.LimitRange(LimitRangeName, Namespace(p)).
		WithLabels(Labels(p, "")).
		WithOwnerReferences(ownerRef(p)).
		WithSpec(corev1ac.LimitRangeSpec().WithLimits(
			corev1ac.LimitRangeItem().
				WithType(corev1.LimitTypeContainer).
				WithDefaultRequest(corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("50m"),
					corev1.ResourceMemory: resource.MustParse("64Mi"),
				}).
				WithDefault(corev1.ResourceList{
					corev1.ResourceMemory: resource.MustParse("512Mi"),
				}),
		))
}
