package sync

import (
	"context"
	"strings"

	"github.com/minio/minio-go/v7"
)

// sourceObject is one object to copy, as the source listing showed it.
type sourceObject struct {
	Key  string // full key in the source bucket
	Rel  string // path relative to the source prefix
	Size int64
	ETag string
}

// probePrefix is where the operator's probe writes (internal/store's
// ProbePrefix): no data lives there, so a backup of a whole bucket skips it.
const probePrefix = ".scidata-probe/"

// listSource lists every object under the source prefix. Keys ending in "/"
// are directory markers some tools create; they hold no data and are skipped.
func listSource(ctx context.Context, cl *minio.Client, bucket, prefix string) ([]sourceObject, error) {
	var out []sourceObject
	for o := range cl.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, classifyS3(o.Err, "list source "+bucket+"/"+prefix)
		}
		if strings.HasSuffix(o.Key, "/") || (prefix == "" && strings.HasPrefix(o.Key, probePrefix)) {
			continue
		}
		out = append(out, sourceObject{Key: o.Key, Rel: strings.TrimPrefix(o.Key, prefix), Size: o.Size, ETag: o.ETag})
	}
	for _, o := range out {
		if o.Rel == ManifestName {
			return nil, fail(ExitSourceInvalid,
				"source object %s would land where the version's manifest goes (%s): rename it", o.Key, ManifestName)
		}
	}
	return out, nil
}

// listDest returns the size of every object already under the destination
// prefix, so that a first run needs no request per object to learn that
// nothing is there yet.
func listDest(ctx context.Context, cl *minio.Client, bucket, prefix string) (map[string]int64, error) {
	out := map[string]int64{}
	for o := range cl.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, classifyS3(o.Err, "list destination "+bucket+"/"+prefix)
		}
		out[o.Key] = o.Size
	}
	return out, nil
}
