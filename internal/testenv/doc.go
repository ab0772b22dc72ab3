// Package testenv starts a real etcd and kube-apiserver (envtest) with the
// project's CRDs installed, for tests of controllers, admission rules, the
// portal and the chart, with the helpers those tests share: a client that
// counts writes (a steady-state reconcile writes nothing), bounded polling,
// and YAML fixtures.
//
// The binaries are built from pinned Go modules by hack/build-k8s.sh; `make
// test` points KUBEBUILDER_ASSETS at them. Without them a test fails with
// that instruction: it never falls back to a fake API server.
package testenv
