package sync_test

import (
	"context"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

func TestSyncOfTenThousandSmallObjects(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		if testing.Short() {
			t.Skip("10,000 objects: run without -short (make test does)")
		}
		c := newCity(t, e)
		objs := c.seed(t, "rainfall", 10_000, 64)
		cfg := c.config(t)
		start := time.Now()
		res, err := syncer.Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		t.Logf("10,000 objects, %d bytes, synced in %s", res.Bytes, time.Since(start).Round(time.Millisecond))
		m := readManifest(t, c.get(t, "water-resources/rainfall/v1/manifest.json"))
		if len(m.Objects) != len(objs) || res.Copied != int64(len(objs)) {
			t.Fatalf("manifest lists %d objects, copied %d; want %d", len(m.Objects), res.Copied, len(objs))
		}
		for _, e := range m.Objects {
			if e.SHA256 != hexSHA256(objs[e.Path]) {
				t.Fatalf("manifest entry %s has SHA-256 %s, want %s", e.Path, e.SHA256, hexSHA256(objs[e.Path]))
			}
		}
	})
}

// randomReader is n deterministic pseudo-random bytes, made as they are read.
func randomReader(n int64, seed uint64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	return io.LimitReader(rand.NewChaCha8(s), n)
}

// heapPeak samples the heap until stop is closed and returns the highest
// HeapAlloc seen.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

func TestSyncStreamsAOneGiBObjectWithBoundedMemory(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		if testing.Short() {
			t.Skip("1 GiB: run without -short (make test does)")
		}
		const size = 1 << 30
		c := newCity(t, e)
		ctx := context.Background()
		if _, err := c.dept.Root().PutObject(ctx, c.src, "rainfall/radar.bin", randomReader(size, 1), size, minio.PutObjectOptions{}); err != nil {
			t.Fatalf("seed 1 GiB: %v", err)
		}
		want, _ := hashReader(t, randomReader(size, 1))
		cfg := c.config(t)

		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := make(chan struct{})
		peak := heapPeak(stop)
		res, err := syncer.Run(ctx, cfg, nil)
		close(stop)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		growth := int64(<-peak) - int64(before.HeapAlloc)
		t.Logf("heap before %d MiB, peak growth %d MiB while syncing 1 GiB", before.HeapAlloc>>20, growth>>20)
		if growth > 64<<20 {
			t.Errorf("heap grew by %d MiB while syncing 1 GiB, want under 64 MiB: the object is being buffered", growth>>20)
		}
		m := readManifest(t, res.Manifest)
		if len(m.Objects) != 1 || m.Objects[0].Size != size || m.Objects[0].SHA256 != want {
			t.Fatalf("manifest %+v, want one object of %d bytes with SHA-256 %s", m.Objects, size, want)
		}
		got, n := hashObjectAtCenter(t, c, "water-resources/rainfall/v1/radar.bin")
		if got != want || n != size {
			t.Fatalf("the Center holds %d bytes with SHA-256 %s, want %d bytes with %s", n, got, size, want)
		}
	})
}

func hashObjectAtCenter(t *testing.T, c *city, key string) (string, int64) {
	t.Helper()
	obj, err := c.center.Root().GetObject(context.Background(), c.dst, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = obj.Close() }()
	return hashReader(t, obj)
}
