// Package s3test runs a real S3 server, versitygw built from its pinned Go
// module into bin/versitygw by `make versitygw`, as a local process on
// 127.0.0.1 for tests: TLS with a CA made for the test, the posix backend
// on a temporary directory, and its own IAM so tests can create the
// read-only account the Center's sync uses. Nothing here mocks S3.
package s3test
