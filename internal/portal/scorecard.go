package portal

import (
	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Areas are the plan's evaluation areas (§3) that the catalog can measure,
// in the order the scorecard shows them.
var Areas = []Area{
	{Key: "collection", Name: "Collection", LocalName: "汇集", Measure: "mean metadata completeness of the department's entries"},
	{Key: "preservation", Name: "Preservation", LocalName: "保存", Measure: "share of entries with a persistent identifier (DOI or CSTR)"},
	{Key: "submission", Name: "Submission", LocalName: "汇交", Measure: "share of publicly funded entries whose latest submission the Center received"},
	{Key: "sharing", Name: "Sharing", LocalName: "共享", Measure: "share of entries in the public catalog (open as the norm, closed as the exception)"},
	{Key: "security", Name: "Security", LocalName: "安全", Measure: "share of classified entries whose secrecy period is not overdue for review"},
}

// Area is one evaluation area.
type Area struct {
	Key, Name, LocalName, Measure string
}

// Scorecard is one department's figures.
type Scorecard struct {
	Department DepartmentName `json:"department"`
	Entries    int            `json:"entries"`
	Listed     int            `json:"listed"`
	Classified int            `json:"classified"`
	// Scores maps an area's key to 0-100.
	Scores map[string]int `json:"scores"`
}

// Scorecards computes every department's scorecard from all entries the
// portal reads (counts only: no title of an unlisted entry is used).
func Scorecards(snap *Snapshot) []Scorecard {
	byDept := map[string][]*Entry{}
	for _, e := range snap.All {
		byDept[e.Department.Code] = append(byDept[e.Department.Code], e)
	}
	out := make([]Scorecard, 0, len(snap.Departments))
	for _, d := range snap.Departments {
		out = append(out, scorecard(d, byDept[d.Code]))
	}
	return out
}

type tally struct{ num, den int }

func (t tally) percent() int {
	if t.den == 0 {
		return 100
	}
	return t.num * 100 / t.den
}

func scorecard(d DepartmentName, entries []*Entry) Scorecard {
	sc := Scorecard{Department: d, Entries: len(entries)}
	var completeness, identified, submitted, listed, secure tally
	for _, e := range entries {
		completeness.num += int(e.Score)
		completeness.den += 100
		identified.den++
		if ids := e.Spec.Identifiers; ids != nil && (ids.DOI != "" || ids.CSTR != "") {
			identified.num++
		}
		if f := e.Spec.Funding; f != nil && (f.Source == scidatav1.FundingGovernment || f.Source == scidatav1.FundingMixed) {
			submitted.den++
			if e.Submission == scidatav1.SubmissionReceived {
				submitted.num++
			}
		}
		listed.den++
		if e.Sharing.Listed {
			listed.num++
			sc.Listed++
		}
		if e.Sharing.Classified {
			sc.Classified++
			secure.den++
			if !e.Sharing.SecrecyReviewDue {
				secure.num++
			}
		}
	}
	sc.Scores = map[string]int{
		"collection": completeness.percent(), "preservation": identified.percent(),
		"submission": submitted.percent(), "sharing": listed.percent(), "security": secure.percent(),
	}
	return sc
}
