package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"

	"github.com/minio/minio-go/v7"
)

// User metadata the worker records on every object it copied and verified.
const (
	// metaSHA256 is the hex SHA-256 of the object's bytes, written only
	// after the bytes were read back from the Center's store and matched.
	metaSHA256 = "Scidata-Sha256"
	// metaSourceETag is the source object's ETag when it was copied: an S3
	// ETag changes whenever an object is rewritten, so a mismatch means the
	// department's data changed since.
	metaSourceETag = "Scidata-Source-Etag"
)

// state is what a run finds at an object's destination.
type state int

const (
	stateVerified      state = iota // recorded hash matches the bytes, same source
	stateUnrecorded                 // absent, or written but never verified
	stateCorrupt                    // bytes differ from the recorded hash
	stateSourceChanged              // recorded from another source object
)

// inspect reads an existing destination object back and says whether it is
// a verified copy of src; it returns the recorded hash when it is.
func (w *worker) inspect(ctx context.Context, key string, src sourceObject) (state, string, error) {
	info, err := w.dst.StatObject(ctx, w.cfg.Dest.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return stateUnrecorded, "", nil
		}
		return 0, "", classifyS3(err, "stat destination "+key)
	}
	want := userMeta(info, metaSHA256)
	switch {
	case want == "":
		return stateUnrecorded, "", nil
	case userMeta(info, metaSourceETag) != src.ETag:
		return stateSourceChanged, "", nil
	case info.Size != src.Size:
		return stateCorrupt, "", nil
	}
	got, _, err := hashObject(ctx, w.dst, w.cfg.Dest.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return 0, "", classifyS3(err, "read back "+key)
	}
	if got != want {
		w.log.Warn("destination object does not match its recorded SHA-256", "key", key, "recorded", want, "actual", got)
		return stateCorrupt, "", nil
	}
	return stateVerified, want, nil
}

// copyObject streams src into key while hashing it, reads the result back,
// and records the hash only when both agree. It returns the hex SHA-256.
func (w *worker) copyObject(ctx context.Context, key string, src sourceObject) (string, error) {
	sum, uploaded, err := w.stream(ctx, key, src)
	if err != nil {
		return "", err
	}
	back, n, err := hashObject(ctx, w.dst, w.cfg.Dest.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return "", classifyS3(err, "read back "+key)
	}
	if back != sum || n != src.Size {
		return "", fail(ExitDestinationCorrupt,
			"%s read back as %d bytes with SHA-256 %s, but %d bytes with SHA-256 %s were written", key, n, back, src.Size, sum)
	}
	// Record the verified hash: a copy onto itself that replaces only the
	// metadata, and only if the object is still the one just verified.
	cs := minio.CopySrcOptions{Bucket: w.cfg.Dest.Bucket, Object: key, MatchETag: uploaded.ETag}
	cd := minio.CopyDestOptions{Bucket: w.cfg.Dest.Bucket, Object: key, ReplaceMetadata: true,
		UserMetadata: map[string]string{metaSHA256: sum, metaSourceETag: src.ETag}}
	if _, err := w.dst.CopyObject(ctx, cd, cs); err != nil {
		return "", classifyS3(err, "record SHA-256 of "+key)
	}
	return sum, nil
}

// stream copies the source object's bytes to key through a SHA-256 hash,
// holding at most one upload part in memory.
func (w *worker) stream(ctx context.Context, key string, src sourceObject) (string, minio.UploadInfo, error) {
	opts := minio.GetObjectOptions{}
	if err := opts.SetMatchETag(src.ETag); err != nil {
		return "", minio.UploadInfo{}, fail(ExitSourceInvalid, "source %s: %v", src.Key, err)
	}
	obj, err := w.src.GetObject(ctx, w.cfg.Source.Bucket, src.Key, opts)
	if err != nil {
		return "", minio.UploadInfo{}, classifyS3(err, "read source "+src.Key)
	}
	defer func() { _ = obj.Close() }()
	if st, err := obj.Stat(); err != nil {
		return "", minio.UploadInfo{}, sourceErr(err, src)
	} else if st.Size != src.Size {
		return "", minio.UploadInfo{}, fail(ExitSourceChanged, "source %s is %d bytes, the listing said %d", src.Key, st.Size, src.Size)
	}
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(obj, h)}
	info, err := w.dst.PutObject(ctx, w.cfg.Dest.Bucket, key, cr, src.Size, minio.PutObjectOptions{
		ContentType:  "application/octet-stream",
		UserMetadata: map[string]string{metaSourceETag: src.ETag},
	})
	if err != nil {
		if cr.err != nil {
			return "", minio.UploadInfo{}, sourceErr(cr.err, src)
		}
		return "", minio.UploadInfo{}, classifyS3(err, "write "+key)
	}
	if cr.n != src.Size || info.Size != src.Size {
		return "", minio.UploadInfo{}, fail(ExitSourceChanged, "source %s gave %d bytes, the store took %d, the listing said %d", src.Key, cr.n, info.Size, src.Size)
	}
	return hex.EncodeToString(h.Sum(nil)), info, nil
}

// sourceErr turns a failed read of a source object into an exit code: a
// failed ETag precondition means the object was rewritten since the listing.
func sourceErr(err error, src sourceObject) error {
	if minio.ToErrorResponse(err).Code == "PreconditionFailed" {
		return fail(ExitSourceChanged, "source %s changed since it was listed (ETag no longer %s): the department is still writing", src.Key, src.ETag)
	}
	return classifyS3(err, "read source "+src.Key)
}

// hashObject reads an object and returns its hex SHA-256 and length.
func hashObject(ctx context.Context, cl *minio.Client, bucket, key string, opts minio.GetObjectOptions) (string, int64, error) {
	obj, err := cl.GetObject(ctx, bucket, key, opts)
	if err != nil {
		return "", 0, err
	}
	defer func() { _ = obj.Close() }()
	h := sha256.New()
	n, err := io.Copy(h, obj)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// countingReader counts bytes and remembers the reader's own error, so a
// source failure is not mistaken for a destination one.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		c.err = err
	}
	return n, err
}

// userMeta looks a user metadata key up case-insensitively: servers differ
// in how they canonicalise X-Amz-Meta-* names.
func userMeta(info minio.ObjectInfo, name string) string {
	for k, v := range info.UserMetadata {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	if v := info.Metadata.Get("X-Amz-Meta-" + name); v != "" {
		return v
	}
	return ""
}
