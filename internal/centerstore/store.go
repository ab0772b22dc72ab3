package centerstore

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/s3client"
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
	c, err := s3client.New(endpoint, access, secret, roots, "")
	if err != nil {
		return nil, err
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
