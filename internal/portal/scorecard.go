package portal

import (
	"slices"
	"time"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/duty"
	"github.com/scidata-io/scidata-operator/internal/evaluation"
)

// Areas are the plan's evaluation areas (§3) the public scorecard shows, in
// its order, computed by internal/evaluation (docs/evaluation.md states
// each formula). The facts are public ones only: the listed entries and the
// preservation facts of the platforms that hold them. The portal has no
// authentication, and a figure over every entry would let anyone read how
// many Closed or classified entries a department holds (the plan strictly
// limits who knows of secret data). For the same reason Security is not on
// the public scorecard at all: every term of it is about classified
// entries. Auditors read all six areas with `kubectl scidata evaluate`.
var Areas = []Area{
	{Key: evaluation.Collection, Name: "Collection", LocalName: "汇集", Measure: "listed entries whose data the Center received; their metadata completeness"},
	{Key: evaluation.Preservation, Name: "Preservation", LocalName: "保存", Measure: "platforms of listed entries that retain their data when deleted; listed entries with a persistent identifier (DOI or CSTR); recent verified backups and restore drills, counted where a platform records them"},
	{Key: evaluation.Submission, Name: "Submission", LocalName: "汇交", Measure: "listed entries that must be submitted whose latest submission the Center received"},
	{Key: evaluation.Sharing, Name: "Open sharing", LocalName: "开放共享", Measure: "listed entries that may be open and are declared Open; listed entries whose embargo date passed and which are now open"},
	{Key: evaluation.IP, Name: "IP protection", LocalName: "知识产权保护", Measure: "listed entries that declare a licence; that say how to cite them; their published papers that carry a DOI"},
}

// Area is one evaluation area.
type Area struct {
	Key, Name, LocalName, Measure string
}

func areaKeys() []string {
	out := make([]string, len(Areas))
	for i, a := range Areas {
		out[i] = a.Key
	}
	return out
}

// Scorecard is one department's (or one platform's) figures.
type Scorecard struct {
	Department DepartmentName `json:"department"`
	// Platform is the DataPlatform a platform's scorecard is about; empty
	// on a department's.
	Platform string `json:"platform,omitempty"`
	// Entries is how many of the unit's entries the catalog lists.
	Entries int `json:"entries"`
	// Scores maps an area's key to 0-100, for the areas with something to
	// count.
	Scores map[string]int `json:"scores"`
	// NotApplicable lists the areas with nothing to count (no entry that
	// must be submitted, say): they have no figure, never 100.
	NotApplicable []string `json:"notApplicable,omitempty"`
	// Terms are each area's counted terms, numerator over denominator.
	Terms map[string][]evaluation.Term `json:"terms"`
}

// Applies reports whether the area has a figure.
func (sc Scorecard) Applies(key string) bool {
	_, ok := sc.Scores[key]
	return ok
}

// ID is the scorecard's HTML id and CSV unit: dept-<code> or
// platform-<name>.
func (sc Scorecard) ID() string {
	if sc.Platform != "" {
		return "platform-" + sc.Platform
	}
	return "dept-" + sc.Department.Code
}

// publicFacts are the facts of the listed entries and of the platforms
// that hold them (when the portal reads DataPlatforms).
func publicFacts(l Listing, platforms map[string]evaluation.Platform, now time.Time) evaluation.Facts {
	f := evaluation.Facts{Now: now}
	seen := map[string]bool{}
	for _, e := range l.Items {
		f.Entries = append(f.Entries, publicEntry(e))
		p := evaluation.PlatformOf(e.Namespace)
		if pf, ok := platforms[p]; ok && !seen[p] {
			seen[p] = true
			pf.Department = e.Department.Code
			f.Platforms = append(f.Platforms, pf)
		}
	}
	return f
}

// publicPlatform is a DataPlatform's facts the public may read: its
// preservation facts, and not the highest classification it may hold.
func publicPlatform(p *scidatav1.DataPlatform) evaluation.Platform {
	f := evaluation.PlatformFacts(p)
	f.MaxClassification = ""
	return f
}

// publicEntry is a listed entry's facts. The deadline and time of receipt
// are left out: the portal does not read Submissions, so the on-time term
// is for auditors.
func publicEntry(e *Entry) evaluation.Entry {
	f := evaluation.SpecFacts(e.Spec)
	f.Platform, f.Department, f.Completeness = evaluation.PlatformOf(e.Namespace), e.Department.Code, e.Score
	f.DataReceived, f.Mandatory = e.Submission == scidatav1.SubmissionReceived, duty.Compute(e.Spec).Level == scidatav1.DutyMandatory
	f.EffectiveSharing = e.Sharing.Mode
	// A listed entry's secrecy period is no public figure's business.
	f.SecrecyPeriodEnd = nil
	return f
}

// Scorecards computes every department's scorecard from the listed
// entries, in department order.
func Scorecards(l Listing, platforms map[string]evaluation.Platform, now time.Time) []Scorecard {
	names := map[string]DepartmentName{}
	for _, d := range l.Departments {
		names[d.Code] = d
	}
	var out []Scorecard
	for _, u := range evaluation.ByDepartment(publicFacts(l, platforms, now)) {
		out = append(out, card(names[u.Key], "", u.Facts))
	}
	return out
}

// PlatformScorecards computes every platform's scorecard from the listed
// entries, in platform order.
func PlatformScorecards(l Listing, platforms map[string]evaluation.Platform, now time.Time) []Scorecard {
	names := map[string]DepartmentName{}
	for _, e := range l.Items {
		names[evaluation.PlatformOf(e.Namespace)] = e.Department
	}
	var out []Scorecard
	for _, u := range evaluation.ByPlatform(publicFacts(l, platforms, now)) {
		out = append(out, card(names[u.Key], u.Key, u.Facts))
	}
	return out
}

func card(d DepartmentName, platform string, f evaluation.Facts) Scorecard {
	sc := Scorecard{Department: d, Platform: platform, Entries: len(f.Entries), Scores: map[string]int{}, Terms: map[string][]evaluation.Term{}}
	for _, fig := range evaluation.Evaluate(f, areaKeys()...) {
		sc.Terms[fig.Area] = fig.Terms
		if fig.Applies() {
			sc.Scores[fig.Area] = *fig.Score
		} else {
			sc.NotApplicable = append(sc.NotApplicable, fig.Area)
		}
	}
	slices.SortFunc(sc.NotApplicable, func(a, b string) int { return slices.Index(areaKeys(), a) - slices.Index(areaKeys(), b) })
	return sc
}

// chart lays out a scorecard's SVG bar chart: an area label, a bar of
// Scale pixels per point, and the figure after the bar, with room for the
// widest figure (100) inside the SVG's width.
type chart struct {
	LabelWidth, Scale, Gap, ValueWidth, Row, BarHeight, FontSize int
}

var scorecardChart = chart{LabelWidth: 170, Scale: 3, Gap: 6, ValueWidth: 40, Row: 26, BarHeight: 18, FontSize: 13}

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
