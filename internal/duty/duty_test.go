package duty

import (
	"strings"
	"testing"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

func spec(source scidatav1.FundingSource, level scidatav1.ClassificationLevel, sens ...scidatav1.Sensitivity) *scidatav1.CatalogEntrySpec {
	s := &scidatav1.CatalogEntrySpec{Classification: &scidatav1.Classification{Level: level, Sensitivities: sens}}
	if source != "" {
		s.Funding = &scidatav1.Funding{Source: source}
	}
	return s
}

func TestComputeDecidesTheDutyFromFundingAndClassification(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   *scidatav1.CatalogEntrySpec
		level  scidatav1.DutyLevel
		reason string
		says   string
	}{
		{"government funding is mandatory", spec(scidatav1.FundingGovernment, scidatav1.ClassificationPublic),
			scidatav1.DutyMandatory, ReasonGovernmentFunded, "funding.source Government"},
		{"mixed funding is mandatory", spec(scidatav1.FundingMixed, scidatav1.ClassificationInternal),
			scidatav1.DutyMandatory, ReasonMixedFunded, "funding.source Mixed"},
		{"government funding decides before the classification", spec(scidatav1.FundingGovernment, scidatav1.ClassificationSecret, scidatav1.SensitivityStateSecret),
			scidatav1.DutyMandatory, ReasonGovernmentFunded, "must be submitted"},
		{"private data classified above Internal is state secrets: mandatory", spec(scidatav1.FundingPrivate, scidatav1.ClassificationConfidential),
			scidatav1.DutyMandatory, ReasonStateSecrets, "classified Confidential"},
		{"private data touching state secrets is mandatory", spec(scidatav1.FundingPrivate, scidatav1.ClassificationInternal, scidatav1.SensitivityStateSecret),
			scidatav1.DutyMandatory, ReasonStateSecrets, "touching state secrets, though funded privately"},
		{"private data touching national security is mandatory", spec(scidatav1.FundingPrivate, scidatav1.ClassificationPublic, scidatav1.SensitivityNationalSecurity),
			scidatav1.DutyMandatory, ReasonNationalSecurity, "national security"},
		{"private data touching the public interest is mandatory", spec(scidatav1.FundingPrivate, scidatav1.ClassificationPublic, scidatav1.SensitivityPublicInterest),
			scidatav1.DutyMandatory, ReasonPublicInterest, "the public interest"},
		{"unfunded data touching state secrets is mandatory too", spec("", scidatav1.ClassificationSecret),
			scidatav1.DutyMandatory, ReasonStateSecrets, "with no funding stated"},
		{"private data with trade secrets is only encouraged", spec(scidatav1.FundingPrivate, scidatav1.ClassificationInternal, scidatav1.SensitivityTradeSecret),
			scidatav1.DutyEncouraged, ReasonPrivatelyFunded, "encouraged"},
		{"private data with personal information is only encouraged", spec(scidatav1.FundingPrivate, scidatav1.ClassificationPublic, scidatav1.SensitivityPersonalInformation),
			scidatav1.DutyEncouraged, ReasonPrivatelyFunded, "funded privately"},
		{"no funding is no duty", spec(scidatav1.FundingNone, scidatav1.ClassificationPublic),
			scidatav1.DutyNone, ReasonNoPublicFunding, "funded by no project (funding.source None)"},
		{"no funding stated is no duty", spec("", scidatav1.ClassificationInternal),
			scidatav1.DutyNone, ReasonNoPublicFunding, "with no funding stated"},
		{"an entry stored before classification was required is Public", &scidatav1.CatalogEntrySpec{Funding: &scidatav1.Funding{Source: scidatav1.FundingPrivate}},
			scidatav1.DutyEncouraged, ReasonPrivatelyFunded, "encouraged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Compute(tc.spec)
			if got.Level != tc.level || got.Reason != tc.reason || !strings.Contains(got.Message, tc.says) {
				t.Fatalf("got %+v, want %s (%s) saying %q", got, tc.level, tc.reason, tc.says)
			}
		})
	}
}

func TestLabelIsTheLevelInLowerCase(t *testing.T) {
	for l, want := range map[scidatav1.DutyLevel]string{
		scidatav1.DutyMandatory: "mandatory", scidatav1.DutyEncouraged: "encouraged", scidatav1.DutyNone: "none", "": "none",
	} {
		if got := Label(l); got != want {
			t.Errorf("Label(%q) = %q, want %q", l, got, want)
		}
	}
}
