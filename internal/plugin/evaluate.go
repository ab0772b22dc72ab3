package plugin

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/evaluation"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/submission"
	"github.com/scidata-io/scidata-operator/internal/workdays"
)

// Evaluation is the six areas of the plan's evaluation (§3), per
// department and per platform, over everything the cluster holds:
// classified and Closed entries, Submissions and AccessRequests included.
// It is for auditors; the public portal shows the public areas over its
// listed entries only (docs/evaluation.md).
type Evaluation struct {
	At time.Time `json:"at"`
	// Calendar names the working calendar of the access review bound: the
	// city SubmissionPolicy whose time zone and holidays it takes, or
	// "UTC, Monday to Friday" when there is none.
	Calendar    string           `json:"calendar"`
	Departments []UnitEvaluation `json:"departments"`
	Platforms   []UnitEvaluation `json:"platforms"`
}

// UnitEvaluation is one department's or platform's figures.
type UnitEvaluation struct {
	// Name is the department code or the platform name.
	Name    string              `json:"name"`
	Entries int                 `json:"entries"`
	Figures []evaluation.Figure `json:"figures"`
}

// Evaluate reads the city and computes every area, per department and per
// platform; department, when set, keeps that department and its platforms
// only.
func Evaluate(ctx context.Context, c client.Reader, department string, now time.Time) (*Evaluation, error) {
	var platforms scidatav1.DataPlatformList
	var entries scidatav1.CatalogEntryList
	var subs scidatav1.SubmissionList
	var requests scidatav1.AccessRequestList
	var policies scidatav1.SubmissionPolicyList
	for _, l := range []struct {
		list client.ObjectList
		opts []client.ListOption
	}{{&platforms, nil}, {&entries, nil}, {&subs, nil}, {&requests, nil}, {&policies, []client.ListOption{client.InNamespace(platform.CenterNamespace)}}} {
		if err := c.List(ctx, l.list, l.opts...); err != nil {
			return nil, fmt.Errorf("list %T: %w", l.list, err)
		}
	}
	cal, calName := cityCalendar(policies.Items)
	f := evaluation.Facts{Now: now, Calendar: cal}
	deptOf := map[string]string{} // platform name → department code
	for i := range platforms.Items {
		p := evaluation.PlatformFacts(&platforms.Items[i])
		f.Platforms = append(f.Platforms, p)
		deptOf[p.Name] = p.Department
	}
	latest := map[types.NamespacedName]*scidatav1.Submission{}
	for i := range subs.Items {
		s := &subs.Items[i]
		latest[types.NamespacedName{Namespace: s.Namespace, Name: s.Name}] = s
	}
	entryDept := map[types.NamespacedName]string{}
	for i := range entries.Items {
		e := &entries.Items[i]
		var sub *scidatav1.Submission
		if st := e.Status.Submission; st != nil && st.Name != "" {
			sub = latest[types.NamespacedName{Namespace: e.Namespace, Name: st.Name}]
		}
		f.Entries = append(f.Entries, evaluation.EntryFacts(e, sub))
		entryDept[types.NamespacedName{Namespace: e.Namespace, Name: e.Name}] = e.Spec.ResponsibleDepartment.Code
	}
	for i := range requests.Items {
		r := &requests.Items[i]
		ref := types.NamespacedName{Namespace: r.Spec.Entry.Namespace, Name: r.Spec.Entry.Name}
		d, ok := entryDept[ref]
		if !ok {
			d = deptOf[evaluation.PlatformOf(ref.Namespace)]
		}
		f.Requests = append(f.Requests, evaluation.RequestFacts(r, d))
	}
	out := &Evaluation{At: now.UTC(), Calendar: calName, Departments: []UnitEvaluation{}, Platforms: []UnitEvaluation{}}
	for _, u := range evaluation.ByDepartment(f) {
		if department == "" || u.Key == department {
			out.Departments = append(out.Departments, unitOf(u))
		}
	}
	for _, u := range evaluation.ByPlatform(f) {
		if department == "" || deptOf[u.Key] == department || slices.ContainsFunc(u.Facts.Entries, func(e evaluation.Entry) bool { return e.Department == department }) {
			out.Platforms = append(out.Platforms, unitOf(u))
		}
	}
	return out, nil
}

func unitOf(u evaluation.Unit) UnitEvaluation {
	return UnitEvaluation{Name: u.Key, Entries: len(u.Facts.Entries), Figures: evaluation.Evaluate(u.Facts)}
}

// cityCalendar is the working calendar of the city's SubmissionPolicies
// (in the Center's namespace), the first by name whose calendar parses
// (one that does not is Stalled, naming the field).
func cityCalendar(policies []scidatav1.SubmissionPolicy) (*workdays.Calendar, string) {
	slices.SortFunc(policies, func(a, b scidatav1.SubmissionPolicy) int { return strings.Compare(a.Name, b.Name) })
	for i := range policies {
		p := &policies[i]
		if !submission.City(p) {
			continue
		}
		cal, err := submission.CalendarOf(p)
		if err != nil {
			continue // its own status names the field
		}
		return cal, fmt.Sprintf("SubmissionPolicy %s/%s (%s)", p.Namespace, p.Name, cal.Location())
	}
	return nil, "UTC, Monday to Friday"
}

// PrintEvaluation writes the evaluation as text: per unit, each area's
// figure (or n/a) and the terms it counted.
func PrintEvaluation(w io.Writer, ev *Evaluation) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "EVALUATION at %s (access reviews counted in working days of %s)\n", ev.At.Format(time.RFC3339), ev.Calendar)
	for _, group := range []struct {
		title string
		units []UnitEvaluation
	}{{"DEPARTMENTS", ev.Departments}, {"PLATFORMS", ev.Platforms}} {
		fmt.Fprintf(tw, "\n%s (%d)\n", group.title, len(group.units))
		for _, u := range group.units {
			fmt.Fprintf(tw, "%s\t%d entries\n", u.Name, u.Entries)
			for _, fig := range u.Figures {
				score := "n/a"
				if fig.Score != nil {
					score = fmt.Sprint(*fig.Score)
				}
				var terms []string
				for _, t := range fig.Terms {
					if t.Applies() {
						terms = append(terms, fmt.Sprintf("%s %d/%d", t.Key, t.Numerator, t.Denominator))
					}
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", fig.Area, score, strings.Join(terms, "  "))
			}
		}
	}
	return tw.Flush()
}
