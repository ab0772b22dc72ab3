package portal

import (
	"net/url"
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

// Catalog builds the DCAT-AP JSON-LD document for the listed entries.
func (s *Server) Catalog(snap *Snapshot) node {
	datasets := make([]node, 0, len(snap.Entries))
	for _, e := range snap.Entries {
		datasets = append(datasets, s.dataset(e))
	}
	return node{
		"@context":        dcatContext,
		"@id":             s.url("/catalog.jsonld"),
		"@type":           "dcat:Catalog",
		"dct:title":       texts(s.Title, s.LocalTitle),
		"dct:description": texts(s.Description, ""),
		"dct:publisher":   s.publisher(),
		"foaf:homepage":   node{"@id": s.url("/"), "@type": "foaf:Document"},
		"dct:modified":    dateTime(snap.At),
		"dcat:dataset":    datasets,
	}
}

func (s *Server) publisher() node {
	return node{"@id": s.url("/#publisher"), "@type": "foaf:Agent", "foaf:name": texts(s.Publisher, s.LocalPublisher)}
}

func (s *Server) dataset(e *Entry) node {
	page := s.url("/entries/" + e.ID())
	d := node{
		"@id":               page,
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
		"@id":            page + "#distribution",
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
