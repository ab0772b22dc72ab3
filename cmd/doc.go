// Package cmd is the command line of the scidata-operator binary (main.go
// calls Execute). Each subcommand is thin: flags in, a call into the package
// it drives, errors out.
//
//   - manager (the default, when no subcommand is given): the controllers
//     (package controllers).
//   - portal: the read-only catalog server (internal/portal).
//   - receipt verify: checks a receipt offline against a pinned key
//     fingerprint (internal/receipt).
//   - sync: the worker a sync Job runs, with its exit codes as the process
//     status (internal/sync).
//   - store-init and store-bootstrap: the managed object store pod's init
//     container and sidecar (internal/storeboot).
//   - objects put|ls|cat: a small S3 client a department runs in its own
//     namespace to load data into its store (internal/s3client).
//   - grant-check: what an access grant's check Job runs in the namespace
//     of use (internal/access).
//
// Started as kubectl-scidata (`make plugin`, or a copy or link of the
// binary under that name), the binary is the kubectl plugin `kubectl
// scidata` instead (plugin.go): status, trace, receipt verify and report,
// with kubectl's own kubeconfig flags (internal/plugin).
//
// Only main imports this package; nothing under internal/ may.
package cmd
