package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Project condition types, besides Ready, Reconciling and Stalled.
const (
	// ConditionAcceptanceDateMissed is True when the project's acceptance
	// date has come and some of its entries have no receipt ("submit data
	// first, then accept the project"), False before that date or once
	// every entry is received.
	ConditionAcceptanceDateMissed = "AcceptanceDateMissed"
)

// ProjectEntry is one dataset of a funded project and where its current
// content version stands.
type ProjectEntry struct {
	// namespace of the CatalogEntry.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`

	// name of the CatalogEntry.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// department code of the entry.
	// +optional
	// +kubebuilder:validation:MaxLength=40
	Department string `json:"department,omitempty"`

	// contentVersion of the entry now.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	ContentVersion string `json:"contentVersion,omitempty"`

	// state of the submission of that version.
	// +optional
	State SubmissionState `json:"state,omitempty"`

	// submission is the name of that Submission, in the entry's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Submission string `json:"submission,omitempty"`

	// receiptDigest is "sha256:<hex>" of the receipt's signed payload bytes.
	// +optional
	// +kubebuilder:validation:MaxLength=71
	ReceiptDigest string `json:"receiptDigest,omitempty"`
}

// ProjectStatement is a signed project statement (项目汇交声明): exact
// payload bytes naming the project and, for each entry, its content version
// and receipt digest; an Ed25519 signature with the Center's receipt key.
type ProjectStatement struct {
	// sequence numbers the statements of a project from 1.
	// +required
	// +kubebuilder:validation:Minimum=1
	Sequence int32 `json:"sequence"`

	// issuedAt is when the Center signed it.
	// +required
	IssuedAt metav1.Time `json:"issuedAt"`

	// payload is the base64 of the signed JSON bytes.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=98304
	Payload string `json:"payload"`

	// signature is the base64 Ed25519 signature of the payload bytes.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Signature string `json:"signature"`

	// keyID is the hex SHA-256 of the signing public key.
	// +required
	// +kubebuilder:validation:MinLength=64
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{64}$`
	KeyID string `json:"keyID"`
}

// ProjectStatus is a funded project's submission record, city-wide.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.statements) || (has(self.statements) && oldSelf.statements.all(o, self.statements.exists(n, n.sequence == o.sequence)))",message="status.statements is append-only: a signed project statement is never removed",fieldPath=".statements"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.projectID) || self.projectID == oldSelf.projectID",message="status.projectID is immutable: a Project records one funded project",fieldPath=".projectID"
type ProjectStatus struct {
	// conditions are Ready, Reconciling, Stalled and AcceptanceDateMissed.
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

	// projectID is the funded project's id (spec.funding.projectID of its entries).
	// +optional
	// +kubebuilder:validation:MaxLength=100
	ProjectID string `json:"projectID,omitempty"`

	// acceptanceDate is the earliest acceptance date its entries state.
	// +optional
	AcceptanceDate *metav1.Time `json:"acceptanceDate,omitempty"`

	// entryCount is how many entries name the project, across departments.
	// +optional
	EntryCount int32 `json:"entryCount,omitempty"`

	// received is how many of them have a receipt for their current version.
	// +optional
	Received int32 `json:"received,omitempty"`

	// readyForAcceptance is true when every entry is received ("submit data
	// first, then accept the project") and the statement of that is signed.
	// +optional
	ReadyForAcceptance bool `json:"readyForAcceptance,omitempty"`

	// entries of the project, by namespace and name (at most 64, so that
	// eight statements of them fit one object; a project with more is
	// Stalled).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Entries []ProjectEntry `json:"entries,omitempty"`

	// statements are the signed project statements, appended each time the
	// project becomes ready with other receipts than the last statement's;
	// never changed or removed.
	// +optional
	// +listType=map
	// +listMapKey=sequence
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:XValidation:rule="self == oldSelf",message="status.statements[]: a signed project statement is immutable"
	Statements []ProjectStatement `json:"statements,omitempty"`
}

// Project is one publicly funded project (项目) across the city: every
// catalog entry that names it, where each entry's submission stands, and
// the Center's signed statements that its data was received before the
// project's acceptance. The operator makes one per project id in the
// Center's namespace; it has no spec, and it is a record, never deleted.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=proj,categories=scidata
// +kubebuilder:printcolumn:name="Project",type=string,JSONPath=`.status.projectID`
// +kubebuilder:printcolumn:name="Entries",type=integer,JSONPath=`.status.entryCount`
// +kubebuilder:printcolumn:name="Received",type=integer,JSONPath=`.status.received`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Acceptance",type=date,JSONPath=`.status.acceptanceDate`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Project struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the object's metadata: the operator names a Project
	// after its project id.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// status is the record.
	// +optional
	Status ProjectStatus `json:"status,omitempty"`
}

// ProjectList is a list of Projects.
//
// +kubebuilder:object:root=true
type ProjectList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Project `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Project{}, &ProjectList{})
}
