package portal_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/portal"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

func getJSON(t *testing.T, srv *httptest.Server, path string, v any) {
	t.Helper()
	code, body, _ := get(t, srv, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
}

func ids(p portal.EntriesPage) string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it.ID)
	}
	return strings.Join(out, ",")
}

func TestTheWebPageSearchesAndFilters(t *testing.T) {
	srv, _ := portalFor(t, "")
	for _, tc := range []struct {
		query       string
		want, avoid []string
	}{
		{"", []string{"Hourly rainfall", "Groundwater well owners", "Flash flood model runs", "Land use survey 2023", "4 条结果 results", "搜索 Search", "部门 Department"}, nil},
		{"q=precipitation", []string{"Hourly rainfall", "1 条结果"}, []string{"Groundwater"}},
		{"q=逐时", []string{"Hourly rainfall"}, []string{"Land use"}},
		{"department=natural-resources", []string{"Land use survey 2023"}, []string{"Hourly rainfall"}},
		{"subject=Hydrogeology", []string{"Groundwater well owners"}, []string{"Hourly rainfall"}},
		{"dataType=Image", []string{"Land use survey 2023"}, []string{"Groundwater"}},
		{"sharing=Conditional", []string{"Groundwater well owners"}, []string{"Hourly rainfall"}},
		{"sharing=Embargoed", []string{"Flash flood model runs", "延期开放 Embargo"}, []string{"Hourly rainfall"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			code, body, h := get(t, srv, "/?"+tc.query)
			if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s", code, h.Get("Content-Type"))
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(body, a) {
					t.Errorf("page shows %q, which the filter excludes", a)
				}
			}
			if strings.Contains(body, "<script") {
				t.Error("the page uses JavaScript; it must work without it")
			}
		})
	}
}

func TestTheEntryPageShowsMetadataCitationIdentifiersAndAccess(t *testing.T) {
	srv, _ := portalFor(t, "")
	for _, tc := range []struct {
		path        string
		want, avoid []string
	}{
		{"/entries/scidata-water-resources/rainfall", []string{"Hourly rainfall", "逐时降水量", "巴中市水利局", "CC-BY-4.0",
			"Water Resources Bureau (2024). Hourly rainfall.", "10.12345/bz.rain", "CSTR:31253.11.bz.rain",
			"https://data.example.org/rainfall", "获取方式 Access method", "data@water.example.org"}, []string{"如何申请"}},
		{"/entries/scidata-water-resources/wells", []string{"如何申请 How to apply", "Research use, names removed", "universities",
			"reviews purpose and safeguards", "personal information", "公益用途免费"}, nil},
		{"/entries/scidata-water-resources/flood-model", []string{"embargoed until 2026-12-05", "withheld until the embargo ends"},
			[]string{"https://data.example.org/flood-model"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			code, body, _ := get(t, srv, tc.path)
			if code != 200 {
				t.Fatalf("%d", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(body, a) {
					t.Errorf("page shows %q", a)
				}
			}
		})
	}
}

func TestTheJSONAPIPagesAndFilters(t *testing.T) {
	srv, _ := portalFor(t, "")
	var first portal.EntriesPage
	getJSON(t, srv, "/api/v1/entries?pageSize=3", &first)
	if first.Total != listed || len(first.Items) != 3 || first.Next == "" {
		t.Fatalf("first page: total %d, %d items, next %q", first.Total, len(first.Items), first.Next)
	}
	next, _ := url.Parse(first.Next)
	var second portal.EntriesPage
	getJSON(t, srv, next.RequestURI(), &second)
	if len(second.Items) != 1 || second.Next != "" || second.Page != 2 || strings.Contains(ids(first), second.Items[0].ID) {
		t.Fatalf("second page: %+v after %s", second, ids(first))
	}
	var filtered portal.EntriesPage
	getJSON(t, srv, "/api/v1/entries?department=water-resources&sharing=Conditional", &filtered)
	if ids(filtered) != "scidata-water-resources/wells" || filtered.Items[0].AccessRights != portal.AccessRestricted || filtered.Items[0].Conditions == "" {
		t.Fatalf("filtered: %+v", filtered)
	}
	var one portal.EntryJSON
	getJSON(t, srv, "/api/v1/entries/scidata-water-resources/flood-model", &one)
	if one.EmbargoUntil != embargoUntil.Format(time.RFC3339) || one.AccessURL != "" || one.AccessRights != portal.AccessEmbargoed || one.EffectiveSharing != "Closed" {
		t.Fatalf("embargoed entry: %+v", one)
	}
}

func TestTheCSVExportParsesBack(t *testing.T) {
	srv, _ := portalFor(t, "")
	code, body, h := get(t, srv, "/catalog.csv")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %s", code, h.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(portal.CSVHeader, ",") || len(rows) != listed+1 {
		t.Fatalf("header %v and %d rows; want %v and %d", rows[0], len(rows)-1, portal.CSVHeader, listed)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[col["id"]]] = r
	}
	rain := byID["scidata-water-resources/rainfall"]
	if rain == nil || rain[col["doi"]] != "10.12345/bz.rain" || rain[col["access_rights"]] != portal.AccessPublic || rain[col["keywords"]] != "precipitation;flood" ||
		rain[col["landing_page"]] != "https://catalog.example.org/entries/scidata-water-resources/rainfall" || rain[col["local_title"]] != "逐时降水量" {
		t.Errorf("rainfall row: %v", rain)
	}
	if f := byID["scidata-water-resources/flood-model"]; f == nil || f[col["access_url"]] != "" || f[col["embargo_until"]] == "" {
		t.Errorf("embargoed row must carry its date and no access URL: %v", f)
	}
}

// The scorecard, per department and per platform, as HTML with its SVG
// chart, JSON and CSV, computes each public area by internal/evaluation
// over the listed entries only.
func TestTheScorecardShowsEveryPublicAreaWithAnSVGChart(t *testing.T) {
	srv, _ := portalFor(t, "")
	for _, page := range []string{"/scorecard", "/scorecard/platforms"} {
		code, body, _ := get(t, srv, page)
		if code != 200 || strings.Count(body, "<svg") != 2 || strings.Contains(body, "<script") {
			t.Fatalf("%s: %d; want one inline SVG chart per unit and no script:\n%s", page, code, body)
		}
		for _, a := range portal.Areas {
			if !strings.Contains(body, a.LocalName+" "+a.Name) {
				t.Errorf("%s lacks the area %s", page, a.Name)
			}
		}
	}
	var sc, byPlatform portal.ScorecardsJSON
	_, raw, _ := get(t, srv, "/api/v1/scorecard")
	getJSON(t, srv, "/api/v1/scorecard", &sc)
	getJSON(t, srv, "/api/v1/scorecard/platforms", &byPlatform)
	got := map[string]portal.Scorecard{}
	for _, d := range sc.Departments {
		got[d.Department.Code] = d
	}
	water, survey := got["water-resources"], got["natural-resources"]
	terms := func(c portal.Scorecard, area string) string {
		var out []string
		for _, t := range c.Terms[area] {
			out = append(out, fmt.Sprintf("%s=%d/%d", t.Key, t.Numerator, t.Denominator))
		}
		return strings.Join(out, " ")
	}
	// water: 3 listed entries (its Closed one is not counted), one with a
	// DOI, on a platform that retains its data: (1/1 + 1/3) / 2.
	if water.Entries != 3 || water.Scores["preservation"] != 66 || terms(water, "preservation") != "retained=1/1 identified=1/3 backupVerified=0/0 restoreDrilled=0/0" {
		t.Errorf("water-resources preservation: %+v", water)
	}
	// The one entry that must be submitted has no received submission; the
	// portal reads no deadlines, so the on-time term counts nothing here.
	if water.Scores["submission"] != 0 || terms(water, "submission") != "received=0/1 onTime=0/0" {
		t.Errorf("water-resources submission: %v %s", water.Scores, terms(water, "submission"))
	}
	// Open sharing: both entries that may be open are declared Open (the
	// wells' personal information may not be); no embargo has ended yet.
	if water.Scores["sharing"] != 100 || terms(water, "sharing") != "openByDefault=2/2 requestsAnsweredInTime=0/0 embargoesEndedOnTime=0/0" {
		t.Errorf("water-resources sharing: %v %s", water.Scores, terms(water, "sharing"))
	}
	// IP protection: of three listed entries one declares a licence and one
	// a citation, and none has a published paper.
	if water.Scores["ip"] != 33 || terms(water, "ip") != "licenceDeclared=1/3 citationGiven=1/3 publicationsLinked=0/0" {
		t.Errorf("water-resources ip: %v %s", water.Scores, terms(water, "ip"))
	}
	if water.Scores["collection"] == 0 || len(water.NotApplicable) != 0 {
		t.Errorf("water-resources: collection %d, not applicable %v; every area has something to count", water.Scores["collection"], water.NotApplicable)
	}
	// survey: its one listed entry has a CSTR; its two classified entries
	// count nowhere; the portal holds no DataPlatform of it, so retention
	// counts nothing.
	if survey.Entries != 1 || survey.Scores["preservation"] != 100 || terms(survey, "preservation") != "retained=0/0 identified=1/1 backupVerified=0/0 restoreDrilled=0/0" {
		t.Errorf("natural-resources: %+v", survey)
	}
	// An area with nothing to count has no figure: survey's listed entry
	// need not be submitted, so submission is not applicable, not 100.
	if _, ok := survey.Scores["submission"]; ok || strings.Join(survey.NotApplicable, ",") != "submission" {
		t.Errorf("natural-resources: submission %v, not applicable %v; want no figure and submission not applicable", survey.Scores, survey.NotApplicable)
	}
	for _, word := range []string{"classified", "security", "Classified", "涉密", "exception", "cleared"} {
		if strings.Contains(raw, word) {
			t.Errorf("the public scorecard shows %q, a figure about entries it does not list", word)
		}
	}
	if water.Department.LocalName != "巴中市水利局" {
		t.Errorf("the department's name comes from its DataPlatform: %+v", water.Department)
	}
	// Per platform: the same figures here (one platform per department),
	// named by platform.
	platforms := map[string]portal.Scorecard{}
	for _, p := range byPlatform.Platforms {
		platforms[p.Platform] = p
	}
	if p := platforms["water-resources"]; len(byPlatform.Platforms) != 2 || p.Entries != 3 || fmt.Sprint(p.Scores) != fmt.Sprint(water.Scores) ||
		p.Department.Code != "water-resources" || platforms["natural-resources"].Entries != 1 {
		t.Errorf("per platform: %+v", byPlatform.Platforms)
	}
	// The CSV: a row per department, then per platform, n/a where an area
	// has no figure.
	_, body, h := get(t, srv, "/scorecard.csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("scorecard.csv: %v %s", err, h.Get("Content-Type"))
	}
	want := [][]string{portal.ScorecardCSVHeader(),
		{"department", "natural-resources", "Natural Resources Bureau", "", "1", fmt.Sprint(survey.Scores["collection"]), "100", "n/a", "100", "0"},
		{"department", "water-resources", "Bazhong Municipal Water Resources Bureau", "", "3", fmt.Sprint(water.Scores["collection"]), "66", "0", "100", "33"},
		{"platform", "natural-resources", "Natural Resources Bureau", "natural-resources", "1", fmt.Sprint(survey.Scores["collection"]), "100", "n/a", "100", "0"},
		{"platform", "water-resources", "Bazhong Municipal Water Resources Bureau", "water-resources", "3", fmt.Sprint(water.Scores["collection"]), "66", "0", "100", "33"},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("scorecard.csv:\n%v\nwant\n%v", rows, want)
	}
}

// A department's portal shows its self-evaluation: its own figures only,
// by the same formulas.
func TestADepartmentPortalShowsItsSelfEvaluation(t *testing.T) {
	setup(t)
	srv, _ := portalForNamespace(t, surveyNS, 1, func(s *portal.Server) { s.Scope = portal.ScopeDepartment })
	_, body, _ := get(t, srv, "/scorecard")
	if !strings.Contains(body, "自评 Self-evaluation") || strings.Count(body, "<svg") != 1 || !strings.Contains(body, `id="dept-natural-resources"`) {
		t.Errorf("the department portal's scorecard is not its self-evaluation:\n%s", body)
	}
	var sc portal.ScorecardsJSON
	getJSON(t, srv, "/api/v1/scorecard", &sc)
	if len(sc.Departments) != 1 || sc.Departments[0].Entries != 1 || sc.Departments[0].Scores["preservation"] != 100 {
		t.Errorf("self-evaluation: %+v", sc.Departments)
	}
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	srv, _ := portalFor(t, "")
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, _, _ := get(t, srv, p); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}
	_, body, _ := get(t, srv, "/metrics")
	if !strings.Contains(body, `scidata_portal_requests_total{code="200",route="GET /api/v1/entries"}`) || !strings.Contains(body, "go_memstats_heap_alloc_bytes") {
		t.Errorf("metrics lack request counts or memory:\n%.2000s", body)
	}
}

func TestADepartmentPortalServesOnlyItsOwnNamespace(t *testing.T) {
	srv, _ := portalFor(t, surveyNS)
	var page portal.EntriesPage
	getJSON(t, srv, "/api/v1/entries", &page)
	if ids(page) != "scidata-natural-resources/land-use" {
		t.Fatalf("department portal lists %s", ids(page))
	}
	if code, _, _ := get(t, srv, "/entries/scidata-water-resources/rainfall"); code != 404 {
		t.Errorf("another department's entry: %d; want 404", code)
	}
}

// The portal computes sharing with its own clock: at the embargo's date the
// entry opens in every view, whatever its status says.
func TestTheEmbargoEndsInThePortalAtItsDate(t *testing.T) {
	srv, clk := portalFor(t, "")
	clk.SetTime(embargoUntil.Add(-time.Second))
	var e portal.EntryJSON
	getJSON(t, srv, "/api/v1/entries/scidata-water-resources/flood-model", &e)
	if e.AccessRights != portal.AccessEmbargoed {
		t.Fatalf("a second before the date: %s", e.AccessRights)
	}
	clk.SetTime(embargoUntil)
	e = portal.EntryJSON{}
	getJSON(t, srv, "/api/v1/entries/scidata-water-resources/flood-model", &e)
	if e.AccessRights != portal.AccessPublic || e.AccessURL != "https://data.example.org/flood-model" || e.EmbargoUntil != "" {
		t.Fatalf("at the date: %+v", e)
	}
}

// The index follows the informer's events: a new entry appears, an entry
// made Closed disappears, and a deleted one goes, as soon as the cache has
// them.
func TestTheCatalogFollowsAddsUpdatesAndDeletes(t *testing.T) {
	const ns = "scidata-follow"
	create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	first, second := base(ns, "first", "First dataset"), base(ns, "second", "Second dataset")
	create(t, first)
	// Other tests serve the whole city: leave it as it was.
	t.Cleanup(func() {
		_ = env.Client.Delete(context.Background(), first)
		_ = env.Client.Delete(context.Background(), second)
	})
	srv, _ := portalForNamespace(t, ns, 1)
	create(t, second)
	waitForIDs(t, srv, "scidata-follow/first,scidata-follow/second")

	second.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
	if err := env.Client.Update(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	waitForIDs(t, srv, "scidata-follow/first")

	second.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingOpen}
	if err := env.Client.Update(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	waitForIDs(t, srv, "scidata-follow/first,scidata-follow/second")
	if err := env.Client.Delete(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	waitForIDs(t, srv, "scidata-follow/second")
}

func waitForIDs(t *testing.T, srv *httptest.Server, want string) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, func() error {
		var page portal.EntriesPage
		getJSON(t, srv, "/api/v1/entries", &page)
		if ids(page) != want {
			return fmt.Errorf("listed %q; want %q", ids(page), want)
		}
		return nil
	})
}

// A Conditional entry's page says how to ask for it: its conditions,
// audience, review procedure and fees, the procedure of an AccessRequest
// with an example naming the entry, and how many grants are in force (the
// count the operator keeps in the entry's status), never who holds them.
func TestAConditionalEntryPageSaysHowToRequestAccess(t *testing.T) {
	srv, _ := portalFor(t, "")
	ctx := context.Background()
	var wells scidatav1.CatalogEntry
	key := types.NamespacedName{Namespace: waterNS, Name: "wells"}
	if err := env.Client.Get(ctx, key, &wells); err != nil {
		t.Fatal(err)
	}
	was := wells.Status.ActiveGrants
	wells.Status.ActiveGrants = ptr.To[int32](2)
	if err := env.Client.Status().Update(ctx, &wells); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Client.Get(ctx, key, &wells); err == nil {
			wells.Status.ActiveGrants = was
			_ = env.Client.Status().Update(ctx, &wells)
		}
	})
	var body string
	testenv.Eventually(t, 10*time.Second, func() error {
		_, body, _ = get(t, srv, "/entries/scidata-water-resources/wells")
		if !strings.Contains(body, `<dd id="active-grants">2</dd>`) {
			return fmt.Errorf("the page does not count the two grants in force")
		}
		return nil
	})
	for _, w := range []string{"如何申请 How to apply", "Research use, names removed", "universities", "reviews purpose and safeguards", "Free",
		"申请程序 Procedure", "File an AccessRequest in your platform's namespace", "有效授权数 Grants in force",
		"申请示例 Example AccessRequest", "kind: AccessRequest", "namespace: scidata-water-resources\n    name: wells", "category: PublicInterestResearch"} {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	if strings.Contains(body, "acceptedStandardURL: ") {
		t.Error("the example asks to accept fees of a free entry")
	}
	_, open, _ := get(t, srv, "/entries/scidata-water-resources/rainfall")
	for _, a := range []string{"申请程序", "kind: AccessRequest", "active-grants"} {
		if strings.Contains(open, a) {
			t.Errorf("an Open entry's page shows %q: it needs no request", a)
		}
	}
}
