package submission

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

const centerNS = "scidata-center"

var t0 = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func pol(ns, name string, review *bool, match map[string]string, nsMatch map[string]string) *scidatav1.SubmissionPolicy {
	p := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.SubmissionPolicySpec{Selector: metav1.LabelSelector{MatchLabels: match}, ReviewRequired: review}}
	if nsMatch != nil {
		p.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: nsMatch}
	}
	return p
}

func ent(ns, name string, labels map[string]string) *scidatav1.CatalogEntry {
	return &scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: scidatav1.CatalogEntrySpec{Data: scidatav1.DataLocation{ContentVersion: "v1"}}}
}

func TestNamesAreDeterministicAndBounded(t *testing.T) {
	june, again, july := Name("rainfall", "2024.06"), Name("rainfall", "2024.06"), Name("rainfall", "2024.07")
	if june != again || june == july {
		t.Fatal("names must be a function of entry and version, and differ between versions")
	}
	if n := Name(strings.Repeat("a", 253), "v1"); len(n) > 253 {
		t.Fatalf("name of %d characters", len(n))
	}
}

func funds(e *scidatav1.CatalogEntry, source scidatav1.FundingSource) *scidatav1.CatalogEntry {
	e.Spec.Funding = &scidatav1.Funding{Source: source}
	return e
}

func TestCovers(t *testing.T) {
	funded := map[string]string{"scidata.io/subject": "hydrology"}
	mandatory := map[string]string{scidatav1.LabelDuty: scidatav1.DutyLabelMandatory}
	dept := map[string]string{"scidata.io/role": "department"}
	cases := []struct {
		name     string
		p        *scidatav1.SubmissionPolicy
		e        *scidatav1.CatalogEntry
		nsLabels map[string]string
		want     bool
	}{
		{"a department policy covers matching entries of its namespace", pol("scidata-water", "p", nil, funded, nil), ent("scidata-water", "e", funded), dept, true},
		{"not entries its selector does not match", pol("scidata-water", "p", nil, funded, nil), ent("scidata-water", "e", nil), dept, false},
		{"not entries of another namespace", pol("scidata-water", "p", nil, funded, nil), ent("scidata-weather", "e", funded), dept, false},
		{"a city policy covers matching entries of selected namespaces", pol(centerNS, "city", nil, funded, dept), ent("scidata-weather", "e", funded), dept, true},
		{"not namespaces its namespace selector does not match", pol(centerNS, "city", nil, funded, dept), ent("tools", "e", funded), map[string]string{}, false},
		{"a namespace selector outside the Center's namespace selects nothing more", pol("scidata-water", "p", nil, funded, dept), ent("scidata-weather", "e", funded), dept, false},
		{"an empty selector covers every entry of the namespace", pol("scidata-water", "p", nil, nil, nil), ent("scidata-water", "e", nil), dept, true},
		{"the city's duty policy covers a government-funded entry with no label", pol(centerNS, "city", nil, mandatory, dept), funds(ent("scidata-weather", "e", nil), scidatav1.FundingGovernment), dept, true},
		{"and one labelled none by hand", pol(centerNS, "city", nil, mandatory, dept), funds(ent("scidata-weather", "e", map[string]string{scidatav1.LabelDuty: "none"}), scidatav1.FundingMixed), dept, true},
		{"not a privately funded entry labelled mandatory by hand", pol(centerNS, "city", nil, mandatory, dept), funds(ent("scidata-weather", "e", mandatory), scidatav1.FundingPrivate), dept, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Covers(tc.p, tc.e, tc.nsLabels, centerNS); got != tc.want {
				t.Fatalf("Covers = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReviewIsTheStricterRule(t *testing.T) {
	off, on := ptr.To(false), ptr.To(true)
	if ReviewRequired([]*scidatav1.SubmissionPolicy{pol("a", "dept", off, nil, nil)}) {
		t.Error("a department policy that switches review off, with no city policy, requires review")
	}
	if !ReviewRequired([]*scidatav1.SubmissionPolicy{pol("a", "dept", off, nil, nil), pol(centerNS, "city", on, nil, nil)}) {
		t.Error("a department switched off what the city requires")
	}
	if !ReviewRequired([]*scidatav1.SubmissionPolicy{pol("a", "dept", nil, nil, nil)}) {
		t.Error("review is not required by default")
	}
}

func TestDeadlineIsTheEarliest(t *testing.T) {
	p1 := pol("a", "p1", nil, nil, nil)
	p1.Spec.Deadline = &metav1.Duration{Duration: 720 * time.Hour}
	p2 := pol(centerNS, "p2", nil, nil, nil)
	p2.Spec.BeforeAcceptance = &metav1.Duration{Duration: 240 * time.Hour}
	e := ent("a", "e", nil)
	if Deadline([]*scidatav1.SubmissionPolicy{p1, p2}, e, t0).Time != t0.Add(720*time.Hour) {
		t.Error("without an acceptance date, the deadline is the policy's delay")
	}
	accept := metav1.NewTime(t0.Add(20 * 24 * time.Hour))
	e.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: "P1", AcceptanceDate: &accept}
	if got := Deadline([]*scidatav1.SubmissionPolicy{p1, p2}, e, t0).Time; !got.Equal(t0.Add(10 * 24 * time.Hour)) {
		t.Errorf("deadline %v, want ten days before acceptance", got)
	}
	if Deadline([]*scidatav1.SubmissionPolicy{pol("a", "p", nil, nil, nil)}, ent("a", "e", nil), t0) != nil {
		t.Error("a deadline where nothing sets one")
	}
}

func sub(review bool, mut func(*scidatav1.Submission)) *scidatav1.Submission {
	s := &scidatav1.Submission{Spec: scidatav1.SubmissionSpec{ReviewRequired: review, ContentVersion: "v1"}}
	if mut != nil {
		mut(s)
	}
	return s
}

func TestStateAndSummary(t *testing.T) {
	due := metav1.NewTime(t0.Add(time.Hour))
	past := metav1.NewTime(t0.Add(-time.Hour))
	funded := func(e *scidatav1.CatalogEntry, project string) *scidatav1.CatalogEntry {
		e.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: project}
		return e
	}
	covered := []Covered{
		{funded(ent("a", "received", nil), "P1"), sub(true, func(s *scidatav1.Submission) {
			s.Status.Receipt = &scidatav1.Receipt{KeyID: "k"}
			s.Spec.Deadline = &past
		})},
		{funded(ent("a", "waiting", nil), "P1"), sub(true, func(s *scidatav1.Submission) { s.Spec.Deadline = &past })},
		{funded(ent("a", "only", nil), "P2"), sub(true, func(s *scidatav1.Submission) {
			s.Status.Receipt = &scidatav1.Receipt{KeyID: "k"}
		})},
		{ent("a", "moving", nil), sub(false, func(s *scidatav1.Submission) {
			s.Status.Transfer = &scidatav1.Transfer{JobName: "j"}
			s.Spec.Deadline = &due
		})},
		{ent("a", "denied", nil), sub(true, func(s *scidatav1.Submission) {
			s.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewDenied}
		})},
		{ent("a", "new", nil), nil},
	}
	s := Summarize(covered, t0)
	want := scidatav1.SubmissionCounts{Received: 2, AwaitingReview: 1, Transferring: 1, Denied: 1, Pending: 1, Overdue: 1}
	if s.Counts != want {
		t.Errorf("counts %+v, want %+v", s.Counts, want)
	}
	if len(s.Overdue) != 1 || s.Overdue[0].Name != "waiting" {
		t.Errorf("overdue %+v", s.Overdue)
	}
	if !s.NextAt.Equal(due.Time) {
		t.Errorf("next change at %v, want the next deadline %v", s.NextAt, due.Time)
	}
}
