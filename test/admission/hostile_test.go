package admission

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// Text that spoofs what kubectl and the portal show: an escape sequence
// that clears the terminal, a bell, a C1 control, and bidirectional
// overrides and isolates that reorder what follows them.
const (
	escClear = "Rainfall \x1b[2J\x1b[Hall entries approved"
	bell     = "Rainfall\a"
	c1CSI    = "Hydrology\u009b31m"
	rlo      = "Rainfall \u202egnp.exe"
	isolate  = "flood\u2066"
)

// hostileRows is what a hostile or careless department (or a bureau's
// mistake) tries against each kind, as the identity that would try it;
// each row must be refused with a message that names the field.
func hostileRows() []row {
	dp := func(mut func(*scidatav1.DataPlatform)) func(string) client.Object {
		return func(name string) client.Object { p := department(name); mut(p); return p }
	}
	centerWith := func(mut func(*scidatav1.DataPlatform)) func(string) client.Object {
		return func(string) client.Object { c := center(); mut(c); return c }
	}
	ce := func(mut func(*scidatav1.CatalogEntry)) func(string) client.Object {
		return func(name string) client.Object { e := entry(ns, name); mut(e); return e }
	}
	secret := func(mut func(*scidatav1.CatalogEntry)) func(string) client.Object {
		return func(name string) client.Object { e := secretEntry(ns, name); mut(e); return e }
	}
	onCE := func(mut func(*scidatav1.CatalogEntry)) func(client.Object) {
		return func(o client.Object) { mut(o.(*scidatav1.CatalogEntry)) }
	}
	onDP := func(mut func(*scidatav1.DataPlatform)) func(client.Object) {
		return func(o client.Object) { mut(o.(*scidatav1.DataPlatform)) }
	}
	none := func(*scidatav1.CatalogEntry) {}
	public := func(e *scidatav1.CatalogEntry) {
		e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationPublic}
	}
	label := func(k, v string) func(*scidatav1.CatalogEntry) {
		return func(e *scidatav1.CatalogEntry) { e.Labels = map[string]string{k: v} }
	}
	// labelledByOperator is the operator's label patch, as the CatalogEntry
	// controller makes it.
	labelledByOperator := func(t *testing.T, o client.Object) {
		t.Helper()
		e := o.(*scidatav1.CatalogEntry)
		patch := client.MergeFrom(e.DeepCopy())
		e.Labels = map[string]string{scidatav1.LabelDuty: scidatav1.DutyLabelMandatory}
		if err := as(t, manager).Patch(context.Background(), e, patch); err != nil {
			t.Fatalf("the operator could not label the entry: %v", err)
		}
	}
	earlier := &metav1.Time{Time: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	decades := metav1.NewTime(time.Now().AddDate(25, 0, 0).UTC().Truncate(time.Second))
	const notDeclassifier = "is not a declassifier of department water-resources (the verb declassify on the scidata.io resource declassifiers named water-resources)"

	return []row{
		// DataPlatform owners: at least one, never everyone.
		{name: "owners that are every authenticated identity", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Owners = scidatav1.Owners{Groups: []string{"system:authenticated"}}
		}), field: "spec.owners.groups[0]", message: "owners.groups must not name a system: group"},
		{name: "owners that are the cluster's administrators", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Owners = scidatav1.Owners{Groups: []string{"dept-water-admins", "system:masters"}}
		}), field: "spec.owners.groups[1]", message: "system:masters the cluster's administrators"},
		{name: "owners that are every ServiceAccount", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Owners = scidatav1.Owners{Groups: []string{"system:serviceaccounts"}}
		}), field: "spec.owners.groups[0]", message: "owners.groups must not name a system: group"},
		{name: "a ServiceAccount named as a user", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Owners = scidatav1.Owners{Users: []string{"system:serviceaccount:kube-system:default"}}
		}), field: "spec.owners.users[0]", message: "name people here and ServiceAccounts in owners.serviceAccounts"},
		{name: "the cluster's admin user as an owner", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Owners = scidatav1.Owners{Users: []string{"system:admin"}}
		}), field: "spec.owners.users[0]", message: "owners.users must not name a system: identity"},
		{name: "a platform with no owners", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Owners = scidatav1.Owners{} }),
			field: "spec.owners", message: "a platform needs at least one owner"},
		{name: "a platform without the owners field", create: without(dp(func(*scidatav1.DataPlatform) {}), "spec", "owners"),
			field: "spec.owners", message: "Required value"},
		{name: "a ServiceAccount owner in a namespace that is not a DNS label", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Owners = scidatav1.Owners{ServiceAccounts: []scidatav1.ServiceAccountReference{{Namespace: "Flux_System", Name: "gitops"}}}
		}), field: "spec.owners.serviceAccounts[0].namespace", message: "should match"},

		// One platform per department; no platform in the operator's namespace.
		{name: "a second platform claiming an existing department code", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Department.Code = "water-resources" }),
			field: "spec.department.code", message: "a Department platform is named for its department"},
		{name: "a platform whose namespace is the operator's own", create: func(string) client.Object { return department("system") }, forbidden: true,
			field: "metadata.name", message: "would run in namespace scidata-system, the operator's own namespace"},

		// An External store's Secrets are the operator's namespace's: no
		// platform points the operator at another namespace's Secrets.
		{name: "an External store's account in another department's namespace", create: func(name string) client.Object {
			p := externalDepartment(name)
			p.Spec.ObjectStore.External.CredentialsSecret.Namespace = "scidata-meteorology"
			return p
		}, forbidden: true, field: "spec.objectStore.external.credentialsSecret.namespace", message: "scidata-meteorology is not the operator's namespace (scidata-system)"},
		{name: "an External store's CA moved to another namespace", create: func(name string) client.Object { return externalDepartment(name) },
			update:    onDP(func(p *scidatav1.DataPlatform) { p.Spec.ObjectStore.External.CASecret.Namespace = "kube-system" }),
			forbidden: true, field: "spec.objectStore.external.caSecret.namespace", message: "kube-system is not the operator's namespace"},

		// Quota and the Center's upstream.
		{name: "a negative CPU quota", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Quota = &scidatav1.Quota{CPU: ptr.To(resource.MustParse("-4"))}
		}), field: "spec.quota.cpu", message: "quota.cpu must be greater than zero"},
		{name: "a memory quota of zero", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Quota = &scidatav1.Quota{Memory: ptr.To(resource.MustParse("0"))}
		}), field: "spec.quota.memory", message: "quota.memory must be greater than zero"},
		{name: "a negative storage quota", create: dp(func(p *scidatav1.DataPlatform) {
			p.Spec.Quota = &scidatav1.Quota{Storage: ptr.To(resource.MustParse("-1Ti"))}
		}), field: "spec.quota.storage", message: "quota.storage must be greater than zero"},
		{name: "an upstream that is the IPv4 default route", create: centerWith(func(c *scidatav1.DataPlatform) { c.Spec.Upstream.CIDRs = []string{"0.0.0.0/0"} }),
			field: "spec.upstream.cidrs[0]", message: "upstream.cidrs must not be a default route"},
		{name: "an upstream that is the IPv6 default route", create: centerWith(func(c *scidatav1.DataPlatform) {
			c.Spec.Upstream.CIDRs = []string{"198.51.100.0/24", "::/0"}
		}), field: "spec.upstream.cidrs[1]", message: "upstream.cidrs must not be a default route"},
		{name: "an upstream wider than /24", create: centerWith(func(c *scidatav1.DataPlatform) { c.Spec.Upstream.CIDRs = []string{"10.0.0.0/8"} }),
			forbidden: true, field: "spec.upstream.cidrs", message: "10.0.0.0/8 is wider than this install allows (IPv4 /24, IPv6 /48 or narrower)"},
		{name: "an IPv6 upstream wider than /48", create: centerWith(func(c *scidatav1.DataPlatform) {
			c.Spec.Upstream.CIDRs = []string{"198.51.100.0/24", "2001:db8::/32"}
		}), forbidden: true, field: "spec.upstream.cidrs", message: "2001:db8::/32 is wider"},
		{name: "a wide upstream added to an existing Center", create: centerWith(func(*scidatav1.DataPlatform) {}),
			update: onDP(func(c *scidatav1.DataPlatform) {
				c.Spec.Upstream.CIDRs = append(c.Spec.Upstream.CIDRs, "100.64.0.0/10")
			}),
			forbidden: true, field: "spec.upstream.cidrs", message: "100.64.0.0/10 is wider"},
		{name: "an upstream name that clears the terminal", create: centerWith(func(c *scidatav1.DataPlatform) { c.Spec.Upstream.Name = escClear }),
			field: "spec.upstream.name", message: "upstream.name must not contain control characters or bidirectional overrides"},
		{name: "a department name with a right-to-left override", create: dp(func(p *scidatav1.DataPlatform) { p.Spec.Department.Name = rlo }),
			field: "spec.department.name", message: "department.name must not contain control characters"},

		// Operator-owned labels on what users write.
		{name: "the bureau marks a platform as made by the operator", create: dp(func(p *scidatav1.DataPlatform) {
			p.Labels = map[string]string{scidatav1.LabelManagedBy: scidatav1.ManagedBy}
		}), forbidden: true, field: "metadata.labels[app.kubernetes.io/managed-by]", message: "scidata-operator marks what the operator made"},
		{name: "the bureau labels a platform with a department", create: dp(func(p *scidatav1.DataPlatform) {
			p.Labels = map[string]string{scidatav1.LabelDepartment: "natural-resources"}
		}), forbidden: true, field: "metadata.labels[scidata.io/department]", message: "are set only by the operator"},
		{name: "a department labels its new entry exempt from submission", create: ce(label(scidatav1.LabelDuty, scidatav1.DutyLabelNone)), as: owner,
			forbidden: true, field: "metadata.labels[scidata.io/duty]", message: "scidata.io/duty mirrors status.duty, computed from spec.funding and spec.classification"},
		{name: "a department relabels a mandatory entry none", create: ce(none), prepare: labelledByOperator, as: owner,
			update:    onCE(func(e *scidatav1.CatalogEntry) { e.Labels[scidatav1.LabelDuty] = scidatav1.DutyLabelNone }),
			forbidden: true, field: "metadata.labels[scidata.io/duty]", message: "are set only by the operator"},
		{name: "a department's robot removes the duty label", create: ce(none), prepare: labelledByOperator, as: robot,
			update:    onCE(func(e *scidatav1.CatalogEntry) { delete(e.Labels, scidatav1.LabelDuty) }),
			forbidden: true, field: "metadata.labels[scidata.io/duty]", message: "are set only by the operator"},
		{name: "a department marks its entry as made by the operator", create: ce(label(scidatav1.LabelManagedBy, scidatav1.ManagedBy)), as: owner,
			forbidden: true, field: "metadata.labels[app.kubernetes.io/managed-by]", message: "scidata-operator marks what the operator made"},
		{name: "a department labels its policy with a platform", create: func(name string) client.Object {
			p := policy(ns, name)
			p.Labels = map[string]string{scidatav1.LabelPlatform: "center"}
			return p
		}, as: owner, forbidden: true, field: "metadata.labels[scidata.io/platform]", message: "are set only by the operator"},

		// Every entry states its secrecy attribute; TopSecret is Closed.
		{name: "an entry without a classification", create: without(ce(none), "spec", "classification"),
			as: owner, field: "spec.classification", message: "Required value"},
		{name: "an entry without a classification level", create: without(ce(none), "spec", "classification", "level"),
			as: owner, field: "spec.classification.level", message: "Required value"},
		{name: "TopSecret data shared by exception", create: ce(func(e *scidatav1.CatalogEntry) {
			classified(e)
			e.Spec.Classification.Level = scidatav1.ClassificationTopSecret
			e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: "Cleared units", ReviewProcedure: "The secrecy office reviews each request."}
		}), as: owner, field: "spec.sharing.mode", message: "TopSecret data (绝密) is never shared, not even by reviewed exception"},

		// Text that spoofs.
		{name: "a title that clears the terminal", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Title = escClear }),
			as: owner, field: "spec.title", message: "title must not contain control characters or bidirectional overrides"},
		{name: "a title that rings the bell", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Title = bell }),
			as: owner, field: "spec.title", message: "title must not contain control characters"},
		{name: "a title with a right-to-left override", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Title = rlo }),
			as: robot, field: "spec.title", message: "title must not contain control characters or bidirectional overrides"},
		{name: "a local title with a right-to-left override", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.LocalTitle = "逐时降水量\u202e" }),
			as: owner, field: "spec.localTitle", message: "localTitle must not contain"},
		{name: "a description with a right-to-left override", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Description = "Line one.\n" + rlo }),
			as: owner, field: "spec.description", message: "description must not contain control characters (but tab and newline) or bidirectional overrides"},
		{name: "a description that clears the terminal", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Description = escClear }),
			as: owner, field: "spec.description", message: "description must not contain control characters (but tab and newline)"},
		{name: "a subject with a C1 control sequence", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Subject = c1CSI }),
			as: owner, field: "spec.subject", message: "subject must not contain control characters"},
		{name: "a keyword with a directional isolate", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Keywords = []string{"rain", isolate} }),
			as: owner, field: "spec.keywords[1]", message: "keywords must not contain"},
		{name: "sharing conditions that ring the bell", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: "Research use only" + "\a"}
		}), as: owner, field: "spec.sharing.conditions", message: "sharing.conditions must not contain control characters (but tab and newline)"},
		{name: "a providing unit with a right-to-left override", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.ProvidingDepartment.Name = rlo }),
			as: owner, field: "spec.providingDepartment.name", message: "providingDepartment.name must not contain"},
		{name: "a contact name that clears the terminal", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Contact = &scidatav1.Contact{Name: escClear} }),
			as: owner, field: "spec.contact.name", message: "contact.name must not contain"},
		{name: "an embargo note that clears the terminal", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: later, Reason: scidatav1.EmbargoPaper, Note: escClear}
		}), as: owner, field: "spec.sharing.embargo.note", message: "sharing.embargo.note must not contain"},
		{name: "a citation with a right-to-left override", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Citation = rlo }),
			as: owner, field: "spec.citation", message: "citation must not contain"},
		{name: "a review comment that clears the terminal", create: func(name string) client.Object { return submission(ns, name) }, createAs: manager, status: true,
			update: func(o client.Object) {
				s := o.(*scidatav1.Submission)
				s.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewDenied, By: reviewer, At: at, Comment: escClear}
			}, as: reviewer, field: "status.review.comment", message: "review.comment must not contain control characters"},

		// Declassification by edit, and deletion of classified entries.
		{name: "a department lowers Confidential data to Public and Open in one edit", create: secret(none), as: owner,
			update: onCE(func(e *scidatav1.CatalogEntry) {
				public(e)
				e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingOpen}
			}), forbidden: true, field: "spec.classification.level (Confidential to Public)", message: notDeclassifier},
		{name: "a department lowers a level, writing a decision of its own", create: secret(none), as: owner,
			update: onCE(func(e *scidatav1.CatalogEntry) {
				e.Spec.Classification.Level = scidatav1.ClassificationInternal
				e.Spec.Classification.SecrecyPeriodEnd = nil
				e.Spec.Declassification = decision(owner)
			}), forbidden: true, field: "spec.classification.level (Confidential to Internal)", message: notDeclassifier},
		{name: "a department moves the secrecy period earlier", create: secret(none), as: owner,
			update:    onCE(func(e *scidatav1.CatalogEntry) { e.Spec.Classification.SecrecyPeriodEnd = earlier }),
			forbidden: true, field: "spec.classification.secrecyPeriodEnd (earlier)", message: "lowering protection is a declassification"},
		{name: "a department removes a sensitivity", create: secret(none), as: owner,
			update:    onCE(func(e *scidatav1.CatalogEntry) { e.Spec.Classification.Sensitivities = nil }),
			forbidden: true, field: "spec.classification.sensitivities (StateSecret removed)", message: notDeclassifier},
		{name: "a department moves government funding to private", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: "BZSL-2024-003"}
		}), as: owner, update: onCE(func(e *scidatav1.CatalogEntry) { e.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingPrivate} }),
			forbidden: true, field: "spec.funding.source (Government to Private)", message: notDeclassifier},
		{name: "a department's robot removes mixed funding", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingMixed, ProjectID: "BZSL-2024-004"}
		}), as: robot, update: onCE(func(e *scidatav1.CatalogEntry) { e.Spec.Funding = nil }),
			forbidden: true, field: "spec.funding.source (Mixed to unset)", message: "is a ServiceAccount (a GitOps robot) and never declassifies"},
		{name: "a department deletes a Confidential entry", create: secret(none), as: owner, delete: true,
			forbidden: true, field: "spec.classification.level", message: "classified Confidential, is a declassification: only a declassifier of department water-resources"},
		{name: "a robot granted the verb deletes a Confidential entry", create: secret(none), as: rogueRobot, delete: true,
			forbidden: true, field: "spec.classification.level", message: "is a declassification: only a declassifier"},
		{name: "a declassifier lowers a level without a decision", create: secret(none), as: declassifier,
			update: onCE(func(e *scidatav1.CatalogEntry) {
				e.Spec.Classification.Level = scidatav1.ClassificationInternal
				e.Spec.Classification.SecrecyPeriodEnd = nil
			}), forbidden: true, field: "spec.declassification", message: "is a declassification and must carry a new decision"},
		{name: "a declassifier writes the decision in another's name", create: secret(none), as: declassifier,
			update: onCE(func(e *scidatav1.CatalogEntry) {
				e.Spec.Classification.Sensitivities = nil
				e.Spec.Declassification = decision(owner)
			}), forbidden: true, field: "spec.declassification.by", message: "must be the user who makes the edit (secrecy-officer@water-resources), not owner@water-resources"},
		{name: "a robot granted the verb declassifies", create: secret(none), as: rogueRobot,
			update: onCE(func(e *scidatav1.CatalogEntry) {
				public(e)
				e.Spec.Declassification = decision(rogueRobot)
			}), forbidden: true, field: "spec.classification.level (Confidential to Public)", message: "is a ServiceAccount (a GitOps robot) and never declassifies"},
		{name: "a department creates an entry with a declassification record", create: ce(func(e *scidatav1.CatalogEntry) { e.Spec.Declassification = decision(owner) }),
			as: owner, forbidden: true, field: "spec.declassification", message: "owner@water-resources is not a declassifier of department water-resources"},
		{name: "a department adds a declassification record to an unrelated edit", create: ce(none), as: owner,
			update: onCE(func(e *scidatav1.CatalogEntry) {
				e.Spec.Title += " (revised)"
				e.Spec.Declassification = decision(owner)
			}), forbidden: true, field: "spec.declassification", message: "cannot record a declassification"},
		{name: "a department's robot writes a declassification record", create: ce(none), as: robot,
			update:    onCE(func(e *scidatav1.CatalogEntry) { e.Spec.Declassification = decision(robot) }),
			forbidden: true, field: "spec.declassification", message: "records a decision only a person takes"},

		// Embargoes decades long.
		{name: "an embargo decades long with no justification", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: decades, Reason: scidatav1.EmbargoPatent}
		}), as: owner, forbidden: true, field: "spec.sharing.embargo.justification", message: "more than three years after the entry was created"},
		{name: "an embargo extended by decades on an existing entry", create: ce(func(e *scidatav1.CatalogEntry) {
			e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: later, Reason: scidatav1.EmbargoPaper}
		}), as: robot, update: onCE(func(e *scidatav1.CatalogEntry) { e.Spec.Sharing.Embargo.Until = decades }),
			forbidden: true, field: "spec.sharing.embargo.justification", message: "is required"},

		// A department's policy reaches only its own namespace.
		{name: "a department policy selecting other namespaces", create: func(name string) client.Object {
			p := policy(ns, name)
			p.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelDepartment}}
			return p
		}, as: owner, forbidden: true, field: "spec.namespaceSelector", message: "only a city-wide policy in the Center's namespace selects other namespaces"},
		// The city's terms are the city's: a department cannot lengthen
		// its own review deadline or waive the Center's gates.
		{name: "a department policy setting its own review deadline", create: func(name string) client.Object {
			p := policy(ns, name)
			p.Spec.ReviewWithinWorkingDays = ptr.To[int32](60)
			return p
		}, as: owner, forbidden: true, field: "spec.reviewWithinWorkingDays", message: "are the city's terms, set only by a policy in the Center's namespace"},
		{name: "a department policy setting the Center's acceptance", create: func(name string) client.Object {
			p := policy(ns, name)
			p.Spec.Acceptance = &scidatav1.Acceptance{CuratorRequired: false}
			p.Spec.TimeZone = "Asia/Shanghai"
			return p
		}, as: owner, forbidden: true, field: "spec.acceptance", message: "are the city's terms, set only by a policy in the Center's namespace"},
	}
}

// At least forty hostile inputs, each refused with its field named.
func TestHostileInputsAreRefused(t *testing.T) {
	setup(t)
	rows := hostileRows()
	if len(rows) < 40 {
		t.Fatalf("the hostile-input table has %d rows; keep at least 40", len(rows))
	}
	seen := map[string]bool{}
	for i, r := range rows {
		if seen[r.name] {
			t.Fatalf("two rows are named %q", r.name)
		}
		seen[r.name] = true
		t.Run(r.name, func(t *testing.T) { runRow(t, fmt.Sprintf("hostile-%d", i), r) })
	}
}

// The operator-owned labels of api/v1alpha1 are exactly those the policy
// reserves.
func TestTheLabelPolicyReservesTheOperatorsLabels(t *testing.T) {
	policies, err := testenv.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "admission"))
	if err != nil {
		t.Fatal(err)
	}
	var reserved string
	for _, p := range policies {
		if p.GetName() != "scidata-operator-labels" || p.GetKind() != "ValidatingAdmissionPolicy" {
			continue
		}
		vars, _, _ := unstructured.NestedSlice(p.Object, "spec", "variables")
		for _, v := range vars {
			if m, ok := v.(map[string]any); ok && m["name"] == "reserved" {
				reserved, _ = m["expression"].(string)
			}
		}
	}
	if reserved == "" {
		t.Fatal("scidata-operator-labels has no variable reserved")
	}
	for _, l := range scidatav1.OperatorLabels {
		if !strings.Contains(reserved, "'"+l+"'") {
			t.Errorf("scidata-operator-labels does not reserve %s", l)
		}
	}
	if n := strings.Count(reserved, "'") / 2; n != len(scidatav1.OperatorLabels) {
		t.Errorf("scidata-operator-labels reserves %d labels, api/v1alpha1 OperatorLabels lists %d", n, len(scidatav1.OperatorLabels))
	}
}

// Once the Center exists, no Department platform takes its department
// code (the policy reads the Center as its parameter, and the apiserver's
// informer of it needs a moment to see a new Center).
func TestADepartmentCannotTakeTheCentersDepartmentCode(t *testing.T) {
	setup(t)
	ctx := context.Background()
	c := center()
	if err := env.Client.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, c) })
	rogue := department(c.Spec.Department.Code)
	testenv.Eventually(t, 30*time.Second, func() error {
		err := env.Client.Create(ctx, rogue, client.DryRunAll)
		if err == nil {
			return fmt.Errorf("a Department platform %s was admitted with the Center's code", rogue.Name)
		}
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "spec.department.code: st-info-institute is the department of the city Scientific Data Center") {
			return fmt.Errorf("refused for another reason: %w", err)
		}
		return nil
	})
}
