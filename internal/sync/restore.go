package sync

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"

	"github.com/scidata-io/scidata-operator/internal/receipt"
)

// restoreBackup copies backup cfg.BackupID of cfg.Platform from its target
// (cfg.Source) into cfg.Dest's bucket, each object at the key it had in
// the platform's store, making the bucket if it is missing; then it reads
// every restored object back and checks it against the backup's manifest,
// hashing every byte. An object of the backup missing, or one of the
// backup or of its restored copy whose bytes differ from the manifest, is
// ExitDestinationCorrupt, naming it. Objects of the bucket the manifest
// does not list are left as they are: a restore adds and overwrites,
// never deletes.
func restoreBackup(ctx context.Context, cfg *Config, log *slog.Logger) (Result, error) {
	w, err := newWorker(cfg, log)
	if err != nil {
		return Result{}, err
	}
	defer w.closeIdle()
	w.waitReachable(ctx)
	prefix := BackupPrefix(cfg.Platform, cfg.BackupID)
	b, m, err := w.backupManifest(ctx, prefix)
	if err != nil {
		return Result{}, err
	}
	listed := map[string]sourceObject{}
	for o := range w.src.ListObjects(ctx, cfg.Source.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return Result{}, classifyS3(o.Err, "list backup "+prefix)
		}
		listed[strings.TrimPrefix(o.Key, prefix)] = sourceObject{Key: o.Key, Rel: strings.TrimPrefix(o.Key, prefix), Size: o.Size, ETag: o.ETag}
	}
	if err := w.ensureBucket(ctx); err != nil {
		return Result{}, err
	}
	have, err := listDest(ctx, w.dst, cfg.Dest.Bucket, "")
	if err != nil {
		return Result{}, err
	}
	var copied int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.parallel())
	results := make([]bool, len(m.Objects))
	for i, e := range m.Objects {
		g.Go(func() error {
			src, ok := listed[e.Path]
			switch {
			case e.Path == "" || strings.HasSuffix(e.Path, "/"):
				return fail(ExitDestinationCorrupt, "the manifest of %s lists %q, which is not an object's path", prefix, e.Path)
			case !ok:
				return fail(ExitDestinationCorrupt, "%s%s, listed in the backup's manifest, is missing from the backup", prefix, e.Path)
			case src.Size != e.Size:
				return fail(ExitDestinationCorrupt, "%s%s holds %d bytes, the manifest records %d", prefix, e.Path, src.Size, e.Size)
			}
			_, exists := have[e.Path]
			sum, didCopy, err := w.ensure(gctx, e.Path, src, exists)
			if err != nil {
				return err
			}
			if sum != e.SHA256 {
				return fail(ExitDestinationCorrupt, "%s%s does not match the backup's manifest: SHA-256 %s, the manifest records %s", prefix, e.Path, sum, e.SHA256)
			}
			results[i] = didCopy
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	for _, c := range results {
		if c {
			copied++
		}
	}
	if err := w.readBackRestored(ctx, m); err != nil {
		return Result{}, err
	}
	n, size := m.totals()
	w.log.Info("backup restored and verified", "backup", prefix, "bucket", cfg.Dest.Bucket, "objects", n, "bytes", size, "copied", copied)
	return Result{Destination: cfg.Dest.Bucket + "/", Manifest: b, ManifestDigest: receipt.Digest(b), Objects: n, Bytes: size, Copied: copied}, nil
}

// backupManifest reads the manifest of the backup at prefix in the source
// and checks that it is the backup's.
func (w *worker) backupManifest(ctx context.Context, prefix string) ([]byte, Manifest, error) {
	var m Manifest
	b, err := readObject(ctx, w.src, w.cfg.Source.Bucket, prefix+ManifestName)
	if err != nil {
		return nil, m, err
	}
	if b == nil {
		return nil, m, fail(ExitDestinationCorrupt, "backup %s has no %s: it never completed, or it was removed", prefix, ManifestName)
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Platform != w.cfg.Platform || m.Backup != w.cfg.BackupID {
		return nil, m, fail(ExitDestinationCorrupt, "%s%s is not the manifest of backup %s of %s", prefix, ManifestName, w.cfg.BackupID, w.cfg.Platform)
	}
	return b, m, nil
}

// readBackRestored reads every restored object back from where it now
// lies and hashes it: a restore is proven by the bytes the store gives
// back, not by what was sent.
func (w *worker) readBackRestored(ctx context.Context, m Manifest) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.cfg.parallel())
	for _, e := range m.Objects {
		g.Go(func() error {
			sum, n, err := hashObject(gctx, w.dst, w.cfg.Dest.Bucket, e.Path)
			if err != nil {
				return classifyS3(err, "read back restored "+e.Path)
			}
			if n != e.Size || sum != e.SHA256 {
				return fail(ExitDestinationCorrupt, "the restored copy of %s does not match the backup's manifest: %d bytes with SHA-256 %s, the manifest records %d bytes with SHA-256 %s",
					e.Path, n, sum, e.Size, e.SHA256)
			}
			return nil
		})
	}
	return g.Wait()
}

// ensureBucket makes the destination bucket unless it exists.
func (w *worker) ensureBucket(ctx context.Context) error {
	ok, err := w.dst.BucketExists(ctx, w.cfg.Dest.Bucket)
	if err != nil {
		return classifyS3(err, "look up bucket "+w.cfg.Dest.Bucket)
	}
	if ok {
		return nil
	}
	if err := w.dst.MakeBucket(ctx, w.cfg.Dest.Bucket, minio.MakeBucketOptions{Region: w.cfg.Dest.Region}); err != nil {
		if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
			return nil
		}
		return classifyS3(err, "make bucket "+w.cfg.Dest.Bucket)
	}
	return nil
}

// readObject reads a small object (a manifest) whole; nil when it does not
// exist.
func readObject(ctx context.Context, cl *minio.Client, bucket, key string) ([]byte, error) {
	obj, err := cl.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, classifyS3(err, "read "+key)
	}
	defer func() { _ = obj.Close() }()
	b, err := io.ReadAll(io.LimitReader(obj, 1<<30))
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, nil
		}
		return nil, classifyS3(err, "read "+key)
	}
	return b, nil
}
