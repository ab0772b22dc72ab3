//go:build tools

// Package versitygw records the S3 server the Makefile builds into
// bin/versitygw: the Managed object store, and the real S3 server the sync
// worker's tests start as a local process.
package versitygw

import _ "github.com/versity/versitygw/cmd/versitygw"
