package s3test_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/s3test"
)

// TestEachEngineServesTLSWithTheUploadAndReadOnlyAccounts checks the shape
// every engine has: TLS only, from the test's own CA; root; Upload reads,
// writes and lists; ReadOnly reads and lists and may not write; a wrong
// key and an unsigned request are refused.
func TestEachEngineServesTLSWithTheUploadAndReadOnlyAccounts(t *testing.T) {
	for _, e := range s3test.Engines {
		t.Run(string(e), func(t *testing.T) {
			s := s3test.StartWith(t, s3test.Options{Engine: e, Bucket: "data"})
			t.Logf("%s answered and took a write %s after it was started", e, s.Started.Round(time.Millisecond))
			ctx := context.Background()
			up, ro := s.As(s3test.Upload), s.As(s3test.ReadOnly)
			if _, err := up.PutObject(ctx, "data", "a/b.csv", bytes.NewReader([]byte("b")), 1, minio.PutObjectOptions{}); err != nil {
				t.Fatalf("Upload cannot write: %v", err)
			}
			for name, cl := range map[string]*minio.Client{"Upload": up, "ReadOnly": ro} {
				obj, err := cl.GetObject(ctx, "data", "a/b.csv", minio.GetObjectOptions{})
				if err != nil {
					t.Fatalf("%s cannot read: %v", name, err)
				}
				b, err := io.ReadAll(obj)
				_ = obj.Close()
				if err != nil || string(b) != "b" {
					t.Fatalf("%s read %q, %v; want \"b\"", name, b, err)
				}
				var keys []string
				for o := range cl.ListObjects(ctx, "data", minio.ListObjectsOptions{Recursive: true}) {
					if o.Err != nil {
						t.Fatalf("%s cannot list: %v", name, o.Err)
					}
					keys = append(keys, o.Key)
				}
				if len(keys) != 1 || keys[0] != "a/b.csv" {
					t.Fatalf("%s lists %v, want [a/b.csv]", name, keys)
				}
			}
			_, err := ro.PutObject(ctx, "data", "a/c.csv", bytes.NewReader([]byte("c")), 1, minio.PutObjectOptions{})
			if r := minio.ToErrorResponse(err); r.Code != "AccessDenied" || r.StatusCode != http.StatusForbidden {
				t.Errorf("ReadOnly's write: %v (code %q, status %d), want AccessDenied (403)", err, r.Code, r.StatusCode)
			}
			_, err = s.Client(s3test.ReadOnly.Access, "wrong-secret-0123456789").ListBuckets(ctx)
			if r := minio.ToErrorResponse(err); r.StatusCode != http.StatusForbidden {
				t.Errorf("a wrong secret: %v (status %d), want 403", err, r.StatusCode)
			}
			// An unsigned request, over TLS the client trusts.
			trusting := &http.Client{Timeout: 5 * time.Second,
				Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}}}
			resp, err := trusting.Get("https://" + s.Endpoint + "/data/a/b.csv")
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("an unsigned GET answered %d, want 403", resp.StatusCode)
			}
			// TLS only, and only with the test's CA: plain HTTP gets no
			// answer (versitygw) or 400 (SeaweedFS, Go's TLS server), and a
			// client that does not trust the test's CA fails the handshake.
			plain := &http.Client{Timeout: time.Second}
			if resp, err := plain.Get("http://" + s.Endpoint + "/"); err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("plain HTTP on the S3 port answered %d", resp.StatusCode)
				}
			}
			untrusting := &http.Client{Timeout: 5 * time.Second,
				Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool(), MinVersion: tls.VersionTLS12}}}
			if resp, err = untrusting.Get("https://" + s.Endpoint + "/"); err == nil {
				_ = resp.Body.Close()
			}
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &unknown) {
				t.Errorf("a client without the test's CA: %v, want an unknown authority", err)
			}
		})
	}
}
