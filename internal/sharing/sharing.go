package sharing

import (
	"fmt"
	"strings"
	"time"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Reason codes: why the effective sharing is what it is. CamelCase, for
// condition reasons and machine readers.
const (
	ReasonOpen              = "OpenBySharingAttribute"
	ReasonConditional       = "ConditionalBySharingAttribute"
	ReasonClosed            = "ClosedBySharingAttribute"
	ReasonEmbargoed         = "Embargoed"
	ReasonClassified        = "Classified"
	ReasonSensitive         = "SensitiveData"
	ReasonSecrecyReviewDue  = "SecrecyReviewDue"
	ReasonEmbargoPassedOpen = "EmbargoEnded"
)

// Result is the sharing in force at one instant.
type Result struct {
	// Mode is the effective sharing: what a user may do now.
	Mode scidatav1.SharingMode
	// ReasonCode is one of the Reason constants.
	ReasonCode string
	// Reason says why, in words a department or an auditor can read.
	Reason string
	// Embargoed is true while an embargo holds; EmbargoUntil is its end.
	Embargoed    bool
	EmbargoUntil *time.Time
	// EmbargoPassed is true when spec still names an embargo whose date has passed.
	EmbargoPassed bool
	// Classified is true for levels above Internal.
	Classified bool
	// SecrecyReviewDue is true when a classified entry's secrecy period has
	// ended: its classification must be reviewed; the data stays as it is.
	SecrecyReviewDue bool
	// SecrecyPeriodEnd is when the secrecy period ends (classified data only).
	SecrecyPeriodEnd *time.Time
	// Listed is true when the public catalog may show the entry at all.
	Listed bool
	// NextChangeAt is the next instant at which anything above changes; nil
	// when nothing will change by the clock alone.
	NextChangeAt *time.Time
}

// Compute returns the sharing in force at now. The rules, in order:
//
//   - Classified data (a level above Internal, in the one order of
//     api/v1alpha1/classification.go) keeps its sharing attribute (Closed, or Conditional
//     as a reviewed exception) and is never listed publicly. When its
//     secrecy period ends, SecrecyReviewDue is raised; it never opens by
//     itself.
//   - Closed data is Closed and never listed.
//   - An embargo in the future makes the entry Closed until its date, but
//     it stays listed (metadata and the embargo's end are public, the data
//     is not); at the date it opens to its sharing attribute by itself.
//     A past embargo raises EmbargoPassed.
//   - Otherwise the sharing attribute holds; sensitive data (personal
//     information, trade secrets, ...) is at most Conditional by admission
//     and says why.
func Compute(spec *scidatav1.CatalogEntrySpec, now time.Time) Result {
	r := Result{Mode: spec.Sharing.Mode}
	if c := spec.Classification; c != nil && c.Level.IsClassified() {
		return classified(r, c, now)
	}
	if spec.Sharing.Mode == scidatav1.SharingClosed {
		r.ReasonCode, r.Reason = ReasonClosed, "the sharing attribute is Closed (不予共享)"
		return r
	}
	r.Listed = true
	if e := spec.Sharing.Embargo; e != nil {
		until := e.Until.UTC()
		if now.Before(until) {
			r.Mode, r.Embargoed, r.EmbargoUntil, r.NextChangeAt = scidatav1.SharingClosed, true, &until, &until
			r.ReasonCode = ReasonEmbargoed
			r.Reason = fmt.Sprintf("embargoed until %s for a %s (延期开放); it then opens as %s by itself",
				stamp(until), embargoWhat(e.Reason), spec.Sharing.Mode)
			return r
		}
		r.EmbargoPassed, r.EmbargoUntil = true, &until
	}
	r.ReasonCode, r.Reason = attributeReason(spec)
	if r.EmbargoPassed {
		r.Reason += fmt.Sprintf("; the embargo ended on %s", stamp(*r.EmbargoUntil))
	}
	return r
}

func classified(r Result, c *scidatav1.Classification, now time.Time) Result {
	r.Classified = true
	if r.Mode == scidatav1.SharingOpen {
		// Refused at admission; never trust it if it got through.
		r.Mode = scidatav1.SharingClosed
	}
	r.ReasonCode = ReasonClassified
	how := "not shared"
	if r.Mode == scidatav1.SharingConditional {
		how = "shared only by reviewed exception"
	}
	if c.SecrecyPeriodEnd == nil {
		r.Reason = fmt.Sprintf("classified %s (%s); %s", c.Level, localLevel(c.Level), how)
		return r
	}
	end := c.SecrecyPeriodEnd.UTC()
	r.SecrecyPeriodEnd = &end
	if now.Before(end) {
		r.NextChangeAt = &end
		r.Reason = fmt.Sprintf("classified %s (%s) until the secrecy period ends on %s; %s", c.Level, localLevel(c.Level), stamp(end), how)
		return r
	}
	r.SecrecyReviewDue, r.ReasonCode = true, ReasonSecrecyReviewDue
	r.Reason = fmt.Sprintf("classified %s (%s); the secrecy period ended on %s and the classification is due for review; %s until it is declassified",
		c.Level, localLevel(c.Level), stamp(end), how)
	return r
}

func attributeReason(spec *scidatav1.CatalogEntrySpec) (string, string) {
	if s := sensitivities(spec); s != "" {
		return ReasonSensitive, fmt.Sprintf("the data touches %s, so it is shared only on conditions after review", s)
	}
	if spec.Sharing.Mode == scidatav1.SharingConditional {
		return ReasonConditional, "the sharing attribute is Conditional (有条件共享): apply under the stated conditions"
	}
	return ReasonOpen, "the sharing attribute is Open (无条件共享)"
}

func sensitivities(spec *scidatav1.CatalogEntrySpec) string {
	if spec.Classification == nil || len(spec.Classification.Sensitivities) == 0 {
		return ""
	}
	words := make([]string, 0, len(spec.Classification.Sensitivities))
	for _, s := range spec.Classification.Sensitivities {
		words = append(words, sensitivityWords[s])
	}
	return strings.Join(words, ", ")
}

var sensitivityWords = map[scidatav1.Sensitivity]string{
	scidatav1.SensitivityStateSecret:         "state secrets",
	scidatav1.SensitivityNationalSecurity:    "national security",
	scidatav1.SensitivityPublicInterest:      "the public interest",
	scidatav1.SensitivityTradeSecret:         "trade secrets",
	scidatav1.SensitivityPersonalInformation: "personal information",
}

func embargoWhat(r scidatav1.EmbargoReason) string {
	switch r {
	case scidatav1.EmbargoPaper:
		return "paper"
	case scidatav1.EmbargoPatent:
		return "patent"
	case scidatav1.EmbargoMonograph:
		return "monograph"
	case scidatav1.EmbargoTechnicalSecret:
		return "technical secret"
	}
	return "stated reason"
}

func localLevel(l scidatav1.ClassificationLevel) string {
	switch l {
	case scidatav1.ClassificationConfidential:
		return "秘密"
	case scidatav1.ClassificationSecret:
		return "机密"
	case scidatav1.ClassificationTopSecret:
		return "绝密"
	}
	return string(l)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// InPlatformNamespace reports whether a namespace is a data platform's by
// its name (scidata-<platform>). Entries elsewhere are never published: the
// controller marks them Stalled and the portal leaves them out.
func InPlatformNamespace(ns string) bool {
	return strings.HasPrefix(ns, scidatav1.NamespacePrefix) && len(ns) > len(scidatav1.NamespacePrefix)
}
