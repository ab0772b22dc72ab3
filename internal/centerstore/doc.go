// Package centerstore is the manager's view of the Center's object store:
// it reads a submission's manifest back to hash it itself (a worker's
// termination message is a claim, not a proof) and stores the signed
// receipt beside it. Where the store is, which bucket, which account and
// which CA come from the store description (internal/store): the Center's
// sync writer, TLS verified against the store's CA, on a Managed and an
// External Center alike.
package centerstore
