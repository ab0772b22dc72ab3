package v1alpha1

// Labels and annotations the operator puts on what it manages. Admission
// policies, NetworkPolicies, the portal and auditors select by them, so
// they are part of the API.
const (
	// LabelPlatform names the DataPlatform a namespace or object belongs to.
	LabelPlatform = "scidata.io/platform"
	// LabelDepartment is the department code of a platform's namespace.
	LabelDepartment = "scidata.io/department"
	// LabelRole is "center" or "department" on a platform's namespace, so
	// that a city-wide SubmissionPolicy can select department namespaces.
	LabelRole = "scidata.io/role"
	// LabelMaxClassification is the platform's maxClassification on its
	// namespace, for the admission policy that keeps entries within it.
	LabelMaxClassification = "scidata.io/max-classification"
	// LabelRetained is "true" on a namespace (and its data) kept after its
	// platform was deleted with retention Retain, until a platform of the
	// same name and department adopts it.
	LabelRetained = "scidata.io/retained"
	// LabelComponent says which part of a platform an object is:
	// object-store, portal, sync.
	LabelComponent = "app.kubernetes.io/component"
	// LabelManagedBy is the standard managed-by label.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedBy is the value of LabelManagedBy on everything the operator manages.
	ManagedBy = "scidata-operator"

	// RoleLabelCenter and RoleLabelDepartment are the values of LabelRole.
	RoleLabelCenter     = "center"
	RoleLabelDepartment = "department"

	// AnnotationDeletionApproved marks a platform namespace that the operator
	// itself is deleting (retention Delete); the admission policy refuses
	// deleting a platform namespace without it.
	AnnotationDeletionApproved = "scidata.io/deletion-approved"

	// NamespacePrefix starts every platform namespace: scidata-<platform name>.
	NamespacePrefix = "scidata-"
)

// The duty to submit, mirrored from status.duty onto each CatalogEntry.
const (
	// LabelDuty carries an entry's status.duty.level in lower case
	// (mandatory, encouraged, none), so that a SubmissionPolicy selects on
	// it. Only the operator sets or removes it (an admission policy).
	LabelDuty = "scidata.io/duty"

	// Values of LabelDuty.
	DutyLabelMandatory  = "mandatory"
	DutyLabelEncouraged = "encouraged"
	DutyLabelNone       = "none"
)

// OperatorLabels are the scidata.io labels the operator alone sets. An
// admission policy (config/admission/operator-labels.yaml, which must list
// exactly these) refuses anyone else adding, changing or removing them on
// the objects users write; on namespaces, the platform labels have their
// own policy.
var OperatorLabels = []string{
	LabelPlatform, LabelDepartment, LabelRole, LabelMaxClassification, LabelRetained, LabelDuty,
	"scidata.io/entry", "scidata.io/content-version-hash",
}

// Access grants.
const (
	// LabelAccessGrant carries a grant's id: on the pods in the namespace
	// of use that may reach the owner's store (set by whoever runs them),
	// and on everything the grant makes (set by the operator).
	LabelAccessGrant = "scidata.io/access-grant"
)
