package v1alpha1

// The one order of classification levels. Everything that compares levels
// uses it: the sharing rules (internal/sharing), the network builder
// (internal/platform), the Submission builder and the Center's clearance
// check (internal/submission), the sync worker (internal/sync) and,
// through them, the portal. The admission policy
// scidata-catalogentry-platform-namespace (config/admission) writes the same
// order as a CEL map; test/classification proves the two agree, level by
// level.
//
// What an unset level means is decided here too: an unset level is Public,
// as the CRD's default for spec.classification.level says, and an entry
// without spec.classification is Public data. (A DataPlatform's
// maxClassification has a default of its own, Internal; that is the
// field's default, applied by platform.MaxClassification, not a meaning of
// the empty level.) A value outside the five levels, which admission
// refuses, ranks as the most restricted, so a level that got through
// anyway is never treated as more open than it may be.

// classificationOrder lists the levels from least to most restricted.
var classificationOrder = [...]ClassificationLevel{
	ClassificationPublic, ClassificationInternal,
	ClassificationConfidential, ClassificationSecret, ClassificationTopSecret,
}

// ClassificationLevels returns the five levels, least restricted first.
func ClassificationLevels() []ClassificationLevel {
	out := classificationOrder
	return out[:]
}

// OrPublic is the level l stands for: Public when it is unset.
func (l ClassificationLevel) OrPublic() ClassificationLevel {
	if l == "" {
		return ClassificationPublic
	}
	return l
}

// Known reports whether l is unset or one of the five levels.
func (l ClassificationLevel) Known() bool {
	for _, k := range classificationOrder {
		if l.OrPublic() == k {
			return true
		}
	}
	return false
}

// Rank is the level's position in increasing order of restriction: 0 for
// Public (and an unset level), 4 for TopSecret. An unknown value ranks as
// TopSecret.
func (l ClassificationLevel) Rank() int {
	for i, k := range classificationOrder {
		if l.OrPublic() == k {
			return i
		}
	}
	return len(classificationOrder) - 1
}

// IsClassified reports whether l is above Internal: Confidential (秘密),
// Secret (机密), TopSecret (绝密), or an unknown value.
func (l ClassificationLevel) IsClassified() bool {
	return l.Rank() > ClassificationInternal.Rank()
}

// Within reports whether data at level l may be held where levels up to
// limit are allowed. limit is read as a level like any other (unset is
// Public): pass a platform's through platform.MaxClassification, which
// applies that field's default.
func (l ClassificationLevel) Within(limit ClassificationLevel) bool {
	return l.Rank() <= limit.Rank()
}
