package s3client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
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
	return NewWith(endpoint, Options{Access: access, Secret: secret, Roots: roots, ServerName: serverName})
}

// Options are how a client reaches one store with one account.
type Options struct {
	Access, Secret string
	// Roots verify the store's certificate; nil means the system roots.
	Roots *x509.CertPool
	// ServerName, when set, is the name the certificate must carry.
	ServerName string
	// Region signs requests; empty is us-east-1 (never asked of the store).
	Region string
	// VirtualHosted addresses the bucket in the host name; otherwise in
	// the path, as every on-premises store serves it.
	VirtualHosted bool
	// NoRetries makes every call one request: minio-go otherwise retries
	// what it takes for a network error, a refused certificate included,
	// for seconds.
	NoRetries bool
	// Dial, if set, opens the TCP connections (tests reach an in-cluster
	// name on a local server this way; TLS still checks the name).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Transport, if set, wraps the transport (to count requests).
	Transport func(http.RoundTripper) http.RoundTripper
}

// NewWith connects to endpoint as o says, over TLS verified against
// o.Roots: there is no way to skip verification.
func NewWith(endpoint string, o Options) (*minio.Client, error) {
	host, err := HostPort(endpoint)
	if err != nil {
		return nil, err
	}
	t, err := minio.DefaultTransport(true)
	if err != nil {
		return nil, err
	}
	t.TLSClientConfig = &tls.Config{RootCAs: o.Roots, ServerName: o.ServerName, MinVersion: tls.VersionTLS12}
	if o.Dial != nil {
		t.DialContext = o.Dial
	}
	var rt http.RoundTripper = t
	if o.Transport != nil {
		rt = o.Transport(t)
	}
	region := o.Region
	if region == "" {
		region = "us-east-1"
	}
	lookup := minio.BucketLookupPath
	if o.VirtualHosted {
		lookup = minio.BucketLookupDNS
	}
	mo := &minio.Options{Creds: credentials.NewStaticV4(o.Access, o.Secret, ""), Secure: true, Transport: rt, Region: region, BucketLookup: lookup}
	if o.NoRetries {
		mo.MaxRetries = 1
	}
	c, err := minio.New(host, mo)
	if err != nil {
		return nil, fmt.Errorf("S3 client for %s: %w", endpoint, err)
	}
	return c, nil
}
