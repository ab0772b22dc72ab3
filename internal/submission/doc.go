// Package submission decides, as pure functions of the objects and the
// clock, what the submission (汇交) controllers do: which policies cover an
// entry, what a Submission for an entry version is called and says
// (builder.go), where it stands, when it is due, what a policy's status
// counts (status.go), and what a Submission's sync Job runs (job.go); the
// strictest terms of the covering policies, their working-day deadlines
// and submission windows (terms.go), the Center's metadata gates and the
// subject code set they check (gates.go, subjects.tsv), and a funded
// project's entries and signed statements (project.go).
// Only coverage.go reads the cluster: FetchCoverage, the entry, its
// namespace's labels and the policies that cover it, which three
// controllers need alike (through CoveringPolicies, which an entry already
// read can use alone), whether a namespace is seen as a platform's, and
// the Submission of an entry version whatever its name (ForVersion).
package submission
