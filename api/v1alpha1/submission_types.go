package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReviewDecision is a reviewer's decision on a submission.
// +kubebuilder:validation:Enum=Approved;Denied
type ReviewDecision string

// Review decisions.
const (
	ReviewApproved ReviewDecision = "Approved"
	ReviewDenied   ReviewDecision = "Denied"
)

// Submission condition types, besides Ready, Reconciling and Stalled.
const (
	// ConditionApproved mirrors status.review when it approves.
	ConditionApproved = "Approved"
	// ConditionDenied mirrors status.review when it denies.
	ConditionDenied = "Denied"
	// ConditionTransferred is True when the sync job copied and verified the data.
	ConditionTransferred = "Transferred"
	// ConditionReceived is True when the Center signed a receipt.
	ConditionReceived = "Received"
	// ConditionReviewOverdue is True when the department's review is past
	// its working-day deadline, False while it is within it.
	ConditionReviewOverdue = "ReviewOverdue"
	// ConditionAcceptanceOverdue is True when the Center's acceptance is past
	// its working-day deadline, False while it is within it.
	ConditionAcceptanceOverdue = "AcceptanceOverdue"
	// ConditionReturned is True while a metadata gate fails: the Submission
	// is returned to the department until its entry is fixed.
	ConditionReturned = "Returned"
	// ConditionAccepted is True when a curator of the Center accepted.
	ConditionAccepted = "Accepted"
	// ConditionWithdrawn is True when the entry went before the transfer.
	ConditionWithdrawn = "Withdrawn"
	// ConditionReferred is True when the data is classified above the
	// Center's clearance and goes through the secrecy channel instead.
	ConditionReferred = "Referred"
)

// SubmissionSpec identifies what is submitted. It is written once, by the
// operator, and never changes.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: a Submission records one submission of one entry version"
type SubmissionSpec struct {
	// entry is the CatalogEntry submitted, in the Submission's namespace.
	// +required
	Entry LocalObjectReference `json:"entry"`

	// entryUID is the UID of that CatalogEntry when the submission was made.
	// +required
	// +kubebuilder:validation:MaxLength=64
	EntryUID string `json:"entryUID"`

	// department code of the submitting department.
	// +required
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Department string `json:"department"`

	// contentVersion of the entry's data that is submitted.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._-]*$`
	ContentVersion string `json:"contentVersion"`

	// sourcePrefix is the entry's data prefix in the department's store.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	SourcePrefix string `json:"sourcePrefix"`

	// policy that required the submission, as namespace/name: the first of
	// policies. Informational: a Submission is a record and outlives its
	// policy.
	// +required
	// +kubebuilder:validation:MaxLength=317
	Policy string `json:"policy"`

	// policies are every policy that covered the entry when the submission
	// was made, as namespace/name, sorted; the terms are the strictest of
	// theirs.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=317
	Policies []string `json:"policies,omitempty"`

	// window is the start of the submission window (spec.schedule) this
	// submission belongs to; unset for a submission made at once.
	// +optional
	Window *metav1.Time `json:"window,omitempty"`

	// acceptance are the Center's terms of acceptance in force when the
	// submission was made (the strictest of the covering city policies').
	// +optional
	Acceptance *AcceptanceTerms `json:"acceptance,omitempty"`

	// reviewRequired is the review rule in force when the submission was made.
	// +required
	ReviewRequired bool `json:"reviewRequired"`

	// deadline by which the Center must receive the data, if any.
	// +optional
	Deadline *metav1.Time `json:"deadline,omitempty"`

	// classification level of the data, copied from the entry.
	// +optional
	Classification ClassificationLevel `json:"classification,omitempty"`
}

// AcceptanceTerms are the Center's terms a submission is accepted under.
type AcceptanceTerms struct {
	// metadataGates the entry must pass, sorted.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=14
	MetadataGates []MetadataGate `json:"metadataGates,omitempty"`

	// minCompleteness is the lowest completeness score accepted.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	MinCompleteness int32 `json:"minCompleteness,omitempty"`

	// curatorRequired holds the receipt for a curator's acceptance.
	// +optional
	CuratorRequired bool `json:"curatorRequired,omitempty"`
}

// GatePhase says when a gate runs.
// +kubebuilder:validation:Enum=Metadata;Data
type GatePhase string

// Gate phases.
const (
	// GateMetadata: before the transfer, and again whenever the entry changes.
	GateMetadata GatePhase = "Metadata"
	// GateData: after the transfer, on what the Center's store holds.
	GateData GatePhase = "Data"
)

// Data gates, run on every transfer.
const (
	// GateChecksums: the worker verified every object's SHA-256 and the
	// manifest read back from the Center's store is the one it wrote.
	GateChecksums = "Checksums"
	// GateObjectsPresent: every object the manifest lists is in the Center's
	// store, at its size.
	GateObjectsPresent = "ObjectsPresent"
	// GateCompleteness is the metadata gate of acceptance.minCompleteness.
	GateCompleteness = "Completeness"
)

// GateResult is the outcome of one acceptance gate.
type GateResult struct {
	// name of the gate: a MetadataGate, Completeness, Checksums or
	// ObjectsPresent.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	Name string `json:"name"`

	// phase is Metadata or Data.
	// +required
	Phase GatePhase `json:"phase"`

	// passed is whether the gate passed.
	// +required
	Passed bool `json:"passed"`

	// message says what was checked, and for a failure what to fix.
	// +optional
	// +kubebuilder:validation:MaxLength=1000
	Message string `json:"message,omitempty"`

	// entryGeneration is the entry's metadata.generation the gate ran on
	// (metadata gates).
	// +optional
	EntryGeneration int64 `json:"entryGeneration,omitempty"`
}

// CuratorAcceptance is a Center curator's acceptance (接收) of a transfer.
type CuratorAcceptance struct {
	// by is the curator's user name; admission requires it to be the user
	// who writes it, a curator of the Center, and not the department's
	// reviewer of this Submission.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	By string `json:"by"`

	// at is when the curator accepted.
	// +required
	At metav1.Time `json:"at"`

	// comment says what the curator checked.
	// +optional
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="acceptance.comment must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Comment string `json:"comment,omitempty"`
}

// Withdrawal records that a submission ended without a transfer because
// its entry went.
type Withdrawal struct {
	// at is when the operator saw the entry gone.
	// +required
	At metav1.Time `json:"at"`

	// reason is EntryDeleted or EntryReplaced.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Reason string `json:"reason"`
}

// Review is a reviewer's decision (审核).
type Review struct {
	// decision is Approved or Denied.
	// +required
	Decision ReviewDecision `json:"decision"`

	// by is the reviewer's user name; admission requires it to be the user
	// who writes the review.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	By string `json:"by"`

	// at is when the decision was made.
	// +required
	At metav1.Time `json:"at"`

	// comment explains the decision; required when Denied.
	// +optional
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="review.comment must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Comment string `json:"comment,omitempty"`
}

// Transfer is what the sync job did.
type Transfer struct {
	// jobName of the sync Job, in the Center's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	JobName string `json:"jobName,omitempty"`

	// attempts made so far.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Attempts int32 `json:"attempts,omitempty"`

	// startedAt is when the first attempt started.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`

	// completedAt is when the data was copied and verified.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`

	// destination is where the data landed in the Center's store:
	// <department>/<entry>/<content version>/.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Destination string `json:"destination,omitempty"`

	// manifestDigest is the SHA-256 of the manifest, as the manager read it
	// back from the Center's store.
	// +optional
	// +kubebuilder:validation:MaxLength=71
	ManifestDigest string `json:"manifestDigest,omitempty"`

	// objects copied.
	// +optional
	Objects int64 `json:"objects,omitempty"`

	// bytes copied.
	// +optional
	Bytes int64 `json:"bytes,omitempty"`
}

// Receipt is the Center's signed submission receipt (汇交凭证): exact payload
// bytes, an Ed25519 signature over them, and the signing key's ID.
type Receipt struct {
	// payload is the base64 of the signed JSON bytes: submission and entry
	// identity, department, content version, manifest digest, object count,
	// bytes and received time; from version scidata.io/receipt/v2 also the
	// department's reviewer, the gates passed and the curator.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=8192
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

// SubmissionStatus is the record of one submission.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.review) || (has(self.review) && self.review == oldSelf.review)",message="status.review is final: a decision once made cannot be changed or removed",fieldPath=".review"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.receipt) || (has(self.receipt) && self.receipt == oldSelf.receipt)",message="status.receipt is immutable: a receipt once issued is never rewritten or removed",fieldPath=".receipt"
// +kubebuilder:validation:XValidation:rule="!has(self.review) || self.review.decision != 'Denied' || (has(self.review.comment) && size(self.review.comment) > 0)",message="status.review.comment is required when the decision is Denied: the department must learn what to fix",fieldPath=".review.comment"
// +kubebuilder:validation:XValidation:rule="!has(self.receipt) || (has(self.transfer) && has(self.transfer.completedAt) && has(self.transfer.manifestDigest))",message="status.receipt requires a completed, verified transfer (transfer.completedAt and transfer.manifestDigest)",fieldPath=".receipt"
// +kubebuilder:validation:XValidation:rule="!has(self.review) || self.review.decision != 'Denied' || !has(self.transfer) || !has(self.transfer.jobName)",message="status.transfer: a denied submission is never transferred",fieldPath=".transfer"
// +kubebuilder:validation:XValidation:rule="!has(self.transfer) || !has(self.transfer.completedAt) || (has(self.transfer.startedAt) && self.transfer.startedAt <= self.transfer.completedAt)",message="status.transfer.completedAt must not be before transfer.startedAt",fieldPath=".transfer.completedAt"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.acceptance) || (has(self.acceptance) && self.acceptance == oldSelf.acceptance)",message="status.acceptance is final: a curator's acceptance once written cannot be changed or removed",fieldPath=".acceptance"
// +kubebuilder:validation:XValidation:rule="!has(self.acceptance) || (has(self.transfer) && has(self.transfer.completedAt))",message="status.acceptance requires a completed, verified transfer: the curator accepts what the Center holds",fieldPath=".acceptance"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.withdrawal) || (has(self.withdrawal) && self.withdrawal == oldSelf.withdrawal)",message="status.withdrawal is final: a withdrawn submission stays withdrawn",fieldPath=".withdrawal"
type SubmissionStatus struct {
	// conditions are Ready, Reconciling, Stalled, Approved, Denied, Transferred,
	// Received, ReviewOverdue, AcceptanceOverdue, Returned, Accepted,
	// Withdrawn, Referred.
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

	// review is the reviewer's decision, written by the reviewer through the
	// status subresource and final once written.
	// +optional
	Review *Review `json:"review,omitempty"`

	// transfer is what the sync job did.
	// +optional
	Transfer *Transfer `json:"transfer,omitempty"`

	// receipt is the Center's signed receipt, immutable once written.
	// +optional
	Receipt *Receipt `json:"receipt,omitempty"`

	// gates are the outcomes of the Center's acceptance gates.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=24
	Gates []GateResult `json:"gates,omitempty"`

	// acceptance is a Center curator's acceptance, written by the curator
	// through the status subresource and final once written.
	// +optional
	Acceptance *CuratorAcceptance `json:"acceptance,omitempty"`

	// withdrawal records that the entry went before the transfer; final.
	// +optional
	Withdrawal *Withdrawal `json:"withdrawal,omitempty"`

	// reviewDueAt is when the department's review falls due, in working
	// days of the city's calendar.
	// +optional
	ReviewDueAt *metav1.Time `json:"reviewDueAt,omitempty"`

	// acceptanceDueAt is when the Center's acceptance falls due, in working
	// days after the transfer.
	// +optional
	AcceptanceDueAt *metav1.Time `json:"acceptanceDueAt,omitempty"`
}

// Submission is one submission (汇交) of one CatalogEntry at one content
// version to the city Center: the record an auditor reads. The operator
// creates it; a reviewer approves or denies it; the Center signs its receipt.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sub,categories=scidata
// +kubebuilder:printcolumn:name="Entry",type=string,JSONPath=`.spec.entry.name`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.contentVersion`
// +kubebuilder:printcolumn:name="Review",type=string,JSONPath=`.status.review.decision`
// +kubebuilder:printcolumn:name="Received",type=string,JSONPath=`.status.conditions[?(@.type=="Received")].status`
// +kubebuilder:printcolumn:name="Review-Due",type=date,JSONPath=`.status.reviewDueAt`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Key",type=string,JSONPath=`.status.receipt.keyID`,priority=1
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Submission struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec identifies what is submitted.
	// +required
	Spec SubmissionSpec `json:"spec"`

	// status is the record: review, transfer and receipt.
	// +optional
	Status SubmissionStatus `json:"status,omitempty"`
}

// SubmissionList is a list of Submissions.
//
// +kubebuilder:object:root=true
type SubmissionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Submission `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Submission{}, &SubmissionList{})
}
