package platform

import (
	corev1 "k8s.io/api/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Config is what the builders need besides the platform: how the operator
// was installed.
type Config struct {
	// OperatorNamespace is where the manager runs.
	OperatorNamespace string
	// ObjectStoreImage runs the managed S3 server.
	ObjectStoreImage string
	// OperatorImage is the operator's own image: it runs the portal, the
	// sync Jobs and the store's init and bootstrap containers, each with
	// its subcommand.
	OperatorImage string
	// ImagePullPolicy of every container the operator runs.
	ImagePullPolicy corev1.PullPolicy
}

// ownerRef makes p the controller of an object that holds no data.
func ownerRef(p *scidatav1.DataPlatform) *metav1ac.OwnerReferenceApplyConfiguration {
	return metav1ac.OwnerReference().
		WithAPIVersion(scidatav1.GroupVersion.String()).
		WithKind("DataPlatform").
		WithName(p.Name).
		WithUID(p.UID).
		WithController(true).
		WithBlockOwnerDeletion(true)
}
