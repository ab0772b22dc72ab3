//go:build tools

// Package localpath records the local-path-provisioner command that
// hack/build-k8s.sh builds: the default StorageClass of the local cluster.
package localpath

import _ "github.com/rancher/local-path-provisioner"
