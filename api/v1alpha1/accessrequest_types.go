package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AccessState is where an access request stands.
// +kubebuilder:validation:Enum=Pending;Returned;Approved;Active;Rejected;Expired;Revoked;Withdrawn
type AccessState string

// Access states. Pending, Returned and Approved lead on; Active is the
// grant in force; Rejected, Expired, Revoked and Withdrawn are final.
const (
	// AccessPending: waiting for the reviews (or for what blocks them).
	AccessPending AccessState = "Pending"
	// AccessReturned: a reviewer sent it back; a changed spec re-opens it.
	AccessReturned AccessState = "Returned"
	// AccessApproved: every review the entry needs approves it; the grant
	// is being provisioned.
	AccessApproved AccessState = "Approved"
	// AccessActive: the grant is provisioned and was checked from the
	// namespace of use.
	AccessActive AccessState = "Active"
	// AccessRejected: a reviewer refused it.
	AccessRejected AccessState = "Rejected"
	// AccessExpired: the grant reached its expiry.
	AccessExpired AccessState = "Expired"
	// AccessRevoked: a reviewer revoked it, or the entry stopped allowing it.
	AccessRevoked AccessState = "Revoked"
	// AccessWithdrawn: the requesting side withdrew it (spec.withdrawn).
	AccessWithdrawn AccessState = "Withdrawn"
)

// Final reports whether s is a state a request never leaves.
func (s AccessState) Final() bool {
	switch s {
	case AccessRejected, AccessExpired, AccessRevoked, AccessWithdrawn:
		return true
	}
	return false
}

// AccessPurposeCategory is what the data will be used for: one of the
// uses the plan lists as free of charge (§2.6), or Other.
// +kubebuilder:validation:Enum=GovernmentDecision;PublicSafety;NationalDefence;EnvironmentalProtection;DisasterPrevention;PublicInterestResearch;Other
type AccessPurposeCategory string

// Purpose categories. Every category but Other is a free use: the entry's
// fees are waived for it.
const (
	PurposeGovernmentDecision      AccessPurposeCategory = "GovernmentDecision"
	PurposePublicSafety            AccessPurposeCategory = "PublicSafety"
	PurposeNationalDefence         AccessPurposeCategory = "NationalDefence"
	PurposeEnvironmentalProtection AccessPurposeCategory = "EnvironmentalProtection"
	PurposeDisasterPrevention      AccessPurposeCategory = "DisasterPrevention"
	PurposePublicInterestResearch  AccessPurposeCategory = "PublicInterestResearch"
	PurposeOther                   AccessPurposeCategory = "Other"
)

// FreeUse reports whether c is one of the plan's free uses.
func (c AccessPurposeCategory) FreeUse() bool {
	switch c {
	case PurposeGovernmentDecision, PurposePublicSafety, PurposeNationalDefence,
		PurposeEnvironmentalProtection, PurposeDisasterPrevention, PurposePublicInterestResearch:
		return true
	}
	return false
}

// AccessDecision is a reviewer's decision on an access request.
// +kubebuilder:validation:Enum=Approved;Rejected;Returned
type AccessDecision string

// Access decisions.
const (
	AccessDecisionApproved AccessDecision = "Approved"
	AccessDecisionRejected AccessDecision = "Rejected"
	AccessDecisionReturned AccessDecision = "Returned"
)

// AccessCharge says what a grant costs.
// +kubebuilder:validation:Enum=Free;Waived;Charged
type AccessCharge string

// Charges of a grant.
const (
	// ChargeFree: the entry charges nothing.
	ChargeFree AccessCharge = "Free"
	// ChargeWaived: the entry charges, but not for a free use (§2.6).
	ChargeWaived AccessCharge = "Waived"
	// ChargeCharged: the entry's published fee standard applies.
	ChargeCharged AccessCharge = "Charged"
)

// AccessRequest condition types, besides Ready (True while the grant is
// Active), Reconciling, Stalled and Approved (ConditionApproved: True once
// every review the entry needs approves).
const (
	// ConditionProvisioned is True while the grant's account, bucket policy
	// statement, Secret and network path are in place and were checked.
	ConditionProvisioned = "Provisioned"
)

// The bounds of a grant's duration, in seconds.
const (
	// MinRequestedDurationSeconds is the shortest duration a request may
	// ask for (an hour).
	MinRequestedDurationSeconds = 3600
	// MaxRequestedDurationSeconds is the longest (366 days): a longer use
	// is a new request, reviewed again.
	MaxRequestedDurationSeconds = 366 * 24 * 3600
	// MinGrantedDurationSeconds is the shortest duration a reviewer may
	// grant (a minute).
	MinGrantedDurationSeconds = 60
)

// AccessRequestSpec asks for conditional access to one CatalogEntry (§2.6,
// §2.7): who asks, for what, with which safeguards, where the data will be
// used and for how long.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.createdBy) || (has(self.createdBy) && self.createdBy == oldSelf.createdBy)",message="spec.createdBy is recorded by admission when the request is created and never changes"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.withdrawn) || (has(self.withdrawn) && self.withdrawn == oldSelf.withdrawn)",message="spec.withdrawn is final: a withdrawn request stays withdrawn; file a new request"
type AccessRequestSpec struct {
	// entry is the CatalogEntry asked for, in its platform's namespace.
	// +required
	Entry AccessEntryReference `json:"entry,omitzero"`

	// useNamespace is where the data will be used: the requesting
	// platform's own namespace, or one of the namespaces its
	// spec.network.allowedNamespaces lists. The credential arrives there
	// as a Secret, and pods there that carry the grant's label may reach
	// the owner's store.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	UseNamespace string `json:"useNamespace,omitempty"`

	// purpose says what the data will be used for.
	// +required
	Purpose AccessPurpose `json:"purpose,omitzero"`

	// requester is the person who asks. A GitOps robot may apply the
	// request; a person asks, and answers for the use.
	// +required
	Requester Requester `json:"requester,omitzero"`

	// safeguards says how the data will be protected while it is used:
	// where it is kept, who handles it, how it is deleted afterwards.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="safeguards must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Safeguards string `json:"safeguards,omitempty"`

	// durationSeconds is how long the grant is asked for, from its
	// approval: at least an hour, at most 366 days. A reviewer may grant
	// less.
	// +required
	// +kubebuilder:validation:Minimum=3600
	// +kubebuilder:validation:Maximum=31622400
	DurationSeconds int32 `json:"durationSeconds,omitempty"`

	// fees accepts the entry's published fee standard. Required when the
	// entry charges and the purpose is not a free use.
	// +optional
	Fees *FeeAcceptance `json:"fees,omitempty"`

	// onBehalfOf names who outside the city's platforms the Center files
	// this request for. Only a request in the Center's namespace may set it.
	// +optional
	OnBehalfOf *OnBehalfOf `json:"onBehalfOf,omitempty"`

	// withdrawn ends the request, or the grant, with a reason. Once set it
	// stays: an approved request is a record and is never deleted, so it
	// ends by withdrawal.
	// +optional
	Withdrawn *AccessWithdrawal `json:"withdrawn,omitempty"`

	// createdBy is the identity that created the request (a person, or a
	// GitOps robot). Admission records it (a MutatingAdmissionPolicy
	// replaces whatever a client sends); neither it nor the requester may
	// review the request.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	CreatedBy *string `json:"createdBy,omitempty"`
}

// AccessEntryReference names a CatalogEntry in its platform's namespace.
type AccessEntryReference struct {
	// namespace of the entry: its platform's namespace, scidata-<platform>.
	// +required
	// +kubebuilder:validation:MinLength=9
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^scidata-[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace,omitempty"`

	// name of the entry.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name,omitempty"`
}

// AccessPurpose is what the data will be used for.
type AccessPurpose struct {
	// category is one of the plan's free uses (GovernmentDecision,
	// PublicSafety, NationalDefence, EnvironmentalProtection,
	// DisasterPrevention, PublicInterestResearch), for which fees are
	// waived, or Other.
	// +required
	Category AccessPurposeCategory `json:"category,omitempty"`

	// description of the use: the question, the project, what comes of it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="purpose.description must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Description string `json:"description,omitempty"`
}

// Requester is the person who asks for access.
type Requester struct {
	// user is the person's user name, as the cluster's authenticator
	// reports it. It may not review the request. No system: identity: a
	// person asks.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('system:')",message="requester.user must name a person, not a system: identity (a ServiceAccount or the cluster's admin): a robot may apply the request, a person asks"
	User string `json:"user,omitempty"`

	// name of the person, as reviewers read it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="requester.name must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Name string `json:"name,omitempty"`

	// organization the person works for.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="requester.organization must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Organization *string `json:"organization,omitempty"`

	// qualification says why the person may use the data: role,
	// accreditation, training, the project they work on.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="requester.qualification must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Qualification string `json:"qualification,omitempty"`

	// email address of the person.
	// +optional
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s]+@[^@\s]+$`
	Email *string `json:"email,omitempty"`
}

// FeeAcceptance accepts an entry's published fee standard.
type FeeAcceptance struct {
	// acceptedStandardURL is the fee standard the requester accepts. It
	// must be the entry's sharing.fees.standardURL: a changed standard is
	// accepted again.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="fees.acceptedStandardURL must be a URL"
	AcceptedStandardURL string `json:"acceptedStandardURL,omitempty"`
}

// OnBehalfOf names who outside the city's platforms a request is for.
type OnBehalfOf struct {
	// name of the person or body.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="onBehalfOf.name must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Name string `json:"name,omitempty"`

	// organization of the person, or the body itself.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="onBehalfOf.organization must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Organization string `json:"organization,omitempty"`

	// applicationRef is the reference of the application the Center
	// received, for example its file number.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="onBehalfOf.applicationRef must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	ApplicationRef *string `json:"applicationRef,omitempty"`
}

// AccessWithdrawal ends a request from the requesting side.
type AccessWithdrawal struct {
	// reason the request is withdrawn.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="withdrawn.reason must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Reason string `json:"reason,omitempty"`
}

// AccessReview is a reviewer's decision on an access request (审核):
// purpose, user qualification and safeguards (§2.7).
// +kubebuilder:validation:XValidation:rule="self.decision == 'Approved' || (has(self.note) && size(self.note) > 0)",message="note is required when the decision is Rejected or Returned: the requester must learn why, and what to change",fieldPath=".note"
type AccessReview struct {
	// decision is Approved, Rejected or Returned (sent back for rework).
	// +required
	Decision AccessDecision `json:"decision,omitempty"`

	// by is the reviewer's user name; admission requires it to be the user
	// who writes the review.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	By string `json:"by,omitempty"`

	// at is when the decision was made, as the reviewer states it.
	// +required
	At *metav1.Time `json:"at,omitempty"`

	// generation is the metadata.generation of the request the decision is
	// about; admission requires it to be the request's current one, so a
	// decision is always about the spec the reviewer read.
	// +required
	// +kubebuilder:validation:Minimum=1
	Generation int64 `json:"generation,omitempty"`

	// note explains the decision; required when Rejected or Returned.
	// +optional
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="review.note must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Note *string `json:"note,omitempty"`

	// durationSeconds grants less than the request asks for: at least a
	// minute, at most spec.durationSeconds.
	// +optional
	// +kubebuilder:validation:Minimum=60
	// +kubebuilder:validation:Maximum=31622400
	DurationSeconds *int32 `json:"durationSeconds,omitempty"`
}

// AccessRevocation is a reviewer's revocation of a grant in force.
type AccessRevocation struct {
	// by is the reviewer's user name; admission requires it to be the user
	// who writes it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	By string `json:"by,omitempty"`

	// at is when the reviewer revoked the grant, as they state it.
	// +required
	At *metav1.Time `json:"at,omitempty"`

	// reason the grant is revoked.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="revocation.reason must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Reason string `json:"reason,omitempty"`
}

// AccessEntryRecord is what the operator last observed of the entry asked
// for. Admission reads it (a classified entry needs a second approval), so
// only the operator writes it.
type AccessEntryRecord struct {
	// uid of the entry.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	UID string `json:"uid,omitempty"`

	// platform that holds the entry (its namespace is scidata-<platform>).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=55
	Platform string `json:"platform,omitempty"`

	// classification level of the entry.
	// +required
	Classification ClassificationLevel `json:"classification,omitempty"`

	// sharing is the entry's effective sharing.
	// +required
	Sharing SharingMode `json:"sharing,omitempty"`
}

// AccessFee is what a grant costs, as copied from the entry.
type AccessFee struct {
	// charge is Free (the entry charges nothing), Waived (a free use) or
	// Charged (the published standard applies).
	// +required
	Charge AccessCharge `json:"charge,omitempty"`

	// standardURL is the entry's published fee standard, when it charges.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	StandardURL *string `json:"standardURL,omitempty"`
}

// AccessGrant is what an approval provisions, and how it ended.
type AccessGrant struct {
	// id names everything the grant makes: the store account, the bucket
	// policy statements, the Secret and the NetworkPolicies. Pods in the
	// namespace of use carry it as the label scidata.io/access-grant.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	ID string `json:"id,omitempty"`

	// secretName is the Secret in the namespace of use that holds the
	// credential (accessKeyID, secretAccessKey), the endpoint, bucket and
	// prefix, and the store's CA (ca.crt).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	SecretName string `json:"secretName,omitempty"`

	// podLabel is the label a pod in the namespace of use carries to reach
	// the owner's store: scidata.io/access-grant=<id>.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	PodLabel string `json:"podLabel,omitempty"`

	// prefix is what the grant reads, in the owner's bucket; it always ends
	// in "/".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=513
	Prefix string `json:"prefix,omitempty"`

	// endpoint of the owner's store.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Endpoint *string `json:"endpoint,omitempty"`

	// bucket of the owner's store.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Bucket *string `json:"bucket,omitempty"`

	// approvedAt is when the operator observed the request fully approved.
	// +required
	ApprovedAt *metav1.Time `json:"approvedAt,omitempty"`

	// expiresAt is when the grant ends: approvedAt plus the shortest of the
	// requested and granted durations, to the second. The store refuses
	// the credential from that instant (the statement's DateLessThan
	// aws:CurrentTime condition), and the operator removes everything.
	// +required
	ExpiresAt *metav1.Time `json:"expiresAt,omitempty"`

	// activatedAt is when the grant was checked from the namespace of use:
	// it read the prefix and could not write.
	// +optional
	ActivatedAt *metav1.Time `json:"activatedAt,omitempty"`

	// endedAt is when the grant ended and everything it made was removed.
	// +optional
	EndedAt *metav1.Time `json:"endedAt,omitempty"`

	// accessMethod is the entry's access method, copied.
	// +optional
	AccessMethod *AccessType `json:"accessMethod,omitempty"`

	// fee is what the grant costs.
	// +required
	Fee AccessFee `json:"fee,omitzero"`

	// storeAccount is the access key of the account on the owner's store
	// (for an External store, the one the storage team made).
	// +optional
	// +kubebuilder:validation:MaxLength=128
	StoreAccount *string `json:"storeAccount,omitempty"`
}

// AccessTransition is one change of state: who, when, why.
type AccessTransition struct {
	// state entered.
	// +required
	State AccessState `json:"state,omitempty"`

	// at is when the operator observed the change.
	// +required
	At *metav1.Time `json:"at,omitempty"`

	// by is who caused it: a reviewer, the field manager that set
	// spec.withdrawn, or the operator.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	By *string `json:"by,omitempty"`

	// reason is a CamelCase code of why.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Reason string `json:"reason,omitempty"`

	// message says why in words.
	// +optional
	// +kubebuilder:validation:MaxLength=1000
	Message *string `json:"message,omitempty"`
}

// AccessRequestStatus is the record of a request: its reviews, its grant
// and every change of state.
// +kubebuilder:validation:XValidation:rule="!has(self.state) || !(self.state in ['Approved', 'Active']) || (has(self.review) && self.review.decision == 'Approved' && has(self.entry) && (!(self.entry.classification in ['Confidential', 'Secret', 'TopSecret']) || (has(self.securityReview) && self.securityReview.decision == 'Approved')))",message="status.state: a request is Approved or Active only with its department's approval and, for an entry classified above Internal, a security reviewer's approval too",fieldPath=".state"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.review) || !has(self.review) || self.review == oldSelf.review",message="status.review is final once written: a decision cannot be changed (a decision about an earlier spec is cleared by the operator when the spec changes)",fieldPath=".review"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.securityReview) || !has(self.securityReview) || self.securityReview == oldSelf.securityReview",message="status.securityReview is final once written: a decision cannot be changed (a decision about an earlier spec is cleared by the operator when the spec changes)",fieldPath=".securityReview"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.revocation) || (has(self.revocation) && self.revocation == oldSelf.revocation)",message="status.revocation is final: a revoked grant stays revoked",fieldPath=".revocation"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.grant) || (has(self.grant) && self.grant.id == oldSelf.grant.id && self.grant.approvedAt == oldSelf.grant.approvedAt && self.grant.expiresAt == oldSelf.grant.expiresAt)",message="status.grant is a record: its id, approval and expiry never change, and it is never removed",fieldPath=".grant"
type AccessRequestStatus struct {
	// conditions are Ready (True while the grant is Active), Reconciling,
	// Stalled, Approved and Provisioned.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the metadata.generation that status describes;
	// -1 until the first complete reconcile.
	// +optional
	// +kubebuilder:default=-1
	ObservedGeneration *int64 `json:"observedGeneration,omitempty"`

	// state is Pending, Returned, Approved, Active, Rejected, Expired,
	// Revoked or Withdrawn.
	// +optional
	State *AccessState `json:"state,omitempty"`

	// entry is what the operator last observed of the entry asked for.
	// +optional
	Entry *AccessEntryRecord `json:"entry,omitempty"`

	// review is the decision of a reviewer of the entry's department,
	// written by that reviewer through the status subresource.
	// +optional
	Review *AccessReview `json:"review,omitempty"`

	// securityReview is the second decision an entry classified above
	// Internal needs, by a security reviewer, written the same way.
	// +optional
	SecurityReview *AccessReview `json:"securityReview,omitempty"`

	// revocation ends a grant in force, written by a reviewer.
	// +optional
	Revocation *AccessRevocation `json:"revocation,omitempty"`

	// approvers are the reviewers whose approvals the grant rests on, for
	// kubectl get.
	// +optional
	// +kubebuilder:validation:MaxLength=520
	Approvers *string `json:"approvers,omitempty"`

	// grant is what the approval provisioned, and how it ended.
	// +optional
	Grant *AccessGrant `json:"grant,omitempty"`

	// history lists every change of state, oldest first (the first and the
	// latest 31 when there were more).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	History []AccessTransition `json:"history,omitempty"`
}

// AccessRequest asks for conditional access (有条件共享) to one CatalogEntry
// of another platform, in the requesting platform's namespace. Reviewers of
// the entry's department decide (and, above Internal, a security reviewer
// too); an approval is provisioned as a read-only, prefix-scoped credential
// and a network path that end at the grant's expiry. It is the register of
// who may know each entry: once approved it is never deleted.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ar,categories=scidata
// +kubebuilder:printcolumn:name="Entry",type=string,JSONPath=`.spec.entry.name`
// +kubebuilder:printcolumn:name="Owner",type=string,JSONPath=`.spec.entry.namespace`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Expires",type=string,JSONPath=`.status.grant.expiresAt`
// +kubebuilder:printcolumn:name="Approvers",type=string,JSONPath=`.status.approvers`
// +kubebuilder:printcolumn:name="Requester",type=string,JSONPath=`.spec.requester.user`,priority=1
// +kubebuilder:printcolumn:name="Use-Namespace",type=string,JSONPath=`.spec.useNamespace`,priority=1
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.status) || !has(oldSelf.status.state) || oldSelf.status.state == 'Returned' || (oldSelf.status.state == 'Pending' && !(has(oldSelf.status.review) && oldSelf.status.review.decision == 'Approved') && !(has(oldSelf.status.securityReview) && oldSelf.status.securityReview.decision == 'Approved')) || (self.spec.entry == oldSelf.spec.entry && self.spec.useNamespace == oldSelf.spec.useNamespace && self.spec.purpose == oldSelf.spec.purpose && self.spec.requester == oldSelf.spec.requester && self.spec.safeguards == oldSelf.spec.safeguards && self.spec.durationSeconds == oldSelf.spec.durationSeconds && has(self.spec.fees) == has(oldSelf.spec.fees) && (!has(self.spec.fees) || self.spec.fees == oldSelf.spec.fees) && has(self.spec.onBehalfOf) == has(oldSelf.spec.onBehalfOf) && (!has(self.spec.onBehalfOf) || self.spec.onBehalfOf == oldSelf.spec.onBehalfOf))",message="spec: an access request that is approved or decided is a record: only spec.withdrawn may be added; file a new request to ask for something else",fieldPath=".spec"
// +kubebuilder:validation:XValidation:rule="!has(self.status) || !has(self.status.review) || !has(self.status.review.durationSeconds) || self.status.review.durationSeconds <= self.spec.durationSeconds",message="status.review.durationSeconds: a reviewer may grant less than spec.durationSeconds, never more",fieldPath=".status.review.durationSeconds"
// +kubebuilder:validation:XValidation:rule="!has(self.status) || !has(self.status.securityReview) || !has(self.status.securityReview.durationSeconds) || self.status.securityReview.durationSeconds <= self.spec.durationSeconds",message="status.securityReview.durationSeconds: a reviewer may grant less than spec.durationSeconds, never more",fieldPath=".status.securityReview.durationSeconds"
type AccessRequest struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what is asked for.
	// +required
	Spec AccessRequestSpec `json:"spec,omitzero"`

	// status is the record: reviews, grant, history.
	// +optional
	Status AccessRequestStatus `json:"status,omitzero"`
}

// AccessRequestList is a list of AccessRequests.
//
// +kubebuilder:object:root=true
type AccessRequestList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AccessRequest `json:"items"`
}

func init() {
	SchemeBuilder.Register(&AccessRequest{}, &AccessRequestList{})
}
