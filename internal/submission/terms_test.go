package submission

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/completeness"
	"github.com/scidata-io/scidata-operator/internal/duty"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// Two city policies with other calendars and terms give the same terms
// and deadlines whichever order they come in: each deadline is counted in
// its own policy's calendar and the earliest wins; gates are the union.
func TestTermsAreTheStrictestInAnyOrder(t *testing.T) {
	a := pol(centerNS, "a", nil, nil, nil)
	a.Spec.TimeZone, a.Spec.Holidays = "Asia/Shanghai", []string{"2026-11-26", "2026-11-27"}
	a.Spec.Acceptance = &scidatav1.Acceptance{MetadataGates: []scidatav1.MetadataGate{scidatav1.GateTitle, scidatav1.GateLicence}, MinCompleteness: 40}
	b := pol(centerNS, "b", nil, nil, nil)
	b.Spec.ReviewWithinWorkingDays = ptr.To[int32](3)
	b.Spec.Acceptance = &scidatav1.Acceptance{MetadataGates: []scidatav1.MetadataGate{scidatav1.GateSubjectCode, scidatav1.GateTitle}, MinCompleteness: 60, CuratorRequired: true}
	dept := pol("scidata-water", "dept", nil, nil, nil)
	dept.Spec.ReviewWithinWorkingDays = ptr.To[int32](1) // not the department's to set: ignored
	created := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	orders := [][]*scidatav1.SubmissionPolicy{{a, b, dept}, {dept, b, a}, {b, dept, a}}
	var first string
	for i, covering := range orders {
		terms := AcceptanceTermsOf(covering)
		got := strings.Join([]string{ReviewDue(covering, created).String(), AcceptanceDue(covering, created).String(),
			strings.Join(PolicyRefs(covering), ","), toString(terms)}, " | ")
		if i == 0 {
			first = got
			if want := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC); !ReviewDue(covering, created).Equal(want) {
				t.Errorf("review due %s, want three working days in UTC, %s", ReviewDue(covering, created), want)
			}
			if terms.MinCompleteness != 60 || !terms.CuratorRequired || len(terms.MetadataGates) != 3 {
				t.Errorf("terms %+v, want the union of the gates, 60 and a curator", terms)
			}
			continue
		}
		if got != first {
			t.Errorf("order %d gives %s, order 0 gave %s", i, got, first)
		}
	}
	if !ReviewDue([]*scidatav1.SubmissionPolicy{dept}, created).IsZero() {
		t.Error("a department's own policy set a working-day deadline")
	}
}

func toString(t *scidatav1.AcceptanceTerms) string {
	var gates []string
	for _, g := range t.MetadataGates {
		gates = append(gates, string(g))
	}
	return strings.Join(gates, ",") + " " + fmt.Sprint(t.MinCompleteness/10) + " " + map[bool]string{true: "curator"}[t.CuratorRequired]
}

func TestScheduleWindows(t *testing.T) {
	p := pol(centerNS, "monthly", nil, nil, nil)
	p.Spec.Schedule, p.Spec.TimeZone = "0 2 1 * *", "Asia/Shanghai"
	s, err := ScheduleOf(p)
	if err != nil {
		t.Fatal(err)
	}
	cst, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, cst)
	start, next, ok := s.Window(now)
	if !ok || !start.Equal(time.Date(2026, 11, 1, 2, 0, 0, 0, cst)) || !next.Equal(time.Date(2026, 12, 1, 2, 0, 0, 0, cst)) {
		t.Errorf("window %s to %s (%v), want 1 November 02:00 to 1 December 02:00 in Shanghai", start, next, ok)
	}
	if start2, _, _ := s.Window(next); !start2.Equal(next) {
		t.Errorf("at its firing a new window starts: %s, want %s", start2, next)
	}
	every := pol("scidata-water", "often", nil, nil, nil)
	every.Spec.Schedule = "*/5 * * * *"
	s2, _ := ScheduleOf(every)
	both, nx, _ := CurrentWindow([]*Schedule{s, s2}, now)
	if !both.Equal(time.Date(2026, 11, 25, 9, 0, 0, 0, cst)) || !nx.Equal(time.Date(2026, 11, 25, 9, 5, 0, 0, cst)) {
		t.Errorf("union window %s to %s", both, nx)
	}
	if Windowed([]*scidatav1.SubmissionPolicy{p, pol("scidata-water", "now", nil, nil, nil)}) != nil {
		t.Error("an entry a policy submits at once waits for a window")
	}
	for _, bad := range []struct{ schedule, tz, field string }{{"61 * * * *", "", "spec.schedule"}, {"0 2 * * *", "Mars/Base", "spec.timeZone"}} {
		q := pol(centerNS, "bad", nil, nil, nil)
		q.Spec.Schedule, q.Spec.TimeZone = bad.schedule, bad.tz
		if _, err := ScheduleOf(q); err == nil || !strings.HasPrefix(err.Error(), bad.field+":") {
			t.Errorf("schedule %q in %q: %v, want an error naming %s", bad.schedule, bad.tz, err, bad.field)
		}
	}
	never := pol(centerNS, "never", nil, nil, nil)
	never.Spec.Schedule = "0 0 30 2 *"
	s3, _ := ScheduleOf(never)
	if _, _, ok := s3.Window(now); ok {
		t.Error("a schedule that never fires has a window")
	}
	if WindowName("rain", start) == WindowName("rain", next) || WindowName("rain", start) != WindowName("rain", start.UTC()) {
		t.Error("window names must be a function of the window's instant and differ between windows")
	}
}

func TestMetadataGatesNameWhatIsMissing(t *testing.T) {
	e, _ := fundedEntry()
	terms := &scidatav1.AcceptanceTerms{MetadataGates: []scidatav1.MetadataGate{scidatav1.GateSubjectCode, scidatav1.GateTitle}, MinCompleteness: 50}
	e.Spec.Title = "Reservoir levels"
	e.Spec.SubjectCode = "999"
	got := MetadataGates(terms, &e.Spec, 40, 7)
	if len(got) != 3 || got[0].Passed || !strings.Contains(got[0].Message, "999 is not in the Center's subject code set") || !got[1].Passed || got[2].Passed || got[2].EntryGeneration != 7 {
		t.Fatalf("gates %+v", got)
	}
	if f := FirstFailed(got, scidatav1.GateMetadata); f == nil || f.Name != "SubjectCode" {
		t.Errorf("first failed %+v", f)
	}
	e.Spec.SubjectCode = "57050"
	if r := MetadataGates(terms, &e.Spec, 50, 8); FirstFailed(r, scidatav1.GateMetadata) != nil {
		t.Errorf("a five-digit code under a listed discipline, at the required score, fails: %+v", r)
	}
	if s, ok := SubjectOf("210"); !ok || s.Name != "Agronomy" || s.LocalName != "农学" {
		t.Errorf("210 is %+v, %v", s, ok)
	}
	for i := 1; i < len(Subjects); i++ {
		if Subjects[i-1].Code >= Subjects[i].Code {
			t.Fatalf("subjects.tsv is not in code order at %s", Subjects[i].Code)
		}
	}
}

// Every sample entry the sample city must receive passes the sample city's
// gates: the samples show a city whose submissions move on.
func TestTheSampleEntriesPassTheSampleCitysGates(t *testing.T) {
	var city *scidatav1.SubmissionPolicy
	var entries []*scidatav1.CatalogEntry
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "samples", "*.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(b), "\n---\n") {
			switch {
			case strings.Contains(doc, "kind: SubmissionPolicy") && strings.Contains(doc, "namespace: scidata-center"):
				city = &scidatav1.SubmissionPolicy{}
				if err := yaml.UnmarshalStrict([]byte(doc), city); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
			case strings.Contains(doc, "kind: CatalogEntry"):
				e := &scidatav1.CatalogEntry{}
				if err := yaml.UnmarshalStrict([]byte(doc), e); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				entries = append(entries, e)
			}
		}
	}
	if city == nil || city.Spec.Acceptance == nil || len(city.Spec.Acceptance.MetadataGates) == 0 {
		t.Fatal("the sample city's policy sets no gates")
	}
	terms := AcceptanceTermsOf([]*scidatav1.SubmissionPolicy{city})
	mandatory := 0
	for _, e := range entries {
		if duty.Compute(&e.Spec).Level != scidatav1.DutyMandatory {
			continue
		}
		mandatory++
		if f := FirstFailed(MetadataGates(terms, &e.Spec, completeness.Score(&e.Spec).Score, 1), scidatav1.GateMetadata); f != nil {
			t.Errorf("sample entry %s/%s fails gate %s: %s", e.Namespace, e.Name, f.Name, f.Message)
		}
	}
	if mandatory < 5 {
		t.Errorf("%d mandatory sample entries; the samples have five", mandatory)
	}
	if _, err := CalendarOf(city); err != nil {
		t.Errorf("the sample city's calendar: %v", err)
	}
}
