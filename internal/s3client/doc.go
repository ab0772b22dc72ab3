// Package s3client makes the S3 clients the operator's own commands use
// against a platform's store: TLS always, verified against the operator's
// CA (never the system roots, never skipped), signed with one account. It
// also holds what the `objects` command does with such a client (PutTree,
// List, Cat), so that the command is only flags.
//
// The sync worker (internal/sync) still builds its own clients (with a
// region, a transport tests can wrap, and errors that carry its exit codes).
package s3client
