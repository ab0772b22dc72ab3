// Package sync is the worker a sync Job runs: it copies one dataset (one
// CatalogEntry at one content version) from a department's object store,
// read with the Center's read-only account, into the Center's store, under
// <department>/<entry>/<content version>/, and never over an earlier version.
//
// Every object is streamed (bounded memory: one upload part at a time) while
// its SHA-256 is computed, then read back from the Center's store and hashed
// again; only an object whose bytes read back as they were streamed gets its
// SHA-256 recorded in its user metadata. That record is what makes a run
// restartable: a later run skips an object whose recorded hash still matches
// its bytes, and copies again one that was never recorded or whose bytes no
// longer match (a torn write, bit rot, tampering). The manifest (path, size,
// SHA-256 of every object, sorted) is written last, so its presence means
// the version is complete; a run that finds it only verifies.
//
// The worker reports the manifest digest (receipt.Digest of the exact bytes),
// object count and bytes in the pod's termination message. The manager does
// not trust that claim: it reads the manifest back before signing a receipt.
// Errors a retry cannot fix exit with the distinct codes in exitcodes.go, so
// the Job's podFailurePolicy can fail at once on them.
package sync
