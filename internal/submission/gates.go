package submission

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

//go:embed subjects.tsv
var subjectsTSV string

// Subject is one code of the subject code set the Center accepts.
type Subject struct {
	Code, Name, LocalName string
}

// Subjects is the shipped subject code set (subjects.tsv), in code order.
var Subjects = parseSubjects(subjectsTSV)

func parseSubjects(tsv string) []Subject {
	var out []Subject
	for _, line := range strings.Split(tsv, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			panic("subjects.tsv: a line without code, name and local name: " + line)
		}
		out = append(out, Subject{Code: f[0], Name: f[1], LocalName: f[2]})
	}
	return out
}

// SubjectOf is the listed discipline a code belongs to: the code itself,
// or for a five- or seven-digit code its first level. ok is false when
// the first level is not in the set.
func SubjectOf(code string) (Subject, bool) {
	if len(code) < 3 {
		return Subject{}, false
	}
	i, ok := slices.BinarySearchFunc(Subjects, code[:3], func(s Subject, c string) int { return strings.Compare(s.Code, c) })
	if !ok {
		return Subject{}, false
	}
	return Subjects[i], true
}

// metadataGate checks one data element of GB/T 39909 on an entry's spec:
// it returns "" when the element is there, else what is missing.
var metadataGates = map[scidatav1.MetadataGate]func(*scidatav1.CatalogEntrySpec) string{
	scidatav1.GateTitle: func(s *scidatav1.CatalogEntrySpec) string {
		return missingIf(strings.TrimSpace(s.Title) == "", "spec.title is empty")
	},
	scidatav1.GateDescription: func(s *scidatav1.CatalogEntrySpec) string {
		return missingIf(len(strings.TrimSpace(s.Description)) < 20, "spec.description says less than 20 characters of what the data is, how it was made and what it is for")
	},
	scidatav1.GateSubject: func(s *scidatav1.CatalogEntrySpec) string {
		return missingIf(strings.TrimSpace(s.Subject) == "", "spec.subject is empty")
	},
	scidatav1.GateSubjectCode: func(s *scidatav1.CatalogEntrySpec) string {
		if s.SubjectCode == "" {
			return "spec.subjectCode is not set: name the discipline's code (docs/submission.md lists the accepted codes, such as 210 for Agronomy)"
		}
		if _, ok := SubjectOf(s.SubjectCode); !ok {
			return fmt.Sprintf("spec.subjectCode %s is not in the Center's subject code set (docs/submission.md)", s.SubjectCode)
		}
		return ""
	},
	scidatav1.GateKeywords: func(s *scidatav1.CatalogEntrySpec) string {
		return missingIf(len(s.Keywords) == 0, "spec.keywords is empty")
	},
	scidatav1.GateResponsibleParty: func(s *scidatav1.CatalogEntrySpec) string {
		return missingIf(s.ResponsibleDepartment.Code == "" || s.ResponsibleDepartment.Name == "", "spec.responsibleDepartment needs its code and name")
	},
	scidatav1.GateProvidingParty: func(s *scidatav1.CatalogEntrySpec) string {
		return missingIf(strings.TrimSpace(s.ProvidingDepartment.Name) == "", "spec.providingDepartment.name is empty")
	},
	scidatav1.GateContact: func(s *scidatav1.CatalogEntrySpec) string {
		return missingIf(s.Contact == nil || s.Contact.Email == "", "spec.contact needs a name and an email")
	},
	scidatav1.GateDataTypes: func(s *scidatav1.CatalogEntrySpec) string {
		return missingIf(len(s.DataTypes) == 0, "spec.dataTypes is empty")
	},
	scidatav1.GateFormats: func(s *scidatav1.CatalogEntrySpec) string {
		return missingIf(len(s.Data.Formats) == 0, "spec.data.formats is empty: name the files' formats, such as text/csv")
	},
	scidatav1.GateSharing: func(s *scidatav1.CatalogEntrySpec) string {
		if s.Sharing.Mode == "" {
			return "spec.sharing.mode is not set"
		}
		return missingIf(s.Sharing.Mode != scidatav1.SharingClosed && s.Sharing.Scope == "" && s.Sharing.Conditions == "",
			"spec.sharing states the mode but not the permission: set sharing.scope (or sharing.conditions for Conditional data)")
	},
	scidatav1.GateLicence: func(s *scidatav1.CatalogEntrySpec) string {
		// Closed data is shared under no licence.
		return missingIf(s.Sharing.Mode != scidatav1.SharingClosed && (s.License == nil || s.License.Name == ""), "spec.license is not set")
	},
	scidatav1.GateFunding: func(s *scidatav1.CatalogEntrySpec) string {
		if s.Funding == nil {
			return "spec.funding is not set: say who paid for the work"
		}
		public := s.Funding.Source == scidatav1.FundingGovernment || s.Funding.Source == scidatav1.FundingMixed
		return missingIf(public && (s.Funding.Programme == "" || s.Funding.ProjectID == ""), "spec.funding of publicly funded data needs the programme and the projectID")
	},
	scidatav1.GateCreationTime: func(s *scidatav1.CatalogEntrySpec) string {
		return missingIf(s.Data.CreatedAt == nil, "spec.data.createdAt is not set: say when the data was made")
	},
}

func missingIf(missing bool, what string) string {
	if missing {
		return what
	}
	return ""
}

// MetadataGates runs the metadata gates of terms on an entry at
// generation, whose completeness score is score, in the order of the
// terms (sorted) and then Completeness. Every gate is reported, passed or
// not.
func MetadataGates(terms *scidatav1.AcceptanceTerms, spec *scidatav1.CatalogEntrySpec, score int32, generation int64) []scidatav1.GateResult {
	if terms == nil {
		return nil
	}
	var out []scidatav1.GateResult
	for _, g := range terms.MetadataGates {
		check, ok := metadataGates[g]
		msg := "unknown gate"
		if ok {
			msg = check(spec)
		}
		r := scidatav1.GateResult{Name: string(g), Phase: scidatav1.GateMetadata, Passed: msg == "", Message: msg, EntryGeneration: generation}
		if r.Passed {
			r.Message = "present"
		}
		out = append(out, r)
	}
	if terms.MinCompleteness > 0 {
		r := scidatav1.GateResult{Name: scidatav1.GateCompleteness, Phase: scidatav1.GateMetadata, EntryGeneration: generation,
			Passed: score >= terms.MinCompleteness, Message: fmt.Sprintf("completeness %d, the Center accepts %d or more", score, terms.MinCompleteness)}
		if !r.Passed {
			r.Message += ": fill the fields status.completeness.missing of the entry names"
		}
		out = append(out, r)
	}
	return out
}

// FirstFailed is the first gate of results that failed, or nil.
func FirstFailed(results []scidatav1.GateResult, phase scidatav1.GatePhase) *scidatav1.GateResult {
	for i := range results {
		if results[i].Phase == phase && !results[i].Passed {
			return &results[i]
		}
	}
	return nil
}

// Passed names the gates of results that passed, in order.
func Passed(results []scidatav1.GateResult) []string {
	var out []string
	for _, r := range results {
		if r.Passed {
			out = append(out, r.Name)
		}
	}
	return out
}
