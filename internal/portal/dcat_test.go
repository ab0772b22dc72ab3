package portal_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scidata-io/scidata-operator/internal/portal"
)

type obj = map[string]any

// values returns a property's values as a list (JSON-LD allows one or many).
func values(o obj, prop string) []any {
	switch v := o[prop].(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

// requireText fails unless prop holds at least one non-empty literal.
func requireText(t *testing.T, where string, o obj, prop string) {
	t.Helper()
	for _, v := range values(o, prop) {
		switch v := v.(type) {
		case string:
			if v != "" {
				return
			}
		case obj:
			if s, _ := v["@value"].(string); s != "" {
				return
			}
		}
	}
	t.Errorf("%s has no %s", where, prop)
}

// requireNode fails unless prop links to a node of the given type, and returns it.
func requireNode(t *testing.T, where string, o obj, prop, typ string) obj {
	t.Helper()
	vs := values(o, prop)
	if len(vs) == 0 {
		t.Errorf("%s has no %s", where, prop)
		return nil
	}
	n, ok := vs[0].(obj)
	if !ok || !slices.Contains(ldTypes(n), typ) {
		t.Errorf("%s's %s is %v; want a node typed %s", where, prop, vs[0], typ)
		return nil
	}
	return n
}

func ldTypes(n obj) []string {
	var out []string
	for _, v := range values(n, "@type") {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// untyped walks the document and lists every linked node (an object with
// @id) that has no @type: DCAT-AP's shapes want every linked object typed in
// the export itself.
func untyped(v any, path string, out *[]string) {
	switch v := v.(type) {
	case obj:
		if _, ok := v["@id"]; ok && len(ldTypes(v)) == 0 && path != "@context" {
			*out = append(*out, path)
		}
		for k, c := range v {
			if k != "@context" {
				untyped(c, path+"/"+k, out)
			}
		}
	case []any:
		for i, c := range v {
			untyped(c, fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

func TestTheDCATExportHasTheRequiredDCATAPProperties(t *testing.T) {
	srv, _ := portalFor(t, "")
	code, body, h := get(t, srv, "/catalog.jsonld")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/ld+json") {
		t.Fatalf("%d %s", code, h.Get("Content-Type"))
	}
	var doc obj
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	ctx, ok := doc["@context"].(obj)
	if !ok || ctx["dcat"] != "http://www.w3.org/ns/dcat#" || ctx["dct"] != "http://purl.org/dc/terms/" || ctx["foaf"] != "http://xmlns.com/foaf/0.1/" {
		t.Fatalf("the @context must be inline with the dcat, dct and foaf prefixes: %v", doc["@context"])
	}
	if !slices.Contains(ldTypes(doc), "dcat:Catalog") {
		t.Fatalf("root type %v", ldTypes(doc))
	}
	requireText(t, "catalog", doc, "dct:title")
	requireText(t, "catalog", doc, "dct:description")
	if pubs := values(doc, "dct:publisher"); len(pubs) != 1 {
		t.Errorf("catalog has %d publishers; want exactly one", len(pubs))
	}
	if pub := requireNode(t, "catalog", doc, "dct:publisher", "foaf:Agent"); pub != nil {
		requireText(t, "publisher", pub, "foaf:name")
	}
	datasets := values(doc, "dcat:dataset")
	if len(datasets) != listed {
		t.Fatalf("%d datasets; want %d", len(datasets), listed)
	}
	rights := map[string]string{}
	for _, d := range datasets {
		id, ar := checkDataset(t, d.(obj))
		rights[strings.TrimSuffix(strings.TrimPrefix(id, "https://catalog.example.org/entries/"), "#dataset")] = ar
	}
	for entry, want := range map[string]string{
		"scidata-water-resources/rainfall":    portal.AccessPublic,
		"scidata-water-resources/wells":       portal.AccessRestricted,
		"scidata-water-resources/flood-model": portal.AccessEmbargoed,
	} {
		if rights[entry] != want {
			t.Errorf("%s: accessRights %q; want %q", entry, rights[entry], want)
		}
	}
	var missing []string
	untyped(doc, "", &missing)
	if len(missing) > 0 {
		t.Errorf("linked objects without a type: %v", missing)
	}
}

// checkDataset checks one dcat:Dataset and its distributions, and returns
// its @id and access-rights URI.
func checkDataset(t *testing.T, ds obj) (string, string) {
	t.Helper()
	id, _ := ds["@id"].(string)
	if !slices.Contains(ldTypes(ds), "dcat:Dataset") {
		t.Errorf("%s: type %v", id, ldTypes(ds))
	}
	requireText(t, id, ds, "dct:title")
	requireText(t, id, ds, "dct:description")
	var rights string
	if ar := requireNode(t, id, ds, "dct:accessRights", "dct:RightsStatement"); ar != nil {
		rights, _ = ar["@id"].(string)
	}
	if pub := requireNode(t, id, ds, "dct:publisher", "foaf:Agent"); pub != nil {
		requireText(t, id+" publisher", pub, "foaf:name")
	}
	for _, dist := range values(ds, "dcat:distribution") {
		dn := dist.(obj)
		if !slices.Contains(ldTypes(dn), "dcat:Distribution") {
			t.Errorf("%s: distribution type %v", id, ldTypes(dn))
		}
		if u := requireNode(t, id+" distribution", dn, "dcat:accessURL", "rdfs:Resource"); u != nil && !strings.HasPrefix(u["@id"].(string), "https://") {
			t.Errorf("%s: accessURL %v", id, u["@id"])
		}
		if _, ok := dn["dct:license"]; ok {
			requireNode(t, id+" distribution", dn, "dct:license", "dct:LicenseDocument")
		}
	}
	return id, rights
}
