package submission

import (
	"fmt"
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
	if Name("rainfall", "2024.06") != Name("rainfall", "2024.06") || Name("rainfall", "2024.06") == Name("rainfall", "2024.07") {
		t.Fatal("names must be a function of entry and version, and differ between versions")
	}
	if n := Name(strings.Repeat("a", 253), "v1"); len(n) > 253 {
		t.Fatalf("name of %d characters", len(n))
	}
}

func TestCovers(t *testing.T) {
	funded := map[string]string{"scidata.io/funding": "government"}
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
	if len(s.Projects) != 2 || s.Projects[0].ReadyForAcceptance || s.Projects[0].Received != 1 || !s.Projects[1].ReadyForAcceptance {
		t.Errorf("projects %+v", s.Projects)
	}
	if !s.NextAt.Equal(due.Time) {
		t.Errorf("next change at %v, want the next deadline %v", s.NextAt, due.Time)
	}
}

// A city-wide policy covers more projects than a status may list: the
// summary lists MaxProjectsListed, those an auditor must act on first
// (not ready, nearest acceptance), and counts them all.
func TestSummarizeListsTheProjectsToActOnFirstWithinTheBound(t *testing.T) {
	var covered []Covered
	n := MaxProjectsListed + 100
	for i := 0; i < n; i++ {
		e := &scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-a", Name: fmt.Sprintf("e%04d", i)}}
		at := metav1.NewTime(t0.AddDate(0, 0, n-i)) // later projects accept sooner
		e.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: fmt.Sprintf("P%04d", i), AcceptanceDate: &at}
		s := &scidatav1.Submission{}
		if i%2 == 0 {
			s.Status.Receipt = &scidatav1.Receipt{KeyID: "k"} // every other project is ready
		}
		covered = append(covered, Covered{Entry: e, Submission: s})
	}
	sum := Summarize(covered, t0)
	if len(sum.Projects) != MaxProjectsListed || sum.ProjectsTotal != n || sum.ProjectsReady != n/2 {
		t.Fatalf("listed %d of %d projects (%d ready); want %d of %d (%d ready)", len(sum.Projects), sum.ProjectsTotal, sum.ProjectsReady, MaxProjectsListed, n, n/2)
	}
	notReady := 0
	for i, p := range sum.Projects {
		if !p.ReadyForAcceptance {
			notReady++
		}
		if i > 0 && projectBefore(&p, &sum.Projects[i-1]) {
			t.Fatalf("projects %s and %s are out of order", sum.Projects[i-1].ProjectID, p.ProjectID)
		}
	}
	if notReady != n/2 {
		t.Errorf("%d of the listed projects are not ready; want all %d that are not", notReady, n/2)
	}
	if first := sum.Projects[0]; first.ReadyForAcceptance || first.ProjectID != fmt.Sprintf("P%04d", n-1) {
		t.Errorf("first listed %+v; want the project not ready with the nearest acceptance, P%04d", first, n-1)
	}
}
