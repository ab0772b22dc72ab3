package sync

import (
	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// classificationRank orders the levels from least to most restricted.
var classificationRank = map[scidatav1.ClassificationLevel]int{
	scidatav1.ClassificationPublic:       0,
	scidatav1.ClassificationInternal:     1,
	scidatav1.ClassificationConfidential: 2,
	scidatav1.ClassificationSecret:       3,
	scidatav1.ClassificationTopSecret:    4,
}

// checkClassification refuses data whose level is above the Center's
// clearance. The manager checks this before it creates a Job; the worker
// checks again so that a Job made by hand cannot move classified data into
// a store not cleared for it. Empty levels mean Public data and an
// unrestricted Center respectively.
func checkClassification(data, centerMax scidatav1.ClassificationLevel) error {
	d, ok := classificationRank[orPublic(data)]
	if !ok {
		return fail(ExitUsage, "unknown classification level %q", data)
	}
	if centerMax == "" {
		return nil
	}
	m, ok := classificationRank[centerMax]
	if !ok {
		return fail(ExitUsage, "unknown classification level %q for the Center", centerMax)
	}
	if d > m {
		return fail(ExitClassificationRefused,
			"data classified %s cannot be synced into the Center, cleared only up to %s: use the channel the secrecy rules prescribe",
			data, centerMax)
	}
	return nil
}

func orPublic(l scidatav1.ClassificationLevel) scidatav1.ClassificationLevel {
	if l == "" {
		return scidatav1.ClassificationPublic
	}
	return l
}
