package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"
)

// User metadata the worker records on every object it copied and verified.
const (
	// metaSHA256 is the hex SHA-256 of the object's bytes, written only
	// once the Center's store holds exactly those bytes: with the write
	// itself when the store verified its checksum, else after they were
	// read back and matched.
	metaSHA256 = "Scidata-Sha256"
	// metaSourceETag is the source object's ETag when it was copied: an S3
	// ETag changes whenever an object is rewritten, so a mismatch means the
	// department's data changed since.
	metaSourceETag = "Scidata-Source-Etag"
)

// partSize is the size of a multipart upload's parts; objects up to it go
// in one PUT. It is also the unit of the worker's memory: an object in one
// PUT is held whole, a larger one two parts at a time (one read from the
// source, one being written), whatever its size.
const partSize = 16 << 20

// state is what a run finds at an object's destination.
type state int

const (
	stateVerified      state = iota // recorded hash matches the bytes, same source
	stateUnrecorded                 // absent, or written but never verified
	stateCorrupt                    // bytes differ from the recorded hash
	stateSourceChanged              // recorded from another source object
)

// inspect reads an existing destination object back and says whether it is
// a verified copy of src; it returns the recorded hash when it is. A store
// that verified the bytes when they were written may have lost or changed
// them since, so a resumed or sealed run always reads them.
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
	got, _, err := hashObject(ctx, w.dst, w.cfg.Dest.Bucket, key)
	if err != nil {
		return 0, "", classifyS3(err, "read back "+key)
	}
	if got != want {
		w.log.Warn("destination object does not match its recorded SHA-256", "key", key, "recorded", want, "actual", got)
		return stateCorrupt, "", nil
	}
	return stateVerified, want, nil
}

// copyObject copies src to key, hashing it as it streams, and returns its
// hex SHA-256 once the Center's store is known to hold exactly its bytes.
func (w *worker) copyObject(ctx context.Context, key string, src sourceObject) (string, error) {
	need := int64(2 * partSize) // two part buffers
	switch {
	case src.Size <= smallObject:
		need = max(src.Size, 1)
	case src.Size <= partSize:
		need = partSize // one part buffer
	}
	if err := w.mem.Acquire(ctx, need); err != nil {
		return "", err
	}
	defer w.mem.Release(need)
	body, err := w.openSource(ctx, src)
	if err != nil {
		return "", err
	}
	defer func() { _ = body.Close() }()
	if src.Size <= partSize {
		return w.copySingle(ctx, key, src, body)
	}
	return w.copyMultipart(ctx, key, src, body)
}

// openSource starts reading the source object, on condition that it is
// still the one listed.
func (w *worker) openSource(ctx context.Context, src sourceObject) (io.ReadCloser, error) {
	opts := minio.GetObjectOptions{}
	if err := opts.SetMatchETag(src.ETag); err != nil {
		return nil, fail(ExitSourceInvalid, "source %s: %v", src.Key, err)
	}
	body, info, _, err := w.srcCore.GetObject(ctx, w.cfg.Source.Bucket, src.Key, opts)
	if err != nil {
		return nil, sourceErr(err, src)
	}
	if info.Size != src.Size {
		_ = body.Close()
		return nil, fail(ExitSourceChanged, "source %s is %d bytes, the listing said %d", src.Key, info.Size, src.Size)
	}
	return body, nil
}

// readFull reads exactly len(buf) bytes of the source and makes sure
// nothing follows when last is set.
func readFull(body io.Reader, buf []byte, last bool, src sourceObject) error {
	if _, err := io.ReadFull(body, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fail(ExitSourceChanged, "source %s ended before the %d bytes the listing said", src.Key, src.Size)
		}
		return sourceErr(err, src)
	}
	if last {
		var one [1]byte
		if n, err := body.Read(one[:]); n > 0 {
			return fail(ExitSourceChanged, "source %s holds more than the %d bytes the listing said", src.Key, src.Size)
		} else if err != nil && !errors.Is(err, io.EOF) {
			return sourceErr(err, src)
		}
	}
	return nil
}

// copySingle writes an object of at most one part in one PUT that carries
// its SHA-256. When the store verifies that checksum the PUT also records
// the hash, and the object is done in two requests (GET, PUT); otherwise it
// is read back and then recorded.
func (w *worker) copySingle(ctx context.Context, key string, src sourceObject, body io.Reader) (string, error) {
	buf := w.buffer(src.Size)
	defer w.putBuffer(buf)
	if err := readFull(body, buf, true, src); err != nil {
		return "", err
	}
	raw := sha256.Sum256(buf)
	sum := hex.EncodeToString(raw[:])
	verifies, err := w.singleVerified(ctx, key)
	if err != nil {
		return "", err
	}
	meta := map[string]string{metaSourceETag: src.ETag, headerChecksumSHA256: checksumB64(raw[:])}
	if verifies {
		meta[metaSHA256] = sum
	}
	info, err := w.dstCore.PutObject(ctx, w.cfg.Dest.Bucket, key, bytes.NewReader(buf), src.Size, "", "",
		minio.PutObjectOptions{ContentType: "application/octet-stream", UserMetadata: meta})
	if err != nil {
		return "", writeErr(err, key)
	}
	if info.ChecksumSHA256 != "" && info.ChecksumSHA256 != checksumB64(raw[:]) {
		return "", fail(ExitDestinationCorrupt, "%s: the store reports SHA-256 %s for the bytes with SHA-256 %s it was sent", key, info.ChecksumSHA256, checksumB64(raw[:]))
	}
	if verifies {
		return sum, nil
	}
	return sum, w.readBackAndRecord(ctx, key, src, sum, info.ETag)
}

// copyMultipart writes a larger object part by part, each part carrying its
// SHA-256, while the object's own SHA-256 is computed in order. Reading the
// next part from the source overlaps writing the current one. The composite
// checksum the store reports for the completed object must be the one of
// the parts sent. The object is read back unless the store verified every
// part; its hash is then recorded by a metadata-only copy onto itself.
func (w *worker) copyMultipart(ctx context.Context, key string, src sourceObject, body io.Reader) (sum string, err error) {
	uploadID, err := w.dstCore.NewMultipartUpload(ctx, w.cfg.Dest.Bucket, key, minio.PutObjectOptions{
		ContentType:  "application/octet-stream",
		UserMetadata: map[string]string{metaSourceETag: src.ETag, headerChecksumAlgorithm: "SHA256"},
	})
	if err != nil {
		return "", writeErr(err, key)
	}
	completed := false
	defer func() {
		if !completed {
			abortCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeoutAbort)
			defer cancel()
			if aerr := w.dstCore.AbortMultipartUpload(abortCtx, w.cfg.Dest.Bucket, key, uploadID); aerr != nil {
				w.log.Warn("could not abort a failed multipart upload", "key", key, "error", aerr.Error())
			}
		}
	}()
	verifies, err := w.partsVerified(ctx, key, uploadID)
	if err != nil {
		return "", err
	}
	whole := sha256.New()
	parts, digests, err := w.uploadParts(ctx, key, uploadID, src, body, whole)
	if err != nil {
		return "", err
	}
	info, err := w.dstCore.CompleteMultipartUpload(ctx, w.cfg.Dest.Bucket, key, uploadID, parts, minio.PutObjectOptions{})
	if err != nil {
		return "", writeErr(err, key)
	}
	completed = true
	sum = hex.EncodeToString(whole.Sum(nil))
	reported := info.ChecksumSHA256
	if reported == "" { // some stores answer it in headers only: ask for it
		st, err := w.dst.StatObject(ctx, w.cfg.Dest.Bucket, key, minio.StatObjectOptions{Checksum: true})
		if err != nil {
			return "", classifyS3(err, "stat "+key)
		}
		reported = st.ChecksumSHA256
	}
	want := compositeSHA256(digests)
	switch {
	case reported == want:
	case reported != "":
		return "", fail(ExitDestinationCorrupt, "%s: the store reports composite SHA-256 %s, the parts sent make %s", key, reported, want)
	default:
		verifies = false // nothing to compare: trust only the bytes read back
	}
	if !verifies {
		return sum, w.readBackAndRecord(ctx, key, src, sum, info.ETag)
	}
	return sum, w.record(ctx, key, src, sum, info.ETag)
}

// uploadParts reads the source part by part into at most two buffers,
// hashing it in order into whole, and writes each part (with its SHA-256)
// while the next is read. It returns the completed parts and their raw
// digests, in order.
func (w *worker) uploadParts(ctx context.Context, key, uploadID string, src sourceObject, body io.Reader, whole hash.Hash) ([]minio.CompletePart, [][]byte, error) {
	n := int((src.Size + partSize - 1) / partSize)
	parts := make([]minio.CompletePart, n)
	digests := make([][]byte, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(1) // one part written while the next is read: two buffers
	for i := range n {
		size := min(int64(partSize), src.Size-int64(i)*partSize)
		buf := w.buffer(size)
		if err := readFull(body, buf, i == n-1, src); err != nil {
			w.putBuffer(buf)
			_ = g.Wait()
			return nil, nil, err
		}
		whole.Write(buf)
		if gctx.Err() != nil { // a part failed: stop reading
			w.putBuffer(buf)
			break
		}
		g.Go(func() error {
			defer w.putBuffer(buf)
			raw := sha256.Sum256(buf)
			digests[i] = raw[:]
			c := checksumB64(raw[:])
			p, err := w.dstCore.PutObjectPart(gctx, w.cfg.Dest.Bucket, key, uploadID, i+1, bytes.NewReader(buf), size,
				minio.PutObjectPartOptions{CustomHeader: map[string][]string{headerChecksumSHA256: {c}}})
			if err != nil {
				return writeErr(err, fmt.Sprintf("%s (part %d)", key, i+1))
			}
			parts[i] = minio.CompletePart{PartNumber: i + 1, ETag: p.ETag, ChecksumSHA256: c}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return parts, digests, nil
}

// readBackAndRecord reads the written object back and records its hash
// only if its bytes hash to sum.
func (w *worker) readBackAndRecord(ctx context.Context, key string, src sourceObject, sum, etag string) error {
	back, n, err := hashObject(ctx, w.dst, w.cfg.Dest.Bucket, key)
	if err != nil {
		return classifyS3(err, "read back "+key)
	}
	if back != sum || n != src.Size {
		return fail(ExitDestinationCorrupt,
			"%s read back as %d bytes with SHA-256 %s, but %d bytes with SHA-256 %s were written", key, n, back, src.Size, sum)
	}
	return w.record(ctx, key, src, sum, etag)
}

// record writes the verified hash into the object's metadata: a copy onto
// itself that replaces only the metadata, and only if the object is still
// the one just written (both engines do it without copying the bytes).
func (w *worker) record(ctx context.Context, key string, src sourceObject, sum, etag string) error {
	cs := minio.CopySrcOptions{Bucket: w.cfg.Dest.Bucket, Object: key, MatchETag: etag}
	cd := minio.CopyDestOptions{Bucket: w.cfg.Dest.Bucket, Object: key, ReplaceMetadata: true,
		UserMetadata: map[string]string{metaSHA256: sum, metaSourceETag: src.ETag}}
	if _, err := w.dst.CopyObject(ctx, cd, cs); err != nil {
		return classifyS3(err, "record SHA-256 of "+key)
	}
	return nil
}

// writeErr classifies a refused write. A store that refuses the checksum
// the worker computed from the bytes it sent received other bytes: the
// transfer was damaged on the way, which a retry can mend.
func writeErr(err error, key string) error {
	if checksumRefused(err) {
		return fmt.Errorf("write %s: the Center's store received bytes other than those sent (checksum refused); retrying: %w", key, err)
	}
	return classifyS3(err, "write "+key)
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
func hashObject(ctx context.Context, cl *minio.Client, bucket, key string) (string, int64, error) {
	obj, err := cl.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
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
