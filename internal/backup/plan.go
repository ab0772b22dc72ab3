package backup

import (
	"fmt"
	"sort"
	"time"

	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// Grace is how late after its firing a backup may still start. A firing
// older than that with no backup (the manager was down, the platform was
// suspended) is missed: BackupHealthy False with BackupMissed, and an
// event, and the next firing is awaited.
const Grace = 10 * time.Minute

// maxUnverified bounds the failed backups kept in status (and whose
// partial prefixes the target keeps) beside the verified ones.
const maxUnverified = 5

// Firing is what a pass must do about the schedule now.
type Firing struct {
	// Start is the firing to back up now (zero when none).
	Start time.Time
	// Missed is a firing that passed its grace with no backup (zero when none).
	Missed time.Time
	// Next is the schedule's next firing after now, when to look again.
	Next time.Time
}

// Due decides, from the schedule (UTC) and the latest firing acted on
// (nil before the first), what a pass at now does. A schedule first set
// waits for its first firing: an earlier firing is never missed.
func Due(schedule string, lastScheduled *time.Time, now time.Time) (Firing, error) {
	s, err := submission.NewSchedule(schedule, time.UTC)
	if err != nil {
		return Firing{}, err
	}
	last, next, _ := s.Window(now)
	f := Firing{Next: next}
	if last.IsZero() || (lastScheduled != nil && !last.After(*lastScheduled)) {
		return f, nil
	}
	switch {
	case now.Sub(last) <= Grace:
		f.Start = last
	case lastScheduled != nil:
		f.Missed = last
	}
	return f, nil
}

// Retain splits a platform's backup records into those status keeps,
// newest first, and the ids whose prefixes are removed from the target:
// the keep newest verified backups are kept, with every running one and
// the few latest failed or corrupt ones newer than the oldest kept; every other
// backup is removed. Nothing of the platform's own store is ever named.
func Retain(records []scidatav1.BackupRecord, keep int32) (kept []scidatav1.BackupRecord, remove []string) {
	sorted := append([]scidatav1.BackupRecord(nil), records...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID > sorted[j].ID })
	verified, failed := int32(0), 0
	for _, r := range sorted {
		switch {
		case r.State == scidatav1.BackupRunning:
			kept = append(kept, r)
		case r.State == scidatav1.BackupVerified && verified < keep:
			verified++
			kept = append(kept, r)
		case (r.State == scidatav1.BackupFailed || r.State == scidatav1.BackupCorrupt) && verified < keep && failed < maxUnverified:
			failed++
			kept = append(kept, r)
		default:
			remove = append(remove, r.ID)
		}
	}
	return kept, remove
}

// Keep is the spec's keep count with its default.
func Keep(p *scidatav1.DataPlatform) int32 {
	if p.Spec.Backup == nil {
		return 0
	}
	return ptr.Deref(p.Spec.Backup.Keep, 7)
}

// Cleared reports whether p's backup target may hold p's data: its
// clearance is at least p's maxClassification. The CRD refuses a spec that
// is not; the controller checks again before every backup.
func Cleared(p *scidatav1.DataPlatform) error {
	if p.Spec.Backup == nil {
		return nil
	}
	c, platformMax := p.Spec.Backup.Target.Clearance, platform.MaxClassification(p)
	if !platformMax.Within(c) {
		return fmt.Errorf("the backup target is cleared only up to %s and the platform holds data up to %s: classified data never leaves for a target cleared lower; raise spec.backup.target.clearance (if the target is cleared) or name a cleared target", c, platformMax)
	}
	return nil
}
