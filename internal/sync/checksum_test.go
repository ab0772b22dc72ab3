package sync_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// verifiesChecksums says, for each engine, whether it refuses a write
// whose x-amz-checksum-sha256 does not match its bytes: a single PUT, and
// a multipart part. The worker finds this out by itself on every run (a
// probe, see checksum.go); this table is what the tests expect it to find,
// and what docs/sync.md says.
var verifiesChecksums = map[s3test.Engine]struct{ single, parts bool }{
	s3test.Versity:   {single: true, parts: true},
	s3test.SeaweedFS: {single: true, parts: true},
}

func b64SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// refusedForChecksum is how the engines answer a mismatched checksum.
func refusedForChecksum(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusBadRequest && (r.Code == "BadDigest" || r.Code == "XAmzContentChecksumMismatch")
}

func TestEachEngineRefusesAWriteWhoseSHA256DoesNotMatchItsBytes(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		ctx := context.Background()
		up := minio.Core{Client: c.center.As(s3test.Upload)}
		want := verifiesChecksums[e]
		body := []byte("the bytes of the object")
		wrong := b64SHA256([]byte("other bytes"))

		_, err := up.PutObject(ctx, c.dst, "single", bytes.NewReader(body), int64(len(body)), "", "",
			minio.PutObjectOptions{UserMetadata: map[string]string{"X-Amz-Checksum-Sha256": wrong}})
		r := minio.ToErrorResponse(err)
		t.Logf("%s, single PUT with a wrong SHA-256: %d %s", e, r.StatusCode, r.Code)
		if want.single != refusedForChecksum(err) {
			t.Errorf("single PUT with a wrong SHA-256: %v; want refused (400 BadDigest) = %v", err, want.single)
		}
		if _, err := up.StatObject(ctx, c.dst, "single", minio.StatObjectOptions{}); want.single && minio.ToErrorResponse(err).Code != "NoSuchKey" {
			t.Errorf("a refused PUT left an object: %v", err)
		}
		if _, err := up.PutObject(ctx, c.dst, "single", bytes.NewReader(body), int64(len(body)), "", "",
			minio.PutObjectOptions{UserMetadata: map[string]string{"X-Amz-Checksum-Sha256": b64SHA256(body)}}); err != nil {
			t.Fatalf("single PUT with its own SHA-256: %v", err)
		}

		id, err := up.NewMultipartUpload(ctx, c.dst, "multi", minio.PutObjectOptions{UserMetadata: map[string]string{"X-Amz-Checksum-Algorithm": "SHA256"}})
		if err != nil {
			t.Fatal(err)
		}
		part := bytes.Repeat([]byte("rain"), 5<<20/4) // 5 MiB: S3's smallest part but the last
		_, err = up.PutObjectPart(ctx, c.dst, "multi", id, 1, bytes.NewReader(part), int64(len(part)),
			minio.PutObjectPartOptions{CustomHeader: http.Header{"X-Amz-Checksum-Sha256": {wrong}}})
		r = minio.ToErrorResponse(err)
		t.Logf("%s, part with a wrong SHA-256: %d %s", e, r.StatusCode, r.Code)
		if want.parts != refusedForChecksum(err) {
			t.Errorf("part with a wrong SHA-256: %v; want refused (400 BadDigest) = %v", err, want.parts)
		}
		var parts []minio.CompletePart
		var digests []byte
		for i, p := range [][]byte{part, []byte("the last part")} {
			sum := sha256.Sum256(p)
			digests = append(digests, sum[:]...)
			cs := base64.StdEncoding.EncodeToString(sum[:])
			op, err := up.PutObjectPart(ctx, c.dst, "multi", id, i+1, bytes.NewReader(p), int64(len(p)),
				minio.PutObjectPartOptions{CustomHeader: http.Header{"X-Amz-Checksum-Sha256": {cs}}})
			if err != nil {
				t.Fatalf("part %d with its own SHA-256: %v", i+1, err)
			}
			parts = append(parts, minio.CompletePart{PartNumber: i + 1, ETag: op.ETag, ChecksumSHA256: cs})
		}
		info, err := up.CompleteMultipartUpload(ctx, c.dst, "multi", id, parts, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		st, err := up.StatObject(ctx, c.dst, "multi", minio.StatObjectOptions{Checksum: true})
		if err != nil {
			t.Fatal(err)
		}
		composite := b64SHA256(digests) + "-" + strconv.Itoa(len(parts))
		t.Logf("%s, completed: composite in the answer %q, on HEAD %q; of the parts sent %q", e, info.ChecksumSHA256, st.ChecksumSHA256, composite)
		if got := cmpOr(info.ChecksumSHA256, st.ChecksumSHA256); got != composite {
			t.Errorf("the store reports composite SHA-256 %q, the parts sent make %q", got, composite)
		}
	})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// seedMixed puts 20 small objects and one of 20 MiB (two parts: 16 MiB
// and 4 MiB) under rainfall/ and returns their contents by relative path.
func seedMixed(t *testing.T, c *city) map[string][]byte {
	t.Helper()
	objs := c.seed(t, "rainfall", 20, 16<<10)
	big := make([]byte, 20<<20)
	if _, err := io.ReadFull(randomReader(int64(len(big)), 7), big); err != nil {
		t.Fatal(err)
	}
	objs["radar/scan.bin"] = big
	c.dept.Put(t, c.src, "rainfall/radar/scan.bin", big)
	return objs
}

// checkCopied compares every object at the Center with its source.
func checkCopied(t *testing.T, c *city, objs map[string][]byte, res syncer.Result) {
	t.Helper()
	for rel, want := range objs {
		if got := c.get(t, "water-resources/rainfall/v1/"+rel); !bytes.Equal(got, want) {
			t.Errorf("%s: the Center holds %d bytes that differ from the department's %d", rel, len(got), len(want))
		}
	}
	if m := readManifest(t, res.Manifest); len(m.Objects) != len(objs) {
		t.Errorf("manifest lists %d objects, want %d", len(m.Objects), len(objs))
	}
}

// requests describes what a run asked of the Center's store.
func requests(c *city) string {
	ep := c.center.Endpoint
	return fmt.Sprintf("GET %d, HEAD %d, PUT %d (accepted data PUTs %d), POST %d",
		c.puts.Requests(ep, http.MethodGet), c.puts.Requests(ep, http.MethodHead), c.puts.Requests(ep, http.MethodPut),
		c.puts.Puts(), c.puts.Requests(ep, http.MethodPost))
}

func TestSyncReadsNothingBackFromAStoreThatVerifiesWhatItIsSent(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		if v := verifiesChecksums[e]; !v.single || !v.parts {
			t.Skipf("%s does not verify checksums: TestSyncReadsBackEveryObjectFromAStoreThatDoesNotVerify covers it", e)
		}
		c := newCity(t, e)
		objs := seedMixed(t, c)
		res, err := syncer.Run(context.Background(), c.config(t), nil)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		checkCopied(t, c, objs, res)
		t.Logf("%s: %s", e, requests(c))
		// Three GETs: the listing of the version's prefix, the manifest
		// looked for at the start and read back at the end. No object.
		if got := c.puts.Requests(c.center.Endpoint, http.MethodGet); got != 3 {
			t.Errorf("%d GETs at the Center, want 3 (the listing, the manifest before and after): objects were read back", got)
		}
		// 20 single PUTs, 2 parts, the manifest: each accepted once. The two
		// probes were refused, and no object needed a second write.
		if got := c.puts.Puts(); got != 23 {
			t.Errorf("%d data PUTs accepted, want 23 (20 objects, 2 parts, the manifest)", got)
		}
	})
}

func TestSyncReadsBackEveryObjectFromAStoreThatDoesNotVerify(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		objs := seedMixed(t, c)
		cfg := c.config(t)
		syncer.AlwaysReadBack(&cfg)
		res, err := syncer.Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		checkCopied(t, c, objs, res)
		t.Logf("%s: %s", e, requests(c))
		if got, want := c.puts.Requests(c.center.Endpoint, http.MethodGet), int64(3+len(objs)); got != want {
			t.Errorf("%d GETs at the Center, want %d: every object read back, the listing, the manifest before and after", got, want)
		}
	})
}

// damaging changes the first byte of every object write's body on its way
// to the Center (the payload is not signed, so the signature still holds):
// what a faulty network card or proxy would do.
func damaging(c *city) func(http.RoundTripper) http.RoundTripper {
	return func(base http.RoundTripper) http.RoundTripper {
		wrapped := c.puts.Wrap(base)
		return roundTrip(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPut && r.URL.Host == c.center.Endpoint && r.Header.Get("X-Amz-Copy-Source") == "" && r.ContentLength > 0 {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					return nil, err
				}
				_ = r.Body.Close()
				body[0] ^= 0xff
				r = r.Clone(r.Context())
				r.Body = io.NopCloser(bytes.NewReader(body))
				r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			}
			return wrapped.RoundTrip(r)
		})
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSyncRetriesWhenTheCenterStoreRefusesBytesDamagedOnTheWay(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		if !verifiesChecksums[e].single {
			t.Skipf("%s does not verify checksums: the read-back catches damaged bytes instead", e)
		}
		c := newCity(t, e)
		c.seed(t, "rainfall", 3, 5000)
		cfg := c.config(t)
		cfg.Transport = damaging(c)
		_, err := syncer.Run(context.Background(), cfg, nil)
		wantCode(t, err, syncer.ExitTransient)
		if !strings.Contains(err.Error(), "checksum refused") {
			t.Errorf("the error %q does not say the store refused the bytes it received", err)
		}
		if n := c.puts.Puts(); n != 0 {
			t.Errorf("%d damaged writes were accepted", n)
		}
		// The same run without the damage copies everything.
		res, err := syncer.Run(context.Background(), c.config(t), nil)
		if err != nil || res.Copied != 3 {
			t.Fatalf("the retry: copied %d, %v; want 3 objects", res.Copied, err)
		}
	})
}
