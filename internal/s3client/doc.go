// Package s3client makes the S3 clients the operator's own commands and
// the manager use against a store: TLS always, verified against the CA
// bundle given (the operator's CA for a Managed store, an External
// store's own; the system roots only when none is given), never skipped,
// signed with one account. It also holds what the `objects` command does
// with such a client (PutTree, List, Cat), so that the command is only
// flags, and the one classification of S3 errors (Classify) the sync
// worker's exit codes and the manager's probe share.
//
// The sync worker (internal/sync) still builds its own clients (a
// connection pool sized to the objects in flight, a transport tests can
// wrap, and errors that carry its exit codes).
package s3client
