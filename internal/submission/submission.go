package submission

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/duty"
)

// LabelEntry and LabelContentVersionHash are on every Submission, so the
// controllers and auditors find an entry's submissions by label.
const (
	LabelEntry       = "scidata.io/entry"
	LabelVersionHash = "scidata.io/content-version-hash"
)

// VersionHash is the short hash of a content version used in names.
func VersionHash(contentVersion string) string {
	sum := sha256.Sum256([]byte(contentVersion))
	return hex.EncodeToString(sum[:])[:10]
}

// Name is the Submission of an entry at a content version:
// <entry>-<hash of the version>. Deterministic, so that a crash between
// creating it and recording it can never make two.
func Name(entry, contentVersion string) string {
	const max = 253 - 11
	if len(entry) > max {
		entry = entry[:max]
	}
	return entry + "-" + VersionHash(contentVersion)
}

// WindowName is the Submission of an entry in the submission window that
// starts at start: <entry>-w<hash of the start>. Deterministic in the
// window alone, so that passes racing after a crash, even ones that see
// different content versions, can make only one per window.
func WindowName(entry string, start time.Time) string {
	const max = 253 - 12
	if len(entry) > max {
		entry = entry[:max]
	}
	return entry + "-w" + VersionHash("window:"+start.UTC().Format(time.RFC3339))
}

// Covers reports whether policy p covers entry e, whose namespace carries
// nsLabels. A policy covers entries of its own namespace that its selector
// matches; a policy in the Center's namespace also covers entries of the
// namespaces its namespaceSelector matches. The selector is matched
// against EntryLabels: the duty label as the operator computes it.
func Covers(p *scidatav1.SubmissionPolicy, e *scidatav1.CatalogEntry, nsLabels map[string]string, centerNamespace string) bool {
	sel, err := metav1.LabelSelectorAsSelector(&p.Spec.Selector)
	if err != nil || !sel.Matches(EntryLabels(e)) {
		return false
	}
	if p.Namespace == e.Namespace {
		return true
	}
	if p.Namespace != centerNamespace || p.Spec.NamespaceSelector == nil {
		return false
	}
	nsSel, err := metav1.LabelSelectorAsSelector(p.Spec.NamespaceSelector)
	return err == nil && nsSel.Matches(labels.Set(nsLabels))
}

// EntryLabels are the labels policies select an entry by: its own, with
// scidata.io/duty as package duty computes it from the spec. The operator
// mirrors that value onto the entry, but coverage neither waits for the
// mirror (a department's lenient policy could otherwise submit a new
// mandatory entry without review before the label appears) nor trusts a
// label someone else wrote.
func EntryLabels(e *scidatav1.CatalogEntry) labels.Set {
	set := make(labels.Set, len(e.Labels)+1)
	for k, v := range e.Labels {
		set[k] = v
	}
	set[scidatav1.LabelDuty] = duty.Label(duty.Compute(&e.Spec).Level)
	return set
}

// ReviewRequired is the stricter rule of the policies covering an entry:
// review is required when any of them requires it (a department cannot
// switch off what the city requires). A policy requires review unless it
// says false.
func ReviewRequired(covering []*scidatav1.SubmissionPolicy) bool {
	for _, p := range covering {
		if ptr.Deref(p.Spec.ReviewRequired, true) {
			return true
		}
	}
	return false
}

// Deadline is when the Center must have received the entry version that
// appeared at appeared: the earliest of every covering policy's deadline
// after the version appeared, and of the project's acceptance date less
// the policy's beforeAcceptance. Nil when nothing sets one.
func Deadline(covering []*scidatav1.SubmissionPolicy, e *scidatav1.CatalogEntry, appeared time.Time) *metav1.Time {
	var best *time.Time
	consider := func(t time.Time) {
		if best == nil || t.Before(*best) {
			best = &t
		}
	}
	for _, p := range covering {
		if p.Spec.Deadline != nil {
			consider(appeared.Add(p.Spec.Deadline.Duration))
		}
		if e.Spec.Funding != nil && e.Spec.Funding.AcceptanceDate != nil {
			before := time.Duration(0)
			if p.Spec.BeforeAcceptance != nil {
				before = p.Spec.BeforeAcceptance.Duration
			}
			consider(e.Spec.Funding.AcceptanceDate.Add(-before))
		}
	}
	if best == nil {
		return nil
	}
	t := metav1.NewTime(best.UTC().Truncate(time.Second))
	return &t
}

// PolicyRef names the policy a Submission records: the first covering
// policy in namespace/name order, so every policy computes the same one.
func PolicyRef(covering []*scidatav1.SubmissionPolicy) string {
	refs := PolicyRefs(covering)
	if len(refs) == 0 {
		return ""
	}
	return refs[0]
}

// maxPolicies bounds spec.policies.
const maxPolicies = 16

// PolicyRefs names every covering policy, as namespace/name, sorted (at
// most maxPolicies).
func PolicyRefs(covering []*scidatav1.SubmissionPolicy) []string {
	refs := make([]string, 0, len(covering))
	for _, p := range covering {
		refs = append(refs, p.Namespace+"/"+p.Name)
	}
	sort.Strings(refs)
	refs = slices.Compact(refs)
	if len(refs) > maxPolicies {
		refs = refs[:maxPolicies]
	}
	return refs
}

// State is where a Submission stands, read from its record.
func State(s *scidatav1.Submission) scidatav1.SubmissionState {
	st := s.Status
	switch {
	case st.Receipt != nil:
		return scidatav1.SubmissionReceived
	case st.Withdrawal != nil:
		return scidatav1.SubmissionWithdrawn
	case st.Review != nil && st.Review.Decision == scidatav1.ReviewDenied:
		return scidatav1.SubmissionDenied
	case meta.IsStatusConditionTrue(st.Conditions, scidatav1.ConditionReferred):
		return scidatav1.SubmissionReferred
	case meta.IsStatusConditionTrue(st.Conditions, scidatav1.ConditionReturned):
		return scidatav1.SubmissionReturned
	case meta.IsStatusConditionTrue(st.Conditions, scidatav1.ConditionStalled):
		return scidatav1.SubmissionFailed
	case st.Transfer != nil && st.Transfer.CompletedAt != nil:
		return scidatav1.SubmissionAwaitingAcceptance
	case st.Transfer != nil && st.Transfer.JobName != "":
		return scidatav1.SubmissionTransferring
	case st.Review == nil && (s.Spec.ReviewRequired || awaitingReview(s)):
		return scidatav1.SubmissionAwaitingReview
	default:
		return scidatav1.SubmissionPending
	}
}

// Terminal reports whether a state is where a Submission ends without a
// receipt: no deadline runs against it any more.
func Terminal(st scidatav1.SubmissionState) bool {
	switch st {
	case scidatav1.SubmissionWithdrawn, scidatav1.SubmissionReferred, scidatav1.SubmissionDenied:
		return true
	}
	return false
}

// Overdue reports whether a Submission's deadline passed without a receipt
// (a Submission that ended otherwise, withdrawn, referred or denied, is
// never overdue).
func Overdue(s *scidatav1.Submission, now time.Time) bool {
	return s.Spec.Deadline != nil && s.Status.Receipt == nil && !Terminal(State(s)) && !now.Before(s.Spec.Deadline.Time)
}

// awaitingReview reads the Submission controller's verdict, which applies
// the review rule in force now (a policy added later may require review).
func awaitingReview(s *scidatav1.Submission) bool {
	c := meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionReady)
	return c != nil && c.Reason == scidatav1.ReasonAwaitingReview
}
