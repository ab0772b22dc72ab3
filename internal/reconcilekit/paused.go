package reconcilekit

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// SuspendedBy names who set spec.suspend on obj: the field manager that
// owns the field in obj's managedFields (kubectl's "kubectl-patch",
// Flux's "kustomize-controller", Argo CD's "argocd-controller", ...), the
// latest one when several share it. It is "" when no manager is recorded.
func SuspendedBy(obj metav1.Object) string {
	by := ""
	var at *metav1.Time
	for _, mf := range obj.GetManagedFields() {
		if mf.Subresource != "" || mf.FieldsV1 == nil {
			continue
		}
		var fields map[string]map[string]any
		if err := json.Unmarshal(mf.FieldsV1.GetRawBytes(), &fields); err != nil {
			continue
		}
		if _, ok := fields["f:spec"]["f:suspend"]; !ok {
			continue
		}
		if by == "" || (mf.Time != nil && (at == nil || at.Before(mf.Time))) {
			by, at = mf.Manager, mf.Time
		}
	}
	return by
}

// MarkPaused says spec.suspend holds the object: ReconciliationPaused True
// with reason Suspended, naming who set it (by, from SuspendedBy), what
// stops while it holds (stops), and how to resume. The kstatus trio and
// observedGeneration are left as the last reconcile set them.
func (c Conditions) MarkPaused(by, stops string) {
	who := "spec.suspend is true"
	if by != "" {
		who = fmt.Sprintf("spec.suspend was set to true by %q", by)
	}
	c.Set(scidatav1.ConditionReconciliationPaused, metav1.ConditionTrue, scidatav1.ReasonSuspended,
		fmt.Sprintf("reconciliation is paused: %s; %s. Set spec.suspend to false (or remove it) to resume", who, stops))
}

// ClearPaused removes ReconciliationPaused (abnormal-true polarity: absent
// when reconciliation runs).
func (c Conditions) ClearPaused() {
	c.Remove(scidatav1.ConditionReconciliationPaused)
}
