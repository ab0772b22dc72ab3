package access

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func conditionalEntry(mut func(*scidatav1.CatalogEntry)) *scidatav1.CatalogEntry {
	e := &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water-resources", Name: "wells", UID: "uid-wells"},
		Spec: scidatav1.CatalogEntrySpec{
			Data:           scidatav1.DataLocation{Prefix: "hydrology/wells", ContentVersion: "v1"},
			Sharing:        scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: "research use"},
			Classification: &scidatav1.Classification{Level: scidatav1.ClassificationInternal},
			AccessMethod:   scidatav1.AccessMethod{Type: scidatav1.AccessAPI, URL: "https://example.org"},
		},
	}
	if mut != nil {
		mut(e)
	}
	return e
}

func asking(mut func(*scidatav1.DataPlatform)) *scidatav1.DataPlatform {
	p := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "science-technology"},
		Spec: scidatav1.DataPlatformSpec{Role: scidatav1.RoleDepartment, Department: scidatav1.Department{Code: "science-technology", Name: "S&T"},
			Storage: scidatav1.Storage{Size: resource.MustParse("1Gi")}}}
	if mut != nil {
		mut(p)
	}
	return p
}

func request(mut func(*scidatav1.AccessRequest)) *scidatav1.AccessRequest {
	r := &scidatav1.AccessRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-science-technology", Name: "wells-study", Generation: 1},
		Spec: scidatav1.AccessRequestSpec{
			Entry:           scidatav1.AccessEntryReference{Namespace: "scidata-water-resources", Name: "wells"},
			UseNamespace:    "scidata-science-technology",
			Purpose:         scidatav1.AccessPurpose{Category: scidatav1.PurposePublicInterestResearch, Description: "d"},
			Requester:       scidatav1.Requester{User: "alice", Name: "Alice", Qualification: "q"},
			Safeguards:      "s",
			DurationSeconds: 7200,
		},
	}
	if mut != nil {
		mut(r)
	}
	return r
}

func approval(by string, gen int64) *scidatav1.AccessReview {
	return &scidatav1.AccessReview{Decision: scidatav1.AccessDecisionApproved, By: by, At: &metav1.Time{Time: t0}, Generation: gen}
}

func decision(d scidatav1.AccessDecision, by string, gen int64) *scidatav1.AccessReview {
	return &scidatav1.AccessReview{Decision: d, By: by, At: &metav1.Time{Time: t0}, Generation: gen, Note: ptr.To("state the safeguards")}
}

func granted(r *scidatav1.AccessRequest) {
	r.Status.State = ptr.To(scidatav1.AccessActive)
	r.Status.Review = approval("dora", 1)
	r.Status.Grant = &scidatav1.AccessGrant{ID: "g1", ApprovedAt: &metav1.Time{Time: t0}, ExpiresAt: &metav1.Time{Time: t0.Add(2 * time.Hour)}}
}

func TestDecide(t *testing.T) {
	facts := func(mut func(*Facts)) Facts {
		f := Facts{Now: t0.Add(time.Minute), Entry: conditionalEntry(nil), Requesting: asking(nil)}
		if mut != nil {
			mut(&f)
		}
		return f
	}
	secret := func(e *scidatav1.CatalogEntry) {
		e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationConfidential, SecrecyPeriodEnd: &metav1.Time{Time: t0.AddDate(10, 0, 0)}}
		e.Spec.Sharing.ReviewProcedure = "two reviews"
	}
	cleared := func(p *scidatav1.DataPlatform) { p.Spec.MaxClassification = scidatav1.ClassificationConfidential }
	for _, tc := range []struct {
		name    string
		r       *scidatav1.AccessRequest
		f       Facts
		state   scidatav1.AccessState
		reason  string
		blocked bool
		grant   bool
		says    string
	}{
		{"a new request waits for the department's review", request(nil), facts(nil),
			scidatav1.AccessPending, scidatav1.ReasonAwaitingReview, false, false, "approve on accessreviewers water-resources"},
		{"the department's approval grants an unclassified entry", request(func(r *scidatav1.AccessRequest) { r.Status.Review = approval("dora", 1) }), facts(nil),
			scidatav1.AccessApproved, scidatav1.ReasonProvisioning, false, true, "approved by dora until 2026-11-25T11:01:00Z"},
		{"a reviewer grants less than asked", request(func(r *scidatav1.AccessRequest) {
			r.Status.Review = approval("dora", 1)
			r.Status.Review.DurationSeconds = ptr.To[int32](90)
		}), facts(nil), scidatav1.AccessApproved, scidatav1.ReasonProvisioning, false, true, "until 2026-11-25T09:02:30Z"},
		{"a classified entry waits for the security review after the department's approval", request(func(r *scidatav1.AccessRequest) { r.Status.Review = approval("dora", 1) }),
			facts(func(f *Facts) { secret(f.Entry); f.Requesting = asking(cleared) }),
			scidatav1.AccessPending, scidatav1.ReasonAwaitingSecurityReview, false, false, "security-approve on accessreviewers water-resources"},
		{"a classified entry is granted on two approvals", request(func(r *scidatav1.AccessRequest) {
			r.Status.Review, r.Status.SecurityReview = approval("dora", 1), approval("sam", 1)
		}), facts(func(f *Facts) { secret(f.Entry); f.Requesting = asking(cleared) }),
			scidatav1.AccessApproved, scidatav1.ReasonProvisioning, false, true, "approved by dora, sam"},
		{"a security approval alone waits for the department's", request(func(r *scidatav1.AccessRequest) { r.Status.SecurityReview = approval("sam", 1) }),
			facts(func(f *Facts) { secret(f.Entry); f.Requesting = asking(cleared) }),
			scidatav1.AccessPending, scidatav1.ReasonAwaitingReview, false, false, "write status.review"},
		{"a rejection is final", request(func(r *scidatav1.AccessRequest) {
			r.Status.Review = decision(scidatav1.AccessDecisionRejected, "dora", 1)
		}), facts(nil),
			scidatav1.AccessRejected, scidatav1.ReasonRejected, true, false, "rejected by dora: state the safeguards"},
		{"a returned request waits for a changed spec", request(func(r *scidatav1.AccessRequest) {
			r.Status.Review = decision(scidatav1.AccessDecisionReturned, "dora", 1)
		}), facts(nil),
			scidatav1.AccessReturned, scidatav1.ReasonReturned, true, false, "change the spec"},
		{"a returned request, edited, is pending again", request(func(r *scidatav1.AccessRequest) {
			r.Generation = 2
			r.Status.State = ptr.To(scidatav1.AccessReturned)
			r.Status.Review = decision(scidatav1.AccessDecisionReturned, "dora", 1)
		}), facts(nil), scidatav1.AccessPending, scidatav1.ReasonAwaitingReview, false, false, "for generation 2"},
		{"an approval of an earlier spec counts for nothing", request(func(r *scidatav1.AccessRequest) {
			r.Generation = 3
			r.Status.Review = approval("dora", 2)
		}), facts(nil), scidatav1.AccessPending, scidatav1.ReasonAwaitingReview, false, false, ""},
		{"the entry is missing", request(nil), facts(func(f *Facts) { f.Entry = nil }),
			scidatav1.AccessPending, scidatav1.ReasonEntryMissing, true, false, "CatalogEntry scidata-water-resources/wells does not exist"},
		{"an Open entry needs no request", request(nil), facts(func(f *Facts) { f.Entry.Spec.Sharing.Mode = scidatav1.SharingOpen }),
			scidatav1.AccessPending, scidatav1.ReasonEntryNotConditional, true, false, "it is Open: read it without a request"},
		{"a Closed entry is not shared", request(func(r *scidatav1.AccessRequest) { r.Status.Review = approval("dora", 1) }),
			facts(func(f *Facts) { f.Entry.Spec.Sharing.Mode = scidatav1.SharingClosed }),
			scidatav1.AccessPending, scidatav1.ReasonEntryNotConditional, true, false, "it is Closed"},
		{"an embargoed entry is not shared yet", request(nil), facts(func(f *Facts) {
			f.Entry.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(t0.AddDate(1, 0, 0)), Reason: scidatav1.EmbargoPaper}
		}), scidatav1.AccessPending, scidatav1.ReasonEntryNotConditional, true, false, "embargoed until 2027-11-25T09:00:00Z"},
		{"a classified entry in a namespace not cleared for it", request(nil), facts(func(f *Facts) { secret(f.Entry) }),
			scidatav1.AccessPending, scidatav1.ReasonClearanceInsufficient, true, false, "namespace scidata-science-technology is cleared only up to Internal"},
		{"a classified entry in an allowed namespace of a cleared platform", request(func(r *scidatav1.AccessRequest) { r.Spec.UseNamespace = "analysis" }),
			facts(func(f *Facts) {
				secret(f.Entry)
				f.Requesting = asking(func(p *scidatav1.DataPlatform) {
					cleared(p)
					p.Spec.Network = &scidatav1.PlatformNetwork{AllowedNamespaces: []string{"analysis"}}
				})
			}), scidatav1.AccessPending, scidatav1.ReasonClearanceInsufficient, true, false, "cleared only up to Internal"},
		{"a namespace of use the platform does not allow", request(func(r *scidatav1.AccessRequest) { r.Spec.UseNamespace = "scidata-meteorology" }), facts(nil),
			scidatav1.AccessPending, scidatav1.ReasonNamespaceNotAllowed, true, false, "neither scidata-science-technology nor one of DataPlatform science-technology's spec.network.allowedNamespaces"},
		{"an allowed namespace of the platform", request(func(r *scidatav1.AccessRequest) {
			r.Spec.UseNamespace = "analysis"
			r.Status.Review = approval("dora", 1)
		}), facts(func(f *Facts) {
			f.Requesting = asking(func(p *scidatav1.DataPlatform) {
				p.Spec.Network = &scidatav1.PlatformNetwork{AllowedNamespaces: []string{"analysis"}}
			})
		}), scidatav1.AccessApproved, scidatav1.ReasonProvisioning, false, true, ""},
		{"a charged entry for a free use needs no acceptance of fees", request(nil), facts(func(f *Facts) {
			f.Entry.Spec.Sharing.Fees = &scidatav1.Fees{Model: scidatav1.FeeCharged, StandardURL: "https://fees.example.org/2026"}
		}), scidatav1.AccessPending, scidatav1.ReasonAwaitingReview, false, false, ""},
		{"a charged entry for another use, fees not accepted", request(func(r *scidatav1.AccessRequest) { r.Spec.Purpose.Category = scidatav1.PurposeOther }),
			facts(func(f *Facts) {
				f.Entry.Spec.Sharing.Fees = &scidatav1.Fees{Model: scidatav1.FeeCharged, StandardURL: "https://fees.example.org/2026"}
			}), scidatav1.AccessPending, scidatav1.ReasonFeesNotAccepted, true, false, "under the published standard https://fees.example.org/2026"},
		{"a charged entry for another use, an older standard accepted", request(func(r *scidatav1.AccessRequest) {
			r.Spec.Purpose.Category = scidatav1.PurposeOther
			r.Spec.Fees = &scidatav1.FeeAcceptance{AcceptedStandardURL: "https://fees.example.org/2025"}
		}), facts(func(f *Facts) {
			f.Entry.Spec.Sharing.Fees = &scidatav1.Fees{Model: scidatav1.FeeCharged, StandardURL: "https://fees.example.org/2026"}
		}), scidatav1.AccessPending, scidatav1.ReasonFeesNotAccepted, true, false, "accept it in spec.fees.acceptedStandardURL"},
		{"a second request for the same entry and namespace", request(nil), facts(func(f *Facts) { f.InForce = "scidata-science-technology/first" }),
			scidatav1.AccessPending, scidatav1.ReasonRequestInForce, true, false, "AccessRequest scidata-science-technology/first already asks for"},
		{"another entry's data under the prefix", request(func(r *scidatav1.AccessRequest) { r.Status.Review = approval("dora", 1) }),
			facts(func(f *Facts) { f.Overlap = "scidata-water-resources/wells-private" }),
			scidatav1.AccessPending, scidatav1.ReasonPrefixOverlapsEntry, true, false, "lies under the grant's prefix hydrology/wells/"},
		{"withdrawn before a review", request(func(r *scidatav1.AccessRequest) {
			r.Spec.Withdrawn = &scidatav1.AccessWithdrawal{Reason: "no longer needed"}
		}), facts(nil),
			scidatav1.AccessWithdrawn, scidatav1.ReasonWithdrawn, false, false, "no longer needed"},

		{"a grant in force", request(granted), facts(nil), scidatav1.AccessApproved, scidatav1.ReasonProvisioning, false, true, "until 2026-11-25T11:00:00Z"},
		{"a grant one nanosecond before its expiry", request(granted), facts(func(f *Facts) { f.Now = t0.Add(2*time.Hour - time.Nanosecond) }),
			scidatav1.AccessApproved, scidatav1.ReasonProvisioning, false, true, ""},
		{"a grant at its exact expiry", request(granted), facts(func(f *Facts) { f.Now = t0.Add(2 * time.Hour) }),
			scidatav1.AccessExpired, scidatav1.ReasonExpired, false, false, "expired at 2026-11-25T11:00:00Z"},
		{"a grant revoked by a reviewer", request(func(r *scidatav1.AccessRequest) {
			granted(r)
			r.Status.Revocation = &scidatav1.AccessRevocation{By: "dora", At: &metav1.Time{Time: t0}, Reason: "safeguards not kept"}
		}), facts(nil), scidatav1.AccessRevoked, scidatav1.ReasonRevokedByReviewer, false, false, "revoked by dora: safeguards not kept"},
		{"a grant withdrawn", request(func(r *scidatav1.AccessRequest) {
			granted(r)
			r.Spec.Withdrawn = &scidatav1.AccessWithdrawal{Reason: "project ended"}
		}), facts(nil), scidatav1.AccessWithdrawn, scidatav1.ReasonWithdrawn, false, false, "project ended"},
		{"a grant whose entry became Closed", request(granted), facts(func(f *Facts) { f.Entry.Spec.Sharing.Mode = scidatav1.SharingClosed }),
			scidatav1.AccessRevoked, scidatav1.ReasonEntryClosed, false, false, "revoked by the operator"},
		{"a grant whose namespace of use the platform no longer allows", request(func(r *scidatav1.AccessRequest) {
			granted(r)
			r.Spec.UseNamespace = "analysis"
		}), facts(nil), scidatav1.AccessRevoked, scidatav1.ReasonNamespaceNotAllowed, false, false, "revoked by the operator"},
		{"a grant whose entry was deleted", request(granted), facts(func(f *Facts) { f.Entry = nil }),
			scidatav1.AccessRevoked, scidatav1.ReasonEntryMissing, false, false, "does not exist"},
		{"a grant whose entry was raised above the namespace's clearance", request(granted), facts(func(f *Facts) { secret(f.Entry) }),
			scidatav1.AccessRevoked, scidatav1.ReasonClearanceInsufficient, false, false, "cleared only up to Internal"},
		{"a grant whose entry was classified without a security approval", request(granted),
			facts(func(f *Facts) { secret(f.Entry); f.Requesting = asking(cleared) }),
			scidatav1.AccessRevoked, scidatav1.ReasonSecurityReviewRequired, false, false, "has no security reviewer's approval"},
		{"a grant whose entry opened goes on", request(granted), facts(func(f *Facts) { f.Entry.Spec.Sharing.Mode = scidatav1.SharingOpen }),
			scidatav1.AccessApproved, scidatav1.ReasonProvisioning, false, true, ""},
		{"a grant held back while another entry's data lies under it", request(granted), facts(func(f *Facts) { f.Overlap = "scidata-water-resources/wells-2" }),
			scidatav1.AccessApproved, scidatav1.ReasonPrefixOverlapsEntry, true, false, "wells-2"},
		{"a final state is never left", request(func(r *scidatav1.AccessRequest) {
			granted(r)
			r.Status.State = ptr.To(scidatav1.AccessExpired)
			r.Status.History = []scidatav1.AccessTransition{{State: scidatav1.AccessExpired, Reason: scidatav1.ReasonExpired, Message: ptr.To("the grant expired")}}
			r.Spec.Withdrawn = &scidatav1.AccessWithdrawal{Reason: "late"}
		}), facts(nil), scidatav1.AccessExpired, scidatav1.ReasonExpired, false, false, "the grant expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Decide(tc.r, tc.f)
			if v.State != tc.state || v.Reason != tc.reason || v.Grant != tc.grant || (tc.blocked && !v.Blocked) {
				t.Fatalf("Decide = %s/%s grant=%v blocked=%v (%s); want %s/%s grant=%v blocked=%v", v.State, v.Reason, v.Grant, v.Blocked, v.Message, tc.state, tc.reason, tc.grant, tc.blocked)
			}
			if !strings.Contains(v.Message, tc.says) {
				t.Errorf("message %q does not say %q", v.Message, tc.says)
			}
		})
	}
}

func TestGrantPrefixAndOverlap(t *testing.T) {
	for in, want := range map[string]string{"hydro": "hydro/", "hydro/": "hydro/", "a/b/c": "a/b/c/"} {
		if got := Prefix(in); got != want {
			t.Errorf("Prefix(%q) = %q, want %q", in, got, want)
		}
	}
	e := conditionalEntry(func(e *scidatav1.CatalogEntry) { e.Spec.Data.Prefix = "hydro" })
	other := func(name, prefix string) scidatav1.CatalogEntry {
		return *conditionalEntry(func(o *scidatav1.CatalogEntry) { o.Name, o.Spec.Data.Prefix = name, prefix })
	}
	for _, tc := range []struct {
		name   string
		others []scidatav1.CatalogEntry
		want   string
	}{
		{"hydro does not take in hydrology/", []scidatav1.CatalogEntry{other("hydrology", "hydrology/")}, ""},
		{"an entry under hydro/", []scidatav1.CatalogEntry{other("stations", "hydro/stations/")}, "scidata-water-resources/stations"},
		{"an entry on the same prefix", []scidatav1.CatalogEntry{other("copy", "hydro/")}, "scidata-water-resources/copy"},
		{"the entry itself", []scidatav1.CatalogEntry{*e}, ""},
		{"an entry above it", []scidatav1.CatalogEntry{other("all", "")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Overlap(e, tc.others); got != tc.want {
				t.Errorf("Overlap = %q, want %q", got, tc.want)
			}
		})
	}
	if a, b := GrantID("ns", "a"), GrantID("ns", "a"); a != b || len(a) != 17 || GrantID("ns2", "a") == a {
		t.Errorf("GrantID is not a stable id per request: %q %q", a, GrantID("ns2", "a"))
	}
}

func TestFeeIsCopiedAndWaivedForFreeUses(t *testing.T) {
	charged := conditionalEntry(func(e *scidatav1.CatalogEntry) {
		e.Spec.Sharing.Fees = &scidatav1.Fees{Model: scidatav1.FeeCharged, StandardURL: "https://fees.example.org"}
	})
	for _, tc := range []struct {
		e    *scidatav1.CatalogEntry
		c    scidatav1.AccessPurposeCategory
		want scidatav1.AccessCharge
	}{
		{conditionalEntry(nil), scidatav1.PurposeOther, scidatav1.ChargeFree},
		{charged, scidatav1.PurposeDisasterPrevention, scidatav1.ChargeWaived},
		{charged, scidatav1.PurposeGovernmentDecision, scidatav1.ChargeWaived},
		{charged, scidatav1.PurposeOther, scidatav1.ChargeCharged},
	} {
		if got := Fee(tc.e, tc.c); got.Charge != tc.want {
			t.Errorf("Fee for %s = %+v, want %s", tc.c, got, tc.want)
		}
	}
}
