package portal_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/portal"
)

// feedPortal serves an index fed directly with objects, as its informer
// would deliver them (for objects the apiserver would no longer admit, or
// with times a test chooses).
func feedPortal(t *testing.T, clk *clocktesting.FakeClock, objs ...any) (*httptest.Server, *portal.Index) {
	t.Helper()
	idx := portal.NewIndex(clk, "")
	for _, o := range objs {
		idx.OnAdd(o, true)
	}
	s := &portal.Server{Index: idx, BaseURL: "https://catalog.example.org", Title: "Catalog", Description: "Datasets", Publisher: "Center"}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, idx
}

func getDoc(t *testing.T, srv *httptest.Server, path string) obj {
	t.Helper()
	code, body, h := get(t, srv, path)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/ld+json") {
		t.Fatalf("GET %s: %d %s %s", path, code, h.Get("Content-Type"), body)
	}
	var doc obj
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	var missing []string
	untyped(doc, "", &missing)
	if len(missing) > 0 {
		t.Errorf("GET %s: linked objects without a type: %v", path, missing)
	}
	return doc
}

func datasetIDs(t *testing.T, doc obj) []string {
	t.Helper()
	var out []string
	for _, d := range values(doc, "dcat:dataset") {
		id, _ := checkDataset(t, d.(obj))
		out = append(out, id)
	}
	return out
}

// link returns the page a view's property points to, and checks that the
// deprecated term (nextPage for next, ...) points to the same page.
func link(t *testing.T, view obj, term string) string {
	t.Helper()
	n, _ := view["hydra:"+term].(obj)
	old, _ := view["hydra:"+term+"Page"].(obj)
	if (n == nil) != (old == nil) || (n != nil && n["@id"] != old["@id"]) {
		t.Errorf("hydra:%s %v and the deprecated hydra:%sPage %v disagree", term, n, term, old)
	}
	if n == nil {
		return ""
	}
	id, _ := n["@id"].(string)
	return id
}

// A harvester pages through the DCAT export by following hydra:next (or the
// deprecated hydra:nextPage that ckanext-dcat reads from a node typed
// hydra:PagedCollection) and gets exactly the datasets of the whole export,
// under the same URIs.
func TestAHarvesterPagesThroughTheDCATExport(t *testing.T) {
	srv, _ := portalFor(t, "")
	whole := datasetIDs(t, getDoc(t, srv, "/catalog.jsonld"))
	var harvested []string
	next, pages := "/catalog.jsonld?pageSize=1", 0
	for next != "" && pages < 10 {
		doc := getDoc(t, srv, next)
		pages++
		if !slices.Contains(ldTypes(doc), "dcat:Catalog") || !slices.Contains(ldTypes(doc), "hydra:Collection") || doc["hydra:totalItems"] != float64(listed) {
			t.Fatalf("page %d: catalog %v with %v items", pages, ldTypes(doc), doc["hydra:totalItems"])
		}
		view, _ := doc["hydra:view"].(obj)
		if !slices.Contains(ldTypes(view), "hydra:PartialCollectionView") || !slices.Contains(ldTypes(view), "hydra:PagedCollection") ||
			view["hydra:itemsPerPage"] != float64(1) || view["hydra:totalItems"] != float64(listed) {
			t.Fatalf("page %d: view %v", pages, view)
		}
		first, last, prev := link(t, view, "first"), link(t, view, "last"), link(t, view, "previous")
		if !strings.HasSuffix(first, "page=1&pageSize=1") || !strings.HasSuffix(last, fmt.Sprintf("page=%d&pageSize=1", listed)) ||
			(pages == 1) != (prev == "") || view["@id"] != fmt.Sprintf("https://catalog.example.org/catalog.jsonld?page=%d&pageSize=1", pages) {
			t.Errorf("page %d: @id %v, first %q, previous %q, last %q", pages, view["@id"], first, prev, last)
		}
		harvested = append(harvested, datasetIDs(t, doc)...)
		next = link(t, view, "next")
		if next != "" {
			u, _ := url.Parse(next)
			next = u.RequestURI()
		}
	}
	if pages != listed || !slices.Equal(harvested, whole) {
		t.Fatalf("harvested %v in %d pages; the whole export has %v", harvested, pages, whole)
	}
	if code, _, _ := get(t, srv, "/catalog.jsonld?modified_since=yesterday"); code != 400 {
		t.Errorf("a malformed modified_since: %d; want 400", code)
	}
}

// Each entry's page links its own JSON-LD (in its head, for machines, and
// visibly), whose dataset carries the same URIs as in the catalog.
func TestEachEntryPageLinksItsOwnJSONLD(t *testing.T) {
	srv, _ := portalFor(t, "")
	const path = "/entries/scidata-water-resources/rainfall/dataset.jsonld"
	_, page, _ := get(t, srv, "/entries/scidata-water-resources/rainfall")
	if !strings.Contains(page, `<link rel="alternate" type="application/ld+json" href="`+path+`"`) || !strings.Contains(page, `<a id="jsonld" href="`+path+`"`) {
		t.Fatalf("the entry page does not link its JSON-LD %s:\n%s", path, page)
	}
	doc := getDoc(t, srv, path)
	if ctx, ok := doc["@context"].(obj); !ok || ctx["dcat"] != "http://www.w3.org/ns/dcat#" {
		t.Fatalf("the document needs its inline @context: %v", doc["@context"])
	}
	id, rights := checkDataset(t, doc)
	if id != "https://catalog.example.org/entries/scidata-water-resources/rainfall#dataset" || rights != portal.AccessPublic {
		t.Errorf("dataset %s with %s", id, rights)
	}
	dist := values(doc, "dcat:distribution")[0].(obj)
	if dist["@id"] != "https://catalog.example.org/entries/scidata-water-resources/rainfall#distribution" {
		t.Errorf("distribution %v", dist["@id"])
	}
	if lp := requireNode(t, id, doc, "dcat:landingPage", "foaf:Document"); lp["@id"] != "https://catalog.example.org/entries/scidata-water-resources/rainfall" {
		t.Errorf("landing page %v", lp["@id"])
	}
	for _, d := range values(getDoc(t, srv, "/catalog.jsonld"), "dcat:dataset") {
		if d := d.(obj); d["@id"] == id && fmt.Sprint(d) != fmt.Sprint(without(doc, "@context")) {
			t.Errorf("the dataset differs between the catalog and its own document:\n%v\n%v", d, doc)
		}
	}
}

func without(o obj, key string) obj {
	c := obj{}
	for k, v := range o {
		if k != key {
			c[k] = v
		}
	}
	return c
}

func changedAt(at time.Time) []metav1.ManagedFieldsEntry {
	return []metav1.ManagedFieldsEntry{
		{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate, Time: &metav1.Time{Time: at}},
		// A status write by the controller is no change to the dataset.
		{Manager: "scidata-operator", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", Time: &metav1.Time{Time: at.Add(240 * time.Hour)}},
	}
}

// modified_since keeps the datasets changed at or after a time: a change to
// the spec (never a status write) or the end of an embargo, which changes
// the dataset's access rights. The dataset URIs stay the same when an entry
// changes; the catalog's dct:modified is its latest change.
func TestModifiedSinceKeepsTheDatasetsChangedSince(t *testing.T) {
	day := func(d int) time.Time { return t0.Add(time.Duration(d) * 24 * time.Hour) }
	mk := func(name string, changed time.Time, mut ...func(*scidatav1.CatalogEntry)) *scidatav1.CatalogEntry {
		e := base(waterNS, name, "Dataset "+name)
		e.CreationTimestamp, e.ResourceVersion, e.ManagedFields = metav1.NewTime(day(-30)), "1", changedAt(changed)
		for _, m := range mut {
			m(e)
		}
		return e
	}
	embargo := func(e *scidatav1.CatalogEntry) {
		e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(day(3)), Reason: scidatav1.EmbargoPatent}
	}
	clk := clocktesting.NewFakeClock(t0)
	srv, idx := feedPortal(t, clk, mk("a", day(-3)), mk("b", day(-2)), mk("c", day(-1)), mk("e", day(-9), embargo))
	since := func(q string) string {
		t.Helper()
		var names []string
		for _, id := range datasetIDs(t, getDoc(t, srv, "/catalog.jsonld?"+q)) {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(id, "https://catalog.example.org/entries/"+waterNS+"/"), "#dataset"))
		}
		return strings.Join(names, ",")
	}
	for q, want := range map[string]string{
		"": "a,b,c,e", "modified_since=" + day(-2).Format(time.RFC3339): "b,c",
		"modified_since=" + day(-2).Format(time.DateOnly): "b,c", "modified_since=" + day(-2).Add(time.Second).Format(time.RFC3339): "c",
		"modified_since=" + day(-2).Format(time.RFC3339) + "&pageSize=1&page=2": "c",
	} {
		if got := since(q); got != want {
			t.Errorf("%q: %s; want %s", q, got, want)
		}
	}
	view := getDoc(t, srv, "/catalog.jsonld?pageSize=1&modified_since="+day(-2).Format(time.DateOnly))["hydra:view"].(obj)
	midnight := day(-2).Truncate(24 * time.Hour)
	if next := link(t, view, "next"); !strings.Contains(next, "modified_since="+url.QueryEscape(midnight.Format(time.RFC3339))) {
		t.Errorf("the next page forgets modified_since: %s", next)
	}
	for q, want := range map[string]float64{"page=1": 100, "pageSize=5000": 1000, "pageSize=0&page=-1": 100} {
		if v := getDoc(t, srv, "/catalog.jsonld?"+q)["hydra:view"].(obj); v["hydra:itemsPerPage"] != want || !strings.Contains(v["@id"].(string), "page=1&") {
			t.Errorf("%s: %v items a page at %v; want %v on page 1", q, v["hydra:itemsPerPage"], v["@id"], want)
		}
	}
	if m := getDoc(t, srv, "/catalog.jsonld")["dct:modified"].(obj)["@value"]; m != day(-1).Format(time.RFC3339) {
		t.Errorf("the catalog's dct:modified is %v; want its latest change", m)
	}

	// The embargo ends: the dataset changed then.
	clk.SetTime(day(4))
	if got := since("modified_since=" + day(2).Format(time.RFC3339)); got != "e" {
		t.Errorf("after its embargo ended: %s; want e", got)
	}
	// A new content version: a change, under the same URIs.
	before := getDoc(t, srv, "/entries/"+waterNS+"/b/dataset.jsonld")
	idx.OnUpdate(nil, mk("b", day(4), func(e *scidatav1.CatalogEntry) { e.ResourceVersion, e.Spec.Data.ContentVersion = "2", "v2" }))
	after := getDoc(t, srv, "/entries/"+waterNS+"/b/dataset.jsonld")
	if before["@id"] != after["@id"] || fmt.Sprint(values(before, "dcat:distribution")[0].(obj)["@id"]) != fmt.Sprint(values(after, "dcat:distribution")[0].(obj)["@id"]) ||
		after["adms:version"] != "v2" || after["dct:modified"].(obj)["@value"] != day(4).Format(time.RFC3339) {
		t.Errorf("a new version:\nbefore %v\nafter %v", before, after)
	}
}
