package sync_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// The Center's read-only account on a department's store.
const (
	roAccess = "center-readonly"
	roSecret = "center-readonly-secret-0123456789"
)

// city is a department's store and the Center's, each a real versitygw.
type city struct {
	dept, center *s3test.Server
	puts         *s3test.CountingTransport
}

// newCity starts both stores, makes bucket "data" in the department's with
// the Center's read-only account on it, and bucket "submissions" in the
// Center's.
func newCity(t testing.TB) *city {
	t.Helper()
	var c city
	var wg sync.WaitGroup
	wg.Go(func() { c.dept = s3test.Start(t) })
	wg.Go(func() { c.center = s3test.Start(t) })
	wg.Wait()
	if c.dept == nil || c.center == nil {
		t.FailNow()
	}
	c.dept.MakeBucket(t, "data")
	c.dept.CreateReadOnlyUser(t, roAccess, roSecret, "data")
	c.center.MakeBucket(t, "submissions")
	return &c
}

// config syncs department "water-resources", entry "rainfall", version v1,
// from prefix "rainfall/" with the read-only account, counting data PUTs.
func (c *city) config(t testing.TB) syncer.Config {
	t.Helper()
	pool := c.dept.RootCAs.Clone()
	pool.AppendCertsFromPEM(readFile(t, c.center.CAFile))
	c.puts = &s3test.CountingTransport{}
	return syncer.Config{
		Source:       syncer.Store{Endpoint: c.dept.Endpoint, Bucket: "data", AccessKey: roAccess, SecretKey: roSecret},
		SourcePrefix: "rainfall",
		Dest: syncer.Store{Endpoint: "https://" + c.center.Endpoint, Bucket: "submissions",
			AccessKey: s3test.RootAccess, SecretKey: s3test.RootSecret},
		Department: "water-resources", Entry: "rainfall", ContentVersion: "v1",
		RootCAs: pool,
		Transport: func(base http.RoundTripper) http.RoundTripper {
			c.puts.Base = base
			return c.puts
		},
	}
}

// seed puts n objects of pseudo-random sizes up to max bytes under prefix
// in the department's bucket and returns their contents by relative path.
func (c *city) seed(t *testing.T, prefix string, n, maxSize int) map[string][]byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), uint64(maxSize)))
	objs := map[string][]byte{}
	for i := range n {
		b := make([]byte, rng.IntN(maxSize+1))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		objs[fmt.Sprintf("station-%03d/day-%05d.csv", i%7, i)] = b
	}
	g := new(errgroup.Group)
	g.SetLimit(8)
	root := c.dept.Root()
	for rel, b := range objs {
		g.Go(func() error {
			_, err := root.PutObject(context.Background(), "data", prefix+"/"+rel, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return objs
}

// get reads an object of the Center's bucket.
func (c *city) get(t *testing.T, key string) []byte {
	t.Helper()
	obj, err := c.center.Root().GetObject(context.Background(), "submissions", key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer func() { _ = obj.Close() }()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return b
}

func readManifest(t *testing.T, b []byte) syncer.Manifest {
	t.Helper()
	var m syncer.Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("manifest is not JSON: %v\n%s", err, b)
	}
	return m
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func wantCode(t *testing.T, err error, code int) {
	t.Helper()
	if got := syncer.ExitCode(err); got != code {
		t.Fatalf("exit code %d, want %d; error: %v", got, code, err)
	}
}
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hashReader(t *testing.T, r io.Reader) (string, int64) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}
