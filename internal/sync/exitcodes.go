package sync

import (
	"errors"
	"fmt"

	"github.com/scidata-io/scidata-operator/internal/s3client"
)

// Exit codes of the sync worker. ExitTransient is the only one a retry can
// fix; the others are final, and a Job's podFailurePolicy should fail the Job
// on them (action FailJob, operator In) instead of retrying.
const (
	// ExitOK: the version is in the Center's store, verified, with its manifest.
	ExitOK = 0
	// ExitTransient: network, timeout, server error; retrying may succeed.
	ExitTransient = 1
	// ExitUsage: the worker was started with missing or invalid settings.
	ExitUsage = 2
	// ExitAccessDenied: a store refused the credentials or the operation
	// (AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch).
	ExitAccessDenied = 10
	// ExitBucketMissing: the source or destination bucket does not exist.
	ExitBucketMissing = 11
	// ExitSourceChanged: a source object changed while it was being copied
	// (its ETag no longer matches the listing, or it yielded a different
	// number of bytes): the department must finish writing, and bump the
	// content version if the data changed.
	ExitSourceChanged = 12
	// ExitVersionConflict: the destination version already has a manifest
	// and the source's content differs from it. A version is never rewritten.
	ExitVersionConflict = 13
	// ExitClassificationRefused: the data's classification is above what the
	// Center may hold.
	ExitClassificationRefused = 14
	// ExitNothingToSubmit: the source prefix holds no objects.
	ExitNothingToSubmit = 15
	// ExitDestinationCorrupt: the Center's store does not return the bytes
	// written to it, or an object of a completed version no longer matches
	// its recorded SHA-256.
	ExitDestinationCorrupt = 16
	// ExitSourceInvalid: the source cannot be laid out at the destination
	// (an object named manifest.json at the top of the prefix).
	ExitSourceInvalid = 17
	// ExitUntrusted: a store's TLS certificate does not verify against the
	// CA bundle (wrong CA, wrong name, expired).
	ExitUntrusted = 18
	// ExitStoreFull: the Center's store has no space left for the version.
	// Retrying cannot help until an administrator grows its storage.
	ExitStoreFull = 19
	// ExitUnreachable: a store does not accept connections (deleted,
	// stopped, or blocked by a NetworkPolicy). It may come back, so the Job
	// retries it; when the retries run out it names the Submission's
	// failure.
	ExitUnreachable = 20
)

// Reason is the Submission's condition reason for a failed sync Job whose
// worker ended with code: one per failure a person acts on differently.
func Reason(code int) string {
	switch code {
	case ExitAccessDenied:
		return "CredentialsRejected"
	case ExitBucketMissing:
		return "BucketMissing"
	case ExitSourceChanged:
		return "SourceChanged"
	case ExitVersionConflict:
		return "VersionConflict"
	case ExitClassificationRefused:
		return "ClassificationRefused"
	case ExitNothingToSubmit:
		return "NothingToSubmit"
	case ExitDestinationCorrupt:
		return "ChecksumMismatch"
	case ExitSourceInvalid:
		return "SourceInvalid"
	case ExitUntrusted:
		return "CertificateUntrusted"
	case ExitStoreFull:
		return "CenterStoreFull"
	case ExitUnreachable:
		return "StoreUnreachable"
	}
	return "TransferFailed"
}

// Error is a sync failure with the exit code the worker ends with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// fail wraps a formatted error with an exit code.
func fail(code int, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// ExitCode is the process exit code for err: 0 for nil, the code of an
// *Error, and otherwise ExitTransient.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitTransient
}

// classifyS3 gives an S3 error the exit code a retry cannot change, and
// leaves every other error transient. what names the operation and store.
// The kinds are s3client.Classify's, shared with the manager's probe.
func classifyS3(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	switch s3client.Classify(err) {
	case s3client.Untrusted:
		return &Error{Code: ExitUntrusted, Err: fmt.Errorf("%s: the store's certificate is not trusted: %w", what, err)}
	case s3client.Unreachable:
		return &Error{Code: ExitUnreachable, Err: fmt.Errorf("%s: the store is not reachable (deleted, stopped, or blocked by a NetworkPolicy): %w", what, err)}
	case s3client.Full:
		return &Error{Code: ExitStoreFull, Err: fmt.Errorf("%s: the Center's store is full: grow the Center's spec.storage.size (or free space), then submit again: %w", what, err)}
	case s3client.Denied:
		return &Error{Code: ExitAccessDenied, Err: fmt.Errorf("%s: %w", what, err)}
	case s3client.NoBucket:
		return &Error{Code: ExitBucketMissing, Err: fmt.Errorf("%s: %w", what, err)}
	}
	return fmt.Errorf("%s: %w", what, err)
}
