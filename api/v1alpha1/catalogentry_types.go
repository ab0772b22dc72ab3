package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DataType is a kind of data a dataset holds (the plan's list).
// +kubebuilder:validation:Enum=Audio;Video;Image;Table;Text;Numeric;Other
type DataType string

// Data types named by the plan (§2.4).
const (
	DataTypeAudio   DataType = "Audio"
	DataTypeVideo   DataType = "Video"
	DataTypeImage   DataType = "Image"
	DataTypeTable   DataType = "Table"
	DataTypeText    DataType = "Text"
	DataTypeNumeric DataType = "Numeric"
	DataTypeOther   DataType = "Other"
)

// SharingMode is a dataset's sharing attribute (共享属性).
// +kubebuilder:validation:Enum=Open;Conditional;Closed
type SharingMode string

const (
	// SharingOpen: anyone may access the data (无条件共享).
	SharingOpen SharingMode = "Open"
	// SharingConditional: access after a stated review, under stated conditions (有条件共享).
	SharingConditional SharingMode = "Conditional"
	// SharingClosed: not shared (不予共享).
	SharingClosed SharingMode = "Closed"
)

// EmbargoReason is why opening is delayed (§2.6).
// +kubebuilder:validation:Enum=Paper;Patent;Monograph;TechnicalSecret
type EmbargoReason string

// Embargo reasons the plan allows.
const (
	EmbargoPaper           EmbargoReason = "Paper"
	EmbargoPatent          EmbargoReason = "Patent"
	EmbargoMonograph       EmbargoReason = "Monograph"
	EmbargoTechnicalSecret EmbargoReason = "TechnicalSecret"
)

// FeeModel says whether access is free or charged.
// +kubebuilder:validation:Enum=Free;Charged
type FeeModel string

// Fee models.
const (
	FeeFree    FeeModel = "Free"
	FeeCharged FeeModel = "Charged"
)

// Sensitivity is a kind of protected interest that data touches (§2.7).
// +kubebuilder:validation:Enum=StateSecret;NationalSecurity;PublicInterest;TradeSecret;PersonalInformation
type Sensitivity string

// Sensitivities named by the plan.
const (
	SensitivityStateSecret         Sensitivity = "StateSecret"
	SensitivityNationalSecurity    Sensitivity = "NationalSecurity"
	SensitivityPublicInterest      Sensitivity = "PublicInterest"
	SensitivityTradeSecret         Sensitivity = "TradeSecret"
	SensitivityPersonalInformation Sensitivity = "PersonalInformation"
)

// AccessType is how a user obtains the data (获取方式).
// +kubebuilder:validation:Enum=Download;API;OnlineService;OnSite;Offline
type AccessType string

// Access types.
const (
	AccessDownload      AccessType = "Download"
	AccessAPI           AccessType = "API"
	AccessOnlineService AccessType = "OnlineService"
	AccessOnSite        AccessType = "OnSite"
	AccessOffline       AccessType = "Offline"
)

// FundingSource says who paid for the work that produced the data.
// +kubebuilder:validation:Enum=Government;Private;Mixed;None
type FundingSource string

// Funding sources. Government and Mixed funding make submission mandatory (§2.5).
const (
	FundingGovernment FundingSource = "Government"
	FundingPrivate    FundingSource = "Private"
	FundingMixed      FundingSource = "Mixed"
	FundingNone       FundingSource = "None"
)

// PublicationStatus is where a paper built on the data stands.
// +kubebuilder:validation:Enum=Planned;Submitted;Published
type PublicationStatus string

// Publication states.
const (
	PublicationPlanned   PublicationStatus = "Planned"
	PublicationSubmitted PublicationStatus = "Submitted"
	PublicationPublished PublicationStatus = "Published"
)

// CatalogEntry condition types, besides Ready, Reconciling and Stalled.
const (
	// ConditionPublished is True when the entry appears in the public catalog.
	ConditionPublished = "Published"
	// ConditionSecrecyReviewDue is True when the secrecy period has ended and
	// the classification must be reviewed; it never opens data by itself.
	ConditionSecrecyReviewDue = "SecrecyReviewDue"
	// ConditionEmbargoPassed is True when an embargo's date has passed and the
	// embargo in spec may be removed.
	ConditionEmbargoPassed = "EmbargoPassed"
	// ConditionDataBeforePaper is False when a publication is dated before
	// the entry's data was recorded in the platform ("data before paper",
	// §2.4), True when every dated publication came after; absent without
	// dated publications.
	ConditionDataBeforePaper = "DataBeforePaper"
)

// CatalogEntrySpec describes one dataset in a platform's catalog: the plan's
// content, responsible department, providing department, sharing attribute,
// secrecy attribute and access method, plus what submission and citation need.
// +kubebuilder:validation:XValidation:rule="!has(self.classification) || !(self.classification.level in ['Confidential', 'Secret', 'TopSecret']) || self.sharing.mode != 'Open'",message="sharing.mode: classified data (classification.level above Internal) cannot be Open; use Closed, or Conditional with a reviewed exception",fieldPath=".sharing.mode"
// +kubebuilder:validation:XValidation:rule="!has(self.classification) || !has(self.classification.sensitivities) || !self.classification.sensitivities.exists(s, s in ['StateSecret', 'NationalSecurity', 'PublicInterest', 'PersonalInformation', 'TradeSecret']) || self.sharing.mode != 'Open'",message="sharing.mode: data touching state secrets, national security, public interest, personal information or trade secrets cannot be Open; use Closed, or Conditional with a reviewed exception",fieldPath=".sharing.mode"
// +kubebuilder:validation:XValidation:rule="self.sharing.mode != 'Conditional' || !has(self.classification) || ((!(self.classification.level in ['Confidential', 'Secret', 'TopSecret'])) && (!has(self.classification.sensitivities) || size(self.classification.sensitivities) == 0)) || has(self.sharing.reviewProcedure)",message="sharing.reviewProcedure is required when classified or sensitive data is shared Conditionally: state how purpose, user qualification and safeguards are reviewed",fieldPath=".sharing.reviewProcedure"
// +kubebuilder:validation:XValidation:rule="!has(self.funding) || !(self.funding.source in ['Government', 'Mixed']) || has(self.funding.projectID)",message="funding.projectID is required for Government or Mixed funding: publicly funded data is submitted per project",fieldPath=".funding.projectID"
// +kubebuilder:validation:XValidation:rule="has(self.classification) || (oldSelf.hasValue() && !has(oldSelf.value().classification))",message="classification is required: every entry states its secrecy attribute (密级), Public written out (§2.3)",fieldPath=".classification",reason="FieldValueRequired",optionalOldSelf=true
// +kubebuilder:validation:XValidation:rule="!has(self.classification) || self.classification.level != 'TopSecret' || self.sharing.mode == 'Closed'",message="sharing.mode: TopSecret data (绝密) is never shared, not even by reviewed exception; use Closed",fieldPath=".sharing.mode"
type CatalogEntrySpec struct {
	// title of the dataset.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=300
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="title must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Title string `json:"title"`

	// localTitle is the title in the city's language.
	// +optional
	// +kubebuilder:validation:MaxLength=300
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="localTitle must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	LocalTitle string `json:"localTitle,omitempty"`

	// description says what the data is, how it was made and what it is for.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=8000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="description must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Description string `json:"description"`

	// subject is the discipline or theme, for example "Hydrology".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="subject must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Subject string `json:"subject"`

	// subjectCode is the discipline's code from the subject code set the
	// Center accepts (GB/T 39908 refers to the discipline classification
	// GB/T 13745; the operator ships a documented subset, docs/submission.md),
	// for example "210" (Agronomy). The Center's SubjectCode gate checks it.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:Pattern=`^[0-9]{3}([0-9]{2}){0,2}$`
	SubjectCode string `json:"subjectCode,omitempty"`

	// keywords help people find the dataset.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:items:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="keywords must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Keywords []string `json:"keywords,omitempty"`

	// dataTypes are the kinds of data the dataset holds.
	// +required
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=7
	DataTypes []DataType `json:"dataTypes"`

	// responsibleDepartment is the competent department answerable for the
	// dataset (责任部门). It must be the department of the platform whose
	// namespace holds the entry. code is immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self.code == oldSelf.code",message="responsibleDepartment.code is immutable: an entry's submissions and receipts belong to its department; register a new entry instead"
	ResponsibleDepartment Department `json:"responsibleDepartment"`

	// providingDepartment is the unit that produced and provides the data
	// (提供部门), such as an institute under the responsible department.
	// +required
	ProvidingDepartment Provider `json:"providingDepartment"`

	// data says where the dataset lives in the platform's object store and
	// which version of it this entry describes.
	// +required
	Data DataLocation `json:"data"`

	// license under which the data is shared, for example CC-BY-4.0.
	// +optional
	License *License `json:"license,omitempty"`

	// sharing is the dataset's sharing attribute (共享属性) and its terms.
	// +required
	Sharing Sharing `json:"sharing"`

	// classification is the dataset's secrecy attribute (密级). Required:
	// every entry states it, Public included (§2.3), and there is no default.
	// (A CEL rule requires it rather than the schema's required list, so
	// that an entry stored before the rule still takes unrelated edits: see
	// docs/admission.md, Migration.)
	// +optional
	Classification *Classification `json:"classification,omitempty"`

	// accessMethod says how a permitted user obtains the data (获取方式).
	// +required
	AccessMethod AccessMethod `json:"accessMethod"`

	// funding says who paid for the work; publicly funded data must be submitted.
	// +optional
	Funding *Funding `json:"funding,omitempty"`

	// publications built on the data. The plan asks that data be handed in
	// before a paper is published.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Publications []Publication `json:"publications,omitempty"`

	// citation is the recommended way to cite the dataset.
	// +optional
	// +kubebuilder:validation:MaxLength=1000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="citation must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Citation string `json:"citation,omitempty"`

	// identifiers are persistent identifiers of the dataset.
	// +optional
	Identifiers *Identifiers `json:"identifiers,omitempty"`

	// contact is who answers questions about the dataset.
	// +optional
	Contact *Contact `json:"contact,omitempty"`

	// declassification is the decision recorded on an edit that lowers the
	// entry's classification, moves its secrecy period earlier, removes a
	// sensitivity or drops its duty to submit (funding from Government or
	// Mixed to another source). Only a declassifier of the department may
	// write it, in their own name, and such an edit is refused without a new
	// one (docs/admission.md). status.declassification records it.
	// +optional
	Declassification *Declassification `json:"declassification,omitempty"`
}

// Declassification is a declassifier's decision (解密决定): who decided,
// when, why, and on what authority.
type Declassification struct {
	// by is the user who decided; it must be the user who makes the edit.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	By string `json:"by"`

	// at is when the decision was taken.
	// +required
	At metav1.Time `json:"at"`

	// reason says why the data may be less protected now.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="declassification.reason must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Reason string `json:"reason"`

	// reference names the decision document, for example its number.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="declassification.reference must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Reference string `json:"reference,omitempty"`
}

// Provider is the unit that produced and provides a dataset.
type Provider struct {
	// name of the unit.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="providingDepartment.name must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Name string `json:"name"`

	// localName is the unit's name in the city's language.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="providingDepartment.localName must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	LocalName string `json:"localName,omitempty"`

	// code is the unit's identifier, such as its unified social credit code.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="providingDepartment.code must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Code string `json:"code,omitempty"`
}

// DataLocation says where a dataset's objects are and which version they are.
// +kubebuilder:validation:XValidation:rule="self.prefix == oldSelf.prefix || self.contentVersion != oldSelf.contentVersion",message="data.contentVersion must change when data.prefix changes: a submission is identified by its content version",fieldPath=".contentVersion"
type DataLocation struct {
	// prefix of the dataset's objects in the platform's bucket, for example
	// "hydrology/stations/". Relative, without "..".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_.-][A-Za-z0-9_./-]*$`
	// +kubebuilder:validation:XValidation:rule="!self.split('/').exists(p, p == '..' || p == '.')",message="data.prefix must not contain '.' or '..' segments: it is a path inside the platform's bucket"
	Prefix string `json:"prefix"`

	// contentVersion names the version of the data, for example "2024.06" or
	// "v3". Bump it when the data changes: each version is submitted once.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._-]*$`
	ContentVersion string `json:"contentVersion"`

	// formats of the files, as media types or well-known names ("text/csv", "GeoTIFF").
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=100
	// +kubebuilder:validation:items:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="data.formats must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Formats []string `json:"formats,omitempty"`

	// createdAt is when the data was made (the time of creation, a data
	// element of GB/T 39909). The Center's CreationTime gate checks it.
	// +optional
	CreatedAt *metav1.Time `json:"createdAt,omitempty"`
}

// License names the licence the data is shared under.
type License struct {
	// name of the licence, preferably an SPDX identifier such as CC-BY-4.0.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="license.name must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Name string `json:"name"`

	// url of the licence text.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="license.url must be a URL"
	URL string `json:"url,omitempty"`
}

// Sharing is a dataset's sharing attribute and its terms (§2.6): open as the
// norm, closed as the exception.
// +kubebuilder:validation:XValidation:rule="self.mode != 'Conditional' || (has(self.conditions) && size(self.conditions) > 0)",message="sharing.conditions is required when sharing.mode is Conditional: state who may access the data and on what terms",fieldPath=".conditions"
// +kubebuilder:validation:XValidation:rule="self.mode != 'Closed' || !has(self.embargo)",message="sharing.embargo delays opening, so it applies only to Open or Conditional data; remove it from Closed data",fieldPath=".embargo"
type Sharing struct {
	// mode is Open, Conditional or Closed.
	// +required
	Mode SharingMode `json:"mode"`

	// conditions under which Conditional data is shared (required when Conditional).
	// +optional
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="sharing.conditions must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Conditions string `json:"conditions,omitempty"`

	// audience who may apply, for example "research institutions in the province".
	// +optional
	// +kubebuilder:validation:MaxLength=500
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="sharing.audience must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Audience string `json:"audience,omitempty"`

	// scope of sharing, for example "non-commercial research".
	// +optional
	// +kubebuilder:validation:MaxLength=500
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="sharing.scope must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Scope string `json:"scope,omitempty"`

	// reviewProcedure says how an application is reviewed: who decides, on
	// what grounds (purpose, user qualification, safeguards), in what time.
	// +optional
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="sharing.reviewProcedure must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	ReviewProcedure string `json:"reviewProcedure,omitempty"`

	// fees charged for access, if any.
	// +optional
	Fees *Fees `json:"fees,omitempty"`

	// embargo delays opening until a date, for a paper, patent, monograph or
	// technical secret. The entry opens by itself on that date.
	// +optional
	Embargo *Embargo `json:"embargo,omitempty"`
}

// Fees states what access costs (§2.6).
// +kubebuilder:validation:XValidation:rule="self.model != 'Charged' || has(self.standardURL)",message="sharing.fees.standardURL is required when fees are Charged: a fee must follow a published standard",fieldPath=".standardURL"
// +kubebuilder:validation:XValidation:rule="self.model != 'Charged' || !has(self.publicInterestExemption) || self.publicInterestExemption",message="sharing.fees.publicInterestExemption cannot be false: access for government decisions, public safety, defence, environment, disaster prevention and public-interest research is free",fieldPath=".publicInterestExemption"
type Fees struct {
	// model is Free or Charged.
	// +required
	Model FeeModel `json:"model"`

	// standardURL is where the published fee standard is.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="sharing.fees.standardURL must be a URL"
	StandardURL string `json:"standardURL,omitempty"`

	// publicInterestExemption waives fees for public-interest use. It is
	// always true; it is stated so that the portal shows it.
	// +optional
	// +kubebuilder:default=true
	PublicInterestExemption *bool `json:"publicInterestExemption,omitempty"`
}

// Embargo delays opening (延期开放).
type Embargo struct {
	// until is when the data opens. A date already past is accepted (the
	// entry is simply open) and shown as the EmbargoPassed condition.
	// +required
	Until metav1.Time `json:"until"`

	// reason is Paper, Patent, Monograph or TechnicalSecret.
	// +required
	Reason EmbargoReason `json:"reason"`

	// justification says why the embargo is as long as it is. Required when
	// until lies more than three years after the entry's creation (an
	// admission policy compares the two: CEL in the CRD sees no timestamps).
	// +optional
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="sharing.embargo.justification must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Justification string `json:"justification,omitempty"`

	// note says more, for example the paper the data waits for.
	// +optional
	// +kubebuilder:validation:MaxLength=500
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="sharing.embargo.note must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Note string `json:"note,omitempty"`
}

// Classification is a dataset's secrecy attribute (§2.7).
// +kubebuilder:validation:XValidation:rule="!(self.level in ['Confidential', 'Secret', 'TopSecret']) || has(self.secrecyPeriodEnd)",message="classification.secrecyPeriodEnd is required for classified data (level above Internal): the plan requires a secrecy period",fieldPath=".secrecyPeriodEnd"
// +kubebuilder:validation:XValidation:rule="self.level in ['Confidential', 'Secret', 'TopSecret'] || !has(self.secrecyPeriodEnd)",message="classification.secrecyPeriodEnd applies only to classified data (level above Internal)",fieldPath=".secrecyPeriodEnd"
type Classification struct {
	// level is Public, Internal, Confidential (秘密), Secret (机密) or
	// TopSecret (绝密). Required, with no default: Public is written out.
	// Lowering it is a declassification (spec.declassification).
	// +required
	Level ClassificationLevel `json:"level"`

	// secrecyPeriodEnd is when the secrecy period ends and the classification
	// must be reviewed (required for classified data). Data is never opened
	// by itself when it passes: the entry raises SecrecyReviewDue.
	// +optional
	SecrecyPeriodEnd *metav1.Time `json:"secrecyPeriodEnd,omitempty"`

	// sensitivities are the protected interests the data touches.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=5
	Sensitivities []Sensitivity `json:"sensitivities,omitempty"`

	// authority is who classified the data, for the audit trail.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="classification.authority must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Authority string `json:"authority,omitempty"`
}

// AccessMethod says how a permitted user obtains the data.
// +kubebuilder:validation:XValidation:rule="!(self.type in ['Download', 'API', 'OnlineService']) || has(self.url)",message="accessMethod.url is required for Download, API and OnlineService access",fieldPath=".url"
type AccessMethod struct {
	// type is Download, API, OnlineService, OnSite or Offline.
	// +required
	Type AccessType `json:"type"`

	// url where the data or service is reached.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="accessMethod.url must be a URL"
	URL string `json:"url,omitempty"`

	// instructions for the user: how to apply, where to go.
	// +optional
	// +kubebuilder:validation:MaxLength=2000
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="accessMethod.instructions must not contain control characters (but tab and newline) or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Instructions string `json:"instructions,omitempty"`
}

// Funding says who paid for the work that produced the data.
type Funding struct {
	// source is Government, Private, Mixed or None.
	// +required
	Source FundingSource `json:"source"`

	// programme that funded the project, for example a city S&T plan.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="funding.programme must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Programme string `json:"programme,omitempty"`

	// projectID of the funded project (required for Government or Mixed funding).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._/-]*$`
	ProjectID string `json:"projectID,omitempty"`

	// acceptanceDate is when the project is to be accepted (验收). Data must
	// be submitted before it: "submit data first, then accept the project".
	// +optional
	AcceptanceDate *metav1.Time `json:"acceptanceDate,omitempty"`
}

// Publication is a paper, patent or monograph built on the data.
// +kubebuilder:validation:XValidation:rule="self.status != 'Published' || has(self.publishedAt)",message="publications[].publishedAt is required when status is Published",fieldPath=".publishedAt"
type Publication struct {
	// title of the publication.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=500
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="publications[].title must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Title string `json:"title"`

	// status is Planned, Submitted or Published.
	// +required
	Status PublicationStatus `json:"status"`

	// doi of the publication.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^10\.[0-9]{4,9}/\S+$`
	DOI string `json:"doi,omitempty"`

	// publishedAt is when it was published.
	// +optional
	PublishedAt *metav1.Time `json:"publishedAt,omitempty"`
}

// Identifiers are persistent identifiers of a dataset.
type Identifiers struct {
	// doi of the dataset, for example 10.12345/bz.hydro.2024.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^10\.[0-9]{4,9}/\S+$`
	DOI string `json:"doi,omitempty"`

	// cstr is the China science and technology resource identifier (GB/T
	// 32843), for example CSTR:31253.11.bz.hydro.2024.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^CSTR:[0-9]{5}\.[0-9]{2}\.\S+$`
	CSTR string `json:"cstr,omitempty"`
}

// Contact is who answers questions about a dataset.
type Contact struct {
	// name of the person or office.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\x00-\\x1f\\x7f-\\x9f\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]')",message="contact.name must not contain control characters or bidirectional overrides: they make kubectl and the portal show other text than is stored"
	Name string `json:"name"`

	// email address.
	// +optional
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s]+@[^@\s]+$`
	Email string `json:"email,omitempty"`
}

// SubmissionState is where an entry's latest submission stands.
// +kubebuilder:validation:Enum=NotRequired;Pending;AwaitingReview;Returned;Transferring;AwaitingAcceptance;Received;Denied;Failed;Withdrawn;Referred
type SubmissionState string

// Submission states, in order.
const (
	SubmissionNotRequired    SubmissionState = "NotRequired"
	SubmissionPending        SubmissionState = "Pending"
	SubmissionAwaitingReview SubmissionState = "AwaitingReview"
	SubmissionTransferring   SubmissionState = "Transferring"
	SubmissionReceived       SubmissionState = "Received"
	SubmissionDenied         SubmissionState = "Denied"
	SubmissionFailed         SubmissionState = "Failed"
	// SubmissionReturned: a metadata gate failed; fix the entry in place.
	SubmissionReturned SubmissionState = "Returned"
	// SubmissionAwaitingAcceptance: transferred, waiting for the Center's curator.
	SubmissionAwaitingAcceptance SubmissionState = "AwaitingAcceptance"
	// SubmissionWithdrawn: the entry went before the transfer (terminal).
	SubmissionWithdrawn SubmissionState = "Withdrawn"
	// SubmissionReferred: classified above the Center's clearance; it goes
	// through the secrecy channel instead (terminal for the operator).
	SubmissionReferred SubmissionState = "Referred"
)

// CatalogEntryStatus is what the operator computed of an entry.
type CatalogEntryStatus struct {
	// conditions are Ready, Reconciling, Stalled, Published, SecrecyReviewDue,
	// EmbargoPassed and DataBeforePaper.
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

	// effectiveSharing is the sharing in force now, from the sharing
	// attribute, the embargo, the classification and the clock.
	// +optional
	EffectiveSharing SharingMode `json:"effectiveSharing,omitempty"`

	// sharingReason says why effectiveSharing is what it is.
	// +optional
	// +kubebuilder:validation:MaxLength=1000
	SharingReason string `json:"sharingReason,omitempty"`

	// nextChangeAt is when effective sharing or a review condition changes
	// next (an embargo's end, a secrecy period's end).
	// +optional
	NextChangeAt *metav1.Time `json:"nextChangeAt,omitempty"`

	// completeness scores how many recommended metadata fields are filled.
	// +optional
	Completeness *Completeness `json:"completeness,omitempty"`

	// submission is where the entry's latest submission to the Center stands.
	// +optional
	Submission *EntrySubmissionStatus `json:"submission,omitempty"`

	// duty is whether the entry must be submitted to the Center, computed
	// from spec.funding and spec.classification, and why. The operator
	// mirrors it to the label scidata.io/duty, which policies select on.
	// +optional
	Duty *DutyStatus `json:"duty,omitempty"`

	// declassification is the latest declassification decision the operator
	// saw in spec.declassification, with the generation it first saw it at.
	// +optional
	Declassification *DeclassificationRecord `json:"declassification,omitempty"`

	// activeGrants is how many AccessRequests for this entry are Active:
	// how many grants are in force, not who holds them (the requests, in
	// the requesting namespaces, name them). Unset when there is none.
	// +optional
	// +kubebuilder:validation:Minimum=1
	ActiveGrants *int32 `json:"activeGrants,omitempty"`
}

// DutyLevel says whether an entry must be submitted to the Center (§2.5).
// +kubebuilder:validation:Enum=Mandatory;Encouraged;None
type DutyLevel string

// Duty levels.
const (
	// DutyMandatory: publicly funded data, or data touching state secrets,
	// national security or the public interest; it must be submitted.
	DutyMandatory DutyLevel = "Mandatory"
	// DutyEncouraged: privately funded data; submission is encouraged.
	DutyEncouraged DutyLevel = "Encouraged"
	// DutyNone: no funding stated and nothing that makes submission a duty.
	DutyNone DutyLevel = "None"
)

// DutyStatus is an entry's duty to submit and its reason.
type DutyStatus struct {
	// level is Mandatory, Encouraged or None.
	// +required
	Level DutyLevel `json:"level"`

	// reason is a CamelCase code of why, such as GovernmentFunded.
	// +required
	// +kubebuilder:validation:MaxLength=64
	Reason string `json:"reason"`

	// message says why in words.
	// +optional
	// +kubebuilder:validation:MaxLength=1000
	Message string `json:"message,omitempty"`
}

// DeclassificationRecord is a declassification decision as the operator
// recorded it.
type DeclassificationRecord struct {
	// by is the user who decided (and made the edit).
	// +required
	// +kubebuilder:validation:MaxLength=253
	By string `json:"by"`

	// at is when the decision was taken, as stated.
	// +required
	At metav1.Time `json:"at"`

	// reason is the decision's reason.
	// +required
	// +kubebuilder:validation:MaxLength=2000
	Reason string `json:"reason"`

	// reference names the decision document.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	Reference string `json:"reference,omitempty"`

	// level is the classification level the entry had when the decision was recorded.
	// +required
	Level ClassificationLevel `json:"level"`

	// generation is the metadata.generation of the entry when the operator
	// first saw the decision.
	// +required
	Generation int64 `json:"generation"`
}

// Completeness scores an entry's metadata.
type Completeness struct {
	// score from 0 to 100: the share of recommended fields that are filled.
	// +required
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Score int32 `json:"score"`

	// missing names the recommended fields that are empty.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=100
	Missing []string `json:"missing,omitempty"`
}

// EntrySubmissionStatus summarises an entry's latest submission.
type EntrySubmissionStatus struct {
	// state of the latest submission.
	// +required
	State SubmissionState `json:"state"`

	// name of the latest Submission object, in the entry's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name,omitempty"`

	// contentVersion that the latest submission carries.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	ContentVersion string `json:"contentVersion,omitempty"`

	// receivedAt is when the Center issued the receipt.
	// +optional
	ReceivedAt *metav1.Time `json:"receivedAt,omitempty"`

	// receiptKeyID is the key that signed the receipt.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	ReceiptKeyID string `json:"receiptKeyID,omitempty"`
}

// CatalogEntry is one dataset in a platform's scientific data resource
// catalog (科学数据资源目录), living in the platform's namespace.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ce;entry;entries,categories=scidata
// +kubebuilder:printcolumn:name="Department",type=string,JSONPath=`.spec.responsibleDepartment.code`
// +kubebuilder:printcolumn:name="Sharing",type=string,JSONPath=`.status.effectiveSharing`
// +kubebuilder:printcolumn:name="Class",type=string,JSONPath=`.spec.classification.level`
// +kubebuilder:printcolumn:name="Published",type=string,JSONPath=`.status.conditions[?(@.type=="Published")].status`
// +kubebuilder:printcolumn:name="Submitted",type=string,JSONPath=`.status.submission.state`
// +kubebuilder:printcolumn:name="Duty",type=string,JSONPath=`.status.duty.level`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.data.contentVersion`,priority=1
// +kubebuilder:printcolumn:name="Title",type=string,JSONPath=`.spec.title`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type CatalogEntry struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec describes the dataset.
	// +required
	Spec CatalogEntrySpec `json:"spec"`

	// status is what the operator computed.
	// +optional
	Status CatalogEntryStatus `json:"status,omitempty"`
}

// CatalogEntryList is a list of CatalogEntries.
//
// +kubebuilder:object:root=true
type CatalogEntryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CatalogEntry `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CatalogEntry{}, &CatalogEntryList{})
}
