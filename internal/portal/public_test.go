package portal_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/portal"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// unchangedExcept are the routes left out of the byte-for-byte comparison:
// /metrics counts every request and reports the process's memory, so it
// changes with each request whatever the catalog holds; it is for the
// cluster's monitoring, not the public (docs/portal.md).
var unchangedExcept = map[string]bool{"GET /metrics": true}

// publicPaths expands every route the portal serves into requests: each
// entry route for every given entry, and every other route bare and with
// each query a visitor or a harvester might send.
func publicPaths(ids []string, queries []string) []string {
	var out []string
	for _, pattern := range portal.Patterns() {
		if unchangedExcept[pattern] {
			continue
		}
		r := strings.TrimSuffix(strings.TrimPrefix(pattern, "GET "), "{$}")
		if strings.Contains(r, "{namespace}/{name}") {
			for _, id := range ids {
				out = append(out, strings.Replace(r, "{namespace}/{name}", id, 1))
			}
			continue
		}
		out = append(out, r)
		for _, q := range queries {
			out = append(out, r+"?"+q)
		}
	}
	return out
}

type response struct {
	code        int
	contentType string
	body        string
}

func fetchAll(t *testing.T, srv *httptest.Server, paths []string) map[string]response {
	t.Helper()
	out := map[string]response{}
	for _, p := range paths {
		code, body, h := get(t, srv, p)
		out[p] = response{code, h.Get("Content-Type"), body}
	}
	return out
}

func compareAll(t *testing.T, when string, before, after map[string]response) {
	t.Helper()
	changed := 0
	for p, b := range before {
		if a := after[p]; a != b {
			changed++
			t.Errorf("%s, GET %s changed: %d %s → %d %s\nbefore: %.400s\nafter:  %.400s", when, p, b.code, b.contentType, a.code, a.contentType, b.body, a.body)
		}
	}
	t.Logf("%s: %d responses compared byte for byte, %d changed", when, len(before), changed)
}

// hiddenEntries are what the public must learn nothing of: classified
// entries (one sharing words, subject, department and funding with listed
// ones, under an embargo that ends; one of a department with nothing
// listed; one whose secrecy period ends), and Closed ones.
func hiddenEntries() []*scidatav1.CatalogEntry {
	conf := base(waterNS, "classified-rainfall", "Hourly rainfall at classified stations")
	conf.Spec.Keywords = []string{"precipitation", "flood"}
	conf.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: "Cleared units only", ReviewProcedure: "Secrecy office review",
		Embargo: &scidatav1.Embargo{Until: metav1.NewTime(t0.Add(time.Hour)), Reason: scidatav1.EmbargoTechnicalSecret}}
	conf.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationConfidential, SecrecyPeriodEnd: secrecyEnd()}
	conf.Spec.Identifiers = &scidatav1.Identifiers{DOI: "10.12345/bz.hidden"}
	conf.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: "BZ-2024-02"}

	defence := base("scidata-defence-survey", "bases", "Geodesy of defence sites")
	defence.Spec.ResponsibleDepartment = scidatav1.Department{Code: "defence-survey", Name: "Defence Survey Office"}
	defence.Spec.Subject, defence.Spec.DataTypes = "Geodesy", []scidatav1.DataType{scidatav1.DataTypeVideo}
	defence.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
	defence.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: "BZ-2024-01"}
	defence.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationSecret, SecrecyPeriodEnd: secrecyEnd()}

	top := base(surveyNS, "reserve", "Land use of the strategic reserve")
	top.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
	top.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationTopSecret, SecrecyPeriodEnd: &metav1.Time{Time: t0.Add(2 * time.Hour)}}

	closed := base(waterNS, "closed-rainfall", "Hourly rainfall, raw station logs")
	closed.Spec.Subject = "Limnology"
	closed.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
	// Of the listed rainfall's project: counted, it would change the
	// public project view.
	closed.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: "BZ-2024-01", AcceptanceDate: &metav1.Time{Time: t0.Add(-time.Hour)}}
	closed.Spec.Identifiers = &scidatav1.Identifiers{CSTR: "CSTR:31253.11.bz.closed"}

	closedSurvey := base(surveyNS, "closed-survey", "Land use survey 2024")
	closedSurvey.Spec.DataTypes = []scidatav1.DataType{scidatav1.DataTypeVideo}
	closedSurvey.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
	return []*scidatav1.CatalogEntry{conf, defence, top, closed, closedSurvey}
}

// Adding classified and Closed entries, and a platform that holds only
// classified data, and deleting them again, changes no public page or
// export byte for byte: no HTML page, JSON answer, DCAT document or page,
// CSV, scorecard (per department and per platform, HTML with its SVG, JSON
// and CSV) or the key set. So nothing public tells whether such an entry
// exists, or how many.
func TestNoPublicViewChangesWhenAClassifiedOrClosedEntryIsAdded(t *testing.T) {
	setup(t)
	ctx := context.Background()
	keysNS := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "keys-public"}}
	create(t, keysNS)
	var set receipt.KeySet
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	set.Append(pub, t0)
	b, _ := json.Marshal(set)
	key := types.NamespacedName{Namespace: keysNS.Name, Name: "receipt-keys"}
	create(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}, Data: map[string]string{portal.KeySetField: string(b)}})
	create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "scidata-defence-survey"}})

	srv, _, idx := servePortal(t, "", listed, func(s *portal.Server) { s.ReceiptKeys = portal.ConfigMapKeySet(env.Client, key, 0) })
	hidden := hiddenEntries()
	ids := []string{"scidata-water-resources/rainfall", "scidata-water-resources/wells", "scidata-water-resources/flood-model", "scidata-natural-resources/land-use"}
	for _, e := range hidden {
		ids = append(ids, e.Namespace+"/"+e.Name)
	}
	paths := publicPaths(ids, []string{
		"q=hourly", "q=rainfall+classified", "q=geodesy", "q=" + url.QueryEscape("raw station"), "q=reserve",
		"department=water-resources", "department=defence-survey", "subject=Geodesy", "subject=Limnology", "dataType=Video",
		"sharing=Closed", "sharing=Conditional", "sharing=Embargoed", "pageSize=1&page=4", "pageSize=2&page=2", "page=3",
		"modified_since=2000-01-01", "pageSize=1&page=2&modified_since=2000-01-01",
	})
	before := fetchAll(t, srv, paths)
	held := idx.Len()
	// Object times have whole seconds: create the hidden entries in a later
	// second than any listed one changed, so a catalog that let a hidden
	// entry's time show (its dct:modified) would differ.
	var catalog struct {
		Modified struct {
			Value time.Time `json:"@value"`
		} `json:"dct:modified"`
	}
	if err := json.Unmarshal([]byte(before["/catalog.jsonld"].body), &catalog); err != nil || catalog.Modified.Value.IsZero() {
		t.Fatalf("the catalog's dct:modified: %v %+v", err, catalog)
	}
	testenv.Eventually(t, 3*time.Second, func() error {
		if now := time.Now(); now.Before(catalog.Modified.Value.Add(time.Second)) {
			return fmt.Errorf("%s is within a second of the catalog's last change %s", now, catalog.Modified.Value)
		}
		return nil
	})

	// The platform that holds only classified data, with its declared
	// retention: nothing of it may show either.
	defence := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "defence-survey"}, Spec: scidatav1.DataPlatformSpec{
		Role: scidatav1.RoleDepartment, Storage: scidatav1.Storage{Size: resource.MustParse("1Gi"), Retention: scidatav1.RetentionDelete},
		Owners: scidatav1.Owners{Groups: []string{"dept-defence-survey-admins"}}, MaxClassification: scidatav1.ClassificationSecret,
		Department: scidatav1.Department{Code: "defence-survey", Name: "Defence Survey Office"}}}
	create(t, defence)
	for _, e := range hidden {
		create(t, e)
	}
	waitForHeld(t, idx, held+len(hidden))
	compareAll(t, "after adding classified and Closed entries", before, fetchAll(t, srv, paths))

	for _, o := range append([]client.Object{defence}, objects(hidden)...) {
		if err := env.Client.Delete(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	waitForHeld(t, idx, held)
	compareAll(t, "after deleting them", before, fetchAll(t, srv, paths))
}

func objects(entries []*scidatav1.CatalogEntry) []client.Object {
	out := make([]client.Object, len(entries))
	for i, e := range entries {
		out[i] = e
	}
	return out
}

// waitForHeld waits until the index has received the events: nothing
// public can tell (that is the point), so the test asks the index itself.
func waitForHeld(t *testing.T, idx *portal.Index, n int) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, func() error {
		if got := idx.Len(); got != n {
			return fmt.Errorf("the index holds %d entries; want %d", got, n)
		}
		return nil
	})
}

// spoof holds ESC (with a terminal sequence), BEL and a right-to-left
// override that would show "exe.pdf" as "fdp.exe".
const spoof = "Invoice \x1b[2J\x07\u202efdp.exe"

// spoofing reports the first character or escape of one that no view may
// pass through: C0 and C1 controls (tab and newline aside), DEL, bidi
// embeddings, overrides and isolates, whether raw, JSON-escaped, an HTML
// character reference or percent-encoded in a URL.
func spoofing(body string) string {
	for i, r := range body {
		if (r < 0x20 && r != '\t' && r != '\n') || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return fmt.Sprintf("%U at byte %d", r, i)
		}
	}
	lower := strings.ToLower(body)
	for _, esc := range []string{`\u001b`, `\u0007`, `\u202e`, "&#27;", "&#x1b;", "&#7;", "&#x7;", "&#8238;", "&#x202e;", "%1b", "%07", "%e2%80%ae"} {
		if strings.Contains(lower, esc) {
			return esc
		}
	}
	return ""
}

// An entry stored before admission refused control characters and bidi
// overrides holds them in its title and every other text field; no route
// passes one through (HTML, CSV, JSON, JSON-LD), each JSON answer is still
// valid JSON, the CSV still parses, and the entry is still shown, with
// U+FFFD where each character was.
func TestNoRoutePassesControlOrBidiCharactersThrough(t *testing.T) {
	e := base(waterNS, "spoof", "Rainfall "+spoof)
	e.ResourceVersion, e.CreationTimestamp = "1", metav1.NewTime(t0)
	s := &e.Spec
	s.LocalTitle, s.Description, s.Subject, s.Keywords = spoof, spoof+"\nsecond line\twith a tab", "Hydrology "+spoof, []string{spoof}
	s.ResponsibleDepartment = scidatav1.Department{Code: "water-resources", Name: spoof, LocalName: spoof}
	s.ProvidingDepartment = scidatav1.Provider{Name: spoof, LocalName: spoof}
	s.Citation, s.Data.ContentVersion, s.Data.Formats = spoof, spoof, []string{spoof}
	s.License = &scidatav1.License{Name: spoof}
	s.Identifiers = &scidatav1.Identifiers{DOI: "10.1/" + spoof, CSTR: spoof}
	s.Contact = &scidatav1.Contact{Name: spoof}
	s.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, Programme: spoof, ProjectID: spoof}
	s.AccessMethod.Instructions = spoof
	wells := base(waterNS, "wells", "Wells")
	wells.ResourceVersion = "1"
	wells.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: spoof, Audience: spoof, Scope: spoof, ReviewProcedure: spoof}
	platform := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "survey"},
		Spec: scidatav1.DataPlatformSpec{Department: scidatav1.Department{Code: "natural-resources", Name: spoof, LocalName: spoof}}}
	survey := base(surveyNS, "survey", "Survey")
	survey.ResourceVersion = "1"
	srv, _ := feedPortal(t, clocktesting.NewFakeClock(t0), e, wells, platform, survey)

	paths := publicPaths([]string{waterNS + "/spoof", waterNS + "/wells", surveyNS + "/survey"},
		[]string{"q=" + url.QueryEscape(spoof), "q=fdp.exe", "subject=" + url.QueryEscape("Hydrology "+spoof), "department=" + url.QueryEscape(spoof), "pageSize=1"})
	shown := 0
	for p, r := range fetchAll(t, srv, paths) {
		if what := spoofing(r.body); what != "" {
			t.Errorf("GET %s (%d) passes %s through:\n%.600s", p, r.code, what, r.body)
		}
		if strings.Contains(r.body, "fdp.exe") {
			shown++
		}
		switch ct := r.contentType; {
		case strings.Contains(ct, "json") && r.code == 200:
			if !json.Valid([]byte(r.body)) {
				t.Errorf("GET %s: not valid JSON", p)
			}
		case strings.HasPrefix(ct, "text/csv"):
			if _, err := csv.NewReader(strings.NewReader(r.body)).ReadAll(); err != nil {
				t.Errorf("GET %s: %v", p, err)
			}
		}
	}
	if shown < 15 {
		t.Errorf("only %d of %d responses show the entry's (neutralised) text; the test must see it to prove anything", shown, len(paths))
	}
	if _, body, _ := get(t, srv, "/entries/"+waterNS+"/spoof"); !strings.Contains(body, "Invoice \ufffd[2J\ufffd\ufffdfdp.exe") {
		t.Errorf("the title is not shown with U+FFFD in place of each character:\n%s", body)
	}
}
