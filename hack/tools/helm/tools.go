//go:build tools

// Package helm records the Helm CLI the Makefile builds into bin/helm: the
// chart's lint and template tests, and `helm install` on the local node.
package helm

import _ "helm.sh/helm/v3/cmd/helm"
