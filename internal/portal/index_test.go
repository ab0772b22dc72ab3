package portal

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

var rv int

func entry(name, title string, mut ...func(*scidatav1.CatalogEntry)) *scidatav1.CatalogEntry {
	rv++
	e := &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: name, ResourceVersion: fmt.Sprint(rv), CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))},
		Spec: scidatav1.CatalogEntrySpec{Title: title, Description: "About " + title, Subject: "Hydrology",
			Sharing:               scidatav1.Sharing{Mode: scidatav1.SharingOpen},
			Classification:        &scidatav1.Classification{Level: scidatav1.ClassificationPublic},
			ResponsibleDepartment: scidatav1.Department{Code: "water", Name: "Water Bureau"},
			AccessMethod:          scidatav1.AccessMethod{Type: scidatav1.AccessDownload, URL: "https://data.example.org/" + name}},
	}
	for _, m := range mut {
		m(e)
	}
	return e
}

func embargoed(until time.Time) func(*scidatav1.CatalogEntry) {
	return func(e *scidatav1.CatalogEntry) {
		e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(until), Reason: scidatav1.EmbargoPaper}
	}
}

func secret(end time.Time) func(*scidatav1.CatalogEntry) {
	return func(e *scidatav1.CatalogEntry) {
		e.Spec.Sharing.Mode = scidatav1.SharingClosed
		e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationSecret, SecrecyPeriodEnd: &metav1.Time{Time: end}}
	}
}

func ids(l Listing) string {
	var out []string
	for _, e := range l.Items {
		out = append(out, e.Name)
	}
	return strings.Join(out, ",")
}

func search(x *Index, now time.Time, f Filter) string {
	return ids(x.Search(now, f, 0, math.MaxInt))
}

// The index never serves an entry as open before its embargo ends, nor as
// embargoed after: each request at or past the earliest next change first
// re-evaluates the entries due, whichever way the clock jumps, and an
// embargo's end also counts as the entry's modification.
func TestTheIndexReevaluatesSharingAtEachChangeOfTheClock(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	x := NewIndex(clk, "")
	ends := []time.Time{t0.Add(time.Hour), t0.Add(2 * time.Hour), t0.Add(3 * time.Hour)}
	for i, end := range ends {
		x.OnAdd(entry(fmt.Sprintf("e%d", i), fmt.Sprintf("Embargoed %d", i), embargoed(end)), true)
	}
	// A classified entry with a secrecy period ending among them: its
	// change is due too, and it stays out of every view.
	x.OnAdd(entry("s", "Secret survey", secret(ends[1].Add(time.Minute))), true)
	x.OnAdd(entry("open", "Always open"), true)

	check := func(at time.Time, open, embargoed string) {
		t.Helper()
		if got := search(x, at, Filter{Sharing: "Open"}); got != open {
			t.Errorf("at %s: open %q; want %q", at.Format(time.TimeOnly), got, open)
		}
		if got := search(x, at, Filter{Sharing: "Embargoed"}); got != embargoed {
			t.Errorf("at %s: embargoed %q; want %q", at.Format(time.TimeOnly), got, embargoed)
		}
		for _, e := range x.Search(at, Filter{}, 0, math.MaxInt).Items {
			if e.Sharing.Embargoed != (e.AccessURL() == "") {
				t.Errorf("at %s: %s embargoed %v with access URL %q", at.Format(time.TimeOnly), e.Name, e.Sharing.Embargoed, e.AccessURL())
			}
		}
	}
	check(t0, "open", "e0,e1,e2")
	if got := search(x, t0, Filter{Sharing: "CLOSED"}); got != "e0,e1,e2" {
		t.Errorf("effective sharing Closed, in any case, is the embargoed entries: %q", got)
	}
	check(ends[0].Add(-time.Nanosecond), "open", "e0,e1,e2")
	check(ends[0], "open,e0", "e1,e2")
	if e := x.Find(ends[0], "scidata-water", "e0"); e == nil || !e.Modified.Equal(ends[0]) {
		t.Errorf("an embargo's end is the entry's modification: %+v", e)
	}
	// Past two changes at once, and the secrecy period's end among them.
	check(ends[2].Add(time.Second), "open,e0,e1,e2", "")
	// A clock set back before a change it had passed: back to embargoed.
	check(ends[1].Add(-time.Second), "open,e0", "e1,e2")
	if got := search(x, ends[2], Filter{Query: "secret"}); got != "" {
		t.Errorf("a classified entry is listed: %q", got)
	}
	if x.Len() != 5 {
		t.Errorf("the index holds %d entries; want 5, listed or not", x.Len())
	}
}

// An embargo that the events themselves evaluate (an add while the clock is
// already past its end) is open at once; an update that adds an embargo
// withholds the access URL from the next request.
func TestEventsAreEvaluatedAtTheClockOfTheIndex(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	x := NewIndex(clk, "")
	x.OnAdd(entry("a", "Alpha", embargoed(t0.Add(-time.Minute))), true)
	if got := search(x, t0, Filter{Sharing: "Open"}); got != "a" {
		t.Fatalf("a past embargo: open %q", got)
	}
	x.OnUpdate(nil, entry("a", "Alpha", embargoed(t0.Add(time.Minute))))
	if e := x.Find(t0, "scidata-water", "a"); e == nil || !e.Sharing.Embargoed || e.AccessURL() != "" {
		t.Fatalf("an embargo added by an update: %+v", e)
	}
	if e := x.Find(t0.Add(time.Minute), "scidata-water", "a"); e == nil || e.Sharing.Embargoed {
		t.Fatalf("at its end: %+v", e)
	}
}

// Hidden entries never enter what the views read: the sorted lists, the
// text index, the menus, the catalog's modification time.
func TestHiddenEntriesLeaveNoTraceInTheViews(t *testing.T) {
	x := NewIndex(clocktesting.NewFakeClock(t0), "")
	x.OnAdd(entry("a", "Rainfall"), true)
	before := x.Listed(t0)
	later := func(e *scidatav1.CatalogEntry) {
		e.CreationTimestamp = metav1.NewTime(t0)
		e.Spec.Subject = "Geodesy"
		e.Spec.ResponsibleDepartment = scidatav1.Department{Code: "survey", Name: "Survey"}
	}
	x.OnAdd(entry("c", "Rainfall control points", later, secret(t0.Add(time.Hour))), true)
	x.OnAdd(entry("d", "Rainfall dam", later, func(e *scidatav1.CatalogEntry) { e.Spec.Sharing.Mode = scidatav1.SharingClosed }), true)
	after := x.Listed(t0)
	if ids(after) != "a" || fmt.Sprint(after.Departments, after.Subjects, after.Modified) != fmt.Sprint(before.Departments, before.Subjects, before.Modified) {
		t.Errorf("before %+v\nafter %+v", before, after)
	}
	if got := search(x, t0, Filter{Query: "rainfall"}); got != "a" {
		t.Errorf("search finds %q", got)
	}
	if len(x.text.text)-len(x.text.free) != 1 {
		t.Errorf("the text index holds %d documents; want only the listed one", len(x.text.text)-len(x.text.free))
	}
	// Withdrawing a listed entry is a change to the catalog.
	x.OnDelete(toolscache.DeletedFinalStateUnknown{Obj: entry("a", "Rainfall")})
	if l := x.Listed(t0.Add(time.Hour)); l.Total != 0 || !l.Modified.Equal(t0) || x.Len() != 2 {
		t.Errorf("after deleting the listed entry: %+v, %d held", l, x.Len())
	}
}

// Search matches words anywhere in an entry's text (a language without
// spaces included), follows new versions of an entry and its department's
// new name, and short words narrow by checking only.
func TestSearchFollowsNewVersionsAndDepartmentNames(t *testing.T) {
	x := NewIndex(clocktesting.NewFakeClock(t0), "")
	x.OnAdd(entry("a", "Hourly rainfall", func(e *scidatav1.CatalogEntry) { e.Spec.LocalTitle = "逐时降水量" }), true)
	x.OnAdd(entry("b", "Snow depth"), true)
	for q, want := range map[string]string{
		"rainfall": "a", "RAIN": "a", "fall hourly": "a", "逐时": "a", "降水": "a", "water": "a,b", "w": "a,b",
		"sn": "b", "nothing": "", "rainfall snow": "", "": "a,b",
	} {
		if got := search(x, t0, Filter{Query: q}); got != want {
			t.Errorf("q=%q: %q; want %q", q, got, want)
		}
	}
	if search(x, t0, Filter{Query: "w", Subject: "HYDROLOGY"}) != "a,b" || search(x, t0, Filter{Subject: "Geology"}) != "" {
		t.Error("the subject filter ignores case, and selects")
	}
	x.OnUpdate(nil, entry("a", "Hourly snowfall"))
	if search(x, t0, Filter{Query: "rainfall"}) != "" || search(x, t0, Filter{Query: "snowfall"}) != "a" {
		t.Error("a new version is searched by its old title")
	}
	platform := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "water"},
		Spec: scidatav1.DataPlatformSpec{Department: scidatav1.Department{Code: "water", Name: "Basin Authority", LocalName: "水利局"}}}
	x.OnAdd(platform, true)
	if got := search(x, t0, Filter{Query: "basin authority"}); got != "a,b" {
		t.Errorf("a department's new name is not searchable: %q", got)
	}
	if d := x.Listed(t0).Departments; len(d) != 1 || d[0].LocalName != "水利局" {
		t.Errorf("departments %+v", d)
	}
	x.OnDelete(platform)
	if search(x, t0, Filter{Query: "basin"}) != "" || search(x, t0, Filter{Query: "water bureau"}) != "a,b" {
		t.Error("the entries' own department name is not back after their platform went")
	}
}

func TestTheTextIndexReusesDocumentsAndDropsEmptyPostings(t *testing.T) {
	x := newTextIndex()
	a, b := x.add("alpha", nil), x.add("beta", []string{"subject\x00x"})
	x.remove(a)
	if c := x.add("gamma", nil); c != a {
		t.Errorf("a freed document is not reused: %d", c)
	}
	if _, ok := x.postings[uint32('l')<<16|uint32('p')<<8|uint32('h')]; ok {
		t.Error("a posting list of a removed document is left behind")
	}
	if got := x.candidates([]string{"eta"}, []string{"subject\x00x"}); !got.has(b) || got.len() != 1 {
		t.Errorf("candidates for eta: %v", got)
	}
	x.replace(b, "betamax", []string{"subject\x00y"})
	if !x.candidates([]string{"max"}, nil).has(b) || !x.candidates([]string{"beta"}, []string{"subject\x00y"}).has(b) || !x.matches(b, []string{"tama"}) {
		t.Error("a replaced text is not found by its new words and terms")
	}
	x.replace(b, "zeta", nil)
	if x.candidates([]string{"max"}, nil).len() != 0 || x.candidates([]string{"bet"}, nil).len() != 0 || !x.candidates([]string{"eta"}, nil).has(b) ||
		x.candidates(nil, []string{"subject\x00y"}).len() != 0 || len(x.terms) != 0 {
		t.Error("a replaced text is still found by words or terms it lost")
	}
	if x.candidates([]string{"zz"}, nil) != nil || x.candidates([]string{"zzz"}, nil) == nil || x.candidates([]string{"zzz"}, nil).len() != 0 {
		t.Error("a short word must narrow nothing, an unknown trigram everything")
	}
}

// BenchmarkIndexEventsAt10000Entries measures what informer events cost
// the index holding 10,000 entries: the initial list (reported once), and
// per operation an update that changes an entry's title (re-sorted and
// re-indexed) followed by a search.
//
//	KUBEBUILDER_ASSETS=$(hack/build-k8s.sh --print-dir) go test ./internal/portal -run '^$' -bench IndexEvents
func BenchmarkIndexEventsAt10000Entries(b *testing.B) {
	x := NewIndex(clocktesting.NewFakeClock(t0), "")
	objs := make([]*scidatav1.CatalogEntry, 10000)
	for i := range objs {
		objs[i] = entry(fmt.Sprintf("e%05d", i), fmt.Sprintf("Dataset %d of station observations", i), func(e *scidatav1.CatalogEntry) {
			e.Spec.Keywords = []string{"rainfall", fmt.Sprintf("k%d", i%97)}
		})
	}
	start := time.Now()
	for _, o := range objs {
		x.OnAdd(o, true)
	}
	initial := time.Since(start)
	i := 0
	for b.Loop() {
		i++
		x.OnUpdate(nil, entry(fmt.Sprintf("e%05d", i%10000), fmt.Sprintf("Dataset %d renamed x%dy", i%10000, i)))
		if x.Search(t0, Filter{Query: fmt.Sprintf("renamed x%dy", i)}, 0, 20).Total != 1 {
			b.Fatal("the renamed entry is not found")
		}
	}
	b.ReportMetric(float64(initial.Milliseconds()), "initial-10000-ms")
}
