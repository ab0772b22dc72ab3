package duty

import (
	"fmt"
	"slices"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Reasons: why an entry's duty is what it is. CamelCase, for
// status.duty.reason and machine readers.
const (
	ReasonGovernmentFunded = "GovernmentFunded"
	ReasonMixedFunded      = "MixedFunded"
	ReasonStateSecrets     = "TouchesStateSecrets"
	ReasonNationalSecurity = "TouchesNationalSecurity"
	ReasonPublicInterest   = "TouchesPublicInterest"
	ReasonPrivatelyFunded  = "PrivatelyFunded"
	ReasonNoPublicFunding  = "NoPublicFunding"
)

// What each level means for the department, ending every message.
const (
	mandatoryConsequence  = "it must be submitted to the city Scientific Data Center (汇交, §2.5)"
	encouragedConsequence = "submitting it to the city Scientific Data Center is encouraged, not required"
	noDutyConsequence     = "no rule of the plan requires submitting it; a department's own policy may still submit it"
)

// Result is an entry's duty and why.
type Result struct {
	Level   scidatav1.DutyLevel
	Reason  string
	Message string
}

// Status is the result as status.duty.
func (r Result) Status() *scidatav1.DutyStatus {
	return &scidatav1.DutyStatus{Level: r.Level, Reason: r.Reason, Message: r.Message}
}

// Compute decides an entry's duty to submit from its spec (doc.go gives
// the rules).
func Compute(spec *scidatav1.CatalogEntrySpec) Result {
	source := scidatav1.FundingSource("")
	if spec.Funding != nil {
		source = spec.Funding.Source
	}
	switch source {
	case scidatav1.FundingGovernment:
		return mandatory(ReasonGovernmentFunded, "funded by government (funding.source Government)")
	case scidatav1.FundingMixed:
		return mandatory(ReasonMixedFunded, "funded partly by government (funding.source Mixed)")
	}
	var level scidatav1.ClassificationLevel
	var sens []scidatav1.Sensitivity
	if c := spec.Classification; c != nil {
		level, sens = c.Level, c.Sensitivities
	}
	funded := "with no funding stated"
	if source != "" {
		funded = fmt.Sprintf("funded %s (funding.source %s)", fundedWords(source), source)
	}
	switch {
	case level.IsClassified():
		return mandatory(ReasonStateSecrets, fmt.Sprintf("classified %s, that is state secrets, though %s", level, funded))
	case slices.Contains(sens, scidatav1.SensitivityStateSecret):
		return mandatory(ReasonStateSecrets, "touching state secrets, though "+funded)
	case slices.Contains(sens, scidatav1.SensitivityNationalSecurity):
		return mandatory(ReasonNationalSecurity, "touching national security, though "+funded)
	case slices.Contains(sens, scidatav1.SensitivityPublicInterest):
		return mandatory(ReasonPublicInterest, "touching the public interest, though "+funded)
	case source == scidatav1.FundingPrivate:
		return Result{Level: scidatav1.DutyEncouraged, Reason: ReasonPrivatelyFunded,
			Message: "data " + funded + ": " + encouragedConsequence}
	}
	return Result{Level: scidatav1.DutyNone, Reason: ReasonNoPublicFunding, Message: "data " + funded + ": " + noDutyConsequence}
}

func mandatory(reason, what string) Result {
	return Result{Level: scidatav1.DutyMandatory, Reason: reason, Message: "data " + what + ": " + mandatoryConsequence}
}

func fundedWords(s scidatav1.FundingSource) string {
	switch s {
	case scidatav1.FundingPrivate:
		return "privately"
	case scidatav1.FundingNone:
		return "by no project"
	}
	return string(s)
}

// Label is the value of the label scidata.io/duty for a level.
func Label(l scidatav1.DutyLevel) string {
	switch l {
	case scidatav1.DutyMandatory:
		return scidatav1.DutyLabelMandatory
	case scidatav1.DutyEncouraged:
		return scidatav1.DutyLabelEncouraged
	}
	return scidatav1.DutyLabelNone
}
