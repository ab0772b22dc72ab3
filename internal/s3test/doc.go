// Package s3test runs real S3 servers as local processes on 127.0.0.1 (or
// Options.Host, a real node's address) for tests, each serving TLS with a
// CA made for the test (or one the test brings: Options.CA). Two
// independent engines, each built from its pinned Go module:
//
//   - versitygw (bin/versitygw, `make versitygw`): the Managed store's
//     engine, with the posix backend on a temporary directory and its own
//     IAM, so tests can create accounts and bucket policies as the store's
//     bootstrap does;
//   - SeaweedFS (bin/weed, `make seaweedfs`): `weed server -s3` in one
//     process (master, volume, filer and S3 gateway) with static
//     identities, playing the city's existing store.
//
// With Options.Bucket, either engine starts with that bucket and two
// accounts on it besides root: Upload (read, write, list) and ReadOnly
// (read, list). A missing binary fails the test with the make target that
// builds it; nothing is skipped. Nothing here mocks S3.
package s3test
