package s3client

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Roots reads a PEM bundle of CA certificates.
func Roots(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return roots, nil
}

// HostPort is the host:port of an endpoint given as host:port or
// https://host:port; any other scheme is refused.
func HostPort(endpoint string) (string, error) {
	if !strings.Contains(endpoint, "://") {
		return endpoint, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("endpoint %q: want host:port or https://host:port", endpoint)
	}
	return u.Host, nil
}

// New connects to endpoint with the account's keys over TLS verified
// against roots; serverName, when set, is the name the certificate must
// carry (for a connection to 127.0.0.1 inside the store's pod).
func New(endpoint, access, secret string, roots *x509.CertPool, serverName string) (*minio.Client, error) {
	host, err := HostPort(endpoint)
	if err != nil {
		return nil, err
	}
	t, err := minio.DefaultTransport(true)
	if err != nil {
		return nil, err
	}
	t.TLSClientConfig = &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12}
	c, err := minio.New(host, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Secure: true, Transport: t})
	if err != nil {
		return nil, fmt.Errorf("S3 client for %s: %w", endpoint, err)
	}
	return c, nil
}
