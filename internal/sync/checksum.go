package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	gosync "sync"

	"github.com/minio/minio-go/v7"
)

// Checksums the store can vouch for. Every object the worker writes carries
// the SHA-256 of its bytes (x-amz-checksum-sha256 on a single PUT, on each
// part of a multipart upload); a store that verifies it refuses a write
// whose bytes do not match, so what it accepted is what was sent.
const (
	headerChecksumSHA256 = "X-Amz-Checksum-Sha256"
	// headerChecksumAlgorithm on CreateMultipartUpload asks for SHA-256 part
	// checksums and the composite checksum of the completed object.
	headerChecksumAlgorithm = "X-Amz-Checksum-Algorithm"
)

// checksumB64 is the base64 of a raw digest, as x-amz-checksum-* carry it.
func checksumB64(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// compositeSHA256 is S3's checksum of a completed multipart object whose
// parts have the raw SHA-256 digests parts: the base64 SHA-256 of the
// digests concatenated, then "-" and the number of parts.
func compositeSHA256(parts [][]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return checksumB64(h.Sum(nil)) + "-" + strconv.Itoa(len(parts))
}

// checksumRefused reports whether err is a store refusing a write because
// its bytes do not match the checksum sent with them.
func checksumRefused(err error) bool {
	switch minio.ToErrorResponse(err).Code {
	case "BadDigest", "XAmzContentChecksumMismatch", "InvalidChecksum":
		return true
	}
	return false
}

// probeChecksum is the SHA-256 the probes send with one byte it does not
// match.
var (
	probeBody     = []byte{'x'}
	probeChecksum = func() string { s := sha256.Sum256([]byte("not the probe's byte")); return checksumB64(s[:]) }()
)

// probe remembers, for one run, whether the destination store refuses a
// write whose checksum does not match its bytes. It is asked once, on the
// first write of its kind, by a write that would be overwritten anyway: the
// probe writes one byte with a wrong checksum where the real object (or
// part 1) goes next, so a store that accepts it holds nothing that
// survives the copy, and an interrupted run leaves only an unrecorded
// object that the next run copies again.
type probe struct {
	mu       gosync.Mutex
	done     bool
	verifies bool
}

// ask returns the remembered answer, or runs try once to find it.
func (p *probe) ask(try func() (bool, error)) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return p.verifies, nil
	}
	v, err := try()
	if err != nil {
		return false, err
	}
	p.done, p.verifies = true, v
	return v, nil
}

// singleVerified says whether the destination refuses a single PUT whose
// x-amz-checksum-sha256 does not match, probing at key if nobody has yet.
func (w *worker) singleVerified(ctx context.Context, key string) (bool, error) {
	if w.cfg.alwaysReadBack {
		return false, nil
	}
	return w.singleProbe.ask(func() (bool, error) {
		_, err := w.dstCore.PutObject(ctx, w.cfg.Dest.Bucket, key, bytes.NewReader(probeBody), int64(len(probeBody)), "", "",
			minio.PutObjectOptions{UserMetadata: map[string]string{headerChecksumSHA256: probeChecksum}})
		return w.probeAnswer(err, "single PUT", key)
	})
}

// partsVerified says whether the destination refuses an uploaded part whose
// x-amz-checksum-sha256 does not match, probing with part 1 of uploadID if
// nobody has yet.
func (w *worker) partsVerified(ctx context.Context, key, uploadID string) (bool, error) {
	if w.cfg.alwaysReadBack {
		return false, nil
	}
	return w.partProbe.ask(func() (bool, error) {
		_, err := w.dstCore.PutObjectPart(ctx, w.cfg.Dest.Bucket, key, uploadID, 1, bytes.NewReader(probeBody), int64(len(probeBody)),
			minio.PutObjectPartOptions{CustomHeader: map[string][]string{headerChecksumSHA256: {probeChecksum}}})
		return w.probeAnswer(err, "multipart part", key)
	})
}

func (w *worker) probeAnswer(err error, kind, key string) (bool, error) {
	switch {
	case err == nil:
		w.log.Info("the Center's store accepted a write whose SHA-256 did not match: every object written is read back", "kind", kind)
		return false, nil
	case checksumRefused(err):
		w.log.Info("the Center's store refuses a write whose SHA-256 does not match: objects are not read back", "kind", kind)
		return true, nil
	}
	return false, classifyS3(err, fmt.Sprintf("write %s (checksum probe, %s)", key, kind))
}
