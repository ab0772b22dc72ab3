//go:build tools

// Package devtools records the development commands built into bin/.
package devtools

import _ "sigs.k8s.io/controller-tools/cmd/controller-gen"
