package completeness

import (
	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// field is one recommended field and whether a spec fills it.
type field struct {
	path   string
	filled func(*scidatav1.CatalogEntrySpec) bool
}

// recommended are the fields a good catalog entry fills beyond the required
// ones: what a user needs to find, cite, reuse and ask about the data.
var recommended = []field{
	{"spec.localTitle", func(s *scidatav1.CatalogEntrySpec) bool { return s.LocalTitle != "" }},
	{"spec.keywords", func(s *scidatav1.CatalogEntrySpec) bool { return len(s.Keywords) > 0 }},
	{"spec.data.formats", func(s *scidatav1.CatalogEntrySpec) bool { return len(s.Data.Formats) > 0 }},
	{"spec.license", func(s *scidatav1.CatalogEntrySpec) bool { return s.License != nil }},
	{"spec.citation", func(s *scidatav1.CatalogEntrySpec) bool { return s.Citation != "" }},
	{"spec.identifiers", func(s *scidatav1.CatalogEntrySpec) bool {
		return s.Identifiers != nil && (s.Identifiers.DOI != "" || s.Identifiers.CSTR != "")
	}},
	{"spec.contact", func(s *scidatav1.CatalogEntrySpec) bool { return s.Contact != nil }},
	{"spec.funding", func(s *scidatav1.CatalogEntrySpec) bool { return s.Funding != nil }},
	{"spec.accessMethod.instructions", func(s *scidatav1.CatalogEntrySpec) bool { return s.AccessMethod.Instructions != "" }},
	{"spec.providingDepartment.code", func(s *scidatav1.CatalogEntrySpec) bool { return s.ProvidingDepartment.Code != "" }},
}

// Fields lists the recommended fields, in the order Score reports them.
func Fields() []string {
	out := make([]string, len(recommended))
	for i, f := range recommended {
		out[i] = f.path
	}
	return out
}

// Score returns 0-100 (the share of recommended fields filled, rounded
// down) and the recommended fields that are empty.
func Score(spec *scidatav1.CatalogEntrySpec) scidatav1.Completeness {
	var missing []string
	for _, f := range recommended {
		if !f.filled(spec) {
			missing = append(missing, f.path)
		}
	}
	filled := len(recommended) - len(missing)
	return scidatav1.Completeness{Score: int32(filled * 100 / len(recommended)), Missing: missing}
}
