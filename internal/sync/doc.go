// Package sync is the worker a sync Job runs: it copies one dataset (one
// CatalogEntry at one content version) from a department's object store,
// read with the Center's read-only account, into the Center's store, under
// <department>/<entry>/<content version>/, and never over an earlier version.
//
// Every object is read from the source while its SHA-256 is computed, and
// written with that SHA-256 (x-amz-checksum-sha256 on a single PUT, on each
// part of a multipart upload, whose composite checksum the worker checks).
// A store that verifies the checksum refuses bytes that do not match, so
// what it accepted is what was sent; the worker finds out on every run
// whether the Center's store does (a probe with a wrong checksum, see
// checksum.go: versitygw and SeaweedFS both do), and reads each written
// object back and hashes it again only where it does not. Only an object
// known to hold exactly the bytes sent gets its SHA-256 recorded in its
// user metadata. That record is what makes a run restartable: a later run
// reads back an object whose hash is recorded, keeps it if the hash still
// matches its bytes, and copies again one that was never recorded or whose
// bytes no longer match (a torn write, bit rot, tampering). Memory is
// bounded whatever the objects' sizes (memoryBudget); objects in flight
// follow the cores present. The manifest (path, size, SHA-256 of every
// object, sorted) is written last and read back, so its presence means the
// version is complete; a run that finds it only verifies.
//
// The worker reports the manifest digest (receipt.Digest of the exact bytes),
// object count and bytes in the pod's termination message. The manager does
// not trust that claim: it reads the manifest back before signing a receipt.
// Errors a retry cannot fix exit with the distinct codes in exitcodes.go, so
// the Job's podFailurePolicy can fail at once on them.
package sync
