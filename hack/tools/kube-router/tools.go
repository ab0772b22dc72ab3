//go:build tools

// Package kuberouter records the kube-router command that
// hack/build-k8s.sh builds: the local cluster runs only its NetworkPolicy
// controller (--run-firewall), unpatched.
package kuberouter

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
