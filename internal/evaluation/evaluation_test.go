package evaluation

import (
	"fmt"
	"testing"
	"time"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/workdays"
)

// now is a Tuesday.
var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

const day = 24 * time.Hour

// show is a figure as the tests compare it: the score (or n/a) and every
// term as numerator/denominator.
func show(f Figure) string {
	s := "n/a"
	if f.Score != nil {
		s = fmt.Sprint(*f.Score)
	}
	for _, t := range f.Terms {
		s += fmt.Sprintf(" %s=%d/%d", t.Key, t.Numerator, t.Denominator)
	}
	return s
}

type areaCase struct {
	name  string
	facts Facts
	want  string
}

func runArea(t *testing.T, of func(Facts) Figure, cases []areaCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.facts.Now.IsZero() {
				c.facts.Now = now
			}
			if got := show(of(c.facts)); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestCollectionIsDataReceivedAndCompleteness(t *testing.T) {
	runArea(t, CollectionOf, []areaCase{
		{"nothing to count", Facts{}, "n/a dataReceived=0/0 completeness=0/0"},
		{"one of two received, completeness 80 and 50",
			Facts{Entries: []Entry{{DataReceived: true, Completeness: 80}, {Completeness: 50}}},
			// (1/2 + 130/200) / 2 = 57.5
			"57 dataReceived=1/2 completeness=130/200"},
		{"all received, complete", Facts{Entries: []Entry{{DataReceived: true, Completeness: 100}}}, "100 dataReceived=1/1 completeness=100/100"},
		{"a score out of range is clamped", Facts{Entries: []Entry{{Completeness: 150}}}, "50 dataReceived=0/1 completeness=100/100"},
	})
}

func TestPreservationCountsRetentionIdentifiersAndRecordedBackups(t *testing.T) {
	runArea(t, PreservationOf, []areaCase{
		{"nothing to count", Facts{}, "n/a retained=0/0 identified=0/0 backupVerified=0/0 restoreDrilled=0/0"},
		{"backups not recorded are not counted",
			Facts{Platforms: []Platform{{Name: "a", Retention: scidatav1.RetentionRetain}, {Name: "b", Retention: scidatav1.RetentionDelete}},
				Entries: []Entry{{Identified: true}, {}, {}, {}}},
			// (1/2 + 1/4) / 2 = 37.5
			"37 retained=1/2 identified=1/4 backupVerified=0/0 restoreDrilled=0/0"},
		{"recorded backups: one fresh, one too old; a drill within the year, and a platform that never drilled",
			Facts{Platforms: []Platform{
				{Name: "a", Retention: scidatav1.RetentionRetain, LastVerifiedBackup: at(-6 * day), LastRestoreDrill: at(-300 * day)},
				{Name: "b", Retention: scidatav1.RetentionRetain, LastVerifiedBackup: at(-8 * day)}}},
			// (2/2 + 1/2 + 1/2) / 3 = 66.7, floored
			"66 retained=2/2 identified=0/0 backupVerified=1/2 restoreDrilled=1/2"},
		{"a drill that passed, its backups since gone corrupt",
			Facts{Platforms: []Platform{{Name: "a", Retention: scidatav1.RetentionRetain, LastRestoreDrill: at(-30 * day)}}},
			// (1/1 + 1/1) / 2
			"100 retained=1/1 identified=0/0 backupVerified=0/0 restoreDrilled=1/1"},
		{"a drill older than a year, a backup dated in the future",
			Facts{Platforms: []Platform{{Name: "a", Retention: scidatav1.RetentionRetain, LastVerifiedBackup: at(time.Hour), LastRestoreDrill: at(-366 * day)}}},
			"33 retained=1/1 identified=0/0 backupVerified=0/1 restoreDrilled=0/1"},
	})
}

func TestSubmissionCountsMandatoryEntriesReceivedAndOnTime(t *testing.T) {
	runArea(t, SubmissionOf, []areaCase{
		{"no mandatory entry", Facts{Entries: []Entry{{DataReceived: true}}}, "n/a received=0/0 onTime=0/0"},
		{"deadlines unknown (the public portal): received only",
			Facts{Entries: []Entry{{Mandatory: true, DataReceived: true}, {Mandatory: true}, {Mandatory: true}}},
			"33 received=1/3 onTime=0/0"},
		{"on time, late, overdue, not yet due",
			Facts{Entries: []Entry{
				{Mandatory: true, DataReceived: true, Deadline: at(-day), ReceivedAt: at(-2 * day)},
				{Mandatory: true, DataReceived: true, Deadline: at(-3 * day), ReceivedAt: at(-2 * day)},
				{Mandatory: true, Deadline: at(-time.Hour)},
				{Mandatory: true, Deadline: at(day)},
			}},
			// (2/4 + 1/3) / 2 = 41.6
			"41 received=2/4 onTime=1/3"},
		{"received exactly at the deadline is on time",
			Facts{Entries: []Entry{{Mandatory: true, DataReceived: true, Deadline: at(0), ReceivedAt: at(0)}}},
			"100 received=1/1 onTime=1/1"},
	})
}

func TestSharingCountsOpenByDefaultRequestsAnsweredAndEmbargoesEnded(t *testing.T) {
	// Created on Tuesday 1 December: 15 working days end at the end of
	// Tuesday 22 December.
	created := now
	due := time.Date(2026, 12, 23, 0, 0, 0, 0, time.UTC)
	after := func(t time.Time, d time.Duration) *time.Time { u := t.Add(d); return &u }
	shanghai, err := workdays.New("Asia/Shanghai", []string{"2026-12-22"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runArea(t, SharingOf, []areaCase{
		{"nothing to count", Facts{Entries: []Entry{{Classification: scidatav1.ClassificationSecret, DeclaredSharing: scidatav1.SharingClosed}}},
			"n/a openByDefault=0/0 requestsAnsweredInTime=0/0 embargoesEndedOnTime=0/0"},
		{"sensitive and classified entries are not counted as closed by choice",
			Facts{Entries: []Entry{
				{DeclaredSharing: scidatav1.SharingOpen}, {DeclaredSharing: scidatav1.SharingConditional}, {DeclaredSharing: scidatav1.SharingClosed},
				{DeclaredSharing: scidatav1.SharingConditional, Sensitive: true},
				{DeclaredSharing: scidatav1.SharingConditional, Classification: scidatav1.ClassificationConfidential},
			}},
			"33 openByDefault=1/3 requestsAnsweredInTime=0/0 embargoesEndedOnTime=0/0"},
		{"an embargo ended and opened, one ended but still closed, one still in force",
			Facts{Entries: []Entry{
				{DeclaredSharing: scidatav1.SharingOpen, EffectiveSharing: scidatav1.SharingOpen, EmbargoUntil: at(-day)},
				{DeclaredSharing: scidatav1.SharingOpen, EffectiveSharing: scidatav1.SharingClosed, EmbargoUntil: at(-day)},
				{DeclaredSharing: scidatav1.SharingOpen, EffectiveSharing: scidatav1.SharingClosed, EmbargoUntil: at(day)},
			}},
			// (3/3 + 1/2) / 2 = 75
			"75 openByDefault=3/3 requestsAnsweredInTime=0/0 embargoesEndedOnTime=1/2"},
		{"requests: in time, at the bound, late, unanswered past due, pending within time, withdrawn in time",
			Facts{Now: due.Add(day), Requests: []Request{
				{Created: created, Decided: after(created, 2*day)},
				{Created: created, Decided: &due},
				{Created: created, Decided: after(due, time.Second)},
				{Created: created},
				{Created: due},
				{Created: created, Withdrawn: after(created, day)},
			}},
			"50 openByDefault=0/0 requestsAnsweredInTime=2/4 embargoesEndedOnTime=0/0"},
		{"the city's calendar: a holiday moves the bound by a day",
			Facts{Now: due.Add(2 * day), Calendar: shanghai, Requests: []Request{{Created: created, Decided: after(due, 6*time.Hour)}}},
			// Due at the end of 23 December in Shanghai (16:00 UTC).
			"100 openByDefault=0/0 requestsAnsweredInTime=1/1 embargoesEndedOnTime=0/0"},
	})
}

func TestSecurityCountsClearanceSecrecyReviewsAndExceptions(t *testing.T) {
	platforms := []Platform{{Name: "survey", MaxClassification: scidatav1.ClassificationSecret}, {Name: "water"}}
	runArea(t, SecurityOf, []areaCase{
		{"nothing to count", Facts{}, "n/a onClearedPlatform=0/0 secrecyReviewOnTime=0/0 noPolicyException=0/0"},
		{"unclassified entries only: no exception",
			Facts{Platforms: platforms, Entries: []Entry{{Platform: "water", DeclaredSharing: scidatav1.SharingOpen}}},
			"100 onClearedPlatform=0/0 secrecyReviewOnTime=0/0 noPolicyException=1/1"},
		{"cleared, uncleared, on an unknown platform; a review overdue",
			Facts{Platforms: platforms, Entries: []Entry{
				{Platform: "survey", Classification: scidatav1.ClassificationSecret, DeclaredSharing: scidatav1.SharingClosed, SecrecyPeriodEnd: at(day)},
				{Platform: "survey", Classification: scidatav1.ClassificationTopSecret, DeclaredSharing: scidatav1.SharingClosed, SecrecyPeriodEnd: at(-day)},
				{Platform: "water", Classification: scidatav1.ClassificationConfidential, DeclaredSharing: scidatav1.SharingConditional, SecrecyPeriodEnd: at(day)},
				{Platform: "gone", Classification: scidatav1.ClassificationConfidential, DeclaredSharing: scidatav1.SharingClosed, SecrecyPeriodEnd: at(day)},
			}},
			// (1/4 + 3/4 + 4/4) / 3 = 66.6
			"66 onClearedPlatform=1/4 secrecyReviewOnTime=3/4 noPolicyException=4/4"},
		{"policy exceptions: classified or sensitive data declared Open",
			Facts{Platforms: platforms, Entries: []Entry{
				{Platform: "survey", Classification: scidatav1.ClassificationSecret, DeclaredSharing: scidatav1.SharingOpen, SecrecyPeriodEnd: at(day)},
				{Platform: "water", Sensitive: true, DeclaredSharing: scidatav1.SharingOpen},
				{Platform: "water", DeclaredSharing: scidatav1.SharingOpen},
			}},
			// (1/1 + 1/1 + 1/3) / 3 = 77.7
			"77 onClearedPlatform=1/1 secrecyReviewOnTime=1/1 noPolicyException=1/3"},
	})
}

func TestIPCountsLicencesCitationsAndLinkedPublications(t *testing.T) {
	runArea(t, IPOf, []areaCase{
		{"nothing to count", Facts{}, "n/a licenceDeclared=0/0 citationGiven=0/0 publicationsLinked=0/0"},
		{"no publications: licence and citation only",
			Facts{Entries: []Entry{{Licensed: true, Cited: true}, {Licensed: true}}},
			// (2/2 + 1/2) / 2 = 75
			"75 licenceDeclared=2/2 citationGiven=1/2 publicationsLinked=0/0"},
		{"publications with and without a DOI",
			Facts{Entries: []Entry{{Publications: 3, LinkedPublications: 1}}},
			"11 licenceDeclared=0/1 citationGiven=0/1 publicationsLinked=1/3"},
	})
}

// Every area is not applicable over no facts at all: never 100.
func TestEveryAreaIsNotApplicableWithNothingToCount(t *testing.T) {
	figs := Evaluate(Facts{Now: now})
	if len(figs) != 6 {
		t.Fatalf("%d areas; want 6", len(figs))
	}
	for _, f := range figs {
		if f.Applies() {
			t.Errorf("%s: %d with nothing to count; want not applicable", f.Area, *f.Score)
		}
	}
	if got := Evaluate(Facts{Now: now}, Collection, IP); len(got) != 2 || got[0].Area != Collection || got[1].Area != IP {
		t.Errorf("Evaluate(collection, ip) = %v", got)
	}
}

func TestUnitsSplitFactsByDepartmentAndPlatform(t *testing.T) {
	f := Facts{Now: now,
		Entries:   []Entry{{Platform: "water", Department: "water-resources"}, {Platform: "water-2", Department: "water-resources"}, {Platform: "survey", Department: "natural-resources"}},
		Requests:  []Request{{Platform: "survey", Department: "natural-resources", Created: now}},
		Platforms: []Platform{{Name: "water", Department: "water-resources"}, {Name: "survey", Department: "natural-resources"}, {Name: "empty", Department: "transport"}},
	}
	var got string
	for _, u := range ByDepartment(f) {
		got += fmt.Sprintf("%s:%d/%d/%d ", u.Key, len(u.Facts.Entries), len(u.Facts.Requests), len(u.Facts.Platforms))
	}
	if want := "natural-resources:1/1/1 transport:0/0/1 water-resources:2/0/1 "; got != want {
		t.Errorf("by department: %s; want %s", got, want)
	}
	got = ""
	for _, u := range ByPlatform(f) {
		got += fmt.Sprintf("%s:%d/%d/%d ", u.Key, len(u.Facts.Entries), len(u.Facts.Requests), len(u.Facts.Platforms))
	}
	if want := "empty:0/0/1 survey:1/1/1 water:1/0/1 water-2:1/0/0 "; got != want {
		t.Errorf("by platform: %s; want %s", got, want)
	}
}
