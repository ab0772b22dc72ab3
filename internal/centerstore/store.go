// Package centerstore is the manager's view of the Center's object store:
// it reads a submission's manifest back to hash it itself (a worker's
// termination message is a claim, not a proof) and stores the signed
// receipt beside it. TLS is verified against the operator's CA.
package centerstore

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MaxManifest bounds what is read back: a manifest of 100,000 objects is
// about 15 MiB.
const MaxManifest = 64 << 20

// Store reads and writes small objects of one bucket.
type Store interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, data []byte) error
}

// S3 is a Store on an S3 bucket.
type S3 struct {
	client *minio.Client
	bucket string
}

// NewS3 connects to endpoint (host:port or https://host:port) with the
// given keys, trusting only roots.
func NewS3(endpoint, bucket, access, secret string, roots *x509.CertPool) (*S3, error) {
	host := endpoint
	if strings.Contains(endpoint, "://") {
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != "https" {
			return nil, fmt.Errorf("endpoint %q: want https://host:port", endpoint)
		}
		host = u.Host
	}
	t, err := minio.DefaultTransport(true)
	if err != nil {
		return nil, err
	}
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	c, err := minio.New(host, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Secure: true, Transport: t})
	if err != nil {
		return nil, fmt.Errorf("S3 client for %s: %w", endpoint, err)
	}
	return &S3{client: c, bucket: bucket}, nil
}

// Get reads an object whole, up to MaxManifest bytes.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, MaxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if len(b) > MaxManifest {
		return nil, fmt.Errorf("%s is larger than %d bytes", key, MaxManifest)
	}
	return b, nil
}

// Put writes an object.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{ContentType: "application/json"})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}
