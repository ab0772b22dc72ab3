// Package storetest serves a platform's object store, and runs a sync
// Job's worker, in envtest, where no pod runs:
//
//   - ManagedStore serves a Managed store as its pod would, as a local
//     versitygw: the accounts of the platform's own Secrets written into
//     its IAM file by storeboot (what store-init does), its bucket and
//     least-privilege policy made by storeboot (what store-bootstrap
//     does), a serving certificate from the operator's CA for the store's
//     in-cluster names; Dial then points those names at it, for the
//     manager (controllers.Options.StoreDialer), and RunSyncJob for the
//     worker. TLS still checks the store's name against the operator's CA;
//   - RunSyncJob runs the real sync worker in-process with a Job's own
//     arguments, each Secret and ConfigMap volume written to files where
//     the container mounts them, as the kubelet does; CompleteJob then
//     reports the Job done as the Job controller would;
//   - ExternalSecrets makes the Secrets a city's storage team makes for an
//     External store: two accounts and the CA bundle, in the operator's
//     namespace, without the operator's label.
//
// Nothing here fakes S3: every request goes to a real server (internal/s3test).
package storetest
