package s3client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/minio/minio-go/v7"
)

// Failure is what kind of failure an S3 call met, as a person acts on it.
type Failure int

const (
	// Other is any failure not below: a server error, a timeout, an
	// interrupted request; retrying may succeed.
	Other Failure = iota
	// Untrusted: the store's certificate does not verify against the CA
	// bundle (wrong CA, wrong name, expired), or it does not speak TLS.
	Untrusted
	// Unreachable: the store refuses connections or its name does not
	// resolve (deleted, stopped, blocked by a NetworkPolicy).
	Unreachable
	// Denied: the store refused the account (unknown key, wrong secret)
	// or the operation (AccessDenied).
	Denied
	// NoBucket: the bucket does not exist.
	NoBucket
	// Full: the store has no space left (507).
	Full
)

// Classify says what kind of failure err is; nil is Other.
func Classify(err error) Failure {
	if err == nil {
		return Other
	}
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &rh) ||
		// net/http drops the type of a plain-HTTP answer to a TLS hello.
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return Untrusted
	}
	var op *net.OpError
	var dns *net.DNSError
	if errors.As(err, &op) || errors.As(err, &dns) {
		return Unreachable
	}
	resp := minio.ToErrorResponse(err)
	if resp.Code == "InsufficientStorage" || resp.StatusCode == http.StatusInsufficientStorage {
		return Full
	}
	switch resp.Code {
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidSecurity", "AllAccessDisabled":
		return Denied
	case "NoSuchBucket":
		return NoBucket
	}
	return Other
}
