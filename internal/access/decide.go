package access

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/sharing"
)

// Facts are what the controller observed for one decision.
type Facts struct {
	// Now is the clock's time.
	Now time.Time
	// Entry is the entry asked for; nil when it does not exist.
	Entry *scidatav1.CatalogEntry
	// Requesting is the platform whose namespace holds the request; nil
	// when there is none.
	Requesting *scidatav1.DataPlatform
	// InForce names (namespace/name) an earlier request for the same entry
	// and namespace of use that has not ended; "" when there is none.
	InForce string
	// Overlap names (namespace/name) another entry whose data lies under
	// the grant's prefix; "" when there is none.
	Overlap string
}

// Verdict is where a request stands.
type Verdict struct {
	// State is the request's state. Approved means the grant must be in
	// force; the controller makes it Active once it checked it.
	State scidatav1.AccessState
	// Reason is a CamelCase code; Message says why in words a person can
	// act on; By is who caused the state, when a person did.
	Reason, Message, By string
	// Blocked says that only a person can move the request on (Stalled).
	Blocked bool
	// Grant says that the grant must be in force now.
	Grant bool
	// ApprovedAt and ExpiresAt are the grant's, when it is approved.
	ApprovedAt, ExpiresAt time.Time
	// StaleReview and StaleSecurityReview are decisions about an earlier
	// spec, for the controller to remove.
	StaleReview, StaleSecurityReview bool
}

// Decide says where r stands, given f. It is pure: the same request and
// facts give the same verdict.
func Decide(r *scidatav1.AccessRequest, f Facts) Verdict {
	state := ptr.Deref(r.Status.State, scidatav1.AccessPending)
	if state.Final() {
		return finalVerdict(r, state)
	}
	if w := r.Spec.Withdrawn; w != nil {
		return Verdict{State: scidatav1.AccessWithdrawn, Reason: scidatav1.ReasonWithdrawn,
			Message: "withdrawn by the requesting side: " + w.Reason}
	}
	if g := r.Status.Grant; g != nil && g.ApprovedAt != nil && g.ExpiresAt != nil {
		return grantedVerdict(r, g, f)
	}
	return pendingVerdict(r, f)
}

// finalVerdict keeps a final state with the reason its latest transition
// recorded.
func finalVerdict(r *scidatav1.AccessRequest, state scidatav1.AccessState) Verdict {
	v := Verdict{State: state, Reason: string(state), Blocked: state == scidatav1.AccessRejected}
	for i := len(r.Status.History) - 1; i >= 0; i-- {
		if h := r.Status.History[i]; h.State == state {
			v.Reason, v.Message, v.By = h.Reason, ptr.Deref(h.Message, ""), ptr.Deref(h.By, "")
			break
		}
	}
	return v
}

// grantedVerdict decides for a request whose grant was approved.
func grantedVerdict(r *scidatav1.AccessRequest, g *scidatav1.AccessGrant, f Facts) Verdict {
	expires := g.ExpiresAt.UTC()
	if rv := r.Status.Revocation; rv != nil {
		return Verdict{State: scidatav1.AccessRevoked, Reason: scidatav1.ReasonRevokedByReviewer, By: rv.By,
			Message: fmt.Sprintf("revoked by %s: %s", rv.By, rv.Reason)}
	}
	if !f.Now.Before(expires) {
		return Verdict{State: scidatav1.AccessExpired, Reason: scidatav1.ReasonExpired,
			Message: "the grant expired at " + stamp(expires)}
	}
	if reason, msg := entryRefuses(r, f); reason != "" {
		return Verdict{State: scidatav1.AccessRevoked, Reason: reason, Message: "revoked by the operator: " + msg}
	}
	if reason, msg := securityMissing(r, f.Entry); reason != "" {
		return Verdict{State: scidatav1.AccessRevoked, Reason: scidatav1.ReasonSecurityReviewRequired,
			Message: "revoked by the operator: " + msg}
	}
	v := Verdict{State: scidatav1.AccessApproved, Grant: true, ApprovedAt: g.ApprovedAt.UTC(), ExpiresAt: expires,
		Reason: scidatav1.ReasonProvisioning, Message: "approved until " + stamp(expires)}
	if f.Overlap != "" {
		v.Grant, v.Blocked, v.Reason = false, true, scidatav1.ReasonPrefixOverlapsEntry
		v.Message = overlapMessage(r, f)
	}
	return v
}

// pendingVerdict decides for a request not yet approved.
func pendingVerdict(r *scidatav1.AccessRequest, f Facts) Verdict {
	v := Verdict{State: scidatav1.AccessPending}
	review, security := r.Status.Review, r.Status.SecurityReview
	if review != nil && review.Generation < r.Generation {
		v.StaleReview, review = true, nil
	}
	if security != nil && security.Generation < r.Generation {
		v.StaleSecurityReview, security = true, nil
	}
	for _, d := range []*scidatav1.AccessReview{review, security} {
		if d != nil && d.Decision == scidatav1.AccessDecisionRejected {
			v.State, v.Reason, v.By, v.Blocked = scidatav1.AccessRejected, scidatav1.ReasonRejected, d.By, true
			v.Message = fmt.Sprintf("rejected by %s: %s", d.By, ptr.Deref(d.Note, ""))
			return v
		}
	}
	for _, d := range []*scidatav1.AccessReview{review, security} {
		if d != nil && d.Decision == scidatav1.AccessDecisionReturned {
			v.State, v.Reason, v.By, v.Blocked = scidatav1.AccessReturned, scidatav1.ReasonReturned, d.By, true
			v.Message = fmt.Sprintf("returned by %s: %s; change the spec to submit it again", d.By, ptr.Deref(d.Note, ""))
			return v
		}
	}
	if reason, msg := blocked(r, f); reason != "" {
		v.Reason, v.Message, v.Blocked = reason, msg, true
		return v
	}
	approved := func(d *scidatav1.AccessReview) bool {
		return d != nil && d.Decision == scidatav1.AccessDecisionApproved
	}
	classified := f.Entry.Spec.Classification != nil && f.Entry.Spec.Classification.Level.IsClassified()
	switch {
	case approved(review) && (!classified || approved(security)):
		at := f.Now.UTC().Truncate(time.Second)
		v.State, v.Grant, v.Reason = scidatav1.AccessApproved, true, scidatav1.ReasonProvisioning
		v.ApprovedAt, v.ExpiresAt = at, at.Add(time.Duration(GrantedSeconds(r))*time.Second)
		v.Message = "approved by " + Approvers(r) + " until " + stamp(v.ExpiresAt)
	case approved(review):
		v.Reason = scidatav1.ReasonAwaitingSecurityReview
		v.Message = fmt.Sprintf("approved by %s; the entry is %s, so a security reviewer (security-approve on accessreviewers %s) must approve too",
			review.By, f.Entry.Spec.Classification.Level, platformOf(r))
	default:
		v.Reason = scidatav1.ReasonAwaitingReview
		v.Message = fmt.Sprintf("waiting for a reviewer of %s (approve on accessreviewers %s) to write status.review for generation %d",
			platformOf(r), platformOf(r), r.Generation)
	}
	return v
}

// blocked says what keeps a request from being granted that a person must
// mend, or "" when nothing does.
func blocked(r *scidatav1.AccessRequest, f Facts) (reason, message string) {
	if reason, msg := entryRefuses(r, f); reason != "" {
		return reason, msg
	}
	if fe := f.Entry.Spec.Sharing.Fees; fe != nil && fe.Model == scidatav1.FeeCharged && !r.Spec.Purpose.Category.FreeUse() {
		if r.Spec.Fees == nil || r.Spec.Fees.AcceptedStandardURL != fe.StandardURL {
			return scidatav1.ReasonFeesNotAccepted, fmt.Sprintf("the entry charges for a use of category %s under the published standard %s: accept it in spec.fees.acceptedStandardURL, or state a free use",
				r.Spec.Purpose.Category, fe.StandardURL)
		}
	}
	if f.InForce != "" {
		return scidatav1.ReasonRequestInForce, fmt.Sprintf("AccessRequest %s already asks for %s in namespace %s: one request per entry and namespace of use; withdraw one of them",
			f.InForce, entryName(r), r.Spec.UseNamespace)
	}
	if f.Overlap != "" {
		return scidatav1.ReasonPrefixOverlapsEntry, overlapMessage(r, f)
	}
	return "", ""
}

// entryRefuses says why the entry, the requesting platform or the
// namespace of use do not allow the grant, or "" when they do.
func entryRefuses(r *scidatav1.AccessRequest, f Facts) (reason, message string) {
	e := f.Entry
	if e == nil {
		return scidatav1.ReasonEntryMissing, fmt.Sprintf("CatalogEntry %s does not exist", entryName(r))
	}
	granted := r.Status.Grant != nil
	// A grant of an entry since opened harms no one: it goes on.
	if s := sharing.Compute(&e.Spec, f.Now); s.Mode != scidatav1.SharingConditional && (!granted || s.Mode != scidatav1.SharingOpen) {
		how, reason := "it is Closed: it is not shared", scidatav1.ReasonEntryNotConditional
		switch {
		case s.Mode == scidatav1.SharingOpen:
			how = "it is Open: read it without a request"
		case s.Embargoed:
			how = "it is embargoed until " + stamp(*s.EmbargoUntil)
		}
		if granted {
			reason = scidatav1.ReasonEntryClosed
		}
		return reason, fmt.Sprintf("CatalogEntry %s is not shared on conditions: %s", entryName(r), how)
	}
	if f.Requesting == nil {
		return scidatav1.ReasonNamespaceNotAllowed, fmt.Sprintf("namespace %s belongs to no DataPlatform, so no platform asks", r.Namespace)
	}
	clearance, ok := Clearance(f.Requesting, r.Spec.UseNamespace)
	if !ok {
		return scidatav1.ReasonNamespaceNotAllowed, fmt.Sprintf("spec.useNamespace %s is neither %s nor one of DataPlatform %s's spec.network.allowedNamespaces",
			r.Spec.UseNamespace, platform.Namespace(f.Requesting), f.Requesting.Name)
	}
	if level := Level(e); !level.Within(clearance) {
		return scidatav1.ReasonClearanceInsufficient, fmt.Sprintf("the entry is %s and namespace %s is cleared only up to %s: use it in a namespace of a platform cleared for %s",
			level, r.Spec.UseNamespace, clearance, level)
	}
	return "", ""
}

// securityMissing says why a granted request of a classified entry lacks
// its second approval (the entry was raised after the grant), or "".
func securityMissing(r *scidatav1.AccessRequest, e *scidatav1.CatalogEntry) (reason, message string) {
	if !Level(e).IsClassified() {
		return "", ""
	}
	if s := r.Status.SecurityReview; s != nil && s.Decision == scidatav1.AccessDecisionApproved {
		return "", ""
	}
	return scidatav1.ReasonSecurityReviewRequired, fmt.Sprintf("the entry is now %s and the grant has no security reviewer's approval; file a new request", Level(e))
}

// Level is the entry's classification level (unset is Public).
func Level(e *scidatav1.CatalogEntry) scidatav1.ClassificationLevel {
	if e.Spec.Classification == nil {
		return scidatav1.ClassificationPublic
	}
	return e.Spec.Classification.Level.OrPublic()
}

// Clearance is the highest classification data may have in namespace ns
// when p asks for it: p's maxClassification in p's own namespace; Internal
// in a namespace its spec.network.allowedNamespaces lists (the operator
// does not isolate it); ok is false for any other namespace.
func Clearance(p *scidatav1.DataPlatform, ns string) (level scidatav1.ClassificationLevel, ok bool) {
	if ns == platform.Namespace(p) {
		return platform.MaxClassification(p), true
	}
	if n := p.Spec.Network; n != nil && slices.Contains(n.AllowedNamespaces, ns) {
		max := platform.MaxClassification(p)
		if max.Within(scidatav1.ClassificationInternal) {
			return max, true
		}
		return scidatav1.ClassificationInternal, true
	}
	return "", false
}

// GrantedSeconds is how long a grant lasts: the shortest of the requested
// and the granted durations.
func GrantedSeconds(r *scidatav1.AccessRequest) int32 {
	d := r.Spec.DurationSeconds
	for _, rv := range []*scidatav1.AccessReview{r.Status.Review, r.Status.SecurityReview} {
		if rv != nil && rv.DurationSeconds != nil && *rv.DurationSeconds < d {
			d = *rv.DurationSeconds
		}
	}
	return d
}

// Approvers names the reviewers whose approvals a request has.
func Approvers(r *scidatav1.AccessRequest) string {
	var by []string
	for _, rv := range []*scidatav1.AccessReview{r.Status.Review, r.Status.SecurityReview} {
		if rv != nil && rv.Decision == scidatav1.AccessDecisionApproved && rv.Generation == r.Generation {
			by = append(by, rv.By)
		}
	}
	return strings.Join(by, ", ")
}

// Fee is what a grant of e for a use of category c costs.
func Fee(e *scidatav1.CatalogEntry, c scidatav1.AccessPurposeCategory) scidatav1.AccessFee {
	fe := e.Spec.Sharing.Fees
	switch {
	case fe == nil || fe.Model != scidatav1.FeeCharged:
		return scidatav1.AccessFee{Charge: scidatav1.ChargeFree}
	case c.FreeUse():
		return scidatav1.AccessFee{Charge: scidatav1.ChargeWaived, StandardURL: ptr.To(fe.StandardURL)}
	default:
		return scidatav1.AccessFee{Charge: scidatav1.ChargeCharged, StandardURL: ptr.To(fe.StandardURL)}
	}
}

func overlapMessage(r *scidatav1.AccessRequest, f Facts) string {
	return fmt.Sprintf("the data of CatalogEntry %s lies under the grant's prefix %s: a grant would read it too; the owning department must move one of the two entries' data (spec.data.prefix)",
		f.Overlap, Prefix(f.Entry.Spec.Data.Prefix))
}

func entryName(r *scidatav1.AccessRequest) string {
	return r.Spec.Entry.Namespace + "/" + r.Spec.Entry.Name
}

// platformOf is the entry's platform, read from its namespace (a
// department's platform is named for its code).
func platformOf(r *scidatav1.AccessRequest) string {
	return strings.TrimPrefix(r.Spec.Entry.Namespace, scidatav1.NamespacePrefix)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
