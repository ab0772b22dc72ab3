// Package evaluation computes the plan's evaluation figures (§3): six
// areas (collection, preservation, submission, open sharing, security and
// IP protection), each a stated formula over facts the operator knows.
//
// It is pure: the facts come in a plain struct (Facts), filled by whoever
// reads them. The public portal fills it with what it may show (its listed
// entries and their platforms' declared retention) and asks for the public
// areas only; `kubectl scidata evaluate` fills it from the cluster, every
// entry, Submission and AccessRequest included, and asks for all six.
//
// Every area is a list of terms, each a numerator over a denominator. A
// term with a denominator of 0 has nothing to count and drops out; an area
// is the mean of its remaining terms' shares, rounded down to a whole
// percent, and an area with no term left is not applicable: it has no
// figure, never 100. docs/evaluation.md states each term.
package evaluation
