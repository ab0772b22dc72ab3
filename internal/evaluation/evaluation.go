package evaluation

import (
	"math/big"
	"slices"
	"strings"
	"time"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/workdays"
)

// Area keys, in the order the plan lists them (§3).
const (
	Collection   = "collection"
	Preservation = "preservation"
	Submission   = "submission"
	Sharing      = "sharing"
	Security     = "security"
	IP           = "ip"
)

// Term keys.
const (
	TermDataReceived       = "dataReceived"
	TermCompleteness       = "completeness"
	TermRetained           = "retained"
	TermIdentified         = "identified"
	TermBackupVerified     = "backupVerified"
	TermRestoreDrilled     = "restoreDrilled"
	TermReceived           = "received"
	TermOnTime             = "onTime"
	TermOpenByDefault      = "openByDefault"
	TermRequestsAnswered   = "requestsAnsweredInTime"
	TermEmbargoesEnded     = "embargoesEndedOnTime"
	TermCleared            = "onClearedPlatform"
	TermSecrecyReviewed    = "secrecyReviewOnTime"
	TermNoPolicyException  = "noPolicyException"
	TermLicensed           = "licenceDeclared"
	TermCited              = "citationGiven"
	TermPublicationsLinked = "publicationsLinked"
)

// Bounds the formulas use (docs/evaluation.md).
const (
	// AccessReviewWorkingDays is how long a department has to decide on a
	// conditional access request: working days counted from the request's
	// creation, as internal/workdays counts them.
	AccessReviewWorkingDays = 15
	// BackupMaxAge is how old a platform's latest verified backup may be.
	BackupMaxAge = 7 * 24 * time.Hour
	// RestoreDrillMaxAge is how old its latest successful restore drill
	// may be.
	RestoreDrillMaxAge = 365 * 24 * time.Hour
)

// Facts are what the figures are computed over.
type Facts struct {
	// Now is the instant the figures describe.
	Now time.Time
	// Calendar counts the working days of AccessReviewWorkingDays: the
	// city's (its SubmissionPolicy's time zone and holidays); nil counts
	// Monday to Friday in UTC.
	Calendar  *workdays.Calendar
	Entries   []Entry
	Requests  []Request
	Platforms []Platform
}

// Entry is one catalog entry's facts.
type Entry struct {
	// Platform is the DataPlatform holding it (its namespace is
	// scidata-<platform>); Department the responsible department's code.
	Platform, Department string
	// Completeness is status.completeness.score, 0-100.
	Completeness int32
	// DataReceived is true when the Center holds a verified copy of the
	// entry's current content version (its latest submission is Received).
	DataReceived bool
	// Mandatory is true when the entry must be submitted (status.duty).
	Mandatory bool
	// Deadline is when the Center must have received the latest
	// submission, ReceivedAt when it did; nil when not known.
	Deadline, ReceivedAt *time.Time
	// DeclaredSharing is spec.sharing.mode; EffectiveSharing what is in
	// force now (status.effectiveSharing, as the operator wrote it).
	DeclaredSharing, EffectiveSharing scidatav1.SharingMode
	// EmbargoUntil is spec.sharing.embargo.until.
	EmbargoUntil *time.Time
	// Classification is spec.classification.level; Sensitive is true when
	// spec.classification.sensitivities names any.
	Classification scidatav1.ClassificationLevel
	Sensitive      bool
	// SecrecyPeriodEnd is spec.classification.secrecyPeriodEnd.
	SecrecyPeriodEnd *time.Time
	// Licensed, Cited and Identified: a licence name, a citation, a DOI or
	// CSTR.
	Licensed, Cited, Identified bool
	// Publications is how many of spec.publications are Published;
	// LinkedPublications how many of those carry a DOI.
	Publications, LinkedPublications int
}

// Request is one AccessRequest's facts.
type Request struct {
	// Platform and Department are the entry's: they answer it.
	Platform, Department string
	Created              time.Time
	// Decided is when the operator first recorded a decision (Returned,
	// Approved or Rejected); Withdrawn when the request was withdrawn.
	Decided, Withdrawn *time.Time
}

// Platform is one DataPlatform's facts.
type Platform struct {
	Name, Department  string
	Retention         scidatav1.RetentionPolicy
	MaxClassification scidatav1.ClassificationLevel
	// LastVerifiedBackup and LastRestoreDrill are the latest verified
	// backup and the latest successful restore drill, when the platform
	// records them; nil when it does not.
	LastVerifiedBackup, LastRestoreDrill *time.Time
}

// Term is one counted share of an area.
type Term struct {
	Key         string `json:"key"`
	Numerator   int    `json:"numerator"`
	Denominator int    `json:"denominator"`
}

// Applies reports whether the term has anything to count.
func (t Term) Applies() bool { return t.Denominator > 0 }

// Figure is one area's result.
type Figure struct {
	Area string `json:"area"`
	// Score is 0-100; nil when the area is not applicable.
	Score *int   `json:"score"`
	Terms []Term `json:"terms"`
}

// Applies reports whether the area has a figure.
func (f Figure) Applies() bool { return f.Score != nil }

// figure is the mean of the applicable terms' shares, rounded down.
func figure(area string, terms ...Term) Figure {
	sum, n := new(big.Rat), 0
	for _, t := range terms {
		if t.Applies() {
			sum.Add(sum, big.NewRat(int64(t.Numerator), int64(t.Denominator)))
			n++
		}
	}
	f := Figure{Area: area, Terms: terms}
	if n > 0 {
		sum.Mul(sum, big.NewRat(100, int64(n)))
		v := int(new(big.Int).Quo(sum.Num(), sum.Denom()).Int64())
		f.Score = &v
	}
	return f
}

func count(t *Term, ok bool) {
	t.Denominator++
	if ok {
		t.Numerator++
	}
}

// CollectionOf: entries whose data the Center holds, of all entries; and
// the entries' metadata completeness (the sum of their scores over 100 per
// entry).
func CollectionOf(f Facts) Figure {
	data, complete := Term{Key: TermDataReceived}, Term{Key: TermCompleteness}
	for _, e := range f.Entries {
		count(&data, e.DataReceived)
		complete.Numerator += int(min(max(e.Completeness, 0), 100))
		complete.Denominator += 100
	}
	return figure(Collection, data, complete)
}

// PreservationOf: platforms that retain their data when deleted; entries
// with a persistent identifier; of the platforms that record a verified
// backup, those whose latest is at most BackupMaxAge old; and of the
// platforms that record a verified backup or a restore drill that passed
// (a platform that backs up and never drilled counts against it), those
// whose latest drill that passed is at most RestoreDrillMaxAge old.
func PreservationOf(f Facts) Figure {
	retained, identified := Term{Key: TermRetained}, Term{Key: TermIdentified}
	backup, drill := Term{Key: TermBackupVerified}, Term{Key: TermRestoreDrilled}
	for _, p := range f.Platforms {
		count(&retained, p.Retention != scidatav1.RetentionDelete)
		if p.LastVerifiedBackup != nil {
			count(&backup, within(*p.LastVerifiedBackup, f.Now, BackupMaxAge))
		}
		if p.LastVerifiedBackup != nil || p.LastRestoreDrill != nil {
			count(&drill, p.LastRestoreDrill != nil && within(*p.LastRestoreDrill, f.Now, RestoreDrillMaxAge))
		}
	}
	for _, e := range f.Entries {
		count(&identified, e.Identified)
	}
	return figure(Preservation, retained, identified, backup, drill)
}

// within reports whether t is at most age before now (and not after it).
func within(t, now time.Time, age time.Duration) bool {
	return !t.After(now) && now.Sub(t) <= age
}

// SubmissionOf: mandatory entries whose latest submission the Center
// received; and, of the mandatory entries with a known deadline that has
// passed or that were received, those received by the deadline.
func SubmissionOf(f Facts) Figure {
	received, onTime := Term{Key: TermReceived}, Term{Key: TermOnTime}
	for _, e := range f.Entries {
		if !e.Mandatory {
			continue
		}
		count(&received, e.DataReceived)
		if d := e.Deadline; d != nil && (e.ReceivedAt != nil || !f.Now.Before(*d)) {
			count(&onTime, e.ReceivedAt != nil && !e.ReceivedAt.After(*d))
		}
	}
	return figure(Submission, received, onTime)
}

// SharingOf: of the entries that may be open (not classified, no
// sensitivity), those declared Open; of the access requests decided or
// past their due time (AccessReviewWorkingDays), those decided in time;
// and of the entries whose embargo date has passed, those now in force as
// declared (the embargo ended, not left in place).
func SharingOf(f Facts) Figure {
	open, answered, ended := Term{Key: TermOpenByDefault}, Term{Key: TermRequestsAnswered}, Term{Key: TermEmbargoesEnded}
	for _, e := range f.Entries {
		if !e.Classification.IsClassified() && !e.Sensitive {
			count(&open, e.DeclaredSharing == scidatav1.SharingOpen)
		}
		if u := e.EmbargoUntil; u != nil && !f.Now.Before(*u) && !e.Classification.IsClassified() && e.DeclaredSharing != scidatav1.SharingClosed {
			count(&ended, e.EffectiveSharing == e.DeclaredSharing)
		}
	}
	cal := f.Calendar
	if cal == nil {
		cal, _ = workdays.New("", nil, nil)
	}
	for _, r := range f.Requests {
		due := cal.Due(r.Created, AccessReviewWorkingDays)
		switch {
		case r.Decided != nil:
			count(&answered, !r.Decided.After(due))
		case f.Now.Before(due):
			// Still within its time: nothing to count yet.
		case r.Withdrawn == nil || !r.Withdrawn.Before(due):
			count(&answered, false)
		}
	}
	return figure(Sharing, open, answered, ended)
}

// SecurityOf: classified entries on a platform cleared for their level;
// classified entries whose secrecy period has not ended unreviewed; and
// entries with no policy exception (a classified or sensitive entry whose
// declared sharing is Open, which admission refuses: one stored before the
// rule, or while it was not enforced).
func SecurityOf(f Facts) Figure {
	cleared, reviewed, clean := Term{Key: TermCleared}, Term{Key: TermSecrecyReviewed}, Term{Key: TermNoPolicyException}
	maxOf := map[string]scidatav1.ClassificationLevel{}
	for _, p := range f.Platforms {
		maxOf[p.Name] = p.MaxClassification.OrPublic()
	}
	for _, e := range f.Entries {
		classified := e.Classification.IsClassified()
		exception := (classified || e.Sensitive) && e.DeclaredSharing == scidatav1.SharingOpen
		count(&clean, !exception)
		if !classified {
			continue
		}
		limit, ok := maxOf[e.Platform]
		count(&cleared, ok && e.Classification.Within(limit))
		count(&reviewed, e.SecrecyPeriodEnd != nil && f.Now.Before(*e.SecrecyPeriodEnd))
	}
	return figure(Security, cleared, reviewed, clean)
}

// IPOf: entries that declare a licence; entries that say how to cite them;
// published publications of the entries that carry a DOI.
func IPOf(f Facts) Figure {
	licensed, cited, linked := Term{Key: TermLicensed}, Term{Key: TermCited}, Term{Key: TermPublicationsLinked}
	for _, e := range f.Entries {
		count(&licensed, e.Licensed)
		count(&cited, e.Cited)
		linked.Numerator += e.LinkedPublications
		linked.Denominator += e.Publications
	}
	return figure(IP, licensed, cited, linked)
}

// Areas are the six areas' functions, in the plan's order.
var Areas = []struct {
	Key string
	Of  func(Facts) Figure
}{
	{Collection, CollectionOf}, {Preservation, PreservationOf}, {Submission, SubmissionOf},
	{Sharing, SharingOf}, {Security, SecurityOf}, {IP, IPOf},
}

// Evaluate computes the areas named by keys (all six when none).
func Evaluate(f Facts, keys ...string) []Figure {
	var out []Figure
	for _, a := range Areas {
		if len(keys) == 0 || slices.Contains(keys, a.Key) {
			out = append(out, a.Of(f))
		}
	}
	return out
}

// Unit is a department or a platform and the facts that are its own.
type Unit struct {
	Key   string
	Facts Facts
}

// ByDepartment splits f by department code, sorted: each department's
// entries, requests for them, and its platforms.
func ByDepartment(f Facts) []Unit {
	return split(f, func(e Entry) string { return e.Department }, func(r Request) string { return r.Department },
		func(p Platform) string { return p.Department })
}

// ByPlatform splits f by platform name, sorted.
func ByPlatform(f Facts) []Unit {
	return split(f, func(e Entry) string { return e.Platform }, func(r Request) string { return r.Platform },
		func(p Platform) string { return p.Name })
}

func split(f Facts, ofEntry func(Entry) string, ofRequest func(Request) string, ofPlatform func(Platform) string) []Unit {
	units := map[string]*Facts{}
	unit := func(k string) *Facts {
		if units[k] == nil {
			units[k] = &Facts{Now: f.Now, Calendar: f.Calendar}
		}
		return units[k]
	}
	for _, e := range f.Entries {
		u := unit(ofEntry(e))
		u.Entries = append(u.Entries, e)
	}
	for _, r := range f.Requests {
		u := unit(ofRequest(r))
		u.Requests = append(u.Requests, r)
	}
	// Platforms of the entries' departments (or the platforms themselves),
	// also when they hold no entry: their retention still counts.
	for _, p := range f.Platforms {
		u := unit(ofPlatform(p))
		u.Platforms = append(u.Platforms, p)
	}
	out := make([]Unit, 0, len(units))
	for k, u := range units {
		out = append(out, Unit{Key: k, Facts: *u})
	}
	slices.SortFunc(out, func(a, b Unit) int { return strings.Compare(a.Key, b.Key) })
	return out
}
