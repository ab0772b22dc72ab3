package evaluation

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

func TestEntryFactsReadWhatTheOperatorRecorded(t *testing.T) {
	end := metav1.NewTime(now.Add(day))
	e := &scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-survey"}, Spec: scidatav1.CatalogEntrySpec{
		ResponsibleDepartment: scidatav1.Department{Code: "natural-resources"},
		Sharing:               scidatav1.Sharing{Mode: scidatav1.SharingConditional},
		Classification:        &scidatav1.Classification{Level: scidatav1.ClassificationSecret, SecrecyPeriodEnd: &end},
		License:               &scidatav1.License{Name: " "}, Citation: "Survey (2026).",
		Identifiers: &scidatav1.Identifiers{CSTR: "CSTR:31253.11.x"},
		Publications: []scidatav1.Publication{{Title: "a", Status: scidatav1.PublicationPublished, DOI: "10.1234/a"},
			{Title: "b", Status: scidatav1.PublicationPublished}, {Title: "c", Status: scidatav1.PublicationPlanned}},
	}}
	// No duty in status yet: computed from the spec (classified: mandatory).
	f := EntryFacts(e, &scidatav1.Submission{Spec: scidatav1.SubmissionSpec{Deadline: &end}})
	if f.Platform != "survey" || f.Department != "natural-resources" || !f.Mandatory || f.DataReceived || f.Licensed || !f.Cited || !f.Identified ||
		f.Publications != 2 || f.LinkedPublications != 1 || f.Deadline == nil || !f.Deadline.Equal(end.Time) || f.SecrecyPeriodEnd == nil {
		t.Errorf("%+v", f)
	}
	received := metav1.NewTime(now)
	e.Status.Duty = &scidatav1.DutyStatus{Level: scidatav1.DutyEncouraged}
	e.Status.Submission = &scidatav1.EntrySubmissionStatus{State: scidatav1.SubmissionReceived, ReceivedAt: &received}
	if f := EntryFacts(e, nil); f.Mandatory || !f.DataReceived || f.ReceivedAt == nil || f.Deadline != nil {
		t.Errorf("the recorded duty and receipt: %+v", f)
	}
}

func TestRequestFactsTakeTheFirstDecisionTheOperatorObserved(t *testing.T) {
	tm := func(d time.Duration) *metav1.Time { x := metav1.NewTime(now.Add(d)); return &x }
	r := &scidatav1.AccessRequest{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(now)},
		Spec: scidatav1.AccessRequestSpec{Entry: scidatav1.AccessEntryReference{Namespace: "scidata-water"}},
		Status: scidatav1.AccessRequestStatus{History: []scidatav1.AccessTransition{
			{State: scidatav1.AccessPending, At: tm(0)}, {State: scidatav1.AccessReturned, At: tm(day)},
			{State: scidatav1.AccessPending, At: tm(2 * day)}, {State: scidatav1.AccessApproved, At: tm(3 * day)},
			{State: scidatav1.AccessWithdrawn, At: tm(4 * day)},
		}}}
	f := RequestFacts(r, "water-resources")
	if f.Platform != "water" || f.Department != "water-resources" || f.Decided == nil || !f.Decided.Equal(now.Add(day)) ||
		f.Withdrawn == nil || !f.Withdrawn.Equal(now.Add(4*day)) {
		t.Errorf("%+v", f)
	}
}

func TestPlatformFactsDefaultRetentionToRetain(t *testing.T) {
	p := PlatformFacts(&scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "water"}})
	if p.Retention != scidatav1.RetentionRetain || p.LastVerifiedBackup != nil || p.LastRestoreDrill != nil {
		t.Errorf("%+v", p)
	}
}

// The latest verified backup is the newest record still Verified: a
// newer one that failed, runs or a check found Corrupt does not count.
func TestPlatformFactsReadTheNewestVerifiedBackup(t *testing.T) {
	at := func(h int) *metav1.Time { return &metav1.Time{Time: time.Date(2026, 11, 30, h, 0, 0, 0, time.UTC)} }
	p := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "water"}, Status: scidatav1.DataPlatformStatus{Backup: &scidatav1.BackupStatus{
		Backups: []scidatav1.BackupRecord{
			{ID: "d", State: scidatav1.BackupRunning, StartedAt: at(9)},
			{ID: "c", State: scidatav1.BackupCorrupt, CompletedAt: at(8)},
			{ID: "b", State: scidatav1.BackupFailed, CompletedAt: at(7)},
			{ID: "a", State: scidatav1.BackupVerified, CompletedAt: at(6)},
		}}}}
	if got := PlatformFacts(p).LastVerifiedBackup; got == nil || !got.Equal(at(6).Time) {
		t.Errorf("LastVerifiedBackup %v, want the Verified backup of 06:00", got)
	}
	p.Status.Backup.Backups = p.Status.Backup.Backups[:3]
	if got := PlatformFacts(p).LastVerifiedBackup; got != nil {
		t.Errorf("LastVerifiedBackup %v with no Verified backup, want none", got)
	}
}

// The latest restore drill counted is the latest that passed, as the
// platform records it, whatever the latest drill's own state.
func TestPlatformFactsReadTheLatestSuccessfulRestoreDrill(t *testing.T) {
	passed := &metav1.Time{Time: time.Date(2026, 11, 29, 5, 0, 0, 0, time.UTC)}
	p := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "water"}, Status: scidatav1.DataPlatformStatus{Backup: &scidatav1.BackupStatus{
		LastRestoreDrill:           &scidatav1.RestoreDrill{ID: "b", BackupID: "x", State: scidatav1.BackupFailed},
		LastSuccessfulRestoreDrill: passed,
	}}}
	if got := PlatformFacts(p).LastRestoreDrill; got == nil || !got.Equal(passed.Time) {
		t.Errorf("LastRestoreDrill %v, want %v", got, passed.Time)
	}
	p.Status.Backup.LastSuccessfulRestoreDrill = nil
	if got := PlatformFacts(p).LastRestoreDrill; got != nil {
		t.Errorf("LastRestoreDrill %v with no drill that passed, want none", got)
	}
}
