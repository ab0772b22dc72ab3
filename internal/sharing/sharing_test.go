package sharing

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

var (
	now    = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	future = now.Add(72 * time.Hour)
	past   = now.Add(-72 * time.Hour)
)

func spec(mut func(*scidatav1.CatalogEntrySpec)) *scidatav1.CatalogEntrySpec {
	s := &scidatav1.CatalogEntrySpec{Sharing: scidatav1.Sharing{Mode: scidatav1.SharingOpen}}
	mut(s)
	return s
}

func embargo(until time.Time) func(*scidatav1.CatalogEntrySpec) {
	return func(s *scidatav1.CatalogEntrySpec) {
		s.Sharing.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(until), Reason: scidatav1.EmbargoPaper}
	}
}

func classifiedUntil(mode scidatav1.SharingMode, end time.Time) func(*scidatav1.CatalogEntrySpec) {
	return func(s *scidatav1.CatalogEntrySpec) {
		s.Sharing.Mode = mode
		s.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationSecret, SecrecyPeriodEnd: &metav1.Time{Time: end}}
	}
}

func TestComputeDecidesSharingFromSpecAndClock(t *testing.T) {
	for _, tc := range []struct {
		name                           string
		spec                           *scidatav1.CatalogEntrySpec
		mode                           scidatav1.SharingMode
		code                           string
		reason                         string
		listed, embargoed, passed, due bool
		next                           *time.Time
	}{
		{name: "an Open entry is open and listed", spec: spec(func(*scidatav1.CatalogEntrySpec) {}),
			mode: scidatav1.SharingOpen, code: ReasonOpen, reason: "Open", listed: true},
		{name: "a Conditional entry is conditional and listed", spec: spec(func(s *scidatav1.CatalogEntrySpec) { s.Sharing.Mode = scidatav1.SharingConditional }),
			mode: scidatav1.SharingConditional, code: ReasonConditional, reason: "Conditional", listed: true},
		{name: "a Closed entry is closed and never listed", spec: spec(func(s *scidatav1.CatalogEntrySpec) { s.Sharing.Mode = scidatav1.SharingClosed }),
			mode: scidatav1.SharingClosed, code: ReasonClosed, reason: "Closed"},
		{name: "a future embargo closes the entry until its date, listed, changing at the date", spec: spec(embargo(future)),
			mode: scidatav1.SharingClosed, code: ReasonEmbargoed, reason: "embargoed until 2026-11-28T12:00:00Z for a paper", listed: true, embargoed: true, next: &future},
		{name: "an embargo opens by itself at exactly its date", spec: spec(embargo(now)),
			mode: scidatav1.SharingOpen, code: ReasonOpen, reason: "the embargo ended on 2026-11-25T12:00:00Z", listed: true, passed: true},
		{name: "a past embargo on Conditional data leaves it conditional and raises EmbargoPassed",
			spec: spec(func(s *scidatav1.CatalogEntrySpec) { s.Sharing.Mode = scidatav1.SharingConditional; embargo(past)(s) }),
			mode: scidatav1.SharingConditional, code: ReasonConditional, reason: "embargo ended", listed: true, passed: true},
		{name: "classified Closed data is closed, unlisted, and changes when the secrecy period ends",
			spec: spec(classifiedUntil(scidatav1.SharingClosed, future)),
			mode: scidatav1.SharingClosed, code: ReasonClassified, reason: "classified Secret (机密) until the secrecy period ends on 2026-11-28T12:00:00Z", next: &future},
		{name: "classified Conditional data is a reviewed exception and still unlisted",
			spec: spec(classifiedUntil(scidatav1.SharingConditional, future)),
			mode: scidatav1.SharingConditional, code: ReasonClassified, reason: "reviewed exception", next: &future},
		{name: "an ended secrecy period raises the review and does not open the data",
			spec: spec(classifiedUntil(scidatav1.SharingClosed, past)),
			mode: scidatav1.SharingClosed, code: ReasonSecrecyReviewDue, reason: "due for review", due: true},
		{name: "classified data marked Open (refused at admission) is still closed",
			spec: spec(classifiedUntil(scidatav1.SharingOpen, future)),
			mode: scidatav1.SharingClosed, code: ReasonClassified, reason: "not shared", next: &future},
		{name: "Internal data is not classified",
			spec: spec(func(s *scidatav1.CatalogEntrySpec) {
				s.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationInternal}
			}),
			mode: scidatav1.SharingOpen, code: ReasonOpen, reason: "Open", listed: true},
		{name: "personal information says why it is conditional",
			spec: spec(func(s *scidatav1.CatalogEntrySpec) {
				s.Sharing.Mode = scidatav1.SharingConditional
				s.Classification = &scidatav1.Classification{Sensitivities: []scidatav1.Sensitivity{scidatav1.SensitivityPersonalInformation}}
			}),
			mode: scidatav1.SharingConditional, code: ReasonSensitive, reason: "personal information", listed: true},
		{name: "a past secrecy end, then an embargo: the classification rules",
			spec: spec(func(s *scidatav1.CatalogEntrySpec) {
				classifiedUntil(scidatav1.SharingConditional, past)(s)
				embargo(future)(s)
			}),
			mode: scidatav1.SharingConditional, code: ReasonSecrecyReviewDue, reason: "due for review", due: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Compute(tc.spec, now)
			if r.Mode != tc.mode || r.ReasonCode != tc.code {
				t.Errorf("mode, code = %s, %s; want %s, %s", r.Mode, r.ReasonCode, tc.mode, tc.code)
			}
			if !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", r.Reason, tc.reason)
			}
			if r.Listed != tc.listed || r.Embargoed != tc.embargoed || r.EmbargoPassed != tc.passed || r.SecrecyReviewDue != tc.due {
				t.Errorf("listed, embargoed, passed, due = %v, %v, %v, %v; want %v, %v, %v, %v",
					r.Listed, r.Embargoed, r.EmbargoPassed, r.SecrecyReviewDue, tc.listed, tc.embargoed, tc.passed, tc.due)
			}
			if (r.NextChangeAt == nil) != (tc.next == nil) || (r.NextChangeAt != nil && !r.NextChangeAt.Equal(*tc.next)) {
				t.Errorf("next change = %v; want %v", r.NextChangeAt, tc.next)
			}
		})
	}
}

// One instant before the embargo's date the entry is still closed; at the
// date it is open: the next change is exactly the boundary.
func TestEmbargoBoundaryIsTheNextChange(t *testing.T) {
	s := spec(embargo(future))
	before := Compute(s, future.Add(-time.Nanosecond))
	at := Compute(s, *before.NextChangeAt)
	if before.Mode != scidatav1.SharingClosed || at.Mode != scidatav1.SharingOpen {
		t.Fatalf("before %s, at %s; want Closed then Open", before.Mode, at.Mode)
	}
}
