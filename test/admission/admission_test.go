// Package admission proves the API's admission rules against a real
// kube-apiserver: every sample is accepted, and every row of a table of
// invalid objects is refused with the field and the message a department
// needs to fix it.
package admission

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

// row is one invalid object. Without update or delete, create() itself
// must be refused. With update, create() must be accepted and the update
// refused: that is how transition rules (immutability, growth only, final
// review) are proven; with delete, the deletion must be refused. status
// says the update goes through the status subresource; prepare, if set,
// makes valid writes first (as the identities allowed to make them).
type row struct {
	name    string
	create  func(name string) client.Object
	prepare func(*testing.T, client.Object)
	update  func(client.Object)
	delete  bool
	status  bool
	// as is who makes the refused request, impersonated ("" is the bureau,
	// the envtest administrator); createAs is who creates the object first
	// when the refused request is an update or a deletion.
	as, createAs string
	// forbidden says a ValidatingAdmissionPolicy refuses (Forbidden), not
	// the CRD (Invalid); either way the message names field.
	forbidden bool
	field     string
	message   string
	// prepareUnstructured edits the object as JSON before it is created, for
	// values the Go types cannot hold.
	prepareUnstructured func(map[string]any)
}

// without returns create with the field at path removed, for required
// fields the Go types always send.
func without(create func(string) client.Object, path ...string) func(string) client.Object {
	return func(name string) client.Object {
		o := create(name)
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			panic(err)
		}
		unstructured.RemoveNestedField(m, path...)
		u := &unstructured.Unstructured{Object: m}
		gvk, _ := apiutil.GVKForObject(o, scheme.New())
		u.SetGroupVersionKind(gvk)
		return u
	}
}

func invalidRows() []row {
	dp := func(mut func(*scidatav1.DataPlatform)) func(string) client.Object {
		return func(name string) client.Object { p := department(name); mut(p); return p }
	}
	ce := func(mut func(*scidatav1.CatalogEntry)) func(string) client.Object {
		return func(name string) client.Object { e := entry(ns, name); mut(e); return e }
	}
	onDP := func(mut func(*scidatav1.DataPlatform)) func(client.Object) {
		return func(o client.Object) { mut(o.(*scidatav1.DataPlatform)) }
	}
	onCE := func(mut func(*scidatav1.CatalogEntry)) func(client.Object) {
		return func(o client.Object) { mut(o.(*scidatav1.CatalogEntry)) }
	}
	sub := func(mut func(*scidatav1.Submission)) func(string) client.Object {
		return func(name string) client.Object { s := submission(ns, name); mut(s); return s }
	}
	onSub := func(mut func(*scidatav1.Submission)) func(client.Object) {
		return func(o client.Object) { mut(o.(*scidatav1.Submission)) }
	}
	same := func(*scidatav1.Submission) {}
	// The reviewer approves, then the operator records the transfer and
	// the receipt, each through the status subresource as only they may.
	approve := func(t *testing.T, o client.Object) {
		t.Helper()
		if err := as(t, reviewer).Status().Update(context.Background(), approved(o.(*scidatav1.Submission))); err != nil {
			t.Fatalf("the reviewer's approval was refused: %v", err)
		}
	}
	receive := func(t *testing.T, o client.Object) {
		t.Helper()
		approve(t, o)
		if err := as(t, manager).Status().Update(context.Background(), transferred(o.(*scidatav1.Submission))); err != nil {
			t.Fatalf("the operator's receipt was refused: %v", err)
		}
	}
	project := func(name string) client.Object {
		return &scidatav1.Project{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	// stated is the operator's record of a project with one signed statement.
	stated := func(t *testing.T, o client.Object) {
		t.Helper()
		p := o.(*scidatav1.Project)
		p.Status.ProjectID = "BZSL-2024-003"
		p.Status.Statements = []scidatav1.ProjectStatement{{Sequence: 1, IssuedAt: at, Payload: "eyJ9", Signature: "c2ln", KeyID: keyID64}}
		if err := as(t, manager).Status().Update(context.Background(), p); err != nil {
			t.Fatalf("the operator's statement was refused: %v", err)
		}
	}
	return []row{
		// DataPlatform: one Center, names, role and department.
		{name: "a Department platform cannot take the Center role", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Role = scidatav1.RoleCenter }),
			field: "spec.role", message: `the role Center is reserved for the DataPlatform named "center"`},
		{name: "the name center is reserved for the Center", create: func(string) client.Object { return department(scidatav1.CenterName) },
			field: "spec.role", message: `the name "center" is reserved for the city Scientific Data Center`},
		{name: "a platform name longer than 55 characters", create: func(string) client.Object {
			p := department(strings.Repeat("a", 56))
			p.Spec.Department.Code = "water-resources"
			return p
		},
			// A rule on the object root has no field path (the apiserver says "<nil>"); its message names metadata.name.
			field: "<nil>", message: "metadata.name must be a DNS label of at most 55 characters"},
		{name: "a platform name in the restore drills' namespace space", create: func(string) client.Object {
			p := department("drill-50a5d099ed2d")
			p.Spec.Department.Code = "drill-50a5d099ed2d"
			return p
		},
			field: "<nil>", message: `names starting with "drill-" are reserved`},
		{name: "an empty drill schedule", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Backup = backup(scidatav1.ClassificationInternal)
			p.Spec.Backup.DrillSchedule = ptr.To("")
		}),
			field: "spec.backup.drillSchedule", message: "should be at least 1 chars long"},
		{name: "an unknown role", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Role = "Hub" }),
			field: "spec.role", message: `supported values: "Center", "Department"`},
		{name: "the role cannot change", create: dp(func(*scidatav1.DataPlatform) {}), update: onDP(func(p *scidatav1.DataPlatform) { p.Spec.Role = scidatav1.RoleCenter }),
			field: "spec.role", message: "role is immutable"},
		{name: "the department code cannot change", create: dp(func(*scidatav1.DataPlatform) {}), update: onDP(func(p *scidatav1.DataPlatform) { p.Spec.Department.Code = "water" }),
			field: "spec.department", message: "department.code is immutable"},
		{name: "a department code that is not a DNS label", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Department.Code = "Water_Resources" }),
			field: "spec.department.code", message: "should match"},
		{name: "storage cannot shrink", create: dp(func(*scidatav1.DataPlatform) {}), update: onDP(func(p *scidatav1.DataPlatform) { p.Spec.Storage.Size = resource.MustParse("5Gi") }),
			field: "spec.storage.size", message: "storage.size may grow but not shrink"},
		{name: "storage of zero bytes", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Storage.Size = resource.MustParse("0") }),
			field: "spec.storage.size", message: "storage.size must be greater than zero"},
		{name: "the storage class cannot change", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Storage.StorageClassName = ptr.To("standard") }),
			update: onDP(func(p *scidatav1.DataPlatform) { p.Spec.Storage.StorageClassName = ptr.To("fast") }),
			field:  "spec.storage.storageClassName", message: "storage.storageClassName is immutable"},
		{name: "retention is Retain or Delete", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Storage.Retention = "Archive" }),
			field: "spec.storage.retention", message: `supported values: "Retain", "Delete"`},
		{name: "hibernation is Running or Hibernated, not a bool", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Hibernation = ptr.To[scidatav1.Hibernation]("true") }),
			field: "spec.hibernation", message: `supported values: "Running", "Hibernated"`},
		{name: "an unknown classification level", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.MaxClassification = "Restricted" }),
			field: "spec.maxClassification", message: `supported values: "Public", "Internal", "Confidential", "Secret", "TopSecret"`},
		{name: "only the Center has a provincial upstream", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Upstream = center().Spec.Upstream }),
			field: "spec.upstream", message: "only the Center connects to the provincial Scientific Data Center"},
		{name: "only the Center lists public namespaces", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Network = &scidatav1.PlatformNetwork{PublicNamespaces: []string{"ingress-nginx"}}
		}), field: "spec.network.publicNamespaces", message: "only the Center's portal is public"},
		{name: "the upstream is reached over TLS only", create: func(string) client.Object {
			c := center()
			c.Spec.Upstream.Endpoint = "http://data.province.example.org"
			return c
		}, field: "spec.upstream.endpoint", message: "upstream.endpoint must be an https:// URL"},
		{name: "upstream CIDRs must be CIDRs", create: func(string) client.Object {
			c := center()
			c.Spec.Upstream.CIDRs = []string{"198.51.100.300/24"}
			return c
		}, field: "spec.upstream.cidrs[0]", message: "upstream.cidrs must be CIDRs"},
		{name: "a backup target over plain HTTP", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Backup = backup(scidatav1.ClassificationInternal)
			p.Spec.Backup.Target.Endpoint = "http://backup.city.example.org"
		}), field: "spec.backup.target.endpoint", message: "backup.target.endpoint must be an https:// URL"},
		{name: "a classified platform's backup to a target cleared lower", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.MaxClassification = scidatav1.ClassificationConfidential
			p.Spec.Backup = backup(scidatav1.ClassificationInternal)
		}), field: "spec.backup.target.clearance", message: "backup.target.clearance must be at least the platform's maxClassification"},
		{name: "a backup target cleared below the default Internal", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Backup = backup(scidatav1.ClassificationPublic)
		}), field: "spec.backup.target.clearance", message: "backup.target.clearance must be at least the platform's maxClassification"},
		{name: "a backup target that is the default route", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Backup = backup(scidatav1.ClassificationInternal)
			p.Spec.Backup.Target.Network.CIDRs = []string{"0.0.0.0/0"}
		}), field: "spec.backup.target.network.cidrs[0]", message: "network.cidrs must not be a default route"},
		{name: "a backup target's Secret in another namespace", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Backup = backup(scidatav1.ClassificationInternal)
			p.Spec.Backup.Target.CredentialsSecret.Namespace = "water-resources"
		}), field: "spec.backup.target", message: "the Secrets a target names are in the operator's namespace"},
		{name: "backups keep at least one", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Backup = backup(scidatav1.ClassificationInternal)
			p.Spec.Backup.Keep = ptr.To[int32](0)
		}), field: "spec.backup.keep", message: "should be greater than or equal to 1"},
		{name: "an External object store needs its endpoint", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.ObjectStore.Mode = scidatav1.ObjectStoreExternal }),
			field: "spec.objectStore.external", message: "objectStore.external is required when objectStore.mode is External"},
		{name: "an external store on a Managed platform", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.ObjectStore.External = external() }),
			field: "spec.objectStore.external", message: "objectStore.external may be set only when objectStore.mode is External"},
		{name: "an External store over plain HTTP", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.ObjectStore = scidatav1.ObjectStore{Mode: scidatav1.ObjectStoreExternal, External: external()}
			p.Spec.ObjectStore.External.Endpoint = "http://s3.city.example.org"
		}), field: "spec.objectStore.external.endpoint", message: "objectStore.external.endpoint must be an https:// URL"},
		{name: "an External store without its CA", create: func(name string) client.Object {
			p := externalDepartment(name)
			p.Spec.ObjectStore.External.CASecret = nil
			return p
		}, field: "spec.objectStore.external.caSecret", message: "objectStore.external.caSecret is required"},
		{name: "an External store without its network", create: func(name string) client.Object {
			p := externalDepartment(name)
			p.Spec.ObjectStore.External.Network = nil
			return p
		}, field: "spec.objectStore.external.network", message: "objectStore.external.network is required"},
		{name: "a department's External store without the Center's read-only account", create: func(name string) client.Object {
			p := externalDepartment(name)
			p.Spec.ObjectStore.External.CenterReadCredentialsSecret = nil
			return p
		}, field: "spec.objectStore.external.centerReadCredentialsSecret", message: "is required on a Department"},
		{name: "the Center's External store without its sync writer", create: func(string) client.Object {
			c := externalCenter()
			c.Spec.ObjectStore.External.SyncWriterCredentialsSecret = nil
			return c
		}, field: "spec.objectStore.external.syncWriterCredentialsSecret", message: "is required on the Center"},
		{name: "a sync writer on a department's store", create: func(name string) client.Object {
			p := externalDepartment(name)
			p.Spec.ObjectStore.External.SyncWriterCredentialsSecret = &scidatav1.SecretKeyReference{Name: "water-sync"}
			return p
		}, field: "spec.objectStore.external.syncWriterCredentialsSecret", message: "syncWriterCredentialsSecret is the Center's"},
		{name: "a read-only account for the Center on the Center's own store", create: func(string) client.Object {
			c := externalCenter()
			c.Spec.ObjectStore.External.CenterReadCredentialsSecret = &scidatav1.SecretKeyReference{Name: "center-read"}
			return c
		}, field: "spec.objectStore.external.centerReadCredentialsSecret", message: "centerReadCredentialsSecret is a Department's"},
		{name: "an External store both outside and inside the cluster", create: func(name string) client.Object {
			p := externalDepartment(name)
			p.Spec.ObjectStore.External.Network.Namespace = ptr.To("city-storage")
			return p
		}, field: "spec.objectStore.external.network", message: "give either cidrs (a store outside the cluster) or namespace and podSelector"},
		{name: "an External store that is the default route", create: func(name string) client.Object {
			p := externalDepartment(name)
			p.Spec.ObjectStore.External.Network.CIDRs = []string{"0.0.0.0/0"}
			return p
		}, field: "spec.objectStore.external.network.cidrs[0]", message: "must not be a default route"},
		{name: "store pods selected in no namespace", create: func(name string) client.Object {
			p := externalDepartment(name)
			p.Spec.ObjectStore.External.Network = &scidatav1.ExternalStoreNetwork{CIDRs: []string{"10.20.0.0/24"}, PodSelector: map[string]string{"app": "s3"}}
			return p
		}, field: "spec.objectStore.external.network.podSelector", message: "podSelector selects pods in network.namespace"},
		{name: "an unknown addressing style", create: func(name string) client.Object {
			p := externalDepartment(name)
			p.Spec.ObjectStore.External.AddressingStyle = ptr.To[scidatav1.AddressingStyle]("Subdomain")
			return p
		}, field: "spec.objectStore.external.addressingStyle", message: `supported values: "Path", "VirtualHosted"`},
		{name: "the object store mode cannot change", create: dp(func(*scidatav1.DataPlatform) {}),
			update: onDP(func(p *scidatav1.DataPlatform) {
				p.Spec.ObjectStore = scidatav1.ObjectStore{Mode: scidatav1.ObjectStoreExternal, External: external()}
			}), field: "spec.objectStore.mode", message: "objectStore.mode is immutable"},
		{name: "only the Center lists public CIDRs", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Network = &scidatav1.PlatformNetwork{PublicCIDRs: []string{"203.0.113.0/24"}}
		}), field: "spec.network.publicCIDRs", message: "only the Center's portal is public"},
		{name: "public CIDRs must be CIDRs", create: func(string) client.Object {
			c := center()
			c.Spec.Network.PublicCIDRs = []string{"203.0.113.0"}
			return c
		}, field: "spec.network.publicCIDRs[0]", message: "network.publicCIDRs must be CIDRs"},

		// CatalogEntry: sharing, secrecy, funding and identifiers.
		{name: "classified data cannot be Open", create: ce(func(e *scidatav1.CatalogEntry) {
			classified(e)
			e.Spec.Sharing.Mode = scidatav1.SharingOpen
		}), field: "spec.sharing.mode", message: "classified data (classification.level above Internal) cannot be Open"},
		{name: "personal information cannot be Open", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationPublic, Sensitivities: []scidatav1.Sensitivity{scidatav1.SensitivityPersonalInformation}}
		}), field: "spec.sharing.mode", message: "personal information or trade secrets cannot be Open"},
		{name: "sensitive data shared on conditions needs a review procedure", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationInternal, Sensitivities: []scidatav1.Sensitivity{scidatav1.SensitivityTradeSecret}}
			e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: "Research use only"}
		}), field: "spec.sharing.reviewProcedure", message: "sharing.reviewProcedure is required when classified or sensitive data is shared Conditionally"},
		{name: "Conditional sharing states its conditions", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Sharing.Mode = scidatav1.SharingConditional }),
			field: "spec.sharing.conditions", message: "sharing.conditions is required when sharing.mode is Conditional"},
		{name: "an embargo states its reason", create: without(ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: later, Reason: scidatav1.EmbargoPaper}
		}), "spec", "sharing", "embargo", "reason"), field: "spec.sharing.embargo.reason", message: "Required value"},
		{name: "data touching the public interest cannot be Open", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationPublic, Sensitivities: []scidatav1.Sensitivity{scidatav1.SensitivityPublicInterest}}
		}), field: "spec.sharing.mode", message: "public interest, personal information or trade secrets cannot be Open"},
		{name: "an embargo reason outside the plan's list", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: later, Reason: "Convenience"}
		}), field: "spec.sharing.embargo.reason", message: `supported values: "Paper", "Patent", "Monograph", "TechnicalSecret"`},
		{name: "an embargo on Closed data", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed, Embargo: &scidatav1.Embargo{Until: later, Reason: scidatav1.EmbargoPaper}}
		}), field: "spec.sharing.embargo", message: "applies only to Open or Conditional data"},
		{name: "charged access follows a published fee standard", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Sharing.Fees = &scidatav1.Fees{Model: scidatav1.FeeCharged}
		}), field: "spec.sharing.fees.standardURL", message: "a fee must follow a published standard"},
		{name: "public-interest use cannot be charged", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Sharing.Fees = &scidatav1.Fees{Model: scidatav1.FeeCharged, StandardURL: "https://data.example.org/fees", PublicInterestExemption: ptr.To(false)}
		}), field: "spec.sharing.fees.publicInterestExemption", message: "public-interest research is free"},
		{name: "government-funded data names its project", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, Programme: "City S&T Plan"}
		}), field: "spec.funding.projectID", message: "funding.projectID is required for Government or Mixed funding"},
		{name: "classified data has a secrecy period", create: ce(func(e *scidatav1.CatalogEntry) {
			classified(e)
			e.Spec.Classification.SecrecyPeriodEnd = nil
		}), field: "spec.classification.secrecyPeriodEnd", message: "classification.secrecyPeriodEnd is required for classified data"},
		{name: "a data prefix that climbs out of the bucket", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Data.Prefix = "hydrology/../center/" }),
			field: "spec.data.prefix", message: "data.prefix must not contain '.' or '..' segments"},
		{name: "a dataset has at least one data type", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.DataTypes = nil }),
			field: "spec.dataTypes", message: "Required value"},
		{name: "moving the data needs a new content version", create: ce(func(*scidatav1.CatalogEntry) {}),
			update: onCE(func(e *scidatav1.CatalogEntry) { e.Spec.Data.Prefix = "hydrology/rainfall-v2/" }),
			field:  "spec.data.contentVersion", message: "data.contentVersion must change when data.prefix changes"},
		{name: "an entry cannot move to another department", create: ce(func(*scidatav1.CatalogEntry) {}),
			update: onCE(func(e *scidatav1.CatalogEntry) { e.Spec.ResponsibleDepartment.Code = "meteorology" }),
			field:  "spec.responsibleDepartment", message: "responsibleDepartment.code is immutable"},
		{name: "a malformed DOI", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Identifiers = &scidatav1.Identifiers{DOI: "doi:12345"} }),
			field: "spec.identifiers.doi", message: "should match"},
		{name: "a malformed CSTR", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Identifiers = &scidatav1.Identifiers{CSTR: "31253.11.bz"} }),
			field: "spec.identifiers.cstr", message: "should match"},
		{name: "download access names its URL", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.AccessMethod = scidatav1.AccessMethod{Type: scidatav1.AccessDownload}
		}),
			field: "spec.accessMethod.url", message: "accessMethod.url is required for Download, API and OnlineService access"},
		{name: "an access URL that is not a URL", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.AccessMethod.URL = "data portal, room 3" }),
			field: "spec.accessMethod.url", message: "accessMethod.url must be a URL"},
		{name: "a licence URL that is not a URL", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.License = &scidatav1.License{Name: "CC-BY-4.0", URL: "creative commons"}
		}), field: "spec.license.url", message: "license.url must be a URL"},
		{name: "a fee standard that is not a URL", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Sharing.Fees = &scidatav1.Fees{Model: scidatav1.FeeCharged, StandardURL: "see the price list"}
		}), field: "spec.sharing.fees.standardURL", message: "sharing.fees.standardURL must be a URL"},
		{name: "a secrecy period on unclassified data", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationInternal, SecrecyPeriodEnd: &later}
		}), field: "spec.classification.secrecyPeriodEnd", message: "classification.secrecyPeriodEnd applies only to classified data"},
		{name: "a published paper without its date", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Publications = []scidatav1.Publication{{Title: "Hourly rainfall of the Ba River basin", Status: scidatav1.PublicationPublished}}
		}), field: "spec.publications[0].publishedAt", message: "publications[].publishedAt is required when status is Published"},

		// SubmissionPolicy.
		{name: "a schedule that is not cron", create: func(name string) client.Object {
			p := policy(ns, name)
			p.Spec.Schedule = "every night"
			return p
		}, field: "spec.schedule", message: "should match"},
		{name: "a deadline that is not a duration", create: without(func(name string) client.Object { return policy(ns, name) }, "spec", "deadline"),
			prepareUnstructured: func(u map[string]any) { _ = unstructured.SetNestedField(u, "a month", "spec", "deadline") },
			field:               "spec.deadline", message: "deadline must be a positive duration"},
		{name: "a negative deadline", create: func(name string) client.Object {
			p := policy(ns, name)
			p.Spec.Deadline = &metav1.Duration{Duration: -time.Hour}
			return p
		}, field: "spec.deadline", message: "deadline must be a positive duration"},
		{name: "too many retries", create: func(name string) client.Object {
			p := policy(ns, name)
			p.Spec.BackoffLimit = ptr.To[int32](50)
			return p
		}, field: "spec.backoffLimit", message: "should be less than or equal to 10"},
		{name: "a negative time before acceptance", create: func(name string) client.Object {
			p := policy(ns, name)
			p.Spec.BeforeAcceptance = &metav1.Duration{Duration: -time.Hour}
			return p
		}, field: "spec.beforeAcceptance", message: "beforeAcceptance must be a duration of zero or more"},

		// Submission: a record, reviewed once, with a receipt written once.
		{name: "a Submission's spec cannot change", create: sub(same), createAs: manager,
			update: onSub(func(s *scidatav1.Submission) { s.Spec.ContentVersion = "2024.07" }),
			field:  "spec", message: "spec is immutable"},
		{name: "a denial says why", create: sub(same), createAs: manager, status: true,
			update: onSub(func(s *scidatav1.Submission) {
				s.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewDenied, By: reviewer, At: at}
			}), field: "status.review.comment", message: "status.review.comment is required when the decision is Denied"},
		{name: "a review decision is final", create: sub(same), createAs: manager, status: true, prepare: approve,
			update: onSub(func(s *scidatav1.Submission) {
				s.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewDenied, By: reviewer, At: later, Comment: "changed my mind"}
			}), field: "status.review", message: "status.review is final"},
		{name: "a review cannot be removed", create: sub(same), createAs: manager, status: true, prepare: approve,
			update: onSub(func(s *scidatav1.Submission) { s.Status.Review = nil }),
			field:  "status.review", message: "status.review is final"},
		{name: "a receipt needs a completed, verified transfer", create: sub(same), createAs: manager, status: true,
			update: onSub(func(s *scidatav1.Submission) {
				approved(s)
				s.Status.Receipt = &scidatav1.Receipt{Payload: "eyJ9", Signature: "c2ln", KeyID: keyID64}
			}), field: "status.receipt", message: "status.receipt requires a completed, verified transfer"},
		{name: "a receipt is never rewritten", create: sub(same), createAs: manager, status: true, prepare: receive,
			update: onSub(func(s *scidatav1.Submission) { s.Status.Receipt.Signature = "Zm9yZ2Vk" }),
			field:  "status.receipt", message: "status.receipt is immutable"},
		{name: "a receipt is never removed", create: sub(same), createAs: manager, status: true, prepare: receive,
			update: onSub(func(s *scidatav1.Submission) { s.Status.Receipt = nil }),
			field:  "status.receipt", message: "status.receipt is immutable"},
		{name: "a denied submission is never transferred", create: sub(same), createAs: manager, status: true,
			update: onSub(func(s *scidatav1.Submission) {
				s.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewDenied, By: reviewer, At: at, Comment: "metadata incomplete"}
				s.Status.Transfer = &scidatav1.Transfer{JobName: "sync-1"}
			}), field: "status.transfer", message: "a denied submission is never transferred"},
		{name: "a transfer cannot complete before it starts", create: sub(same), createAs: manager, status: true,
			update: onSub(func(s *scidatav1.Submission) {
				approved(s)
				s.Status.Transfer = &scidatav1.Transfer{JobName: "sync-1", StartedAt: &later, CompletedAt: &at}
			}), field: "status.transfer.completedAt", message: "must not be before transfer.startedAt"},
		{name: "a curator accepts only a completed transfer", create: sub(same), createAs: manager, status: true,
			update: onSub(func(s *scidatav1.Submission) {
				s.Status.Acceptance = &scidatav1.CuratorAcceptance{By: curator, At: at}
			}), as: curator, field: "status.acceptance", message: "status.acceptance requires a completed, verified transfer"},
		{name: "a withdrawal is final", create: sub(same), createAs: manager, status: true,
			prepare: func(t *testing.T, o client.Object) {
				t.Helper()
				s := o.(*scidatav1.Submission)
				s.Status.Withdrawal = &scidatav1.Withdrawal{At: at, Reason: scidatav1.ReasonEntryDeleted}
				if err := as(t, manager).Status().Update(context.Background(), s); err != nil {
					t.Fatalf("the operator could not withdraw: %v", err)
				}
			},
			update: onSub(func(s *scidatav1.Submission) { s.Status.Withdrawal = nil }),
			as:     manager, field: "status.withdrawal", message: "status.withdrawal is final"},
		{name: "a curator's acceptance is final", create: sub(same), createAs: manager, status: true,
			prepare: func(t *testing.T, o client.Object) {
				t.Helper()
				s := o.(*scidatav1.Submission)
				approve(t, s)
				s.Status.Transfer = &scidatav1.Transfer{JobName: "sync-1", StartedAt: &at, CompletedAt: &later, ManifestDigest: "sha256:" + keyID64}
				if err := as(t, manager).Status().Update(context.Background(), s); err != nil {
					t.Fatalf("the operator's transfer was refused: %v", err)
				}
				s.Status.Acceptance = &scidatav1.CuratorAcceptance{By: curator, At: later}
				if err := as(t, curator).Status().Update(context.Background(), s); err != nil {
					t.Fatalf("the curator's acceptance was refused: %v", err)
				}
			},
			update: onSub(func(s *scidatav1.Submission) { s.Status.Acceptance.Comment = "changed" }),
			as:     manager, field: "status.acceptance", message: "status.acceptance is final"},
		{name: "a signed project statement is never removed", create: project, createAs: manager, status: true, prepare: stated,
			update: func(o client.Object) { o.(*scidatav1.Project).Status.Statements = nil },
			as:     manager, field: "status.statements", message: "status.statements is append-only"},
		{name: "a signed project statement is never changed", create: project, createAs: manager, status: true, prepare: stated,
			update: func(o client.Object) { o.(*scidatav1.Project).Status.Statements[0].Signature = "Zm9yZ2Vk" },
			as:     manager, field: "status.statements[0]", message: "a signed project statement is immutable"},
		{name: "a receipt key ID is a SHA-256 in hex", create: sub(same), createAs: manager, status: true,
			update: onSub(func(s *scidatav1.Submission) {
				received(s)
				s.Status.Receipt.KeyID = strings.ToUpper(keyID64)
			}), field: "status.receipt.keyID", message: "should match"},
	}
}

func TestInvalidObjectsAreRejected(t *testing.T) {
	setup(t)
	rows := invalidRows()
	if len(rows) < 25 {
		t.Fatalf("the invalid-object table has %d rows; keep at least 25", len(rows))
	}
	for i, r := range rows {
		t.Run(r.name, func(t *testing.T) { runRow(t, fmt.Sprintf("invalid-%d", i), r) })
	}
}

// runRow creates the row's object and makes its refused request, as the
// identities the row names.
func runRow(t *testing.T, name string, r row) {
	t.Helper()
	ctx := context.Background()
	obj := r.create(name)
	if r.prepareUnstructured != nil {
		r.prepareUnstructured(obj.(*unstructured.Unstructured).Object)
	}
	refusedWrite := r.update == nil && !r.delete
	creator := r.createAs
	if refusedWrite {
		creator = r.as
	}
	err := as(t, creator).Create(ctx, obj)
	if !refusedWrite {
		if err != nil {
			t.Fatalf("the valid object before the refused request was refused: %v", err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(ctx, obj) })
		if r.prepare != nil {
			r.prepare(t, obj)
		}
		c := as(t, r.as)
		switch {
		case r.delete:
			err = c.Delete(ctx, obj)
		case r.status:
			r.update(obj)
			err = c.Status().Update(ctx, obj)
		default:
			r.update(obj)
			err = c.Update(ctx, obj)
		}
	} else if err == nil {
		t.Cleanup(func() { _ = env.Client.Delete(ctx, obj) })
	}
	if r.forbidden {
		assertForbidden(t, err, r.field, r.message)
		return
	}
	assertRejected(t, err, r.field, r.message)
}

// assertForbidden checks that err is an admission policy's Forbidden
// answer whose message names field and says message.
func assertForbidden(t *testing.T, err error, field, message string) {
	t.Helper()
	t.Logf("refused as expected: %v", err)
	switch {
	case err == nil:
		t.Fatalf("accepted; want refused by an admission policy on %s with %q", field, message)
	case !apierrors.IsForbidden(err):
		t.Fatalf("refused with %v; want Forbidden on %s", err, field)
	case !strings.Contains(err.Error(), field) || !strings.Contains(err.Error(), message):
		t.Fatalf("refused with\n  %v\nwant the message to name %s and say %q", err, field, message)
	}
}

// assertRejected checks that err is the apiserver's Invalid answer with a
// cause on field whose message contains message.
func assertRejected(t *testing.T, err error, field, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want refused on %s with %q", field, message)
	}
	if !apierrors.IsInvalid(err) {
		t.Fatalf("refused with %v; want Invalid on %s", err, field)
	}
	var status apierrors.APIStatus
	if !errorsAs(err, &status) || status.Status().Details == nil {
		t.Fatalf("no details in %v", err)
	}
	var seen []string
	for _, c := range status.Status().Details.Causes {
		if c.Field == field && strings.Contains(c.Message, message) {
			return
		}
		seen = append(seen, fmt.Sprintf("%s: %s", c.Field, c.Message))
	}
	t.Fatalf("no cause on %s containing %q; causes:\n  %s", field, message, strings.Join(seen, "\n  "))
}

func errorsAs(err error, status *apierrors.APIStatus) bool {
	s, ok := err.(apierrors.APIStatus)
	if ok {
		*status = s
	}
	return ok
}
