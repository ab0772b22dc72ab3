package evaluation

import (
	"strings"
	"time"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/duty"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// EntryFacts reads an entry's facts from the object and, when known, its
// latest Submission (for the deadline; nil otherwise). What the operator
// wrote to status is what is counted: the figures measure what the
// programme did, not what it would do.
func EntryFacts(e *scidatav1.CatalogEntry, latest *scidatav1.Submission) Entry {
	f := SpecFacts(&e.Spec)
	f.Platform, f.EffectiveSharing = PlatformOf(e.Namespace), e.Status.EffectiveSharing
	if c := e.Status.Completeness; c != nil {
		f.Completeness = c.Score
	}
	if d := e.Status.Duty; d != nil {
		f.Mandatory = d.Level == scidatav1.DutyMandatory
	} else {
		f.Mandatory = duty.Compute(&e.Spec).Level == scidatav1.DutyMandatory
	}
	if sub := e.Status.Submission; sub != nil {
		f.DataReceived = sub.State == scidatav1.SubmissionReceived
		if sub.ReceivedAt != nil {
			f.ReceivedAt = timeOf(sub.ReceivedAt.Time)
		}
	}
	if latest != nil && latest.Spec.Deadline != nil {
		f.Deadline = timeOf(latest.Spec.Deadline.Time)
	}
	return f
}

// SpecFacts are the facts an entry's spec declares, whoever reads it (the
// plugin from the object, the portal from its index): department,
// declared sharing and embargo, licence, citation, identifiers,
// classification and publications.
func SpecFacts(s *scidatav1.CatalogEntrySpec) Entry {
	f := Entry{
		Department: s.ResponsibleDepartment.Code, DeclaredSharing: s.Sharing.Mode,
		Licensed: s.License != nil && strings.TrimSpace(s.License.Name) != "", Cited: strings.TrimSpace(s.Citation) != "",
		Identified: s.Identifiers != nil && (s.Identifiers.DOI != "" || s.Identifiers.CSTR != ""),
	}
	if em := s.Sharing.Embargo; em != nil {
		f.EmbargoUntil = timeOf(em.Until.Time)
	}
	if c := s.Classification; c != nil {
		f.Classification, f.Sensitive = c.Level, len(c.Sensitivities) > 0
		if c.SecrecyPeriodEnd != nil {
			f.SecrecyPeriodEnd = timeOf(c.SecrecyPeriodEnd.Time)
		}
	}
	for _, p := range s.Publications {
		if p.Status == scidatav1.PublicationPublished {
			f.Publications++
			if p.DOI != "" {
				f.LinkedPublications++
			}
		}
	}
	return f
}

// RequestFacts reads an AccessRequest's facts; department is the entry's
// department code (the requests name only the entry's namespace).
func RequestFacts(r *scidatav1.AccessRequest, department string) Request {
	f := Request{Platform: PlatformOf(r.Spec.Entry.Namespace), Department: department, Created: r.CreationTimestamp.UTC()}
	for _, h := range r.Status.History {
		if h.At == nil {
			continue
		}
		switch h.State {
		case scidatav1.AccessReturned, scidatav1.AccessApproved, scidatav1.AccessActive, scidatav1.AccessRejected:
			if f.Decided == nil {
				f.Decided = timeOf(h.At.Time)
			}
		case scidatav1.AccessWithdrawn:
			if f.Withdrawn == nil {
				f.Withdrawn = timeOf(h.At.Time)
			}
		}
	}
	return f
}

// PlatformFacts reads a DataPlatform's facts: its retention, the newest
// backup still Verified and the latest restore drill that passed, each as
// its status records it.
func PlatformFacts(p *scidatav1.DataPlatform) Platform {
	retention := p.Spec.Storage.Retention
	if retention == "" {
		retention = scidatav1.RetentionRetain
	}
	f := Platform{Name: p.Name, Department: p.Spec.Department.Code, Retention: retention,
		MaxClassification: platform.MaxClassification(p)}
	f.LastVerifiedBackup = lastVerifiedBackup(p.Status.Backup)
	if st := p.Status.Backup; st != nil && st.LastSuccessfulRestoreDrill != nil {
		f.LastRestoreDrill = timeOf(st.LastSuccessfulRestoreDrill.Time)
	}
	return f
}

// lastVerifiedBackup is when the newest backup still Verified completed:
// a backup a later check found changed (Corrupt) no longer counts, nor
// one that failed or still runs.
func lastVerifiedBackup(st *scidatav1.BackupStatus) *time.Time {
	if st == nil {
		return nil
	}
	var out *time.Time
	for _, b := range st.Backups {
		if b.State != scidatav1.BackupVerified || b.CompletedAt == nil {
			continue
		}
		if out == nil || b.CompletedAt.After(*out) {
			out = timeOf(b.CompletedAt.Time)
		}
	}
	return out
}

// PlatformOf is the platform whose namespace ns is (scidata-<platform>).
func PlatformOf(ns string) string { return strings.TrimPrefix(ns, scidatav1.NamespacePrefix) }

func timeOf(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}
