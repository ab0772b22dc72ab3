// Package imagebuild makes container images without a container engine:
// files (typically one static Go binary) as a single layer on an empty
// base, written as an OCI image layout tarball that containerd imports
// (`ctr images import`, the local cluster's `load-image`). Timestamps are
// fixed, so the same files give the same digests.
//
// It is shared by the local cluster tool (its pause and busybox images) and
// by `make image` (hack/image, the operator's image).
package imagebuild
