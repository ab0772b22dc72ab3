package completeness

import (
	"reflect"
	"testing"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

func TestScoreCountsRecommendedFieldsAndNamesTheMissingOnes(t *testing.T) {
	full := &scidatav1.CatalogEntrySpec{
		LocalTitle: "逐时降水量", Keywords: []string{"rain"}, Data: scidatav1.DataLocation{Formats: []string{"text/csv"}},
		License: &scidatav1.License{Name: "CC-BY-4.0"}, Citation: "Bureau (2024)", Identifiers: &scidatav1.Identifiers{DOI: "10.12345/x"},
		Contact: &scidatav1.Contact{Name: "Office"}, Funding: &scidatav1.Funding{Source: scidatav1.FundingNone},
		AccessMethod:        scidatav1.AccessMethod{Instructions: "Download"},
		ProvidingDepartment: scidatav1.Provider{Name: "Survey", Code: "91510000"},
	}
	for _, tc := range []struct {
		name    string
		spec    *scidatav1.CatalogEntrySpec
		score   int32
		missing []string
	}{
		{"every recommended field filled scores 100", full, 100, nil},
		{"nothing recommended filled scores 0 and names every field", &scidatav1.CatalogEntrySpec{}, 0, Fields()},
		{"empty identifiers count as missing", func() *scidatav1.CatalogEntrySpec {
			s := *full
			s.Identifiers = &scidatav1.Identifiers{}
			s.Citation = ""
			return &s
		}(), 80, []string{"spec.citation", "spec.identifiers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Score(tc.spec)
			if got.Score != tc.score || !reflect.DeepEqual(got.Missing, tc.missing) {
				t.Errorf("Score = %d %v; want %d %v", got.Score, got.Missing, tc.score, tc.missing)
			}
		})
	}
}
