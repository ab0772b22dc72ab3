package store

import (
	"context"
	"net"
	"net/http"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/s3client"
)

// Dialer opens TCP connections. Production leaves it nil (the system's
// resolver and routes); envtest points the in-cluster name of a Managed
// store at a local server with it, and TLS still checks that name.
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// ClientOptions change how a client connects.
type ClientOptions struct {
	Dial Dialer
	// Transport, if set, wraps the transport (tests count requests).
	Transport func(http.RoundTripper) http.RoundTripper
	// NoRetries makes each call one request (the probe: a refused
	// certificate must be reported at once, not after seconds of retries).
	NoRetries bool
}

// Client is an S3 client for st as account a, with the keys and the CA
// bundle of cr (whose Roots nil means the system roots). TLS is always
// verified.
func (st Store) Client(a Account, cr Credentials, o ClientOptions) (*minio.Client, error) {
	k := cr.Keys[a]
	return s3client.NewWith(st.Endpoint, s3client.Options{
		Access: k.Access, Secret: k.Secret, Roots: cr.Roots, Region: st.Region, VirtualHosted: !st.PathStyle,
		NoRetries: o.NoRetries, Dial: o.Dial, Transport: o.Transport,
	})
}
