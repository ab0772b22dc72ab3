// Package storeboot prepares a managed object store (the versitygw S3
// server) for its accounts, in two steps that run inside the store's pod:
//
//   - before the server starts, an init container writes the server's IAM
//     file (users.json) from the account Secrets the operator generated:
//     the owners' upload account and, on a department store, the Center's
//     read-only account. Each is an ordinary user that can do nothing by
//     itself;
//   - beside the server, a sidecar container (Sidecar) makes the
//     platform's bucket with the root account and keeps its bucket policy
//     equal to the one the platform's role calls for (Grants), checking
//     again every interval, and reports ready on /readyz while it is. The pod
//     is Ready only when the sidecar is, so a platform's StorageReady means
//     that its accounts can really use its bucket.
//
// Both steps are idempotent: a restarted pod repeats them and changes
// nothing that is already right. No step deletes a bucket or an object.
package storeboot
