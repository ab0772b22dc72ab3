package v1alpha1

// Condition types shared by every kind. Ready, Reconciling and Stalled follow
// kstatus (sigs.k8s.io/cli-utils/pkg/kstatus), so Flux, Argo CD and
// `kubectl wait` read every object the same way.
const (
	// ConditionReady is True when the object's desired state is fully realised.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the controller is working towards the
	// desired state; it is removed when the work is done (kstatus
	// abnormal-true polarity).
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when progress needs a person: the reason and
	// message say what to change (kstatus abnormal-true polarity).
	ConditionStalled = "Stalled"
	// ConditionReconciliationPaused is True while spec.suspend holds the
	// object: the operator reconciles nothing of it, and its message says
	// who set spec.suspend and how to resume. Absent otherwise (abnormal-true
	// polarity, as Strimzi and Stackable name it). A paused object reads
	// InProgress to kstatus, as a suspended Flux object does: its
	// observedGeneration stays at the last generation reconciled.
	ConditionReconciliationPaused = "ReconciliationPaused"
)

// ClassificationLevel is the secrecy level of data, from least to most
// restricted: Public, Internal, Confidential (秘密), Secret (机密) and
// TopSecret (绝密). Levels above Internal are classified.
// +kubebuilder:validation:Enum=Public;Internal;Confidential;Secret;TopSecret
type ClassificationLevel string

// Classification levels, in increasing order of restriction.
const (
	ClassificationPublic       ClassificationLevel = "Public"
	ClassificationInternal     ClassificationLevel = "Internal"
	ClassificationConfidential ClassificationLevel = "Confidential"
	ClassificationSecret       ClassificationLevel = "Secret"
	ClassificationTopSecret    ClassificationLevel = "TopSecret"
)

// Department identifies a competent department (主管部门) of the city.
type Department struct {
	// code is the department's stable identifier, a DNS label such as
	// "natural-resources". It names the department in namespaces, object
	// store paths, receipts and admission rules, so it never changes.
	// +required
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Code string `json:"code"`

	// name is the department's official name in English, as shown on the portal.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="department.name must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Name string `json:"name"`

	// localName is the department's official name in the city's language,
	// for example 市自然资源和规划局.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="department.localName must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	LocalName string `json:"localName,omitempty"`
}

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	// name of the referent.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// SecretKeyReference names a Secret in the operator's namespace.
type SecretKeyReference struct {
	// name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// namespace of the Secret: the operator's, which is also the default.
	// An admission policy refuses any other (scidata-dataplatform): the
	// operator reads no Secret elsewhere, and a department cannot point it
	// at another's.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
}
