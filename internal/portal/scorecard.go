package portal

import (
	"strings"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Areas are the plan's evaluation areas (§3) the public scorecard shows, in
// its order. Every figure is computed over the department's listed entries
// only: the portal has no authentication, and a figure over every entry
// would let anyone read how many Closed or classified entries a department
// holds (the plan strictly limits who knows of secret data). For the same
// reason Sharing (the share of entries in the public catalog) and Security
// (classified entries whose secrecy period is not overdue for review) are
// not on the public scorecard at all: both are figures about the entries it
// does not show. Auditors read those from the entries' status with kubectl.
var Areas = []Area{
	{Key: "collection", Name: "Collection", LocalName: "汇集", Measure: "mean metadata completeness of the department's listed entries"},
	{Key: "preservation", Name: "Preservation", LocalName: "保存", Measure: "share of listed entries with a persistent identifier (DOI or CSTR)"},
	{Key: "submission", Name: "Submission", LocalName: "汇交", Measure: "share of publicly funded listed entries whose latest submission the Center received"},
	{Key: "ip", Name: "IP protection", LocalName: "知识产权保护", Measure: "share of listed entries that declare a licence and say how to cite them"},
}

// Area is one evaluation area.
type Area struct {
	Key, Name, LocalName, Measure string
}

// Scorecard is one department's figures.
type Scorecard struct {
	Department DepartmentName `json:"department"`
	// Entries is how many of the department's entries the catalog lists.
	Entries int `json:"entries"`
	// Scores maps an area's key to 0-100, for the areas with something to
	// count.
	Scores map[string]int `json:"scores"`
	// NotApplicable lists the areas with nothing to count (no publicly
	// funded entry for submission, say): they have no figure, never 100.
	NotApplicable []string `json:"notApplicable,omitempty"`
}

// Applies reports whether the area has a figure.
func (sc Scorecard) Applies(key string) bool {
	_, ok := sc.Scores[key]
	return ok
}

// Scorecards computes every department's scorecard from the listed
// entries (in display order, so each department's entries are together).
func Scorecards(l Listing) []Scorecard {
	out := make([]Scorecard, 0, len(l.Departments))
	for i := 0; i < len(l.Items); {
		j := i
		for j < len(l.Items) && l.Items[j].Department.Code == l.Items[i].Department.Code {
			j++
		}
		out = append(out, scorecard(l.Items[i].Department, l.Items[i:j]))
		i = j
	}
	return out
}

type tally struct{ num, den int }

// percent is the share in whole percent, and false when there is nothing
// to count.
func (t tally) percent() (int, bool) {
	if t.den == 0 {
		return 0, false
	}
	return t.num * 100 / t.den, true
}

func scorecard(d DepartmentName, entries []*Entry) Scorecard {
	sc := Scorecard{Department: d, Entries: len(entries)}
	var completeness, identified, submitted, attributed tally
	for _, e := range entries {
		completeness.num += int(e.Score)
		completeness.den += 100
		identified.den++
		if ids := e.Spec.Identifiers; ids != nil && (ids.DOI != "" || ids.CSTR != "") {
			identified.num++
		}
		attributed.den++
		if l := e.Spec.License; l != nil && strings.TrimSpace(l.Name) != "" && strings.TrimSpace(e.Spec.Citation) != "" {
			attributed.num++
		}
		if f := e.Spec.Funding; f != nil && (f.Source == scidatav1.FundingGovernment || f.Source == scidatav1.FundingMixed) {
			submitted.den++
			if e.Submission == scidatav1.SubmissionReceived {
				submitted.num++
			}
		}
	}
	sc.Scores = map[string]int{}
	for key, t := range map[string]tally{"collection": completeness, "preservation": identified, "submission": submitted, "ip": attributed} {
		if v, ok := t.percent(); ok {
			sc.Scores[key] = v
		}
	}
	for _, a := range Areas {
		if !sc.Applies(a.Key) {
			sc.NotApplicable = append(sc.NotApplicable, a.Key)
		}
	}
	return sc
}

// chart lays out a scorecard's SVG bar chart: an area label, a bar of
// Scale pixels per point, and the figure after the bar, with room for the
// widest figure (100) inside the SVG's width.
type chart struct {
	LabelWidth, Scale, Gap, ValueWidth, Row, BarHeight, FontSize int
}

var scorecardChart = chart{LabelWidth: 150, Scale: 3, Gap: 6, ValueWidth: 40, Row: 26, BarHeight: 18, FontSize: 13}

// Width is the SVG's width: labels, a full bar, the gap and the figure.
func (c chart) Width() int { return c.LabelWidth + 100*c.Scale + c.Gap + c.ValueWidth }

// Height is the SVG's height for n areas.
func (c chart) Height(n int) int { return n * c.Row }

// BarWidth is the bar of a figure (clamped to 0-100).
func (c chart) BarWidth(v int) int { return min(max(v, 0), 100) * c.Scale }

// ValueX is where a figure's label starts.
func (c chart) ValueX(v int) int { return c.LabelWidth + c.BarWidth(v) + c.Gap }

// BarY and TextY place row i.
func (c chart) BarY(i int) int  { return i*c.Row + (c.Row-c.BarHeight)/2 }
func (c chart) TextY(i int) int { return i*c.Row + (c.Row+c.FontSize)/2 - 1 }
