package sync

import (
	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// checkClassification refuses data whose level is above the Center's
// clearance, in the one order of levels (api/v1alpha1/classification.go).
// The manager checks this before it creates a Job; the worker checks again
// so that a Job made by hand cannot move classified data into a store not
// cleared for it. An unset data level is Public; an unset Center level
// means an unrestricted Center. A value outside the five levels is a usage
// error here rather than the most restricted level: the worker's flags
// came from a person or a program, and a typo should say so.
func checkClassification(data, centerMax scidatav1.ClassificationLevel) error {
	if !data.Known() {
		return fail(ExitUsage, "unknown classification level %q", data)
	}
	if centerMax == "" {
		return nil
	}
	if !centerMax.Known() {
		return fail(ExitUsage, "unknown classification level %q for the Center", centerMax)
	}
	if !data.Within(centerMax) {
		return fail(ExitClassificationRefused,
			"data classified %s cannot be synced into the Center, cleared only up to %s: use the channel the secrecy rules prescribe",
			data, centerMax)
	}
	return nil
}

// checkBackupClearance refuses a backup of a platform cleared for
// platformMax into a target cleared only lower: the manager checks it
// before it creates a backup Job, and the worker again, so that a Job made
// by hand cannot move classified data out. Both levels must be given.
func checkBackupClearance(platformMax, clearance scidatav1.ClassificationLevel) error {
	if platformMax == "" || !platformMax.Known() || clearance == "" || !clearance.Known() {
		return fail(ExitUsage, "a backup needs the platform's level (--classification) and the target's clearance (--center-max-classification); got %q and %q", platformMax, clearance)
	}
	if !platformMax.Within(clearance) {
		return fail(ExitClassificationRefused,
			"a platform cleared for %s cannot be backed up into a target cleared only up to %s", platformMax, clearance)
	}
	return nil
}
