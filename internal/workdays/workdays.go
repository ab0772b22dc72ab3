package workdays

import (
	"fmt"
	"time"
	// The image has no zoneinfo: embed the database.
	_ "time/tzdata"
)

// DateLayout is how holidays and make-up working days are written.
const DateLayout = "2006-01-02"

// maxDays bounds the walk over the calendar: no deadline of at most 60
// working days lies further than this, whatever the holidays.
const maxDays = 5000

// Calendar is a city's working calendar.
type Calendar struct {
	loc      *time.Location
	holidays map[string]bool
	makeUp   map[string]bool
}

// New makes a calendar in the IANA zone tz ("" is UTC) with the holidays
// and make-up working days given as YYYY-MM-DD. It names what does not
// parse.
func New(tz string, holidays, makeUp []string) (*Calendar, error) {
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("time zone %q is not an IANA time zone name: %w", tz, err)
		}
		loc = l
	}
	c := &Calendar{loc: loc, holidays: map[string]bool{}, makeUp: map[string]bool{}}
	for _, set := range []struct {
		days []string
		into map[string]bool
		what string
	}{{holidays, c.holidays, "holiday"}, {makeUp, c.makeUp, "make-up working day"}} {
		for _, d := range set.days {
			t, err := time.ParseInLocation(DateLayout, d, loc)
			if err != nil {
				return nil, fmt.Errorf("%s %q is not a date YYYY-MM-DD: %w", set.what, d, err)
			}
			set.into[t.Format(DateLayout)] = true
		}
	}
	return c, nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsWorkingDay reports whether the local day that contains t is a working
// day: a make-up working day, or a weekday that is not a holiday.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	t = t.In(c.loc)
	day := t.Format(DateLayout)
	if c.makeUp[day] {
		return true
	}
	if c.holidays[day] {
		return false
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Due is the instant a deadline of n working days counted from start
// passes: the end of the n-th working day after the day of start (that
// day itself does not count), which is local midnight at the start of the
// following day. Due(start, 0) is the end of start's own day.
func (c *Calendar) Due(start time.Time, n int) time.Time {
	local := start.In(c.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, c.loc) // noon: never skipped by a DST change
	for counted, i := 0, 0; counted < n && i < maxDays; i++ {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			counted++
		}
	}
	next := day.AddDate(0, 0, 1)
	return time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, c.loc)
}
