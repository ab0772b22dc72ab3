//go:build tools

// Package kubeapilinter records the linter of the Kubernetes API
// conventions that `make lint` runs on api/: kube-api-linter's standalone
// command (golangci-lint with kube-api-linter compiled in), built into
// bin/kube-api-linter.
package kubeapilinter

import _ "sigs.k8s.io/kube-api-linter/cmd/golangci-lint-kube-api-linter"
