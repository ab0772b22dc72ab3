package centerstore

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/store"
)

// MaxManifest bounds what is read back: a manifest of 100,000 objects is
// about 15 MiB.
const MaxManifest = 64 << 20

// Store reads and writes small objects of one bucket.
type Store interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, data []byte) error
}

// KeySetKey is where the Center's store keeps a copy of the receipt key
// set (the receipt-keys ConfigMap's keys.json), at the top of its bucket,
// where no department's prefix can be (a department code has no dot).
const KeySetKey = "receipt-keys.json"

// S3 is a Store on an S3 bucket.
type S3 struct {
	client *minio.Client
	bucket string
}

// New is a Store on bucket through cl.
func New(cl *minio.Client, bucket string) *S3 { return &S3{client: cl, bucket: bucket} }

// Open opens the Center's store as its description says, with the sync
// writer's keys and the store's CA read through c.
func Open(ctx context.Context, c client.Reader, center *scidatav1.DataPlatform, operatorNamespace string, dial store.Dialer) (*S3, error) {
	st := store.For(center, operatorNamespace)
	cr, err := store.Resolve(ctx, c, st, store.SyncWriter)
	if err != nil {
		return nil, err
	}
	cl, err := st.Client(store.SyncWriter, cr, store.ClientOptions{Dial: dial})
	if err != nil {
		return nil, err
	}
	return New(cl, st.Bucket), nil
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
