// Package duty decides whether a CatalogEntry must be submitted to the
// city's Scientific Data Center (汇交, §2.5 of the plan), as one pure
// function of the entry's spec. The CatalogEntry controller writes the
// answer to status.duty and mirrors it to the label scidata.io/duty, which
// only the operator may set; the city's SubmissionPolicy selects on that
// label, so no department can keep an entry out of submission by how it
// labels it. The submission controllers match policy selectors against the
// computed value (submission.EntryLabels), not the label on the object, so
// coverage neither waits for the label to be written nor trusts one
// written by someone else.
//
// The rules, in order (the first that applies decides):
//
//   - Government or Mixed funding: Mandatory. Data from projects paid for
//     by public money is submitted (the State Council's Measures, art. 10;
//     the plan, §2.5).
//   - Data touching state secrets (a classification above Internal, or the
//     sensitivity StateSecret), national security or the public interest:
//     Mandatory, whatever paid for it. The plan requires it of privately
//     funded data; it holds a fortiori for data with no funding stated.
//   - Private funding: Encouraged (the Measures encourage submitting data
//     made with private money).
//   - Otherwise (funding None, or not stated): None. A department may still
//     submit such entries with a policy of its own.
//
// Trade secrets and personal information restrict sharing (package
// sharing) but create no duty to submit by themselves.
//
// A change of spec that drops a Mandatory duty is a decision, not an edit:
// the admission policy scidata-catalogentry-declassification refuses moving
// funding.source from Government or Mixed to anything else, and removing a
// sensitivity or lowering the classification, unless a declassifier makes
// the edit.
package duty
