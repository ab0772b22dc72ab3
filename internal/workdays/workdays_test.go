package workdays

import (
	"strings"
	"testing"
	"time"
)

func mustCal(t *testing.T, tz string, holidays, makeUp []string) *Calendar {
	t.Helper()
	c, err := New(tz, holidays, makeUp)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The 2026 National Day holiday as the State Council's notice sets it:
// 1-8 October off, Sunday 27 September and Saturday 10 October worked.
var (
	nationalDay = []string{"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08"}
	makeUp      = []string{"2026-09-27", "2026-10-10"}
)

func TestDueCountsWorkingDaysInTheCitysZone(t *testing.T) {
	shanghai := mustCal(t, "Asia/Shanghai", nationalDay, makeUp)
	cst, _ := time.LoadLocation("Asia/Shanghai")
	for _, tc := range []struct {
		name  string
		cal   *Calendar
		start time.Time
		n     int
		want  time.Time
	}{
		{"ten working days from a Monday end on the second Monday after", mustCal(t, "", nil, nil),
			time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), 10, time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)},
		{"a Friday's first working day is the Monday", mustCal(t, "", nil, nil),
			time.Date(2026, 11, 6, 23, 0, 0, 0, time.UTC), 1, time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)},
		{"the day is the city's: 20:00 UTC on Friday is Saturday in Shanghai", shanghai,
			time.Date(2026, 11, 6, 20, 0, 0, 0, time.UTC), 1, time.Date(2026, 11, 10, 0, 0, 0, 0, cst)},
		{"holidays do not count and make-up days do", shanghai,
			// From Friday 25 September: 27 Sep (make-up), 28, 29, 30, then 9, 10 (make-up), 12 October.
			time.Date(2026, 9, 25, 9, 0, 0, 0, cst), 7, time.Date(2026, 10, 13, 0, 0, 0, 0, cst)},
		{"without the holidays the same week counts every weekday", mustCal(t, "Asia/Shanghai", nil, nil),
			time.Date(2026, 9, 25, 9, 0, 0, 0, cst), 7, time.Date(2026, 10, 7, 0, 0, 0, 0, cst)},
		{"a zone with summer time: the deadline is local midnight", mustCal(t, "Europe/Berlin", nil, nil),
			time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC), 1, time.Date(2026, 3, 30, 22, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.Due(tc.start, tc.n); !got.Equal(tc.want) {
				t.Errorf("Due = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestWorkingDays(t *testing.T) {
	c := mustCal(t, "Asia/Shanghai", nationalDay, makeUp)
	cst, _ := time.LoadLocation("Asia/Shanghai")
	for day, want := range map[string]bool{
		"2026-09-26": false, // Saturday
		"2026-09-27": true,  // Sunday worked in lieu
		"2026-10-01": false, // holiday
		"2026-10-09": true,  // Friday
		"2026-10-10": true,  // Saturday worked in lieu
		"2026-10-11": false, // Sunday
	} {
		d, _ := time.ParseInLocation(DateLayout, day, cst)
		if got := c.IsWorkingDay(d.Add(13 * time.Hour)); got != want {
			t.Errorf("%s: working day %v, want %v", day, got, want)
		}
	}
}

func TestNewNamesWhatDoesNotParse(t *testing.T) {
	for _, tc := range []struct {
		tz       string
		holidays []string
		says     string
	}{
		{"Mars/Olympus_Mons", nil, `time zone "Mars/Olympus_Mons"`},
		{"UTC", []string{"2026-02-30"}, `holiday "2026-02-30"`},
	} {
		if _, err := New(tc.tz, tc.holidays, nil); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("New(%q, %v) = %v, want an error saying %s", tc.tz, tc.holidays, err, tc.says)
		}
	}
}
