package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SubmissionPolicy condition types, besides Ready, Reconciling and Stalled.
const (
	// ConditionOverdue is True when an entry's deadline passed without a receipt.
	ConditionOverdue = "Overdue"
)

// SubmissionPolicySpec says which entries are submitted to the Center, when,
// and after whose review (汇交).
type SubmissionPolicySpec struct {
	// selector chooses the CatalogEntries, in the policy's namespace (or in
	// the namespaces namespaceSelector chooses), that this policy submits.
	// An empty selector chooses every entry.
	// +required
	Selector metav1.LabelSelector `json:"selector"`

	// namespaceSelector chooses platform namespaces whose entries this policy
	// also covers. Only a city-wide policy in the Center's namespace may set
	// it; a department's policy covers its own namespace.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// reviewRequired holds each Submission until a reviewer of the
	// department approves it. The stricter of the city-wide and the
	// department's policy applies: a department cannot switch off what the
	// city requires.
	// +optional
	// +kubebuilder:default=true
	ReviewRequired *bool `json:"reviewRequired,omitempty"`

	// schedule is a cron expression (five fields, UTC) for when approved
	// transfers start, for example "0 2 * * *" to move data at night. Unset:
	// as soon as a submission is ready.
	// +optional
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:Pattern=`^(@(hourly|daily|weekly|monthly|yearly)|(\S+\s+){4}\S+)$`
	Schedule string `json:"schedule,omitempty"`

	// deadline is how long after an entry version appears it must be
	// received by the Center; later submissions are reported overdue.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="deadline must be a positive duration such as 720h"
	Deadline *metav1.Duration `json:"deadline,omitempty"`

	// beforeAcceptance is how long before a funded project's acceptance date
	// its data must be received ("submit data first, then accept the
	// project"). Defaults to 0: by the acceptance date.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="beforeAcceptance must be a duration of zero or more, such as 720h"
	BeforeAcceptance *metav1.Duration `json:"beforeAcceptance,omitempty"`

	// verification says how a transfer is checked.
	// +optional
	// +kubebuilder:default={}
	Verification Verification `json:"verification,omitempty"`

	// backoffLimit is how many times a failed transfer is retried before the
	// Submission fails.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`

	// suspend stops creating Submissions and starting transfers.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// Verification says how a transfer is checked.
type Verification struct {
	// algorithm of the per-object checksums. Only SHA256.
	// +optional
	// +kubebuilder:default=SHA256
	// +kubebuilder:validation:Enum=SHA256
	Algorithm string `json:"algorithm,omitempty"`
}

// SubmissionPolicyStatus is what the operator observed of a policy.
type SubmissionPolicyStatus struct {
	// observedGeneration is the metadata.generation that status describes;
	// -1 until the first complete reconcile.
	// +optional
	// +kubebuilder:default=-1
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready, Reconciling, Stalled, Overdue.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// effectiveReviewRequired is the review rule in force after combining
	// this policy with the city-wide policy.
	// +optional
	EffectiveReviewRequired bool `json:"effectiveReviewRequired,omitempty"`

	// selectedEntries is how many entries the policy covers.
	// +optional
	SelectedEntries int32 `json:"selectedEntries,omitempty"`

	// counts of the covered entries' latest submissions, per state.
	// +optional
	Counts SubmissionCounts `json:"counts,omitempty"`

	// overdue lists entries whose deadline passed without a receipt (the
	// first 50; counts.overdue has them all).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=50
	Overdue []OverdueEntry `json:"overdue,omitempty"`

	// projects lists the funded projects of the covered entries and whether
	// each is ready for acceptance (every dataset received): at most 500,
	// those not ready first and the nearest acceptance date first; the
	// Ready condition's message counts them all.
	// +optional
	// +listType=map
	// +listMapKey=projectID
	// +kubebuilder:validation:MaxItems=500
	Projects []ProjectReadiness `json:"projects,omitempty"`
}

// SubmissionCounts counts entries by the state of their latest submission.
type SubmissionCounts struct {
	// pending: a submission exists and waits for its turn (schedule, retry).
	// +optional
	Pending int32 `json:"pending,omitempty"`
	// awaitingReview: the submission waits for a reviewer's decision.
	// +optional
	AwaitingReview int32 `json:"awaitingReview,omitempty"`
	// transferring: a sync job is copying the data into the Center.
	// +optional
	Transferring int32 `json:"transferring,omitempty"`
	// received: the Center issued a receipt for the entry's current version.
	// +optional
	Received int32 `json:"received,omitempty"`
	// denied: a reviewer denied the submission of the current version.
	// +optional
	Denied int32 `json:"denied,omitempty"`
	// failed: the transfer failed after every retry.
	// +optional
	Failed int32 `json:"failed,omitempty"`
	// overdue: the deadline passed without a receipt (counted besides the state above).
	// +optional
	Overdue int32 `json:"overdue,omitempty"`
}

// OverdueEntry is an entry whose deadline passed without a receipt.
type OverdueEntry struct {
	// namespace of the entry.
	// +required
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`
	// name of the entry.
	// +required
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// contentVersion that is overdue.
	// +required
	// +kubebuilder:validation:MaxLength=63
	ContentVersion string `json:"contentVersion"`
	// deadline that passed.
	// +required
	Deadline metav1.Time `json:"deadline"`
}

// ProjectReadiness says whether a funded project's data is all received.
type ProjectReadiness struct {
	// projectID of the funded project.
	// +required
	// +kubebuilder:validation:MaxLength=100
	ProjectID string `json:"projectID"`
	// entries of the project covered by the policy.
	// +required
	Entries int32 `json:"entries"`
	// received is how many of them have a receipt for their current version.
	// +required
	Received int32 `json:"received"`
	// readyForAcceptance is true when every entry of the project is received.
	// +required
	ReadyForAcceptance bool `json:"readyForAcceptance"`
	// acceptanceDate is the earliest acceptance date among the entries.
	// +optional
	AcceptanceDate *metav1.Time `json:"acceptanceDate,omitempty"`
}

// SubmissionPolicy says which of a department's (or, in the Center's
// namespace, the city's) catalog entries must be submitted to the Center,
// when, and after whose review.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sp,categories=scidata
// +kubebuilder:printcolumn:name="Review",type=boolean,JSONPath=`.status.effectiveReviewRequired`
// +kubebuilder:printcolumn:name="Entries",type=integer,JSONPath=`.status.selectedEntries`
// +kubebuilder:printcolumn:name="Received",type=integer,JSONPath=`.status.counts.received`
// +kubebuilder:printcolumn:name="Overdue",type=integer,JSONPath=`.status.counts.overdue`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SubmissionPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the policy.
	// +required
	Spec SubmissionPolicySpec `json:"spec"`

	// status is what the operator observed.
	// +optional
	Status SubmissionPolicyStatus `json:"status,omitempty"`
}

// SubmissionPolicyList is a list of SubmissionPolicies.
//
// +kubebuilder:object:root=true
type SubmissionPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SubmissionPolicy `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SubmissionPolicy{}, &SubmissionPolicyList{})
}
