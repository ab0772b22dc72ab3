//go:build tools

// Package seaweedfs records the second S3 engine the Makefile builds into
// bin/weed: SeaweedFS (`weed server -s3`), which the sync worker's tests
// start beside versitygw as a local process, and which plays the city's
// existing object store for External platforms.
package seaweedfs

import _ "github.com/seaweedfs/seaweedfs/weed"
