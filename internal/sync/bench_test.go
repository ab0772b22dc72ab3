package sync_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// Run with (figures in docs/benchmarks.md):
//
//	make versitygw && go test -run '^$' -bench BenchmarkSync -benchtime 3x ./internal/sync/
//
// Each benchmark reports the sync's throughput (MB/s, through both TLS
// servers: read, write, read back, record), the floor (the same bytes read
// from the department's disk and hashed, no network), and their ratio.

func BenchmarkSyncLargeObjects(b *testing.B) { benchSync(b, 4, 64<<20) }

func BenchmarkSyncSmallObjects(b *testing.B) { benchSync(b, 1000, 16<<10) }

func benchSync(b *testing.B, n int, size int64) {
	c := newCity(b)
	ctx := context.Background()
	root := c.dept.Root()
	keys := make([]string, n)
	for i := range n {
		keys[i] = fmt.Sprintf("rainfall/part-%05d.bin", i)
		if _, err := root.PutObject(ctx, "data", keys[i], randomReader(size, uint64(i)), size, minio.PutObjectOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	total := int64(n) * size
	b.SetBytes(total)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		cfg := c.config(b)
		cfg.ContentVersion = fmt.Sprintf("bench-%d", i)
		if _, err := syncer.Run(ctx, cfg, nil); err != nil {
			b.Fatal(err)
		}
	}
	syncRate := float64(total*int64(b.N)) / time.Since(start).Seconds() / 1e6
	b.StopTimer()
	floorRate := hashFloor(b, c, keys, total)
	b.ReportMetric(syncRate, "sync-MB/s")
	b.ReportMetric(floorRate, "floor-MB/s")
	b.ReportMetric(syncRate/floorRate, "ratio")
}

// hashFloor reads the source objects' files from disk and hashes them: the
// most any copy that verifies SHA-256 could do on this machine.
func hashFloor(b *testing.B, c *city, keys []string, total int64) float64 {
	buf := make([]byte, 1<<20)
	start := time.Now()
	const rounds = 3
	for range rounds {
		for _, k := range keys {
			f, err := os.Open(c.dept.ObjectPath("data", k))
			if err != nil {
				b.Fatal(err)
			}
			h := sha256.New()
			if _, err := io.CopyBuffer(h, f, buf); err != nil {
				b.Fatal(err)
			}
			_ = f.Close()
		}
	}
	return float64(total*rounds) / time.Since(start).Seconds() / 1e6
}
