package submission

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// ForEntry is the Submission of entry e's current content version, as the
// policies covering it require it at now: named deterministically, so that
// whichever policy creates it, it is one; carrying the stricter review
// rule, the earliest deadline and the entry's classification (an unset
// level is Public). It has no owner reference: a Submission is a record,
// never garbage-collected with its policy.
//
// A Submission of a submission window (window non-nil) is named for its
// window instead (WindowName) and records it.
func ForEntry(e *scidatav1.CatalogEntry, covering []*scidatav1.SubmissionPolicy, now time.Time, window *time.Time) *scidatav1.Submission {
	var level scidatav1.ClassificationLevel
	if e.Spec.Classification != nil {
		level = e.Spec.Classification.Level
	}
	name := Name(e.Name, e.Spec.Data.ContentVersion)
	var win *metav1.Time
	if window != nil {
		name = WindowName(e.Name, *window)
		win = &metav1.Time{Time: window.UTC()}
	}
	return &scidatav1.Submission{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: e.Namespace,
			Name:      name,
			Labels: map[string]string{
				scidatav1.LabelManagedBy:      scidatav1.ManagedBy,
				scidatav1.LabelDepartment:     e.Spec.ResponsibleDepartment.Code,
				LabelEntry:                    e.Name,
				LabelVersionHash:              VersionHash(e.Spec.Data.ContentVersion),
				"app.kubernetes.io/part-of":   "scidata",
				"app.kubernetes.io/component": "submission",
			},
		},
		Spec: scidatav1.SubmissionSpec{
			Entry:          scidatav1.LocalObjectReference{Name: e.Name},
			EntryUID:       string(e.UID),
			Department:     e.Spec.ResponsibleDepartment.Code,
			ContentVersion: e.Spec.Data.ContentVersion,
			SourcePrefix:   e.Spec.Data.Prefix,
			Policy:         PolicyRef(covering),
			Policies:       PolicyRefs(covering),
			Window:         win,
			Acceptance:     AcceptanceTermsOf(covering),
			ReviewRequired: ReviewRequired(covering),
			Deadline:       Deadline(covering, e, now),
			Classification: level.OrPublic(),
		},
	}
}

// CenterClears reports whether the Center may hold s's data: its level is
// within the Center's maxClassification. Above it, no sync Job is made,
// and the data goes through the channel the secrecy rules prescribe.
func CenterClears(center *scidatav1.DataPlatform, s *scidatav1.Submission) bool {
	return s.Spec.Classification.Within(platform.MaxClassification(center))
}
