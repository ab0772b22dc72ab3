package centerstore

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"
)

// Lister is a Store that also lists what it holds under a prefix: the
// Center's data gate ObjectsPresent reads it.
type Lister interface {
	// Sizes maps every key under prefix to its size.
	Sizes(ctx context.Context, prefix string) (map[string]int64, error)
}

// Sizes lists the bucket under prefix.
func (s *S3) Sizes(ctx context.Context, prefix string) (map[string]int64, error) {
	out := map[string]int64{}
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, o.Err)
		}
		out[o.Key] = o.Size
	}
	return out, nil
}
