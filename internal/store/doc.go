// Package store is the one description of a platform's object store that
// every consumer takes: the sync Job builder, the manager's manifest
// read-back and receipt writes, the External store's readiness probe, the
// store's bootstrap, and the `objects` tool. For turns a DataPlatform into
// an endpoint URL, a bucket, a signing region, an addressing style, where
// the CA bundle is, and where each account's keys are (Store). Managed and
// External stores resolve to the same shape, so nothing above this package
// asks which one it is talking to.
//
// Two views of the same store:
//
//   - the manager's (Store.CA, Store.Accounts): the Secrets it reads
//     itself, in the platform's namespace for a Managed store, in the
//     operator's namespace (as the spec names them) for an External one;
//   - the pods' (Store.Pods, Store.CenterSource, Store.CenterDest): the
//     Secrets and the ConfigMap a pod mounts in its own namespace. They
//     carry the same names on both modes: for an External store the
//     operator mirrors what the city's storage team created into them.
//
// No other code names the managed store's URL or bucket: `make
// check-store` fails when a Go file outside this package does.
package store
