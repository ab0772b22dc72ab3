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
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// Where the tests run. The worker must behave the same on every S3 engine,
// so each test runs on every engine in s3test.Engines (versitygw, the
// Managed store's engine, and SeaweedFS, an independent one playing the
// city's existing store), except these, which stay on versitygw:
var versitygwOnly = map[string]string{
	"TestSyncOfTenThousandSmallObjects": "it is the worker at scale (10,000 objects seeded and copied, " +
		"over a minute), not anything an engine decides; every request it makes is covered on SeaweedFS " +
		"by the engine-neutral tests, with the time budget of the suite spent there",
	"TestSyncStreamsAOneGiBObjectWithBoundedMemory": "the bound is the worker's own memory, the same " +
		"whatever serves it; a second GiB through SeaweedFS (about 20 MB/s here) would add two minutes " +
		"for no new fact (multipart on SeaweedFS is covered by the 20 MiB objects of checksum_test.go)",
	"TestSyncIntoAFullCenterStoreFailsWithStoreFull": "it fills versitygw's posix backend on a 4 MiB " +
		"tmpfs; SeaweedFS keeps data in volumes of its own and, by its -volume.minFreeSpace, marks them " +
		"read-only when its disk runs low, so a full SeaweedFS is a different fault, not established here",
}

// onEngines runs f on every engine, each as a subtest named for it, unless
// the test is listed in versitygwOnly.
func onEngines(t *testing.T, f func(t *testing.T, e s3test.Engine)) {
	t.Helper()
	for _, e := range s3test.Engines {
		if _, only := versitygwOnly[t.Name()]; only && e != s3test.Versity {
			continue
		}
		t.Run(string(e), func(t *testing.T) { f(t, e) })
	}
}

// city is a department's store and the Center's, each a real S3 server of
// one engine, and the bucket of each that the test uses.
type city struct {
	engine       s3test.Engine
	dept, center *s3test.Server
	src, dst     string
	puts         *s3test.CountingTransport
}

// buckets numbers the bucket pairs made on the shared servers.
var buckets atomic.Int64

// newCity gives the test a department's bucket, which the Center reads
// with the ReadOnly account, and a Center's bucket, which the sync writes
// with the Upload account. On versitygw both stores are fresh servers
// (started in a fraction of a second), with buckets "data" and
// "submissions". A SeaweedFS takes about ten seconds before it takes its
// first write, so the tests share one pair of them and each test gets
// buckets "data-<n>" and "submissions-<n>" of its own.
func newCity(t testing.TB, e s3test.Engine) *city {
	t.Helper()
	c := city{engine: e, src: "data", dst: "submissions"}
	if e == s3test.SeaweedFS {
		n := buckets.Add(1)
		c.src, c.dst = fmt.Sprintf("data-%d", n), fmt.Sprintf("submissions-%d", n)
	}
	var wg sync.WaitGroup
	start := func(name, bucket string) *s3test.Server {
		if e == s3test.SeaweedFS {
			s := s3test.Shared(t, name, s3test.Options{Engine: e, Bucket: strings.SplitN(bucket, "-", 2)[0] + "-*"})
			s.MakeBucket(t, bucket)
			return s
		}
		return s3test.StartWith(t, s3test.Options{Engine: e, Bucket: bucket})
	}
	wg.Go(func() { c.dept = start("department", c.src) })
	wg.Go(func() { c.center = start("center", c.dst) })
	wg.Wait()
	if c.dept == nil || c.center == nil {
		t.FailNow()
	}
	return &c
}

// TestMain stops the shared servers once every test has run, and prints
// the benchmarks' table if benchmarks ran.
func TestMain(m *testing.M) {
	code := m.Run()
	s3test.StopShared()
	printBenchTable()
	os.Exit(code)
}

// config syncs department "water-resources", entry "rainfall", version v1,
// from prefix "rainfall/" with the read-only account into the Center's
// bucket with the upload account, counting requests to each store.
func (c *city) config(t testing.TB) syncer.Config {
	t.Helper()
	pool := c.dept.RootCAs.Clone()
	pool.AppendCertsFromPEM(readFile(t, c.center.CAFile))
	c.puts = &s3test.CountingTransport{}
	return syncer.Config{
		Source: syncer.Store{Endpoint: c.dept.Endpoint, Bucket: c.src,
			AccessKey: s3test.ReadOnly.Access, SecretKey: s3test.ReadOnly.Secret},
		SourcePrefix: "rainfall",
		Dest: syncer.Store{Endpoint: "https://" + c.center.Endpoint, Bucket: c.dst,
			AccessKey: s3test.Upload.Access, SecretKey: s3test.Upload.Secret},
		Department: "water-resources", Entry: "rainfall", ContentVersion: "v1",
		RootCAs:   pool,
		Transport: c.puts.Wrap,
	}
}

// seed puts n objects of pseudo-random sizes up to max bytes under prefix
// in the department's bucket and returns their contents by relative path.
func (c *city) seed(t testing.TB, prefix string, n, maxSize int) map[string][]byte {
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
			_, err := root.PutObject(context.Background(), c.src, prefix+"/"+rel, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{})
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
	obj, err := c.center.Root().GetObject(context.Background(), c.dst, key, minio.GetObjectOptions{})
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
