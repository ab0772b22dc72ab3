package portal

import (
	"bufio"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/sharing"
)

// Access-right URIs: the EU access-right authority table, and COAR's
// "embargoed access" for an embargo in force.
const (
	AccessPublic     = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
	AccessRestricted = "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
	AccessNonPublic  = "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
	AccessEmbargoed  = "http://purl.org/coar/access_right/c_f1cf"
)

// AccessRights maps effective sharing to an access-right URI: Open → PUBLIC,
// Conditional → RESTRICTED, Closed → NON_PUBLIC, and an embargo in force →
// COAR embargoed access until its date.
func AccessRights(r sharing.Result) string {
	switch {
	case r.Embargoed:
		return AccessEmbargoed
	case r.Mode == scidatav1.SharingOpen:
		return AccessPublic
	case r.Mode == scidatav1.SharingConditional:
		return AccessRestricted
	}
	return AccessNonPublic
}

// dcatContext is inlined in every export so that it validates offline.
var dcatContext = map[string]any{
	"dcat":  "http://www.w3.org/ns/dcat#",
	"dct":   "http://purl.org/dc/terms/",
	"foaf":  "http://xmlns.com/foaf/0.1/",
	"vcard": "http://www.w3.org/2006/vcard/ns#",
	"rdfs":  "http://www.w3.org/2000/01/rdf-schema#",
	"xsd":   "http://www.w3.org/2001/XMLSchema#",
	"adms":  "http://www.w3.org/ns/adms#",
	"skos":  "http://www.w3.org/2004/02/skos/core#",
	"hydra": "http://www.w3.org/ns/hydra/core#",
}

type node = map[string]any

func lit(value, lang string) node { return node{"@value": value, "@language": lang} }

func texts(en, zh string) []node {
	out := []node{lit(en, "en")}
	if zh != "" {
		out = append(out, lit(zh, "zh"))
	}
	return out
}

func dateTime(t time.Time) node {
	return node{"@value": t.UTC().Format(time.RFC3339), "@type": "xsd:dateTime"}
}

// datasetPattern serves one dataset's JSON-LD, linked from its page.
const datasetPattern = "GET /entries/{namespace}/{name}/dataset.jsonld"

// datasetPath is the path of an entry's own JSON-LD document.
func datasetPath(e *Entry) string { return "/entries/" + e.ID() + "/dataset.jsonld" }

// pageURI is an entry's landing page; datasetURI and distributionURI name
// the dataset and its distribution. All three come from the entry's
// namespace and name only (never its content, version, UID or a page of
// the export), so a harvester sees the same URIs from one harvest to the
// next; the dataset's is a fragment of its page, which links its JSON-LD.
func (s *Server) pageURI(e *Entry) string         { return s.url("/entries/" + e.ID()) }
func (s *Server) datasetURI(e *Entry) string      { return s.pageURI(e) + "#dataset" }
func (s *Server) distributionURI(e *Entry) string { return s.pageURI(e) + "#distribution" }

// Page sizes of the paged export.
const (
	dcatPageSize    = 100
	dcatMaxPageSize = 1000
)

// dcat serves the DCAT-AP export: the whole catalog in one document, or,
// with page or pageSize, one page of it with a Hydra view (first, previous,
// next, last) that harvesters follow. modified_since keeps the datasets
// changed at or after a time. Datasets are encoded once per entry version,
// so a request concatenates what is encoded.
func (s *Server) dcat(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	since, err := modifiedSince(q.Get("modified_since"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	paged := q.Has("page") || q.Has("pageSize")
	n, size := page(q, dcatPageSize, dcatMaxPageSize)
	from, limit := 0, math.MaxInt
	if paged {
		from, limit = offset(n, size), size
	}
	l := s.Index.Datasets(s.now(), since, from, limit)
	head := s.catalogNode(l)
	if paged {
		head["@type"] = []string{"dcat:Catalog", "hydra:Collection"}
		head["hydra:totalItems"] = l.Total
		head["hydra:view"] = s.view(n, size, l.Total, since)
	}
	h, err := json.Marshal(head)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	datasets := make([][]byte, len(l.Items))
	for i, e := range l.Items {
		if datasets[i], err = s.datasetJSON(e); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "application/ld+json; charset=utf-8")
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.Write(h[:len(h)-1]) // the head without its closing brace
	_, _ = bw.WriteString(`,"dcat:dataset":[`)
	for i, d := range datasets {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		_, _ = bw.Write(d)
	}
	_, _ = bw.WriteString("]}\n")
	_ = bw.Flush()
}

// modifiedSince reads the modified_since parameter: an RFC 3339 time or a
// date (midnight UTC); empty means every dataset.
func modifiedSince(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("modified_since must be an RFC 3339 time (2026-11-25T08:00:00Z) or a date (2026-11-25)")
}

// pageTypes types every page of the export twice: as a Hydra
// PartialCollectionView, and as the deprecated PagedCollection that older
// harvesters (ckanext-dcat's RDF harvester) look for.
var pageTypes = []string{"hydra:PartialCollectionView", "hydra:PagedCollection"}

// view describes page n of the export with links to its neighbours, in
// both Hydra's current terms (first, previous, next, last) and the
// deprecated ones (firstPage, ..., itemsPerPage).
func (s *Server) view(n, size, total int, since time.Time) node {
	last := max(1, (total+size-1)/size)
	ref := func(p int) node {
		v := url.Values{"page": {strconv.Itoa(p)}, "pageSize": {strconv.Itoa(size)}}
		if !since.IsZero() {
			v.Set("modified_since", since.Format(time.RFC3339Nano))
		}
		return node{"@id": s.url("/catalog.jsonld?" + v.Encode()), "@type": pageTypes}
	}
	v := ref(n)
	v["hydra:totalItems"], v["hydra:itemsPerPage"] = total, size
	v["hydra:first"], v["hydra:firstPage"] = ref(1), ref(1)
	v["hydra:last"], v["hydra:lastPage"] = ref(last), ref(last)
	if n > 1 {
		v["hydra:previous"], v["hydra:previousPage"] = ref(min(n-1, last)), ref(min(n-1, last))
	}
	if n < last {
		v["hydra:next"], v["hydra:nextPage"] = ref(n+1), ref(n+1)
	}
	return v
}

// catalogNode is the catalog's own description, without its datasets.
func (s *Server) catalogNode(l Listing) node {
	n := node{
		"@context":        dcatContext,
		"@id":             s.url("/catalog.jsonld"),
		"@type":           "dcat:Catalog",
		"dct:title":       texts(s.Title, s.LocalTitle),
		"dct:description": texts(s.Description, ""),
		"dct:publisher":   s.publisher(),
		"foaf:homepage":   node{"@id": s.url("/"), "@type": "foaf:Document"},
	}
	if !l.Modified.IsZero() {
		n["dct:modified"] = dateTime(l.Modified)
	}
	return n
}

// datasetJSON is an entry's dataset node, encoded once.
func (s *Server) datasetJSON(e *Entry) ([]byte, error) {
	if enc := e.dataset.Load(); enc != nil && enc.by == s {
		return enc.body, nil
	}
	b, err := json.Marshal(s.dataset(e))
	if err != nil {
		return nil, err
	}
	e.dataset.Store(&encoded{by: s, body: b})
	return b, nil
}

// datasetDoc serves one dataset as a JSON-LD document of its own.
func (s *Server) datasetDoc(w http.ResponseWriter, r *http.Request) {
	e := s.Index.Find(s.now(), r.PathValue("namespace"), r.PathValue("name"))
	if e == nil {
		http.Error(w, "no such entry in the public catalog", http.StatusNotFound)
		return
	}
	d := s.dataset(e)
	d["@context"] = dcatContext
	b, err := json.Marshal(d)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ld+json; charset=utf-8")
	_, _ = w.Write(append(b, '\n'))
}

func (s *Server) publisher() node {
	return node{"@id": s.url("/#publisher"), "@type": "foaf:Agent", "foaf:name": texts(s.Publisher, s.LocalPublisher)}
}

func (s *Server) dataset(e *Entry) node {
	page := s.pageURI(e)
	d := node{
		"@id":               s.datasetURI(e),
		"@type":             "dcat:Dataset",
		"dct:identifier":    e.ID(),
		"dct:title":         texts(e.Spec.Title, e.Spec.LocalTitle),
		"dct:description":   texts(e.Spec.Description, ""),
		"dcat:keyword":      append([]string{e.Spec.Subject}, e.Spec.Keywords...),
		"dct:publisher":     node{"@id": s.url("/departments/" + e.Department.Code), "@type": "foaf:Agent", "foaf:name": texts(e.Department.Name, e.Department.LocalName)},
		"dct:accessRights":  node{"@id": AccessRights(e.Sharing), "@type": "dct:RightsStatement", "rdfs:label": e.Sharing.Reason},
		"dcat:landingPage":  node{"@id": page, "@type": "foaf:Document"},
		"dcat:distribution": []node{s.distribution(e, page)},
		"adms:version":      e.Spec.Data.ContentVersion,
	}
	if !e.Created.IsZero() {
		d["dct:issued"] = dateTime(e.Created)
	}
	if !e.Modified.IsZero() {
		d["dct:modified"] = dateTime(e.Modified)
	}
	if e.Spec.Citation != "" {
		d["dct:bibliographicCitation"] = e.Spec.Citation
	}
	if ids := e.Spec.Identifiers; ids != nil {
		var other []node
		if ids.DOI != "" {
			other = append(other, node{"@type": "adms:Identifier", "skos:notation": ids.DOI, "dct:creator": "DOI"})
		}
		if ids.CSTR != "" {
			other = append(other, node{"@type": "adms:Identifier", "skos:notation": ids.CSTR, "dct:creator": "CSTR"})
		}
		d["adms:identifier"] = other
	}
	if c := e.Spec.Contact; c != nil {
		cp := node{"@type": "vcard:Kind", "vcard:fn": c.Name}
		if c.Email != "" {
			cp["vcard:hasEmail"] = node{"@id": "mailto:" + c.Email, "@type": "rdfs:Resource"}
		}
		d["dcat:contactPoint"] = cp
	}
	return d
}

func (s *Server) distribution(e *Entry, page string) node {
	access := page
	if u := e.AccessURL(); u != "" && e.Sharing.Mode == scidatav1.SharingOpen {
		access = u
	}
	d := node{
		"@id":            s.distributionURI(e),
		"@type":          "dcat:Distribution",
		"dcat:accessURL": node{"@id": access, "@type": "rdfs:Resource"},
		"dct:title":      texts(string(e.Spec.AccessMethod.Type)+" — "+e.Spec.Title, ""),
		"dct:rights":     node{"@id": AccessRights(e.Sharing), "@type": "dct:RightsStatement"},
	}
	if e.Sharing.Embargoed {
		d["dct:available"] = node{"@value": e.Sharing.EmbargoUntil.Format("2006-01-02"), "@type": "xsd:date"}
	}
	if l := e.Spec.License; l != nil {
		id := l.URL
		if id == "" {
			id = "https://spdx.org/licenses/" + url.PathEscape(l.Name) + ".html"
		}
		d["dct:license"] = node{"@id": id, "@type": "dct:LicenseDocument", "dct:title": l.Name}
	}
	for _, f := range e.Spec.Data.Formats {
		if strings.Count(f, "/") == 1 {
			d["dcat:mediaType"] = node{"@id": "https://www.iana.org/assignments/media-types/" + f, "@type": "dct:MediaType"}
			break
		}
	}
	return d
}
