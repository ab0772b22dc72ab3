// Package sharing computes a CatalogEntry's effective sharing from its spec
// and the clock: Open, Conditional or Closed, why, whether the public
// catalog may show it, which review conditions hold, and when any of that
// changes next.
//
// It is a pure function, shared by the CatalogEntry controller (which
// writes it to status and requeues at the next change) and the portal
// (which recomputes it on every request, so a stale status never shows an
// embargoed or classified entry too early).
package sharing
