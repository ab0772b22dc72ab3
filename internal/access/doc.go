// Package access decides conditional access to a CatalogEntry (有条件共享,
// §2.6 and §2.7 of the plan) and builds what a grant is made of.
//
// Decide is one pure function of an AccessRequest and what the controller
// observed (the entry, the requesting platform, an earlier request in
// force, an entry whose data lies under the grant's prefix, the clock). It
// says which state the request is in, why, whether a person must act, and
// whether the grant must be in force. The rules, in order:
//
//   - A final state (Rejected, Expired, Revoked, Withdrawn) is never left.
//   - spec.withdrawn ends the request, granted or not.
//   - A granted request (status.grant recorded) ends when a reviewer
//     revokes it, at its exact expiry, or when the entry stops allowing it:
//     the entry is gone, no longer Conditional (Closed, or embargoed), above
//     the clearance of the namespace of use, classified without a security
//     approval, or the namespace of use is no longer its platform's. While
//     another entry's data lies under its prefix, the grant is held back
//     (no access), and resumes when the overlap is mended.
//   - Before approval: a decision about an earlier spec counts for nothing
//     (the controller removes it); Rejected is final; Returned waits for a
//     changed spec. What needs a person is said before any review (the
//     entry missing or not Conditional, the namespace not the platform's,
//     its clearance, the fees, an earlier request in force, an overlapping
//     prefix). The department's approval grants an unclassified entry; an
//     entry classified above Internal needs a security reviewer's too.
//
// The grant's expiry is its approval, to the second, plus the shortest of
// the requested and the granted durations. Its prefix is the entry's data
// prefix ending in "/" (so that "hydro" never reads "hydrology/"). What it
// costs is the entry's published fee, waived for the plan's free uses.
//
// The builders (objects.go) make, for one grant: the Secret in the
// namespace of use (the credential, where the store is, its CA), the
// NetworkPolicies (egress from the grant's pods in the namespace of use,
// ingress on the owner's store), the check Job that proves from the
// namespace of use that the credential reads the prefix and cannot write,
// and the grant's line in the owner's store (storeboot.FileGrant). Each is
// named by the grant's id, a hash of the request's namespace and name, and
// labelled with it, so everything a grant made is found, and removed, by
// that one label.
package access
