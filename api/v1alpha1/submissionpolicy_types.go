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

	// schedule is a cron expression (five fields, or @hourly, @daily,
	// @weekly, @monthly, @yearly) of submission windows, for periodically
	// updated data (monitoring, observation): each window, from one firing
	// to the next, makes at most one Submission of each covered entry, of
	// its latest content version at the window's start, unless that version
	// was submitted already. Counted in timeZone (UTC unless set). Unset:
	// each new content version is submitted as soon as it appears. An entry
	// that any covering policy submits at once is submitted at once. A
	// schedule that does not parse makes the policy Stalled, naming
	// spec.schedule.
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
	Verification Verification `json:"verification,omitempty,omitzero"`

	// backoffLimit is how many times a failed transfer is retried before the
	// Submission fails.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`

	// suspend stops the policy creating Submissions; its status counts go
	// on, and Submissions already made go on to their review and transfer.
	// The condition ReconciliationPaused says so while it holds.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// timeZone is the city's IANA time zone, such as Asia/Shanghai, in which
	// working days, holidays and the schedule are counted. Defaults to UTC.
	// Only a policy in the Center's namespace sets it (the city's terms).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$`
	TimeZone string `json:"timeZone,omitempty"`

	// holidays are the city's public holidays (YYYY-MM-DD, in timeZone): no
	// deadline counts them as working days. Only in the Center's namespace.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=400
	// +kubebuilder:validation:items:MaxLength=10
	// +kubebuilder:validation:items:Pattern=`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
	Holidays []string `json:"holidays,omitempty"`

	// makeUpWorkingDays are weekend days worked in lieu of a holiday (调休,
	// YYYY-MM-DD): deadlines count them as working days. Only in the
	// Center's namespace.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=10
	// +kubebuilder:validation:items:Pattern=`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
	MakeUpWorkingDays []string `json:"makeUpWorkingDays,omitempty"`

	// reviewWithinWorkingDays is how many working days after a Submission is
	// made the department's review is due; a later review is
	// ReviewOverdue. Defaults to 10. Only in the Center's namespace.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=60
	ReviewWithinWorkingDays *int32 `json:"reviewWithinWorkingDays,omitempty"`

	// acceptance is how the Center accepts submitted data before it issues
	// the receipt: gates on the metadata and a curator's acceptance. Only in
	// the Center's namespace.
	// +optional
	Acceptance *Acceptance `json:"acceptance,omitempty"`
}

// MetadataGate is one data element (GB/T 39909) a Submission's entry must
// carry before the Center accepts it.
// +kubebuilder:validation:Enum=Title;Description;Subject;SubjectCode;Keywords;ResponsibleParty;ProvidingParty;Contact;DataTypes;Formats;Sharing;Licence;Funding;CreationTime
type MetadataGate string

// Metadata gates.
const (
	GateTitle            MetadataGate = "Title"
	GateDescription      MetadataGate = "Description"
	GateSubject          MetadataGate = "Subject"
	GateSubjectCode      MetadataGate = "SubjectCode"
	GateKeywords         MetadataGate = "Keywords"
	GateResponsibleParty MetadataGate = "ResponsibleParty"
	GateProvidingParty   MetadataGate = "ProvidingParty"
	GateContact          MetadataGate = "Contact"
	GateDataTypes        MetadataGate = "DataTypes"
	GateFormats          MetadataGate = "Formats"
	GateSharing          MetadataGate = "Sharing"
	GateLicence          MetadataGate = "Licence"
	GateFunding          MetadataGate = "Funding"
	GateCreationTime     MetadataGate = "CreationTime"
)

// Acceptance is how the Center accepts a submission (接收) before it signs
// the receipt.
type Acceptance struct {
	// withinWorkingDays is how many working days after the transfer the
	// Center's acceptance is due; later is AcceptanceOverdue. Defaults to 10.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=60
	WithinWorkingDays *int32 `json:"withinWorkingDays,omitempty"`

	// metadataGates are the data elements every submitted entry must carry.
	// They run before the transfer and again whenever the entry changes; a
	// failure returns the Submission (Returned) until the entry is fixed.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=14
	MetadataGates []MetadataGate `json:"metadataGates,omitempty"`

	// minCompleteness is the lowest metadata completeness score (0-100,
	// status.completeness of the entry) the Center accepts.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	MinCompleteness int32 `json:"minCompleteness,omitempty"`

	// curatorRequired holds each receipt until a curator of the Center, who
	// is not the department's reviewer of that Submission, writes
	// status.acceptance.
	// +optional
	CuratorRequired bool `json:"curatorRequired,omitempty"`
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
	// conditions are Ready, Reconciling, Stalled, Overdue.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the metadata.generation that status describes;
	// -1 until the first complete reconcile.
	// +optional
	// +kubebuilder:default=-1
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

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
}

// SubmissionCounts counts entries by the state of their latest submission.
type SubmissionCounts struct {
	// pending counts entries whose submission exists and waits for its turn (schedule, retry).
	// +optional
	Pending int32 `json:"pending,omitempty"`
	// awaitingReview counts entries whose submission waits for a reviewer's decision.
	// +optional
	AwaitingReview int32 `json:"awaitingReview,omitempty"`
	// transferring counts entries whose data a sync job is copying into the Center.
	// +optional
	Transferring int32 `json:"transferring,omitempty"`
	// received counts entries for whose current version the Center issued a receipt.
	// +optional
	Received int32 `json:"received,omitempty"`
	// denied counts entries whose current version a reviewer denied.
	// +optional
	Denied int32 `json:"denied,omitempty"`
	// failed counts entries whose transfer failed after every retry.
	// +optional
	Failed int32 `json:"failed,omitempty"`
	// overdue counts entries whose deadline passed without a receipt (counted besides the state above).
	// +optional
	Overdue int32 `json:"overdue,omitempty"`
	// returned counts submissions a metadata gate returned to the department.
	// +optional
	Returned int32 `json:"returned,omitempty"`
	// awaitingAcceptance counts transferred submissions waiting for the
	// Center's curator.
	// +optional
	AwaitingAcceptance int32 `json:"awaitingAcceptance,omitempty"`
	// withdrawn counts submissions whose entry was deleted before the transfer.
	// +optional
	Withdrawn int32 `json:"withdrawn,omitempty"`
	// referred counts submissions classified above the Center's clearance,
	// referred to the channel the secrecy rules prescribe.
	// +optional
	Referred int32 `json:"referred,omitempty"`
	// reviewOverdue counts submissions whose department review is past its
	// working-day deadline (counted besides the state above).
	// +optional
	ReviewOverdue int32 `json:"reviewOverdue,omitempty"`
	// acceptanceOverdue counts submissions whose acceptance by the Center is
	// past its working-day deadline (counted besides the state above).
	// +optional
	AcceptanceOverdue int32 `json:"acceptanceOverdue,omitempty"`
	// paperBeforeData counts covered entries with a paper published before
	// their data was recorded (DataBeforePaper False; counted besides the
	// state).
	// +optional
	PaperBeforeData int32 `json:"paperBeforeData,omitempty"`
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
// +kubebuilder:printcolumn:name="Paused",type=string,JSONPath=`.status.conditions[?(@.type=="ReconciliationPaused")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SubmissionPolicy struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
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
