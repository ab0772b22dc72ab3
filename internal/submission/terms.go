package submission

import (
	"fmt"
	"slices"
	"time"

	"github.com/robfig/cron/v3"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/workdays"
)

// DefaultWorkingDays is the review and acceptance deadline the measures
// name when a city policy does not set one: ten working days.
const DefaultWorkingDays = 10

// City reports whether p is a city-wide policy, in the Center's
// namespace: only those set the city's terms (calendar, working-day
// deadlines, acceptance).
func City(p *scidatav1.SubmissionPolicy) bool { return p.Namespace == platform.CenterNamespace }

// FieldError is a policy field that does not parse, named for the person
// who must fix it.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// CalendarOf is the working calendar of a city policy.
func CalendarOf(p *scidatav1.SubmissionPolicy) (*workdays.Calendar, error) {
	c, err := workdays.New(p.Spec.TimeZone, p.Spec.Holidays, p.Spec.MakeUpWorkingDays)
	if err != nil {
		field := "spec.holidays"
		if _, zerr := workdays.New(p.Spec.TimeZone, nil, nil); zerr != nil {
			field = "spec.timeZone"
		} else if _, herr := workdays.New(p.Spec.TimeZone, p.Spec.Holidays, nil); herr == nil {
			field = "spec.makeUpWorkingDays"
		}
		return nil, &FieldError{Field: field, Err: err}
	}
	return c, nil
}

// earliestDue is the earliest instant, over the covering city policies,
// that days(p) working days from start pass, each counted in its own
// calendar (so the result does not depend on the order of the policies).
// Zero when no city policy covers; a policy whose calendar does not parse
// is skipped (its own status says so).
func earliestDue(covering []*scidatav1.SubmissionPolicy, start time.Time, days func(*scidatav1.SubmissionPolicy) int32) time.Time {
	var best time.Time
	for _, p := range covering {
		if !City(p) {
			continue
		}
		cal, err := CalendarOf(p)
		if err != nil {
			continue
		}
		if due := cal.Due(start, int(days(p))); best.IsZero() || due.Before(best) {
			best = due
		}
	}
	return best
}

// ReviewDue is when the department's review of a Submission made at
// created falls due: reviewWithinWorkingDays (10 by default) of the
// city's calendar. Zero when no city policy covers the entry.
func ReviewDue(covering []*scidatav1.SubmissionPolicy, created time.Time) time.Time {
	return earliestDue(covering, created, func(p *scidatav1.SubmissionPolicy) int32 {
		return ptr.Deref(p.Spec.ReviewWithinWorkingDays, DefaultWorkingDays)
	})
}

// AcceptanceDue is when the Center's acceptance of a transfer completed at
// transferred falls due: acceptance.withinWorkingDays (10 by default).
func AcceptanceDue(covering []*scidatav1.SubmissionPolicy, transferred time.Time) time.Time {
	return earliestDue(covering, transferred, func(p *scidatav1.SubmissionPolicy) int32 {
		if p.Spec.Acceptance == nil {
			return DefaultWorkingDays
		}
		return ptr.Deref(p.Spec.Acceptance.WithinWorkingDays, DefaultWorkingDays)
	})
}

// AcceptanceTermsOf are the strictest acceptance terms of the covering
// city policies: every gate any of them sets, the highest completeness,
// a curator if any asks for one. Nil when none sets acceptance terms.
func AcceptanceTermsOf(covering []*scidatav1.SubmissionPolicy) *scidatav1.AcceptanceTerms {
	var t *scidatav1.AcceptanceTerms
	for _, p := range covering {
		if !City(p) || p.Spec.Acceptance == nil {
			continue
		}
		t = MergeTerms(t, &scidatav1.AcceptanceTerms{
			MetadataGates: p.Spec.Acceptance.MetadataGates, MinCompleteness: p.Spec.Acceptance.MinCompleteness, CuratorRequired: p.Spec.Acceptance.CuratorRequired,
		})
	}
	return t
}

// MergeTerms is the stricter of a and b (either may be nil).
func MergeTerms(a, b *scidatav1.AcceptanceTerms) *scidatav1.AcceptanceTerms {
	if a == nil && b == nil {
		return nil
	}
	out := &scidatav1.AcceptanceTerms{}
	for _, t := range []*scidatav1.AcceptanceTerms{a, b} {
		if t == nil {
			continue
		}
		out.MetadataGates = append(out.MetadataGates, t.MetadataGates...)
		out.MinCompleteness = max(out.MinCompleteness, t.MinCompleteness)
		out.CuratorRequired = out.CuratorRequired || t.CuratorRequired
	}
	slices.Sort(out.MetadataGates)
	out.MetadataGates = slices.Compact(out.MetadataGates)
	if len(out.MetadataGates) == 0 {
		out.MetadataGates = nil
	}
	return out
}

// Schedule is a policy's parsed spec.schedule, in its time zone.
type Schedule struct {
	cron cron.Schedule
	loc  *time.Location
}

// ScheduleOf parses a policy's schedule; nil, nil when it has none.
func ScheduleOf(p *scidatav1.SubmissionPolicy) (*Schedule, error) {
	if p.Spec.Schedule == "" {
		return nil, nil
	}
	loc := time.UTC
	if p.Spec.TimeZone != "" {
		cal, err := workdays.New(p.Spec.TimeZone, nil, nil)
		if err != nil {
			return nil, &FieldError{Field: "spec.timeZone", Err: err}
		}
		loc = cal.Location()
	}
	s, err := NewSchedule(p.Spec.Schedule, loc)
	if err != nil {
		return nil, &FieldError{Field: "spec.schedule", Err: err}
	}
	return s, nil
}

// NewSchedule parses a cron expression (five fields, or @hourly, @daily,
// ...) firing in loc.
func NewSchedule(expr string, loc *time.Location) (*Schedule, error) {
	s, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron schedule: %w", expr, err)
	}
	return &Schedule{cron: s, loc: loc}, nil
}

// windowLookback bounds how far back a window's start is looked for.
const windowLookback = 2 * 366 * 24 * time.Hour

// Window is the submission window now lies in: its start (the latest
// firing at or before now) and its end (the next firing). ok is false when
// the schedule fired in no window of the last two years and fires never
// again (a date that does not exist, such as 30 February).
func (s *Schedule) Window(now time.Time) (start, next time.Time, ok bool) {
	local := now.In(s.loc)
	next = s.cron.Next(local)
	// Look back in doubling steps for a firing at or before now, then walk
	// forward to the latest one.
	for d := time.Minute; d <= windowLookback; d *= 2 {
		t := s.cron.Next(local.Add(-d))
		if t.IsZero() || t.After(local) {
			continue
		}
		for {
			n := s.cron.Next(t)
			if n.IsZero() || n.After(local) {
				return t, next, true
			}
			t = n
		}
	}
	return time.Time{}, next, !next.IsZero()
}

// Windowed is the schedule an entry's submissions follow: nil (submit at
// once) when any covering policy has no schedule, else every schedule, whose
// windows are the union of theirs. A schedule that does not parse is
// skipped (its policy is Stalled).
func Windowed(covering []*scidatav1.SubmissionPolicy) []*Schedule {
	var out []*Schedule
	for _, p := range covering {
		s, err := ScheduleOf(p)
		if err != nil {
			continue
		}
		if s == nil {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// CurrentWindow is the window of the union of schedules that now lies in:
// the latest start of any of them and the earliest next firing.
func CurrentWindow(schedules []*Schedule, now time.Time) (start, next time.Time, ok bool) {
	for _, s := range schedules {
		st, nx, sok := s.Window(now)
		if !sok {
			continue
		}
		if !st.IsZero() && st.After(start) {
			start = st
		}
		if !nx.IsZero() && (next.IsZero() || nx.Before(next)) {
			next = nx
		}
		ok = true
	}
	return start, next, ok
}
