// Package portal is the read-only catalog server every platform runs: in the
// Center it serves the consolidated city catalog, in a department that
// department's entries. It reads CatalogEntries and DataPlatforms through a
// controller-runtime cache and never writes.
//
// Views: a server-rendered web page (search, filters, an entry page, a
// scorecard with an inline SVG chart; no JavaScript), a JSON API with paging
// and filters, a DCAT-AP JSON-LD export and a CSV export, plus /healthz,
// /readyz and /metrics.
//
// The views read an Index kept current by the informers' events (index.go),
// never a list of every entry per request. What may be shown is decided by
// internal/sharing from the spec and the portal's clock, never from a
// possibly stale status, and re-decided at each entry's next change by the
// clock: Closed and classified entries appear in no view, not even by
// title, and no figure in any view counts them; an embargoed entry shows
// its metadata and the date its data opens, without its access URL. Every
// string a view shows is neutralised first (text.go): control characters
// and bidirectional overrides become U+FFFD.
package portal
