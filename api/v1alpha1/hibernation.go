package v1alpha1

// Hibernation says whether a platform runs its store and portal or sleeps
// with its data kept (Stackable's stopped clusters, CloudNativePG's
// hibernation). A string rather than a bool, so that a third state can come
// without changing the field's type.
// +kubebuilder:validation:Enum=Running;Hibernated
type Hibernation string

const (
	// HibernationRunning is the default: the store and the portal run.
	HibernationRunning Hibernation = "Running"
	// HibernationHibernated scales a Managed store and the portal to zero
	// replicas (an External store's is the city's, and keeps running);
	// every volume, claim, Secret, credential and policy stays.
	HibernationHibernated Hibernation = "Hibernated"
)

// ConditionHibernated is True once a platform whose spec.hibernation is
// Hibernated was observed with none of its store's and portal's pods left;
// False (HibernationBlocked, Hibernating) while it asks for hibernation and
// still runs; absent while it runs as asked.
const ConditionHibernated = "Hibernated"

// IsHibernationRequested is true when spec.hibernation asks the platform to
// sleep. Submissions to or from it are held from then on, even while its
// hibernation waits for grants and transfers to end.
func (p *DataPlatform) IsHibernationRequested() bool {
	return p.Spec.Hibernation != nil && *p.Spec.Hibernation == HibernationHibernated
}
